import { HttpBody, HttpClient, HttpClientRequest } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Duration, Effect, Fiber, Option, Stream } from "effect"
import { createServer } from "node:http"
import { createServer as createNetServer, type Socket } from "node:net"
import { AgentHttpClient } from "../src/node.js"
import { cutMidBody, json, listening, serverWith, stallsMidBody, steadyBody } from "./loopbackServer.js"

describe("AgentHttpClient", () => {
  it.scopedLive("sends the method, headers and a JSON body with its length, and reads the JSON answer", () =>
    Effect.gen(function*() {
      const server = yield* serverWith((_req, res) => json(res))
      const http = yield* HttpClient.HttpClient
      const response = yield* http.execute(
        HttpClientRequest.post(server.url).pipe(
          HttpClientRequest.setHeader("x-api-key", "k"),
          HttpClientRequest.bodyUnsafeJson({ vehicle: "TRK-101", minutes: 2 })
        )
      )
      expect(response.status).toBe(200)
      expect(yield* response.json).toEqual({ ok: true })
      expect(yield* response.text).toBe("{\"ok\":true}") // a second read gets the same body
      const [sent] = server.received
      expect(sent!.method).toBe("POST")
      expect(sent!.headers["x-api-key"]).toBe("k")
      expect(sent!.headers["content-type"]).toBe("application/json")
      expect(sent!.headers["content-length"]).toBe(String(sent!.body.length))
      expect(JSON.parse(sent!.body.toString())).toEqual({ vehicle: "TRK-101", minutes: 2 })
    }).pipe(Effect.provide(AgentHttpClient.layer)))

  it.scopedLive("sends a URL's user name and password as Basic authentication, unless the request has its own", () =>
    Effect.gen(function*() {
      const server = yield* serverWith((_req, res) => json(res))
      const http = yield* HttpClient.HttpClient
      const withCredentials = server.url.replace("http://", "http://fleet%20bot:p%40ss@")
      yield* Effect.flatMap(http.get(withCredentials), (r) => r.text)
      yield* Effect.flatMap(
        http.get(withCredentials, { headers: { authorization: "Bearer own" } }),
        (r) => r.text
      )
      expect(server.received.map((r) => r.headers.authorization)).toStrictEqual([
        `Basic ${Buffer.from("fleet bot:p@ss").toString("base64")}`,
        "Bearer own"
      ])
    }).pipe(Effect.provide(AgentHttpClient.layer)))

  it.scopedLive("keeps the connection for the next request", () =>
    Effect.gen(function*() {
      const server = yield* serverWith((_req, res) => json(res))
      const http = yield* HttpClient.HttpClient
      for (let i = 0; i < 5; i++) yield* Effect.flatMap(http.get(server.url), (r) => r.json)
      expect(server.received).toHaveLength(5)
      expect(server.connections()).toBe(1)
    }).pipe(Effect.provide(AgentHttpClient.layer)))

  it.scopedLive("sends a streamed body and a form whole", () =>
    Effect.gen(function*() {
      const server = yield* serverWith((_req, res) => json(res))
      const http = yield* HttpClient.HttpClient
      const pieces = Stream.fromIterable(["a", "bc", "def"]).pipe(Stream.map((s) => new TextEncoder().encode(s)))
      yield* Effect.flatMap(
        http.execute(HttpClientRequest.post(server.url).pipe(HttpClientRequest.setBody(HttpBody.stream(pieces)))),
        (r) => r.text
      )
      const form = new FormData()
      form.append("ref", "INC-7")
      yield* Effect.flatMap(
        http.execute(HttpClientRequest.post(server.url).pipe(HttpClientRequest.bodyFormData(form))),
        (r) => r.text
      )
      expect(server.received[0]!.body.toString()).toBe("abcdef")
      expect(server.received[1]!.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/)
      expect(server.received[1]!.body.toString()).toContain("INC-7")
    }).pipe(Effect.provide(AgentHttpClient.layer)))

  it.scopedLive("streams a body piece by piece", () =>
    Effect.gen(function*() {
      const server = yield* serverWith((_req, res) => {
        res.write("x".repeat(100_000))
        setTimeout(() => res.end("y".repeat(100_000)), 20)
      })
      const http = yield* HttpClient.HttpClient
      const response = yield* http.get(server.url)
      const chunks = yield* Stream.runCollect(response.stream)
      const total = Chunk.reduce(chunks, 0, (n, c) => n + c.length)
      expect(total).toBe(200_000)
      expect(Chunk.size(chunks)).toBeGreaterThan(1)
    }).pipe(Effect.provide(AgentHttpClient.layer)))

  it.scopedLive("interrupting a request destroys it: the server sees its connection close", () =>
    Effect.gen(function*() {
      const server = yield* serverWith(() => {}) // never answers
      const http = yield* HttpClient.HttpClient
      const fiber = yield* Effect.fork(http.get(server.url))
      yield* Effect.sleep("100 millis")
      yield* Fiber.interrupt(fiber)
      const closedInTime = yield* Effect.promise(() => server.closed).pipe(Effect.timeout("2 seconds"), Effect.option)
      expect(Option.isSome(closedInTime)).toBe(true)
    }).pipe(Effect.provide(AgentHttpClient.layer)))

  it.scopedLive("interrupting a read of the body destroys it: the server sees its connection close", () =>
    Effect.gen(function*() {
      const server = yield* serverWith(stallsMidBody)
      const http = yield* HttpClient.HttpClient
      const response = yield* http.get(server.url)
      const fiber = yield* Effect.fork(response.text)
      yield* Effect.sleep("100 millis")
      yield* Fiber.interrupt(fiber)
      const closedInTime = yield* Effect.promise(() => server.closed).pipe(Effect.timeout("2 seconds"), Effect.option)
      expect(Option.isSome(closedInTime)).toBe(true)
      expect(yield* Effect.flip(response.text)).toMatchObject({ _tag: "ResponseError", reason: "Decode" })
    }).pipe(Effect.provide(AgentHttpClient.layer)))

  it.scopedLive("no answer within the headers timeout fails with MOTIVE_HEADERS_TIMEOUT", () =>
    Effect.gen(function*() {
      const server = yield* serverWith(() => {})
      const http = yield* HttpClient.HttpClient
      const error = yield* Effect.flip(http.get(server.url))
      expect(error._tag).toBe("RequestError")
      expect(error.cause).toMatchObject({ code: "MOTIVE_HEADERS_TIMEOUT" })
    }).pipe(Effect.provide(AgentHttpClient.layerWith({ headersTimeout: Duration.millis(200) }))))

  it.scopedLive("a streamed upload is not counted as the wait for the headers: those are timed from its end", () =>
    Effect.gen(function*() {
      // 8 pieces 60 ms apart: the upload takes about twice the headers timeout.
      const slowBody = () =>
        HttpBody.stream(
          Stream.repeatEffect(Effect.as(Effect.sleep("60 millis"), new TextEncoder().encode("piece "))).pipe(
            Stream.take(8)
          ),
          "text/plain"
        )
      const answers = yield* serverWith((_req, res) => json(res))
      const http = yield* HttpClient.HttpClient
      const response = yield* http.execute(
        HttpClientRequest.post(answers.url).pipe(HttpClientRequest.setBody(slowBody()))
      )
      expect(yield* response.json).toEqual({ ok: true })
      expect(answers.received[0]!.body.toString()).toBe("piece ".repeat(8))

      // Once the body is sent, a server that never answers still runs into the timeout.
      const silent = yield* serverWith(() => {})
      const error = yield* Effect.flip(
        http.execute(HttpClientRequest.post(silent.url).pipe(HttpClientRequest.setBody(slowBody())))
      )
      expect(error.cause).toMatchObject({ code: "MOTIVE_HEADERS_TIMEOUT", message: "no answer within 200 ms" })
      expect(silent.received[0]!.body.toString()).toBe("piece ".repeat(8))
    }).pipe(Effect.provide(AgentHttpClient.layerWith({ headersTimeout: Duration.millis(200) }))))

  it.scopedLive("a streamed upload the server reads slowly is not cut, though the system takes it in bursts", () =>
    Effect.gen(function*() {
      // For 1.5 s the server reads at most 32 KiB every 100 ms, then the rest at once. The system's buffers take
      // megabytes of the upload and then wake the writer only in bursts, so the upload seems to stand still for
      // longer than the 300 ms timeout although the server keeps reading.
      let read = 0
      const port = yield* listening(createServer((req, res) => {
        req.pause()
        const slowly = setInterval(() => {
          let budget = 32 * 1024
          let piece: Buffer | null
          while (budget > 0 && (piece = req.read()) !== null) {
            read += piece.length
            budget -= piece.length
          }
        }, 100)
        setTimeout(() => {
          clearInterval(slowly)
          req.on("data", (piece: Buffer) => (read += piece.length))
          req.resume()
        }, 1500)
        req.on("end", () => json(res))
      }))
      const piece = new Uint8Array(16 * 1024)
      const body = HttpBody.stream(Stream.repeatValue(piece).pipe(Stream.take(512)), "application/octet-stream")
      const http = yield* HttpClient.HttpClient
      const response = yield* http.execute(
        HttpClientRequest.post(`http://127.0.0.1:${port}/`).pipe(HttpClientRequest.setBody(body))
      )
      expect(yield* response.json).toEqual({ ok: true })
      expect(read).toBe(512 * 16 * 1024)
    }).pipe(Effect.provide(AgentHttpClient.layerWith({ headersTimeout: Duration.millis(300) }))))

  it.scopedLive("an upload the server stops reading is the caller's to bound: its timeout closes the connection", () =>
    Effect.gen(function*() {
      // A server that accepts the connection and reads nothing: the system's buffers fill and the upload stalls.
      const sockets: Array<Socket> = []
      let closed = 0
      const port = yield* listening(createNetServer((socket) => {
        sockets.push(socket)
        socket.on("close", () => closed++)
        socket.pause()
      }))
      yield* Effect.addFinalizer(() => Effect.sync(() => sockets.forEach((socket) => socket.destroy())))
      const piece = new Uint8Array(64 * 1024)
      const body = HttpBody.stream(Stream.repeatValue(piece).pipe(Stream.take(4096)), "application/octet-stream")
      const http = yield* HttpClient.HttpClient
      const outcome = yield* http.execute(
        HttpClientRequest.post(`http://127.0.0.1:${port}/`).pipe(HttpClientRequest.setBody(body))
      ).pipe(Effect.timeout("1 second"), Effect.either)
      expect(outcome).toMatchObject({ _tag: "Left", left: { _tag: "TimeoutException" } })
      // The server reads again: it finds the end of a connection the client has closed.
      expect(sockets.length).toBe(1)
      for (const socket of sockets) socket.resume()
      yield* Effect.sleep("300 millis")
      expect(closed).toBe(1)
    }).pipe(Effect.provide(AgentHttpClient.layerWith({ headersTimeout: Duration.millis(200) }))))

  it.scopedLive("a body that goes silent fails with MOTIVE_BODY_TIMEOUT, and a slow but steady one does not", () =>
    Effect.gen(function*() {
      const stalls = yield* serverWith(stallsMidBody)
      const http = yield* HttpClient.HttpClient
      const error = yield* Effect.flip(Effect.flatMap(http.get(stalls.url), (r) => r.text))
      expect(error._tag).toBe("ResponseError")
      expect(error.cause).toMatchObject({ code: "MOTIVE_BODY_TIMEOUT" })

      const steady = yield* serverWith(steadyBody)
      expect(yield* Effect.flatMap(http.get(steady.url), (r) => r.text)).toBe("piece ".repeat(5) + "end")
    }).pipe(Effect.provide(AgentHttpClient.layerWith({ bodyTimeout: Duration.millis(300) }))))

  it.scopedLive("a body cut by the server fails the read, and an unread cut body harms nothing", () =>
    Effect.gen(function*() {
      const server = yield* serverWith(cutMidBody)
      const http = yield* HttpClient.HttpClient
      const unread = yield* http.get(server.url)
      expect(unread.status).toBe(200)
      const error = yield* Effect.flip(Effect.flatMap(http.get(server.url), (r) => r.text))
      expect(error._tag).toBe("ResponseError")
      yield* Effect.sleep("100 millis") // the unread body's failure has happened by now, and thrown nowhere
    }).pipe(Effect.provide(AgentHttpClient.layer)))

  it.scopedLive("a refused connection fails with the system's code", () =>
    Effect.gen(function*() {
      const server = yield* serverWith(() => {})
      const url = server.url
      server.close()
      yield* Effect.sleep("20 millis")
      const http = yield* HttpClient.HttpClient
      const error = yield* Effect.flip(http.get(url))
      expect(error.cause).toMatchObject({ code: "ECONNREFUSED" })
    }).pipe(Effect.provide(AgentHttpClient.layer)))

  it.scopedLive("zero, infinite and longer-than-a-timer timeouts mean no timeout, not an instant one", () =>
    Effect.gen(function*() {
      const server = yield* serverWith((_req, res) => setTimeout(() => json(res), 50))
      for (const timeout of [Duration.zero, Duration.infinity, Duration.days(30)]) {
        const answer = yield* Effect.flatMap(
          HttpClient.HttpClient,
          (http) => Effect.flatMap(http.get(server.url), (r) => r.json)
        ).pipe(
          Effect.provide(AgentHttpClient.layerWith({ headersTimeout: timeout, bodyTimeout: timeout }))
        )
        expect(answer).toEqual({ ok: true })
      }
    }))

  it.scopedLive("a body cut before anyone read it fails its later reads (text and stream) instead of hanging", () =>
    Effect.gen(function*() {
      const server = yield* serverWith(cutMidBody)
      const http = yield* HttpClient.HttpClient
      const first = yield* http.get(server.url)
      const second = yield* http.get(server.url)
      yield* Effect.sleep("150 millis") // both cut by now, unread
      const text = yield* Effect.flip(first.text).pipe(Effect.timeout("2 seconds"))
      expect(text._tag).toBe("ResponseError")
      const streamed = yield* Effect.flip(Stream.runCollect(second.stream)).pipe(Effect.timeout("2 seconds"))
      expect(streamed._tag).toBe("ResponseError")
    }).pipe(Effect.provide(AgentHttpClient.layer)))

  it.scopedLive("the body timeout times the server, not the reader: a complete or backed-up body is kept", () =>
    Effect.gen(function*() {
      const small = yield* serverWith((_req, res) => res.end("hello"))
      const big = yield* serverWith((_req, res) => res.end(Buffer.alloc(4 * 1024 * 1024, 7)))
      const http = yield* HttpClient.HttpClient
      // Read long after it all came.
      const late = yield* http.get(small.url)
      yield* Effect.sleep("400 millis")
      expect(yield* late.text).toBe("hello")
      // A reader slower than the timeout for its first pieces (its backpressure pauses the socket).
      const slow = yield* http.get(big.url)
      let pieces = 0
      const bytes = yield* Stream.runFold(
        Stream.mapEffect(
          slow.stream,
          (c) => pieces++ < 3 ? Effect.as(Effect.sleep("250 millis"), c) : Effect.succeed(c)
        ),
        0,
        (n, c) => n + c.length
      )
      expect(bytes).toBe(4 * 1024 * 1024)
    }).pipe(Effect.provide(AgentHttpClient.layerWith({ bodyTimeout: Duration.millis(150) }))))

  it.scopedLive("a failing streamed body is an Encode error, and a failed request releases its body stream", () =>
    Effect.gen(function*() {
      const server = yield* serverWith((_req, res) => json(res))
      const http = yield* HttpClient.HttpClient
      const failing = Stream.concat(
        Stream.make(new TextEncoder().encode("a")),
        Stream.fail(new Error("boom"))
      )
      const error = yield* Effect.flip(
        http.execute(HttpClientRequest.post(server.url).pipe(HttpClientRequest.setBody(HttpBody.stream(failing))))
      )
      expect(error).toMatchObject({ _tag: "RequestError", reason: "Encode" })

      // A body that never ends, to a server that refuses the connection: its stream is finalized.
      const url = server.url
      server.close()
      yield* Effect.sleep("20 millis")
      let finalized = false
      const endless = Stream.repeatEffect(Effect.as(Effect.sleep("10 millis"), new Uint8Array(8))).pipe(
        Stream.ensuring(Effect.sync(() => {
          finalized = true
        }))
      )
      yield* Effect.flip(
        http.execute(HttpClientRequest.post(url).pipe(HttpClientRequest.setBody(HttpBody.stream(endless))))
      )
      yield* Effect.sleep("100 millis")
      expect(finalized).toBe(true)
    }).pipe(Effect.provide(AgentHttpClient.layer)))

  it.scopedLive("an empty POST is sent with content-length 0, not chunked", () =>
    Effect.gen(function*() {
      const server = yield* serverWith((_req, res) => json(res))
      const http = yield* HttpClient.HttpClient
      yield* Effect.flatMap(http.execute(HttpClientRequest.post(server.url)), (r) => r.text)
      expect(server.received[0]!.headers["content-length"]).toBe("0")
      expect(server.received[0]!.headers["transfer-encoding"]).toBeUndefined()
    }).pipe(Effect.provide(AgentHttpClient.layer)))
})
