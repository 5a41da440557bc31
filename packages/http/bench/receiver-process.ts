/**
 * Serves `Webhooks.makeReceiver` in its own process for the receiver benchmark, on 127.0.0.1, behind Node's HTTP
 * server with the timeouts `motive webhook listen` sets (packages/cli/src/commands/WebhookServer.ts), and drains
 * what it receives. Usage: tsx --expose-gc bench/receiver-process.ts SECRET; prints the port on its first line,
 * answers "stats" (IPC) with its RSS, its live heap after a full collection, and the number of events received.
 */
import { NodeHttpServer } from "@effect/platform-node"
import { Effect, Redacted, Stream } from "effect"
import { createServer } from "node:http"
import { Webhooks } from "../dist/index.js"

let events = 0
const main = Effect.gen(function*() {
  const receiver = yield* Webhooks.makeReceiver({ secret: Redacted.make(process.argv[2] ?? "bench-secret") })
  const server = yield* NodeHttpServer.make(
    () =>
      createServer({
        headersTimeout: 5_000,
        requestTimeout: 10_000,
        keepAliveTimeout: 5_000,
        connectionsCheckingInterval: 1_000
      }),
    { host: "127.0.0.1", port: 0 }
  )
  yield* server.serve(receiver.app)
  const address = server.address
  process.stdout.write(`${address._tag === "TcpAddress" ? address.port : 0}\n`)
  yield* Effect.all([
    Stream.runForEach(receiver.events, () => Effect.sync(() => events++)),
    Stream.runDrain(receiver.unrecognized)
  ], { concurrency: 2, discard: true })
})

process.on("message", (message) => {
  if (message === "stats") {
    globalThis.gc?.()
    const { heapUsed, rss } = process.memoryUsage()
    process.send?.({ rss, heapUsed, events })
  }
})
process.on("SIGTERM", () => process.exit(0))
Effect.runFork(Effect.scoped(main))
