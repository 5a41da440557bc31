import { Sandbox } from "@effect-motive/sandbox"
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Layer, Option, Tracer } from "effect"
import { createServer } from "node:http"
import { MotiveClient } from "../src/index.js"
import { UndiciHttpClient } from "../src/node.js"
import { clientFor } from "./support.js"

/** A server on a free loopback port that never answers; resolves `closed` when a request's connection closes. */
const silentServer = Effect.acquireRelease(
  Effect.async<{ readonly url: string; readonly closed: Promise<void>; readonly close: () => void }>((resume) => {
    let onClosed: () => void = () => {}
    const closed = new Promise<void>((resolve) => (onClosed = resolve))
    const server = createServer((req) => req.socket.once("close", onClosed))
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      resume(Effect.succeed({ url: `http://127.0.0.1:${port}/`, closed, close: () => server.close() }))
    })
  }),
  (s) => Effect.sync(() => s.close())
)

describe("UndiciHttpClient", () => {
  it.scopedLive("interrupting a request aborts it: the server sees its connection close", () =>
    Effect.gen(function*() {
      const server = yield* silentServer
      const http = yield* HttpClient.HttpClient
      const fiber = yield* Effect.fork(http.execute(HttpClientRequest.get(server.url)))
      yield* Effect.sleep("100 millis")
      yield* Fiber.interrupt(fiber)
      const closedInTime = yield* Effect.promise(() => server.closed).pipe(Effect.timeout("2 seconds"), Effect.option)
      expect(Option.isSome(closedInTime)).toBe(true)
    }).pipe(Effect.provide(UndiciHttpClient.layer)))

  it.scopedLive("zero, infinite and longer-than-a-timer timeouts mean no timeout, not an instant one", () =>
    Effect.gen(function*() {
      const url = yield* Effect.acquireRelease(
        Effect.async<{ readonly url: string; readonly close: () => void }>((resume) => {
          const server = createServer((_req, res) => setTimeout(() => res.end("late"), 50))
          server.listen(0, "127.0.0.1", () => {
            const address = server.address()
            const port = typeof address === "object" && address !== null ? address.port : 0
            resume(Effect.succeed({ url: `http://127.0.0.1:${port}/`, close: () => server.close() }))
          })
        }),
        (s) => Effect.sync(() => s.close())
      ).pipe(Effect.map((s) => s.url))
      for (const timeout of [Duration.zero, Duration.infinity, Duration.days(30)]) {
        const text = yield* Effect.flatMap(
          HttpClient.HttpClient,
          (http) => Effect.flatMap(http.get(url), (r) => r.text)
        ).pipe(
          Effect.provide(UndiciHttpClient.layerWith({ headersTimeout: timeout, bodyTimeout: timeout }))
        )
        expect(text).toBe("late")
      }
    }))
})

describe("MotiveClient spans", () => {
  it.scopedLive("a call is a motive.<call> span when a tracer is installed", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make()
      const names: Array<string> = []
      const recording = Tracer.make({
        span: (name, parent, context, links, startTime, kind) => {
          names.push(name)
          return Effect.runSync(
            Effect.map(Effect.tracer, (native) => native.span(name, parent, context, links, startTime, kind))
          )
        },
        context: (f) => f()
      })
      yield* Effect.gen(function*() {
        const client = yield* MotiveClient.MotiveClient
        yield* client.getRecallQuota
      }).pipe(Effect.provide(clientFor(sandbox).pipe(Layer.provideMerge(Layer.setTracer(recording)))))
      expect(names).toContain("motive.getRecallQuota")
    }))
})
