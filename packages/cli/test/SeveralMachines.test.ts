import { recallCompletedAction } from "@effect-motive/domain"
import { freeLoopbackPort } from "@effect-motive/sandbox/LoopbackPort"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Redacted } from "effect"
import type { ChildProcess } from "node:child_process"
import { createHash } from "node:crypto"
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { distributedPackage } from "../src/SharedJobs.js"
import { dropDatabase, newDatabase, silenceable } from "./postgres.js"
import { ago, motive, motiveBackground, sandboxEnv, tempDir, until } from "./support.js"

const limit = 20
const secret = "several-machines-secret"

const freePort = Effect.promise(freeLoopbackPort)

const csv = (n: number, from: number) =>
  [
    "vehicle_number,start_time,duration,camera_positions,ref",
    ...Array.from({ length: n }, (_, i) => `TRK-101,${ago(from + i * 2)},1,front_facing,INC-${from + i}`)
  ].join("\n")

/** Waits until a background `motive` says `text` on stderr; its stderr in the failure otherwise. */
const started = (process: { readonly stderr: () => string }, text: string) =>
  until(() => process.stderr().includes(text) || undefined, 30_000).pipe(
    Effect.catchAllDefect(() => Effect.dieMessage(`not started: ${process.stderr()}`))
  )

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex")

/** The most requests that arrived within any 1 s window. */
const busiestSecond = (times: ReadonlyArray<number>) => {
  const sorted = [...times].sort((a, b) => a - b)
  let most = 0
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= 1000) j++
    most = Math.max(most, i - j + 1)
  }
  return most
}

interface BatchJson {
  readonly batch: { readonly id: string }
  readonly counts: Record<string, number>
  readonly rows: ReadonlyArray<{
    readonly row: number
    readonly state: string
    readonly recallId?: number
    readonly files: ReadonlyArray<
      { readonly camera: string; readonly path: string; readonly sha256: string; readonly worker: string }
    >
  }>
}

/** The exit code of a background `motive`, once it has ended. */
const exitOf = (process: { readonly child: ChildProcess }) =>
  Effect.async<number | null>((resume) => {
    if (process.child.exitCode !== null) resume(Effect.succeed(process.child.exitCode))
    else process.child.once("exit", (code) => resume(Effect.succeed(code)))
  })

/** A database of its own reached through a proxy the test can silence, and a sandbox: the environment for both. */
const silenceableDatabase = (name: string) =>
  Effect.gen(function*() {
    const database = yield* newDatabase(name)
    const proxy = yield* silenceable(database)
    const { env } = yield* sandboxEnv()
    return { database, proxy, env: { ...env, MOTIVE_DATABASE_URL: proxy.url, MOTIVE_RATE_LIMIT: String(limit) } }
  })

/**
 * `motive batch run` of two rows on a database of its own, following them with no worker running (they wait to be
 * sent): the process, its exit code once it ends, its environment and the sandbox.
 */
const followingTwoRows = (name: string) =>
  Effect.gen(function*() {
    const database = yield* newDatabase(name)
    const { env: motiveEnv, sandbox } = yield* sandboxEnv()
    const env = { ...motiveEnv, MOTIVE_DATABASE_URL: database, MOTIVE_RATE_LIMIT: String(limit) }
    const dir = yield* tempDir
    writeFileSync(join(dir, "rows.csv"), csv(2, 30))
    const follow = yield* motiveBackground(["batch", "run", join(dir, "rows.csv")], env)
    yield* started(follow, "sent to the workers")
    return { database, env, exited: exitOf(follow), follow, sandbox }
  })

describe("a client following a batch on a jobs database", () => {
  it.scopedLive(
    "is told the database was lost (exit 5, how to follow again), not a bug (exit 1)",
    () =>
      Effect.gen(function*() {
        const { database, exited, follow, sandbox } = yield* followingTwoRows("lost")
        yield* dropDatabase(database)
        expect(yield* exited).toBe(5)
        expect(follow.stderr()).toMatch(
          /lost the jobs database while following batch [0-9a-f]{12}: .*follow it with motive batch status [0-9a-f]{12} --database <URL>/
        )
        expect(follow.stderr()).not.toContain(new URL(database).password)
        // Only the quota was read (the pre-flight): nothing was created, no worker ran.
        expect((yield* sandbox.requests).map((r) => r.route)).toEqual(["recallQuota"])
      }),
    60_000
  )
})

