import { HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Duration, Effect, FastCheck as fc, Fiber, Redacted, Stream } from "effect"
import { createHmac } from "node:crypto"
import { createServer } from "node:http"
import { connect, type Socket } from "node:net"
import { Webhooks } from "../src/index.js"

const secret = "limits-secret"
const hmac = (body: string | Uint8Array, key = secret) => createHmac("sha1", key).update(body).digest("hex")
const event = (id: number) => JSON.stringify({ action: "video_recall_request_completed", id })

/** A receiver served on 127.0.0.1 by a plain `http.Server` (Node's defaults, no timeouts of ours). */
const serve = (options: Omit<Parameters<typeof Webhooks.makeReceiver>[0], "secret"> = {}) =>
  Effect.gen(function*() {
    const receiver = yield* Webhooks.makeReceiver({ secret: Redacted.make(secret), ...options })
    const server = yield* NodeHttpServer.make(() => createServer(), { host: "127.0.0.1", port: 0 })
    yield* server.serve(receiver.app)
    const port = (server.address as HttpServer.TcpAddress).port
    const post = (body: string | Uint8Array, signature?: string) =>
      Effect.promise(() =>
        fetch(`http://127.0.0.1:${port}/`, {
          method: "POST",
          body,
          headers: signature === undefined ? {} : { "x-kt-webhook-signature": signature }
        }).then((r) => r.status)
      )
    return { receiver, port, post }
  })

/** What a raw upload gave: the server's answer (as text), and how many body bytes the client had written. */
interface Upload {
  readonly answer: string
  readonly sent: number
}

/**
 * Writes `head`, then `frame(n)` after `frame(n)` until `total` body bytes are written or the server answers or
 * closes; resolves with the answer and the body bytes written by then.
 */
const upload = (port: number, head: string, total: number, frame: (bytes: Buffer) => Buffer = (b) => b) =>
  Effect.promise(() =>
    new Promise<Upload>((resolve) => {
      const socket = connect(port, "127.0.0.1")
      const piece = Buffer.alloc(64 * 1024, 0x61)
      let answer = ""
      let sent = 0
      let done = false
      const finish = () => {
        if (done) return
        done = true
        socket.destroy()
        resolve({ answer, sent })
      }
      socket.on("data", (d: Buffer) => {
        answer += d.toString()
        if (answer.includes("\r\n\r\n")) finish()
      })
      socket.on("error", finish)
      socket.on("close", finish)
      socket.write(head)
      const pump = () => {
        while (!done && sent < total) {
          const bytes = frame(piece)
          sent += bytes.length
          if (!socket.write(bytes)) return void socket.once("drain", pump)
        }
      }
      pump()
    })
  )

/** `count` connections that send a request's headers one byte a tick and never finish; closed with the scope. */
const slowConnections = (port: number, count: number, tick: Duration.DurationInput) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const sockets: Array<Socket> = []
      for (let i = 0; i < count; i++) {
        const socket = connect(port, "127.0.0.1")
        socket.on("error", () => {})
        socket.write("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        sockets.push(socket)
      }
      const timer = setInterval(() => {
        for (const socket of sockets) if (!socket.destroyed) socket.write("a")
      }, Duration.toMillis(tick))
      return { sockets, timer }
    }),
    ({ sockets, timer }) =>
      Effect.sync(() => {
        clearInterval(timer)
        for (const socket of sockets) socket.destroy()
      })
  )

