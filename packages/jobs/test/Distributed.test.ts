import { MotiveClient, RequestGate, RequestJournal } from "@effect-motive/http"
import { NodeMotive } from "@effect-motive/http/node"
import type { Sandbox } from "@effect-motive/sandbox"
import { freeLoopbackPort } from "@effect-motive/sandbox/LoopbackPort"
import { NodeContext } from "@effect/platform-node"
import { PgClient } from "@effect/sql-pg"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Context, Effect, Layer, Redacted, Schedule } from "effect"
import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"
import { createServer } from "node:net"
import { join } from "node:path"
import * as Distributed from "../src/Distributed.js"
import { BatchFile, FootageJobs, FootageWorkflow, JobStore } from "../src/index.js"
import * as SharedRequestGate from "../src/SharedRequestGate.js"
import { freshDatabase } from "./postgres/database.js"
import { csvRows, quick, sandboxFor, tempDir, testSettings } from "./support.js"

const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex")

const freePort = Effect.promise(freeLoopbackPort)

const motiveOf = (sandbox: Sandbox.SandboxService) =>
  NodeMotive.layer({
    credentials: { _tag: "ApiKey", apiKey: sandbox.apiKey },
    baseUrl: sandbox.baseUrl,
    ...quick
  }).pipe(Layer.provideMerge(RequestJournal.layerMemory), Layer.provideMerge(NodeContext.layer))

const runnerOn = (
  database: Redacted.Redacted<string>,
  sandbox: Sandbox.SandboxService,
  root: string,
  port: number,
  firstPollMillis = 200
) =>
  Distributed.layerRunner({
    database,
    listen: { host: "127.0.0.1", port },
    settings: { ...testSettings(firstPollMillis), root, worker: `runner-${port}` },
    pollInterval: "100 millis",
    shardLockExpiration: undefined
  }).pipe(Layer.provideMerge(motiveOf(sandbox)))

describe("footage jobs on Postgres", () => {
  it.scopedLive(
    "a runner and a client-only process finish a batch, files under the runner's directory",
    () =>
      Effect.gen(function*() {
        const sandbox = yield* sandboxFor()
        const database = yield* freshDatabase("one_runner")
        const dir = yield* tempDir("pg")
        const port = yield* freePort
        yield* Layer.build(runnerOn(database, sandbox, join(dir, "worker"), port))
        const batch = yield* BatchFile.parseBatch("incidents.csv", csvRows(4))
        const final = yield* Effect.gen(function*() {
          const jobs = yield* FootageJobs.FootageJobs
          const submitted = yield* jobs.submit(batch, { directory: "" })
          expect(submitted.sent).toEqual([2, 3, 4, 5])
          return yield* jobs.awaitSettled(batch.id)
        }).pipe(Effect.provide(Distributed.layerClient({ database }).pipe(Layer.provide(motiveOf(sandbox)))))
        expect(final.counts.done).toBe(4)
        expect(yield* Effect.map(sandbox.recalls, (rs) => rs.length)).toBe(4)
        expect(final.files).toHaveLength(8)
        for (const f of final.files) {
          expect(f.path.startsWith(join(dir, "worker", "INC-"))).toBe(true)
          expect(f.worker).toBe(`runner-${port}`)
          expect(f.sha256).toBe(sha256(f.path))
        }
      }),
    60_000
  )
})

describe("a jobs database that cannot be used", () => {
  it.scopedLive(
    "says why, once, without the URL: a wrong password, a missing database and a closed port differ",
    () =>
      Effect.gen(function*() {
        const base = new URL(Redacted.value(yield* freshDatabase("reasons")))
        const reasonFor = (url: URL) =>
          Effect.flip(Layer.build(Distributed.layerStore(Redacted.make(url.href)))).pipe(
            Effect.map((e) => e.message)
          )
        const wrongPassword = new URL(base.href)
        wrongPassword.password = "not-the-password"
        const missing = new URL(base.href)
        missing.pathname = "/no_such_database"
        const closed = new URL(base.href)
        closed.port = String(yield* freePort)
        const reasons = yield* Effect.all([reasonFor(wrongPassword), reasonFor(missing), reasonFor(closed)])
        for (const reason of reasons) {
          expect(reason.match(/could not use the jobs database/g)).toHaveLength(1)
          expect(reason).not.toContain("not-the-password")
          expect(reason).not.toContain("postgres://")
        }
        expect(new Set(reasons).size).toBe(3)
        expect(reasons[2]).toContain("ECONNREFUSED")
      }),
    30_000
  )
})

