import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Fiber } from "effect"
import { readFileSync } from "node:fs"
import * as Http from "node:http"
import * as Https from "node:https"
import * as Net from "node:net"
import type { ApiRequest } from "../src/ApiTransport.js"
import { NodeApiTransport } from "../src/node.js"
import { destroyAgents, makeAgents } from "../src/node/internal/agentRequest.js"
import { cutMidBody, listening, serverWith, stallsMidBody, steadyBody } from "./loopbackServer.js"

/** The transport over fresh agents (destroyed with the scope), timed out after `millis`. */
const transport = (millis = 2_000) =>
  Effect.map(
    Effect.acquireRelease(Effect.sync(makeAgents), (agents) => Effect.sync(() => destroyAgents(agents))),
    (agents) => NodeApiTransport.make(agents, Duration.millis(millis))
  )

const get = (url: string): ApiRequest => ({ method: "GET", url, headers: { accept: "application/json" } })

describe("NodeApiTransport", () => {
  it.scopedLive("sends the method, headers and a JSON body with its length, and returns the whole answer", () =>
    Effect.gen(function*() {
      const server = yield* serverWith((_req, res) => {
        res.setHeader("x-request-id", "req-1")
        res.setHeader("set-cookie", ["a=1", "b=2"])
        res.statusCode = 201
        res.end(JSON.stringify({ created: "é" }))
      })
      const api = yield* transport()
      const answer = yield* api.exchange({
        method: "POST",
        url: server.url,
        headers: { accept: "application/json", "x-api-key": "k" },
        body: JSON.stringify({ a: 1 })
      })
      expect(answer.status).toBe(201)
      expect(answer.text).toBe(JSON.stringify({ created: "é" }))
      expect(answer.header("x-request-id")).toBe("req-1")
      expect(answer.header("set-cookie")).toBe("a=1, b=2")
      expect(answer.header("retry-after")).toBeUndefined()
      const [received] = server.received
      expect(received?.method).toBe("POST")
      expect(received?.headers).toMatchObject({
        accept: "application/json",
        "x-api-key": "k",
        "content-type": "application/json",
        "content-length": "7"
      })
      expect(received?.body.toString()).toBe(JSON.stringify({ a: 1 }))
    }))

  it.scopedLive("bounds the wait for the head, and the whole body, by the request timeout", () =>
    Effect.gen(function*() {
      const api = yield* transport(300)
      const silent = yield* serverWith(() => {})
      expect(yield* Effect.flip(api.exchange(get(silent.url)))).toMatchObject({
        _tag: "RequestTimeout",
        timeoutMillis: 300
      })
      const stalls = yield* serverWith(stallsMidBody)
      expect(yield* Effect.flip(api.exchange(get(stalls.url)))).toMatchObject({ _tag: "RequestTimeout" })
      // Slow but steady, never silent for 300 ms: 600 ms in all is still more than the request timeout allows.
      const steady = yield* serverWith(steadyBody)
      expect(yield* Effect.flip(api.exchange(get(steady.url)))).toMatchObject({
        _tag: "RequestTimeout",
        timeoutMillis: 300
      })
      // Within a longer one it all arrives.
      expect((yield* (yield* transport(5_000)).exchange(get(steady.url))).text).toBe("piece ".repeat(5) + "end")
    }))

  it.scopedLive("a body cut by the server may have been received; a refused connection was not", () =>
    Effect.gen(function*() {
      const api = yield* transport()
      const cut = yield* serverWith(cutMidBody)
      expect(yield* Effect.flip(api.exchange(get(cut.url)))).toMatchObject({
        _tag: "TransportError",
        requestSent: true
      })
      const gone = yield* serverWith(() => {})
      gone.close()
      yield* Effect.sleep("20 millis")
      const refused = yield* Effect.flip(api.exchange(get(gone.url)))
      expect(refused).toMatchObject({ _tag: "TransportError", requestSent: false })
      expect(refused.message).toMatch(/ECONNREFUSED.*nothing was sent/)
      expect(refused.message).not.toContain("/path")
    }))

  it.scopedLive("over https, a handshake that never finishes is no connection; a silent server after one is a timeout, also on a socket handed over by the agent", () =>
    Effect.gen(function*() {
      const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url))
      const agents = yield* Effect.acquireRelease(
        Effect.sync(() => ({
          http: new Http.Agent({ keepAlive: true }),
          // One socket: a second request waits for it, and is handed it once the first is answered.
          https: new Https.Agent({ keepAlive: true, maxSockets: 1, ca: fixture("localhost-cert.pem") })
        })),
        (agents) => Effect.sync(() => destroyAgents(agents))
      )
      const api = NodeApiTransport.make(agents, Duration.millis(300))
      // Accepts the connection and never answers the TLS hello.
      const held: Array<Net.Socket> = []
      const stalled = Net.createServer((socket) => held.push(socket))
      const stalledPort = yield* listening(stalled)
      yield* Effect.addFinalizer(() => Effect.sync(() => held.forEach((socket) => socket.destroy())))
      expect(yield* Effect.flip(api.exchange(get(`https://localhost:${stalledPort}/v1/x`)))).toMatchObject({
        _tag: "TransportError",
        requestSent: false
      })
      // Completes the handshake and reads every request; answers only /v1/answered.
      const silent = Https.createServer(
        { cert: fixture("localhost-cert.pem"), key: fixture("localhost-key.pem") },
        (req, res) => {
          if (req.url === "/v1/answered") res.end("{}")
        }
      )
      const silentPort = yield* listening(silent)
      const url = (path: string) => `https://localhost:${silentPort}${path}`
      expect(yield* Effect.flip(api.exchange(get(url("/v1/silent"))))).toMatchObject({
        _tag: "RequestTimeout",
        timeoutMillis: 300
      })
      const [answered, queued] = yield* Effect.all([
        api.exchange(get(url("/v1/answered"))),
        Effect.flip(api.exchange(get(url("/v1/silent"))))
      ], { concurrency: 2 })
      expect(answered.status).toBe(200)
      expect(queued).toMatchObject({ _tag: "RequestTimeout", timeoutMillis: 300 })
    }))

  it.scopedLive("a refusal whose body breaks is still that refusal, read with an empty body", () =>
    Effect.gen(function*() {
      const api = yield* transport()
      const server = yield* serverWith((_req, res, socket) => {
        res.statusCode = 429
        res.setHeader("retry-after", "0")
        res.setHeader("content-length", "50")
        res.write("0123456789")
        setTimeout(() => socket.destroy(), 20)
      })
      const answer = yield* api.exchange(get(server.url))
      expect(answer).toMatchObject({ status: 429, text: "" })
      expect(answer.header("retry-after")).toBe("0")
    }))

  it.scopedLive("interrupting an exchange closes its connection", () =>
    Effect.gen(function*() {
      const server = yield* serverWith(() => {})
      const api = yield* transport()
      const fiber = yield* Effect.fork(api.exchange(get(server.url)))
      yield* Effect.sleep("50 millis")
      yield* Fiber.interrupt(fiber)
      yield* Effect.promise(() => server.closed)
      expect(server.connections()).toBe(1)
    }))

  it.scopedLive("a URL it cannot send to is refused as an invalid request, with nothing sent", () =>
    Effect.gen(function*() {
      const api = yield* transport()
      for (const url of ["not a url", "ftp://127.0.0.1/file"]) {
        expect(yield* Effect.flip(api.exchange(get(url)))).toMatchObject({ _tag: "InvalidRequest", source: "client" })
      }
    }))
})
