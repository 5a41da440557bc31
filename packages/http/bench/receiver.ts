/**
 * The webhook receiver's benchmark: valid signed deliveries per second and p99 latency at 50 connections
 * (autocannon), alone and during a slowloris of 200 connections (raw sockets sending one header byte a second,
 * reconnecting when the server closes them), three runs, figures min/median/max. Everything on 127.0.0.1; the
 * receiver runs in its own process (bench/receiver-process.ts). Run with `npx tsx bench/receiver.ts` from
 * packages/http; BENCH_SECONDS sets each load's duration (default 5), BENCH_RUNS the runs (default 3).
 */
import autocannon from "autocannon"
import { type ChildProcess, spawn } from "node:child_process"
import { createHmac } from "node:crypto"
import { connect, type Socket } from "node:net"
import { join } from "node:path"

const here = new URL(".", import.meta.url).pathname
const tsx = join(here, "..", "..", "..", "node_modules", ".bin", "tsx")
const seconds = Number(process.env.BENCH_SECONDS ?? 5)
const runs = Number(process.env.BENCH_RUNS ?? 3)
const secret = "bench-secret"
const body = JSON.stringify({ action: "video_recall_request_completed", id: 42, vehicle_number: "TRK-101" })
const signature = createHmac("sha1", secret).update(body).digest("hex")

// Bounded in time, whatever happens.
setTimeout(() => {
  process.stderr.write("receiver benchmark: over its time budget, stopping\n")
  process.exit(1)
}, (runs * (2 * seconds + 15) + 30) * 1000).unref()

const startReceiver = () =>
  new Promise<{ port: number; child: ChildProcess }>((resolve, reject) => {
    const child = spawn(tsx, ["--expose-gc", join(here, "receiver-process.ts"), secret], {
      stdio: ["ignore", "pipe", "inherit", "ipc"]
    })
    child.stdout!.once("data", (d: Buffer) => resolve({ port: Number(d.toString().trim()), child }))
    child.once("error", reject)
  })

const stats = (child: ChildProcess) =>
  new Promise<{ rss: number; heapUsed: number; events: number }>((resolve) => {
    child.once("message", (m) => resolve(m as { rss: number; heapUsed: number; events: number }))
    child.send("stats")
  })

const stop = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    child.once("exit", () => resolve())
    child.kill("SIGTERM")
  })

interface Load {
  readonly rps: number
  readonly p99: number
  readonly ok: number
  readonly other: number
}