describe("a runner whose address is taken", () => {
  it.scopedLive("fails with ListenFailed naming the address, not as a database problem", () =>
    Effect.gen(function*() {
      const sandbox = yield* sandboxFor()
      const database = yield* freshDatabase("taken_port")
      const dir = yield* tempDir("taken")
      const port = yield* freePort
      const holder = createServer()
      yield* Effect.acquireRelease(
        Effect.async<void>((resume) => {
          holder.once("error", (e) => resume(Effect.die(e)))
          holder.listen(port, "127.0.0.1", () => resume(Effect.void))
        }),
        () =>
          Effect.async<void>((resume) => {
            holder.close(() => resume(Effect.void))
          })
      )
      const error = yield* Effect.flip(Layer.build(runnerOn(database, sandbox, join(dir, "worker"), port)))
      expect(error._tag).toBe("ListenFailed")
      expect(error.message).toContain(`could not listen on 127.0.0.1:${port} for the other runners`)
      expect(error.message).toContain("EADDRINUSE")
    }), 60_000)
})

describe("processes that start at once on a new database", () => {
  it.scopedLive("all start: the tables are created once, under a lock", () =>
    Effect.gen(function*() {
      const sandbox = yield* sandboxFor()
      const dir = yield* tempDir("start")
      for (let round = 0; round < 2; round++) {
        const database = yield* freshDatabase("start")
        const ports = yield* Effect.all([freePort, freePort, freePort])
        const exits = yield* Effect.forEach(
          [
            ...ports.map((port) => runnerOn(database, sandbox, dir, port)),
            Distributed.layerClient({ database }).pipe(Layer.provide(motiveOf(sandbox))),
            SharedRequestGate.layer({ requestsPerSecond: 5 }).pipe(Layer.provide(Distributed.layerPg(database)))
          ],
          (layer) => Effect.exit(Effect.scoped(Layer.build(layer as Layer.Layer<unknown, unknown>))),
          { concurrency: "unbounded" }
        )
        expect(exits.map((e) => e._tag === "Success" ? "started" : Cause.pretty(e.cause).split("\n")[0])).toEqual(
          ["started", "started", "started", "started", "started"]
        )
      }
    }), 60_000)
})

describe("the shared request gate", () => {
  it.scopedLive("spaces the requests of several gates on one database by one limit", () =>
    Effect.gen(function*() {
      const database = yield* freshDatabase("gate")
      // Three processes' gates: each its own connection pool.
      const gates = yield* Effect.forEach([1, 2, 3], () =>
        Effect.map(
          Layer.build(
            SharedRequestGate.layer({ requestsPerSecond: 50 }).pipe(
              Layer.provide(PgClient.layer({ url: database, maxConnections: 2 }))
            )
          ),
          Context.get(RequestGate.RequestGate)
        ))
      const times: Array<number> = []
      yield* Effect.forEach(
        gates.flatMap((g) => Array.from({ length: 30 }, () => g)),
        (g) => g.admit(Effect.sync(() => times.push(performance.now()))),
        { concurrency: "unbounded" }
      )
      times.sort((a, b) => a - b)
      // 90 requests at 50 per 1.1 s: about 2 s, and no 1 s window holds more than 50.
      expect(times[times.length - 1]! - times[0]!).toBeGreaterThan(1800)
      for (let i = 0; i < times.length; i++) {
        const inWindow = times.filter((t) => t >= times[i]! && t < times[i]! + 1000).length
        expect(inWindow).toBeLessThanOrEqual(50)
      }
    }), 30_000)
})