describe("batch run on a jobs database, interrupted", () => {
  it.scopedLive(
    "cancels the rows the workers have not sent (exit 130), so that no quota is spent after Ctrl-C",
    () =>
      Effect.gen(function*() {
        // No worker runs yet: both rows wait to be sent when the client is interrupted.
        const { env, exited, follow } = yield* followingTwoRows("interrupt")
        follow.child.kill("SIGINT")
        expect(yield* exited).toBe(130)
        expect(follow.stderr()).toContain(
          "interrupted: rows 2, 3 not sent yet are cancelled (their quota is free); the workers finish the creates"
        )
        const status = yield* motive(["--json", "batch", "status"], { env })
        expect((JSON.parse(status.stdout) as BatchJson).rows.map((r) => r.state)).toEqual(["stopped", "stopped"])
      }),
    60_000
  )
})

describe("batch run on a jobs database gone silent, interrupted", () => {
  it.scopedLive(
    "says within about 10 s that it could not cancel the unsent rows, and how to stop them (it hung for ever)",
    () =>
      Effect.gen(function*() {
        const { database, env, proxy } = yield* silenceableDatabase("silent")
        const dir = yield* tempDir
        writeFileSync(join(dir, "rows.csv"), csv(2, 30))
        const follow = yield* motiveBackground(["batch", "run", join(dir, "rows.csv")], env)
        yield* started(follow, "sent to the workers")
        proxy.freeze()
        const interruptedAt = Date.now()
        follow.child.kill("SIGINT")
        expect(yield* exitOf(follow)).toBe(130)
        // 10 s for the cancel, then no second wait on the silent database.
        expect(Date.now() - interruptedAt).toBeLessThan(20_000)
        expect(follow.stderr()).toMatch(
          /interrupted: could not cancel the rows not sent yet \(the jobs database did not answer within 10 s\): the workers may still send them; stop them with: motive batch cancel [0-9a-f]{12} --database <URL>/
        )
        expect(follow.stderr()).not.toContain(new URL(database).password)
        // The rows were indeed left to send: nothing marked them.
        const status = yield* motive(["--json", "batch", "status"], { env: { ...env, MOTIVE_DATABASE_URL: database } })
        expect((JSON.parse(status.stdout) as BatchJson).rows.map((r) => r.state)).toEqual(["validated", "validated"])
      }),
    90_000
  )
})

describe("a worker whose jobs database went silent, interrupted", () => {
  it.scopedLive(
    "exits 130 within its 15 s stop budget, saying why, rather than waiting on the database for ever",
    () =>
      Effect.gen(function*() {
        const { database, env, proxy } = yield* silenceableDatabase("silentworker")
        const dir = yield* tempDir
        const port = yield* freePort
        const worker = yield* motiveBackground(["worker", "--dir", dir, "--listen", `127.0.0.1:${port}`], env)
        yield* started(worker, "stop it with Ctrl-C")
        proxy.freeze()
        worker.child.kill("SIGINT")
        expect(yield* exitOf(worker)).toBe(130)
        expect(worker.stderr()).toContain(
          "worker: the jobs database did not answer while stopping (15 s): exiting anyway; what it held goes to the " +
            "other workers once its locks expire, as after kill -9"
        )
        expect(worker.stderr()).not.toContain(new URL(database).password)
      }),
    90_000
  )
})

