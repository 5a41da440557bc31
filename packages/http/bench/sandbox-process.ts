/**
 * Runs a sandbox in its own process for the benchmarks, so the measured process does only client work.
 * Usage: tsx bench/sandbox-process.ts '<SandboxOptions as JSON>'; prints the base URL on its first line.
 */
import { Sandbox } from "@effect-motive/sandbox"

const options = JSON.parse(process.argv[2] ?? "{}")
const started = await Sandbox.start(options)
process.stdout.write(`${started.baseUrl}\n`)
process.on("message", async (message) => {
  if (typeof message === "object" && message !== null && "configure" in message) {
    // New settings, then a clean slate: requests, stored recalls, quota use and rate-limit buckets forgotten.
    const { Effect } = await import("effect")
    await Effect.runPromise(
      Effect.zipRight(started.sandbox.configure(message.configure as object), started.sandbox.reset)
    )
    process.send?.("configured")
  }
  if (message === "requests") {
    const requests = await import("effect").then(({ Effect }) => Effect.runPromise(started.sandbox.requests))
    process.send?.({ statuses: requests.map((r) => r.status), routes: requests.map((r) => r.route) })
  }
  if (message === "recalls") {
    const recalls = await import("effect").then(({ Effect }) => Effect.runPromise(started.sandbox.recalls))
    process.send?.({ recalls: recalls.map((r) => ({ id: r.id, status: r.status })) })
  }
})
process.on("SIGTERM", () => {
  void started.close().then(() => process.exit(0))
})
