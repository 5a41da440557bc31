/**
 * The footage-jobs benchmark: `npm run bench -w @effect-motive/jobs` (after `npm ci`, which builds the CLI).
 *
 * A batch of BENCH_ROWS (500) rows, one camera each, run by the built `motive batch run` against a sandbox in its
 * own process at 50 requests/s with a short lifecycle (0.2 s pending + 0.8 s processing) and small videos,
 * completed by webhook. Each round (BENCH_RUNS, default 3) runs the batch twice on fresh sandboxes and journals:
 * once straight through, once killed with SIGKILL when half the recalls exist and then run again.
 *
 * Figures (min / median / max over the rounds):
 * - wall time of the straight run against the lower bound the rate limit and lifecycle allow:
 *   (API requests a row needs, create + one confirming GET, times rows, plus the quota pre-flight, less the
 *   sandbox's burst) / 50 per second + one lifecycle. Goal ≤ 1.3×.
 * - the batch process's CPU per row and peak RSS (sampled from /proc every 50 ms);
 * - the job store's own cost per row (its SQLite statements for one row's life, timed in this process);
 * - the killed-and-resumed batch: extra wall time and extra requests against the straight run, and extra
 *   creates (goal 0: exactly one recall per row).
 * With BENCH_PROFILE=DIR each batch process writes a CPU profile into DIR.
 */
import { Effect, Layer } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { printTable, record, spread } from "../../http/bench/report.js"
import { BatchFile, Embedded, JobStore } from "../src/index.js"
import { ask, type SandboxProcess, startSandbox as startLocalSandbox } from "./sandbox.js"

const here = new URL(".", import.meta.url).pathname
const bin = join(here, "..", "..", "cli", "bin", "motive.cjs")
const rows = Number(process.env.BENCH_ROWS ?? 500)
const runs = Number(process.env.BENCH_RUNS ?? 3)
const rate = 50
const burst = 50
const lifecycle = { recallPendingMillis: 200, recallProcessingMillis: 800 }
const secret = "bench-webhook-secret"
const apiKey = "sandbox-demo-key"

const startSandbox = () =>
  startLocalSandbox({
    rateLimit: { requestsPerSecond: rate, burst },
    lifecycle,
    media: { videoBytes: 16 * 1024 },
    quota: { regularMinutes: 1_000_000, timelapseMinutes: 1_000_000 }
  })

const stop = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    child.once("exit", () => resolve())
    child.kill("SIGTERM")
  })

const csv = (): string => {
  const now = Math.floor(Date.now() / 60_000) * 60_000
  const lines = ["vehicle_number,start_time,duration,camera_positions,ref"]
  for (let i = 0; i < rows; i++) {
    const vehicle = i % 2 === 0 ? "TRK-101" : "TRK-103"
    lines.push(`${vehicle},${new Date(now - (10 + Math.floor(i / 2)) * 60_000).toISOString()},1,front_facing,r${i + 1}`)
  }
  return lines.join("\n")
}

interface BatchRun {
  readonly code: number | null
  readonly wallMillis: number
  readonly cpuMillis: number
  readonly peakRssMiB: number
  readonly killed: boolean
}

const procStat = (pid: number) => {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8")
    const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")
    const cpu = (Number(fields[11]) + Number(fields[12])) * 10
    return { rss, cpu }
  } catch {
    return undefined
  }
}