describe("batch run --detach on a jobs database", () => {
  it.scopedLive(
    "exits 4 naming the rows the quota did not cover (--partial), however many went to the workers",
    () =>
      Effect.gen(function*() {
        const database = yield* newDatabase("detach")
        const { env: motiveEnv, sandbox } = yield* sandboxEnv({ quota: { regularMinutes: 1 } })
        const env = { ...motiveEnv, MOTIVE_DATABASE_URL: database, MOTIVE_RATE_LIMIT: String(limit) }
        const dir = yield* tempDir
        writeFileSync(join(dir, "three.csv"), csv(3, 30))
        const partial = yield* motive(["--json", "batch", "run", join(dir, "three.csv"), "--partial", "--detach"], {
          env
        })
        expect(partial.code).toBe(4)
        const error = JSON.parse(partial.stdout).error as { message: string; summary: { detached: boolean } }
        expect(error.message).toMatch(
          /^Batch [0-9a-f]{12}: 1 row for the workers; 2 rows not sent, the quota does not cover them: 3, 4 /
        )
        expect(error.summary.detached).toBe(true)
        writeFileSync(join(dir, "one.csv"), csv(1, 90))
        const nothing = yield* motive(["batch", "run", join(dir, "one.csv"), "--partial", "--detach"], { env })
        expect(nothing.code).toBe(4)
        expect(nothing.stderr).toContain(": nothing was sent; 1 row not sent, the quota does not cover them: 2")
        // No worker runs: nothing was created.
        expect((yield* sandbox.requests).filter((r) => r.route === "createVideoRecall")).toEqual([])
      }),
    60_000
  )
})

describe("the shared jobs' warnings", () => {
  it.effect("pg's warning about a query queued on a busy connection stays off the terminal; others do not", () =>
    Effect.gen(function*() {
      yield* distributedPackage
      const seen: Array<string> = []
      const listener = (warning: Error) => seen.push(warning.message)
      process.on("warning", listener)
      yield* Effect.ensuring(
        Effect.gen(function*() {
          process.emitWarning(
            "Calling client.query() when the client is already executing a query is deprecated",
            "DeprecationWarning"
          )
          process.emitWarning("something else", "DeprecationWarning")
          // Warnings are emitted on the next tick.
          yield* Effect.promise(() => new Promise((resolve) => setImmediate(resolve)))
        }),
        Effect.sync(() => process.off("warning", listener))
      )
      expect(seen).toEqual(["something else"])
    }))
})