describe("Webhooks.makeReceiver limits", () => {
  it.effect("refuses options it could not work with, naming each with its rule, before any receiver exists", () =>
    Effect.gen(function*() {
      const refused = (options: Record<string, unknown>) =>
        Webhooks.makeReceiver({ secret: Redacted.make(secret), ...options }).pipe(Effect.flip)
      const zero = yield* refused({ capacity: 0, maxBodyBytes: -1, maxBytesInFlight: 1.5, maxDepth: Number.NaN })
      expect(zero._tag).toBe("ReceiverOptionsInvalid")
      expect(zero.message).toContain("capacity 0 must be a whole number, at least 1")
      expect(zero.message).toContain("maxBodyBytes -1 must be")
      expect(zero.message).toContain("maxBytesInFlight 1.5 must be")
      expect(zero.message).toContain("maxDepth NaN must be")
      expect((yield* refused({ bodyTimeout: "10 secs" })).message).toContain(
        `bodyTimeout "10 secs" is not a duration`
      )
      expect((yield* refused({ bodyTimeout: 0 })).message).toContain("bodyTimeout must be longer than 0")
      const plain = yield* Webhooks.makeReceiver({ secret: "plain" as unknown as Redacted.Redacted<string> }).pipe(
        Effect.flip
      )
      expect(plain.message).toContain("secret must be a Redacted string")
      expect(plain.message).not.toContain("plain")
    }))

  it.scopedLive("refuses a 50 MB body with 413 from its Content-Length while the client is still sending it", () =>
    Effect.gen(function*() {
      const { post, port, receiver } = yield* serve()
      const total = 50 * 1024 * 1024
      const head = `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-KT-Webhook-Signature: ${
        "0".repeat(40)
      }\r\nContent-Length: ${total}\r\n\r\n`
      const { answer, sent } = yield* upload(port, head, total)
      expect(answer).toMatch(/^HTTP\/1\.1 413 /)
      expect(answer.toLowerCase()).toContain("connection: close")
      // Answered long before the body was sent: the server never waited for it.
      expect(sent).toBeLessThan(total / 2)
      // And the receiver still takes the next valid delivery.
      expect(yield* post(event(1), hmac(event(1)))).toBe(200)
      const [first] = Chunk.toArray(yield* Stream.runCollect(Stream.take(receiver.events, 1)))
      expect(first!.event).toEqual({ action: "video_recall_request_completed", id: 1 })
    }))

  it.scopedLive("cuts a chunked body off with 413 once it passes maxBodyBytes, long before the client sent it all", () =>
    Effect.gen(function*() {
      const { port } = yield* serve({ maxBodyBytes: 256 * 1024 })
      const total = 50 * 1024 * 1024
      const head = `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-KT-Webhook-Signature: ${
        "0".repeat(40)
      }\r\nTransfer-Encoding: chunked\r\n\r\n`
      const chunked = (bytes: Buffer) =>
        Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, Buffer.from("\r\n")])
      const { answer, sent } = yield* upload(port, head, total, chunked)
      expect(answer).toMatch(/^HTTP\/1\.1 413 /)
      expect(sent).toBeLessThan(total / 2)
    }))

  it.scopedLive("refuses with 408 a body that has not arrived within bodyTimeout, and closes the connection", () =>
    Effect.gen(function*() {
      const { port } = yield* serve({ bodyTimeout: Duration.millis(300) })
      const head = `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-KT-Webhook-Signature: ${
        "0".repeat(40)
      }\r\nContent-Length: 1000\r\n\r\n`
      // Ten bytes of the thousand promised, then nothing.
      const { answer, sent } = yield* upload(port, head, 10, (b) => b.subarray(0, 10))
      expect(sent).toBe(10)
      expect(answer).toMatch(/^HTTP\/1\.1 408 /)
      expect(answer.toLowerCase()).toContain("connection: close")
    }))

  it.scopedLive("holds at most maxBytesInFlight of bodies at once, counted as they arrive: past it 503, then serves again", () =>
    Effect.gen(function*() {
      const { port, post } = yield* serve({ maxBytesInFlight: 1_900_000, bodyTimeout: Duration.millis(800) })
      const head = (length: number) =>
        `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-KT-Webhook-Signature: ${
          "0".repeat(40)
        }\r\nContent-Length: ${length}\r\n\r\n`
      // Two bodies of 900 KB promised, 852 KB of each sent, then nothing: 1.7 MB held until they time out.
      const stalled = yield* Effect.fork(
        Effect.all([
          upload(port, head(900_000), 13 * 65_536),
          upload(port, head(900_000), 13 * 65_536)
        ], { concurrency: 2 })
      )
      yield* Effect.sleep("300 millis")
      // A third whose bytes would pass 1.9 MB is answered 503 as they pass it (Motive delivers it again); a small
      // one still fits.
      const third = yield* upload(port, head(300_000), 4 * 65_536)
      expect(third.answer).toMatch(/^HTTP\/1\.1 503 /)
      const body = event(3)
      expect(yield* post(body, hmac(body))).toBe(200)
      // Once the stalled ones are refused (408), what they held is free.
      const answers = yield* Fiber.join(stalled)
      expect(answers.map((a) => a.answer.slice(0, 12))).toEqual(["HTTP/1.1 408", "HTTP/1.1 408"])
      // (A body of whole 64 KiB pieces: all of it read, then its signature found wrong.)
      const again = yield* upload(port, head(4 * 65_536), 4 * 65_536)
      expect(again.answer).toMatch(/^HTTP\/1\.1 403 /)
    }))

  it.scopedLive("answers any method but POST 405 with Allow: POST, reading nothing", () =>
    Effect.gen(function*() {
      const { port } = yield* serve()
      for (const method of ["GET", "PUT", "DELETE"]) {
        const response = yield* Effect.promise(() => fetch(`http://127.0.0.1:${port}/`, { method }))
        expect([method, response.status, response.headers.get("allow")]).toEqual([method, 405, "POST"])
      }
    }))

  it.scopedLive("puts no delivery off for bodies only announced: idle connections declaring a megabyte hold nothing", () =>
    Effect.gen(function*() {
      const { port, post } = yield* serve({ bodyTimeout: Duration.seconds(1) })
      const head = `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-KT-Webhook-Signature: ${
        "0".repeat(40)
      }\r\nContent-Length: 1048576\r\n\r\n`
      // Sixteen senders announce 1 MiB each (the whole 16 MiB budget, were it counted by what they declare) and
      // send one byte: anyone can do that, with no secret.
      const idle = yield* Effect.fork(
        Effect.all(Array.from({ length: 16 }, () => upload(port, head, 1, (b) => b.subarray(0, 1))), {
          concurrency: "unbounded"
        })
      )
      yield* Effect.sleep("300 millis")
      const body = event(4)
      expect(yield* post(body, hmac(body))).toBe(200)
      yield* Fiber.interrupt(idle)
    }))

  it.scopedLive("reads one delivery alone whatever it reserves: a maxBodyBytes above the budget refuses nothing", () =>
    Effect.gen(function*() {
      const { port } = yield* serve({ maxBodyBytes: 20 * 1024 * 1024 })
      // Chunked (no Content-Length): it reserves the whole 20 MiB, more than the 16 MiB budget.
      const body = event(5)
      const chunked = `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-KT-Webhook-Signature: ${
        hmac(body)
      }\r\nTransfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`
      const { answer } = yield* upload(port, chunked, 0)
      expect(answer).toMatch(/^HTTP\/1\.1 200 /)
    }))

  it.scopedLive("acknowledges a signed body nested 10,000 deep as not an event, and answers the next delivery", () =>
    Effect.gen(function*() {
      const { post, receiver } = yield* serve()
      const deep = "[".repeat(10_000) + "]".repeat(10_000)
      const deepEvent = `{"action":"video_recall_request_completed","id":7,"x":${deep}}`
      expect(yield* post(deep, hmac(deep))).toBe(200)
      expect(yield* post(deepEvent, hmac(deepEvent))).toBe(200)
      // Unsigned, it is refused without being parsed.
      expect(yield* post(deepEvent)).toBe(403)
      const others = Chunk.toArray(yield* Stream.runCollect(Stream.take(receiver.unrecognized, 2)))
      expect(others.map((raw) => new TextDecoder().decode(raw))).toEqual([deep, deepEvent])
      expect(yield* post(event(8), hmac(event(8)))).toBe(200)
      const [next] = Chunk.toArray(yield* Stream.runCollect(Stream.take(receiver.events, 1)))
      expect(next!.event).toEqual({ action: "video_recall_request_completed", id: 8 })
    }))

  it.scopedLive("takes events nested up to maxDepth, and strings full of brackets", () =>
    Effect.gen(function*() {
      const { post, receiver } = yield* serve({ maxDepth: 3 })
      const nested = JSON.stringify({ action: "a", id: 1, x: { y: [1] }, s: "[[[[{{{{\\\"" })
      expect(yield* post(nested, hmac(nested))).toBe(200)
      const [first] = Chunk.toArray(yield* Stream.runCollect(Stream.take(receiver.events, 1)))
      expect(first!.event).toEqual({ action: "a", id: 1 })
      const tooDeep = JSON.stringify({ action: "a", id: 2, x: { y: [[1]] } })
      expect(yield* post(tooDeep, hmac(tooDeep))).toBe(200)
      const [other] = Chunk.toArray(yield* Stream.runCollect(Stream.take(receiver.unrecognized, 1)))
      expect(new TextDecoder().decode(other)).toBe(tooDeep)
    }))

  it.scopedLive("answers a valid delivery within 3 s while 200 slow connections are open", () =>
    Effect.gen(function*() {
      const { port, post, receiver } = yield* serve()
      const slow = yield* slowConnections(port, 200, "200 millis")
      yield* Effect.sleep("500 millis")
      expect(slow.sockets.filter((s) => !s.destroyed).length).toBe(200)
      const started = Date.now()
      expect(yield* post(event(9), hmac(event(9)))).toBe(200)
      expect(Date.now() - started).toBeLessThan(3000)
      const [first] = Chunk.toArray(yield* Stream.runCollect(Stream.take(receiver.events, 1)))
      expect(first!.event).toEqual({ action: "video_recall_request_completed", id: 9 })
    }))

  it.scopedLive(
    "never accepts an unsigned or wrongly signed body (1,000 random bodies and signatures)",
    () =>
      Effect.gen(function*() {
        const { post, receiver } = yield* serve()
        const bytes = (s: string) => new TextEncoder().encode(s)
        const body = fc.oneof(
          fc.string().map(bytes),
          fc.json().map(bytes),
          fc.record({ action: fc.string(), id: fc.integer() }).map((e) => bytes(JSON.stringify(e))),
          fc.uint8Array({ maxLength: 512 })
        )
        // Every way a delivery can be forged; none carries the signature of exactly the bytes sent.
        type Forge = (body: Uint8Array) => { readonly signature: string | undefined; readonly sent: Uint8Array }
        const forgery = fc.oneof<Array<fc.Arbitrary<Forge>>>(
          fc.constant((b) => ({ signature: undefined, sent: b })),
          fc.hexaString({ minLength: 40, maxLength: 40 }).map((hex) => (b: Uint8Array) => ({
            signature: hex,
            sent: b
          })),
          fc.string({ maxLength: 60 }).map((junk) => (b: Uint8Array) => ({ signature: junk, sent: b })),
          fc.string({ minLength: 1 }).filter((k) => k !== secret).map((key) => (b: Uint8Array) => ({
            signature: hmac(b, key),
            sent: b
          })),
          fc.integer({ min: 0, max: 255 }).map((extra) => (b: Uint8Array) => ({
            signature: hmac(b),
            sent: new Uint8Array([...b, extra])
          })),
          fc.nat().map((at) => (b: Uint8Array) => {
            const sent = b.length === 0 ? new Uint8Array([0x20]) : new Uint8Array(b)
            sent[at % sent.length] = sent[at % sent.length]! ^ 0x01
            return { signature: hmac(b).toUpperCase(), sent }
          })
        )
        const refused = yield* Effect.promise(() =>
          fc.assert(
            fc.asyncProperty(body, forgery, async (b, forge) => {
              const { sent, signature } = forge(b)
              expect(await Effect.runPromise(post(sent, signature))).toBe(403)
            }),
            { numRuns: 1000 }
          )
        )
        expect(refused).toBeUndefined()
        // Nothing forged was queued: the first event and the first other body are the valid ones sent now.
        const vector = "[\"fault_code_closed\"]"
        expect(yield* post(vector, hmac(vector))).toBe(200)
        expect(yield* post(event(10), hmac(event(10)))).toBe(200)
        const [first] = Chunk.toArray(yield* Stream.runCollect(Stream.take(receiver.events, 1)))
        expect(first!.event).toEqual({ action: "video_recall_request_completed", id: 10 })
        const [other] = Chunk.toArray(yield* Stream.runCollect(Stream.take(receiver.unrecognized, 1)))
        expect(new TextDecoder().decode(other)).toBe(vector)
      }),
    { timeout: 120_000 }
  )
})