/** Runs the batch; with `killWhen`, SIGKILLs it as soon as that holds. */
const runBatch = async (
  sandbox: SandboxProcess,
  dir: string,
  port: number,
  killWhen?: () => Promise<boolean>
): Promise<BatchRun> => {
  const started = performance.now()
  // BENCH_PROFILE=DIR: each batch process writes a CPU profile there (open it in Chrome's DevTools). Given as
  // node's own arguments: Node 20 refuses --cpu-prof in NODE_OPTIONS.
  const profile = process.env.BENCH_PROFILE === undefined
    ? []
    : ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROFILE}`]
  const child = spawn(process.execPath, [
    ...profile,
    bin,
    "--quiet",
    "batch",
    "run",
    join(dir, "rows.csv"),
    "--dir",
    join(dir, "out"),
    "--journal",
    join(dir, "jobs.db"),
    "--concurrency",
    "16",
    "--webhook-port",
    String(port),
    "--webhook-secret",
    secret
  ], {
    env: {
      ...process.env,
      MOTIVE_BASE_URL: sandbox.baseUrl,
      MOTIVE_API_KEY: apiKey,
      MOTIVE_RATE_LIMIT: `${rate}/${burst}`,
      MOTIVE_STATE_DIR: join(dir, "state")
    },
    stdio: ["ignore", "ignore", "pipe"]
  })
  let stderr = ""
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()))
  let peak = 0, cpu = 0, killed = false
  const sampler = setInterval(() => {
    const s = procStat(child.pid!)
    if (s !== undefined) {
      peak = Math.max(peak, s.rss)
      cpu = s.cpu
    }
  }, 50)
  const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)))
  if (killWhen !== undefined) {
    while (child.exitCode === null && !(await killWhen())) await new Promise((r) => setTimeout(r, 100))
    if (child.exitCode === null) {
      child.kill("SIGKILL")
      killed = true
    }
  }
  const code = await exited
  clearInterval(sampler)
  if (!killed && code !== 0) throw new Error(`batch run exited ${code}: ${stderr}`)
  return { code, wallMillis: performance.now() - started, cpuMillis: cpu, peakRssMiB: peak, killed }
}

const registerWebhook = async (sandbox: SandboxProcess, port: number) => {
  const response = await fetch(`${sandbox.baseUrl}/v1/company_webhooks`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": apiKey },
    body: JSON.stringify({ url: `http://127.0.0.1:${port}/`, secret, actions: ["video_recall_request_completed"] })
  })
  if (!response.ok) throw new Error(`could not register the webhook: ${response.status}`)
}

interface Requests {
  readonly statuses: ReadonlyArray<number | undefined>
  readonly routes: ReadonlyArray<string | undefined>
}

const apiRequests = (r: Requests) => r.routes.filter((route) => route !== undefined && route !== "media").length
const createsMade = (r: Requests) =>
  r.routes.filter((route, i) => route === "createVideoRecall" && (r.statuses[i] ?? 500) < 300).length

/** A fresh sandbox (its webhooks to `port`) and a temporary directory holding `rows.csv`, both gone afterwards. */
const onFreshSandbox = async <A>(
  text: string,
  port: number,
  f: (sandbox: SandboxProcess, dir: string) => Promise<A>
): Promise<A> => {
  const sandbox = await startSandbox()
  const dir = mkdtempSync(join(tmpdir(), "motive-jobs-bench-"))
  try {
    writeFileSync(join(dir, "rows.csv"), text)
    await registerWebhook(sandbox, port)
    return await f(sandbox, dir)
  } finally {
    await stop(sandbox.child)
    rmSync(dir, { recursive: true, force: true })
  }
}

/** One round: the straight run, then the killed-and-resumed one, each on a fresh sandbox and journal. */
const round = async (i: number) => {
  // Below the ephemeral range (32768–60999), so that no outgoing connection holds it.
  const port = 24_000 + i * 2
  const text = csv()
  const straight = await onFreshSandbox(text, port, async (sandbox, dir) => {
    const result = await runBatch(sandbox, dir, port)
    const requests = await ask<Requests>(sandbox.child, "requests")
    const recalls = await ask<{ recalls: ReadonlyArray<unknown> }>(sandbox.child, "recalls")
    if (recalls.recalls.length !== rows) throw new Error(`${recalls.recalls.length} recalls for ${rows} rows`)
    return { ...result, requests: apiRequests(requests) }
  })
  const resumed = await onFreshSandbox(text, port + 1, async (sandbox, dir) => {
    const first = await runBatch(sandbox, dir, port + 1, async () => {
      const { recalls } = await ask<{ recalls: ReadonlyArray<unknown> }>(sandbox.child, "recalls")
      return recalls.length >= rows / 2
    })
    const second = await runBatch(sandbox, dir, port + 1)
    const requests = await ask<Requests>(sandbox.child, "requests")
    const recalls = await ask<{ recalls: ReadonlyArray<unknown> }>(sandbox.child, "recalls")
    return {
      killed: first.killed,
      wallMillis: first.wallMillis + second.wallMillis,
      requests: apiRequests(requests),
      extraCreates: createsMade(requests) - rows,
      recalls: recalls.recalls.length
    }
  })
  return { straight, resumed }
}