const load = async (port: number, duration = seconds): Promise<Load> => {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/`,
    method: "POST",
    connections: 50,
    duration,
    headers: { "content-type": "application/json", "x-kt-webhook-signature": signature },
    body
  })
  return {
    rps: result.requests.average,
    p99: result.latency.p99,
    ok: result["2xx"],
    other: result.non2xx + result.errors + result.timeouts
  }
}

/** 200 connections that send headers one byte a second, each reopened when the server closes it. */
const slowloris = (port: number, count: number) => {
  let stopped = false
  let closedByServer = 0
  const open = new Set<Socket>()
  const start = () => {
    const socket = connect(port, "127.0.0.1")
    socket.on("error", () => {})
    socket.resume()
    socket.write("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
    open.add(socket)
    socket.on("close", () => {
      open.delete(socket)
      if (!stopped) {
        closedByServer++
        start()
      }
    })
  }
  for (let i = 0; i < count; i++) start()
  const timer = setInterval(() => open.forEach((s) => s.write("a")), 1000)
  return {
    open: () => open.size,
    closedByServer: () => closedByServer,
    stop: () => {
      stopped = true
      clearInterval(timer)
      open.forEach((s) => s.destroy())
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const mib = (bytes: number) => bytes / 1024 / 1024

/**
 * A forged 50 MB upload with its `Content-Length`: the ms until the receiver's answer arrives (while the body is
 * still being sent) and the status it gave.
 */
const forgedUpload = (port: number) =>
  new Promise<{ readonly millis: number; readonly status: number }>((resolve, reject) => {
    const socket = connect(port, "127.0.0.1")
    const piece = Buffer.alloc(64 * 1024, 120)
    const started = performance.now()
    let sent = 0
    socket.once("data", (d) => {
      const millis = performance.now() - started
      socket.destroy()
      resolve({ millis, status: Number(/^HTTP\/1\.1 (\d+)/.exec(d.toString())?.[1]) })
    })
    socket.once("error", reject)
    socket.once("connect", () => {
      socket.write(
        `POST / HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${
          50 * 1024 * 1024
        }\r\n\r\n`
      )
      const more = () => {
        while (!socket.destroyed && sent < 50 * 1024 * 1024 && socket.write(piece)) sent += piece.length
        if (!socket.destroyed && sent < 50 * 1024 * 1024) socket.once("drain", more)
      }
      more()
    })
  })

interface Run {
  readonly forged: { readonly millis: number; readonly status: number; readonly rssGrowth: number }
  readonly alone: Load
  readonly slow: Load
  readonly slowOpen: number
  readonly slowClosed: number
  readonly before: { readonly rss: number; readonly heapUsed: number }
  readonly during: { readonly rss: number; readonly heapUsed: number }
}

const once = async (): Promise<Run> => {
  const { child, port } = await startReceiver()
  try {
    await load(port, 2) // warm-up, not counted
    const quiet = await stats(child)
    const answered = await forgedUpload(port)
    const forged = { ...answered, rssGrowth: (await stats(child)).rss - quiet.rss }
    const alone = await load(port)
    const before = await stats(child)
    const attack = slowloris(port, 200)
    await sleep(2000)
    const slow = await load(port)
    const during = await stats(child)
    const slowOpen = attack.open()
    const slowClosed = attack.closedByServer()
    attack.stop()
    return { forged, alone, slow, slowOpen, slowClosed, before, during }
  } finally {
    await stop(child)
  }
}

const spread = (xs: ReadonlyArray<number>, digits = 0) => {
  const sorted = [...xs].sort((a, b) => a - b)
  const f = (n: number) => n.toFixed(digits)
  return `${f(sorted[0]!)} / ${f(sorted[Math.floor(sorted.length / 2)]!)} / ${f(sorted[sorted.length - 1]!)}`
}

const results: Array<Run> = []
for (let i = 0; i < runs; i++) {
  const run = await once()
  results.push(run)
  process.stderr.write(
    `run ${i + 1}: ${run.alone.rps.toFixed(0)} req/s p99 ${run.alone.p99} ms alone; ${run.slow.rps.toFixed(0)} req/s ` +
      `p99 ${run.slow.p99} ms with ${run.slowOpen} slow connections open (${run.slowClosed} closed by the server); ` +
      `not 2xx ${run.alone.other + run.slow.other}\n`
  )
}
const column = (f: (r: Run) => number, digits = 0) => spread(results.map(f), digits)
process.stdout.write(
  [
    `webhook receiver, ${runs} runs of ${seconds} s, 50 connections, valid signed deliveries (min / median / max)`,
    `  a forged 50 MB upload: answered ${column((r) => r.forged.status)} in ${
      column((r) => r.forged.millis, 1)
    } ms (goal < 100), receiver RSS growth ${column((r) => mib(r.forged.rssGrowth), 1)} MiB (goal < 20)`,
    `  alone:              ${column((r) => r.alone.rps)} req/s, p99 ${column((r) => r.alone.p99)} ms`,
    `  200 slow (slowloris): ${column((r) => r.slow.rps)} req/s, p99 ${column((r) => r.slow.p99)} ms`,
    `  slow connections open at the end: ${column((r) => r.slowOpen)}, closed by the server: ${
      column((r) => r.slowClosed)
    }`,
    `  answers not 2xx (errors, timeouts): ${column((r) => r.alone.other + r.slow.other)}`,
    `  receiver live heap after a full GC, before / during the slowloris: ${
      column((r) => mib(r.before.heapUsed), 1)
    } MiB / ${column((r) => mib(r.during.heapUsed), 1)} MiB`,
    `  receiver RSS, before / during the slowloris: ${column((r) => mib(r.before.rss), 1)} MiB / ${
      column((r) => mib(r.during.rss), 1)
    } MiB`
  ].join("\n") + "\n"
)