describe("the quota ledger on Postgres", () => {
  it.scopedLive("two processes submit at once: only what the quota covers is admitted", () =>
    Effect.gen(function*() {
      const sandbox = yield* sandboxFor({ quota: { regularMinutes: 5 } })
      const database = yield* freshDatabase("ledger")
      // Two client-only processes (each its own connection pool) and no runner yet: admitted rows stay promised.
      const clients = yield* Effect.forEach([1, 2], () =>
        Effect.map(
          Layer.build(Distributed.layerClient({ database }).pipe(Layer.provide(motiveOf(sandbox)))),
          Context.get(FootageJobs.FootageJobs)
        ))
      const batches = yield* Effect.forEach(
        ["first.csv", "second.csv"],
        (name, i) => BatchFile.parseBatch(name, csvRows(3, "\n".repeat(i)))
      )
      const results = yield* Effect.forEach(
        [0, 1],
        (i) => Effect.either(clients[i]!.submit(batches[i]!, { directory: "" })),
        { concurrency: 2 }
      )
      const admitted = results.filter((r) => r._tag === "Right")
      const refused = results.filter((r) => r._tag === "Left").map((r) => r.left)
      expect(admitted).toHaveLength(1)
      expect(refused.map((e) => e._tag)).toEqual(["QuotaShort"])
      expect(refused[0]!.message).toContain("3 of them promised to other batches in flight")
    }), 30_000)
})

describe("a workflow resumption the cluster claims and then drops (Effect-TS/effect#8312)", () => {
  it.scopedLive(
    "still goes on: the runner releases the claims on its shards' unprocessed messages",
    () =>
      Effect.gen(function*() {
        const sandbox = yield* sandboxFor()
        const database = yield* freshDatabase("stranded")
        const dir = yield* tempDir("stranded")
        const port = yield* freePort
        // No poll of its own for 10 minutes: the row's completion comes from this test only.
        yield* Layer.build(runnerOn(database, sandbox, join(dir, "worker"), port, 600_000))
        const batch = yield* BatchFile.parseBatch("incidents.csv", csvRows(1))
        const sql = Context.get(
          yield* Layer.build(PgClient.layer({ url: database, maxConnections: 1 })),
          PgClient.PgClient
        )
        const runOf = (executionId: string) =>
          sql<{ id: string; processed: boolean }>`SELECT id, processed FROM cluster_messages
          WHERE entity_id = ${executionId} AND tag = 'run'`
        const settled = yield* Effect.gen(function*() {
          const jobs = yield* FootageJobs.FootageJobs
          const store = yield* JobStore.JobStore
          const client = yield* MotiveClient.MotiveClient
          yield* jobs.submit(batch, { directory: "" })
          // The row waits, its workflow suspended (its `run` answered), and its recall is finished at Motive.
          const row = yield* Effect.flatMap(store.rows(batch.id), ([r]) =>
            r?.state === "waiting" && r.executionId !== undefined && r.recallId !== undefined
              ? Effect.succeed({ executionId: r.executionId, recallId: r.recallId })
              : Effect.fail("not yet")).pipe(Effect.retry(Schedule.spaced("50 millis")))
          yield* Effect.flatMap(
            runOf(row.executionId),
            ([run]) =>
              run?.processed === true ? Effect.void : Effect.fail("not yet")
          ).pipe(
            Effect.retry(Schedule.spaced("50 millis"))
          )
          const status = yield* Effect.flatMap(client.getVideoRecall(row.recallId), (recall) => {
            const s = FootageWorkflow.statusOf(recall)
            return s.status === "success" ? Effect.succeed(s) : Effect.fail("not yet")
          }).pipe(Effect.retry(Schedule.spaced("50 millis")))
          // What the race leaves: the `run` resumed (its answer gone, unprocessed) and claimed by a read that then
          // skipped it. No read returns it for 10 minutes, and resuming finds nothing suspended to resume.
          const [run] = yield* runOf(row.executionId)
          yield* sql.withTransaction(Effect.zipRight(
            sql`DELETE FROM cluster_replies WHERE request_id = ${run!.id}`,
            sql`UPDATE cluster_messages SET processed = false, last_reply_id = NULL, last_read = NOW()
            WHERE id = ${run!.id}`
          ))
          yield* FootageWorkflow.complete(row.executionId, { recallId: row.recallId, via: "poll", ...status })
          return yield* jobs.awaitSettled(batch.id).pipe(
            Effect.timeoutFail({
              duration: "30 seconds",
              onTimeout: () =>
                "the row did not move on within 30 s"
            })
          )
        }).pipe(Effect.provide(Distributed.layerClient({ database }).pipe(Layer.provideMerge(motiveOf(sandbox)))))
        expect(settled.counts.done).toBe(1)
        expect(settled.files).toHaveLength(2)
        expect(
          yield* Effect.map(sandbox.recalls, (rs) => rs.length)
        ).toBe(1)
      }),
    60_000
  )
})