/** The job store's statements for one row's life, timed over `n` rows on a SQLite file. */
const storeCostPerRow = async (n: number) => {
  const dir = mkdtempSync(join(tmpdir(), "motive-jobs-store-"))
  const program = Effect.gen(function*() {
    const batch = yield* BatchFile.parseBatch("rows.csv", csv().split("\n").slice(0, n + 1).join("\n"))
    const store = yield* JobStore.JobStore
    const started = performance.now()
    yield* store.addBatch(batch, join(dir, "out"))
    for (const r of batch.rows) {
      yield* store.submitted(batch.id, r.row, 0, `exec-${r.row}`)
      yield* store.setState(batch.id, r.row, "creating")
      yield* store.setState(batch.id, r.row, "waiting", { recallId: r.row })
      yield* store.setState(batch.id, r.row, "downloading", { recallId: r.row })
      yield* store.addFile(
        new JobStore.JobFile({
          batchId: batch.id,
          row: r.row,
          recallId: r.row,
          position: "front_facing",
          path: join(dir, "out", `${r.row}.mp4`),
          bytes: 16_384,
          sha256: "0".repeat(64),
          worker: "bench",
          downloadedAt: new Date().toISOString()
        })
      )
      yield* store.setState(batch.id, r.row, "done", { recallId: r.row })
    }
    return (performance.now() - started) / batch.rows.length
  })
  const perRow = await Effect.runPromise(
    program.pipe(
      Effect.provide(
        JobStore.layer.pipe(
          Layer.provide(Embedded.layerSqlite(join(dir, "jobs.db")))
        )
      )
    )
  )
  rmSync(dir, { recursive: true, force: true })
  return perRow
}

const main = async () => {
  console.log(`footage jobs: ${rows} rows, sandbox at ${rate} requests/s (burst ${burst}), ${runs} rounds`)
  const lifecycleSeconds = (lifecycle.recallPendingMillis + lifecycle.recallProcessingMillis) / 1000
  const lowerBound = Math.max(0, 2 * rows + 1 - burst) / rate + lifecycleSeconds
  const results = []
  for (let i = 0; i < runs; i++) {
    const r = await round(i)
    console.log(
      `  round ${i + 1}: straight ${
        (r.straight.wallMillis / 1000).toFixed(1)
      } s, ${r.straight.requests} API requests; ` +
        `killed at half and resumed ${(r.resumed.wallMillis / 1000).toFixed(1)} s, ${r.resumed.requests} requests, ` +
        `${r.resumed.extraCreates} extra creates, ${r.resumed.recalls} recalls`
    )
    results.push(r)
  }
  const store = [await storeCostPerRow(rows), await storeCostPerRow(rows), await storeCostPerRow(rows)]
  console.log(`  lower bound: ${lowerBound.toFixed(1)} s`)
  record({
    name: `batch of ${rows}: wall / lower bound (rate limit + lifecycle)`,
    spread: spread(results.map((r) => r.straight.wallMillis / 1000 / lowerBound)),
    unit: "x",
    goal: { kind: "<=", bound: 1.3 }
  })
  record({
    name: "batch: wall time",
    spread: spread(results.map((r) => r.straight.wallMillis / 1000)),
    unit: "s"
  })
  record({
    name: "batch: API requests per row",
    spread: spread(results.map((r) => r.straight.requests / rows)),
    unit: "req"
  })
  record({
    name: "batch: process CPU per row",
    spread: spread(results.map((r) => r.straight.cpuMillis / rows)),
    unit: "ms"
  })
  record({
    name: "batch: peak RSS of the batch process",
    spread: spread(results.map((r) => r.straight.peakRssMiB)),
    unit: "MiB"
  })
  record({ name: "job store: its statements per row (SQLite file)", spread: spread(store), unit: "ms" })
  record({
    name: "killed at half + resumed: extra wall time",
    spread: spread(results.map((r, i) => (r.resumed.wallMillis - results[i]!.straight.wallMillis) / 1000)),
    unit: "s"
  })
  record({
    name: "killed at half + resumed: extra API requests",
    spread: spread(results.map((r) => r.resumed.requests - r.straight.requests)),
    unit: "req"
  })
  record({
    name: "killed at half + resumed: extra creates",
    spread: spread(results.map((r) => r.resumed.extraCreates)),
    unit: "",
    goal: { kind: "<=", bound: 0 }
  })
  printTable()
}

await main()