describe("footage jobs on several machines", () => {
  it.scopedLive(
    "three workers and a client on Postgres: a worker killed mid-run loses nothing, one rate limit for all",
    () =>
      Effect.gen(function*() {
        const database = yield* newDatabase("machines")
        const { env: motiveEnv, sandbox } = yield* sandboxEnv({
          rateLimit: { requestsPerSecond: limit, burst: 5, retryAfter: "seconds" },
          lifecycle: { recallPendingMillis: 300, recallProcessingMillis: 700 },
          media: { videoBytes: 256 * 1024 }
        })
        const env = {
          ...motiveEnv,
          MOTIVE_DATABASE_URL: database,
          MOTIVE_RATE_LIMIT: String(limit),
          MOTIVE_WEBHOOK_SECRET: secret
        }
        const dir = yield* tempDir
        const ports = yield* Effect.all([freePort, freePort, freePort])
        const workers = yield* Effect.forEach(ports, (port, n) =>
          Effect.suspend(() =>
            motiveBackground([
              "worker",
              "--listen",
              `127.0.0.1:${port}`,
              "--dir",
              join(dir, `worker-${n + 1}`),
              // Short for a quick failover, long enough that a lock refresh on a loaded machine is not late.
              "--shard-lock-expiration",
              "10s",
              "--poll-after",
              "5s"
            ], env)
          ))
        for (const w of workers) yield* started(w, "Worker ")
        // Each listens on loopback, and is told that only this machine's workers reach it.
        expect(workers[0]!.stderr()).toContain("127.0.0.1 is reachable from this machine only")
        const hookPort = yield* freePort
        const receiver = yield* motiveBackground(["jobs", "serve", "--webhook-port", String(hookPort)], env)
        yield* started(receiver, "Receiving completion webhooks")
        yield* sandbox.registerWebhook(`http://127.0.0.1:${hookPort}/`, Redacted.make(secret), [
          recallCompletedAction
        ])

        const rows = 60
        const file = join(dir, "rows.csv")
        writeFileSync(file, csv(rows, 30))
        const run = yield* Effect.fork(motive(["--json", "batch", "run", file], { env }))
        // What every process said, and where the batch stands: the failure message when a step takes too long.
        const stuck = (step: string) =>
          Effect.gen(function*() {
            const status = yield* motive(["batch", "status", "--database", database], { env })
            const recalls = (yield* sandbox.recalls).length
            const tails = [...workers, receiver].map((w, n) => `--- process ${n + 1}:\n${w.stderr().slice(-4000)}`)
            return yield* Effect.dieMessage(
              `${step}: ${recalls} recalls at the sandbox\n${status.stdout}${status.stderr}\n${tails.join("\n")}`
            )
          })
        // Kill one worker once a third of the recalls exist.
        yield* Effect.gen(function*() {
          while ((yield* sandbox.recalls).length < rows / 3) yield* Effect.sleep("50 millis")
        }).pipe(
          Effect.timeoutFail({ duration: "60 seconds", onTimeout: () => "timeout" }),
          Effect.orElse(() => stuck("a third of the recalls not made within 60 s"))
        )
        workers[0]!.child.kill("SIGKILL")
        const result = yield* Fiber.join(run).pipe(
          Effect.timeoutFail({ duration: "120 seconds", onTimeout: () => "timeout" }),
          Effect.orElse(() => stuck("the batch not done within 120 s of the kill"))
        )
        expect(result.stderr).not.toContain(database)
        expect(result.code, `${result.stderr}\n${result.stdout.slice(0, 2000)}`).toBe(0)
        const json = JSON.parse(result.stdout) as BatchJson
        expect(json.counts.done).toBe(rows)
        // Exactly one recall per row at Motive, and every file complete and byte-identical.
        const recalls = yield* sandbox.recalls
        expect(recalls).toHaveLength(rows)
        expect(new Set(json.rows.map((r) => r.recallId)).size).toBe(rows)
        for (const r of json.rows) {
          expect(r.files).toHaveLength(1)
          const f = r.files[0]!
          expect(existsSync(f.path)).toBe(true)
          const expected = sha256(yield* sandbox.videoBytes(r.recallId!, "front_facing"))
          expect(sha256(readFileSync(f.path))).toBe(expected)
          expect(f.sha256).toBe(expected)
        }
        // Every row done with worker 1 dead: its unfinished rows moved to the others. Each file is where its worker
        // put it, and the journal names that worker.
        for (const r of json.rows) {
          const f = r.files[0]!
          const n = Number(/\/worker-([123])\/INC-\d+\/\d+-front_facing\.mp4$/.exec(f.path)?.[1])
          expect(f.worker).toMatch(new RegExp(` 127\\.0\\.0\\.1:${ports[n - 1]}$`))
        }
        const byWorker = new Set(json.rows.map((r) => r.files[0]!.path.split("/worker-")[1]!.split("/")[0]))
        expect(byWorker.has("2") && byWorker.has("3")).toBe(true)
        // One company-wide rate limit: the API requests of every process together (media downloads come from
        // the storage Motive's URLs point at, which Motive does not count).
        const requests = (yield* sandbox.requests).filter((r) => r.route !== undefined && r.route !== "media")
        expect(busiestSecond(requests.map((r) => r.at))).toBeLessThanOrEqual(limit)
        const limited = requests.filter((r) => r.status === 429).length
        expect(limited / requests.length).toBeLessThanOrEqual(0.01)
        // Completions reached the workers through jobs serve's webhook receiver, each delivery answered 2xx.
        const deliveries = yield* sandbox.deliveries
        expect(deliveries.length).toBeGreaterThanOrEqual(rows)
        expect(deliveries.filter((d) => d.state === "delivered").length).toBeGreaterThanOrEqual(rows)

        // The same file from two processes at once: one batch, no duplicate rows, no second recall.
        const again = join(dir, "again.csv")
        writeFileSync(again, csv(6, 200))
        const [a, b] = yield* Effect.all([
          motive(["--json", "batch", "run", again], { env }),
          motive(["--json", "batch", "run", again], { env })
        ], { concurrency: 2 })
        expect([a.code, b.code], a.stderr + b.stderr).toEqual([0, 0])
        const [ja, jb] = [JSON.parse(a.stdout) as BatchJson, JSON.parse(b.stdout) as BatchJson]
        expect(ja.batch.id).toBe(jb.batch.id)
        expect(ja.rows.map((r) => r.row)).toEqual([2, 3, 4, 5, 6, 7])
        expect(yield* Effect.map(sandbox.recalls, (rs) => rs.length)).toBe(rows + 6)
        const status = yield* motive(["--json", "batch", "status", ja.batch.id], { env })
        expect((JSON.parse(status.stdout) as BatchJson).rows).toHaveLength(6)
      }),
    240_000
  )
})
