import { NodeFileSystem, NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Context, Deferred, Duration, Effect, Exit, FastCheck as fc, Fiber, Layer, Scope } from "effect"
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs"
import { createServer as createHttpServer, type RequestListener } from "node:http"
import { createServer as createHttpsServer } from "node:https"
import { createServer as createNetServer, type Socket } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Duplex } from "node:stream"
import { TLSSocket } from "node:tls"
import { MediaTransport } from "../src/index.js"
import { NodeMediaTransport } from "../src/node.js"
import { ChunkedDecoder, request } from "../src/node/internal/http1.js"
import { listening } from "./loopbackServer.js"

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url))
const cert = fixture("localhost-cert.pem")
const key = fixture("localhost-key.pem")

const tempDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "motive-media-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

/** A raw TCP server that answers each connection with `answer` (after reading the request head). */
const rawServer = (answer: (socket: Socket, request: string) => void) => {
  const sockets = new Set<Socket>()
  const server = createNetServer((socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
    socket.on("error", () => {})
    let head = ""
    socket.on("data", (d) => {
      if (head.includes("\r\n\r\n")) return
      head += d.toString("latin1")
      if (head.includes("\r\n\r\n")) answer(socket, head)
    })
  })
  return Effect.zipLeft(
    listening(server),
    Effect.addFinalizer(() => Effect.sync(() => sockets.forEach((s) => s.destroy())))
  )
}

const httpServer = (handler: RequestListener) => listening(createHttpServer(handler))

const transport = NodeMediaTransport.make({ idleTimeout: Duration.seconds(5) })

/** GETs `url` and saves the body to `path`; returns the status and whether the body arrived whole. */
const fetchTo = (
  media: typeof transport,
  url: string,
  path: string,
  headers: Record<string, string> = {}
) =>
  Effect.scoped(
    Effect.gen(function*() {
      const response = yield* media.get(url, headers)
      const saved = yield* Effect.either(response.saveTo(path, { append: false }))
      return { status: response.status, headers: response.headers, saved }
    })
  )

const bytes = (n: number, seed = 7) => {
  const b = Buffer.allocUnsafe(n)
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff
  return b
}

describe("MediaTransport.layerNode (the Node media reader)", () => {
  it.scopedLive("writes a content-length body of several batches to disk, byte for byte", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const body = bytes(5_000_003)
      const port = yield* httpServer((_, res) => {
        res.setHeader("content-length", body.length)
        res.end(body)
      })
      const result = yield* fetchTo(transport, `http://127.0.0.1:${port}/v.mp4`, join(dir, "v"))
      expect(result.status).toBe(200)
      expect(result.saved._tag).toBe("Right")
      expect(readFileSync(join(dir, "v")).equals(body)).toBe(true)
    }))

  it.scopedLive("decodes a chunked body", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const body = bytes(3_000_000)
      const port = yield* httpServer((_, res) => {
        // No content-length: node:http sends these writes as chunks.
        res.write(body.subarray(0, 1))
        res.write(body.subarray(1, 70_000))
        setTimeout(() => res.end(body.subarray(70_000)), 10)
      })
      const result = yield* fetchTo(transport, `http://127.0.0.1:${port}/`, join(dir, "v"))
      expect(result.headers["transfer-encoding"]).toBe("chunked")
      expect(result.saved._tag).toBe("Right")
      expect(readFileSync(join(dir, "v")).equals(body)).toBe(true)
    }))

  it.scopedLive("reads a body without length until the server closes, after skipping an interim answer", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const port = yield* rawServer((socket) => {
        socket.write(
          "HTTP/1.1 103 Early Hints\r\nlink: </x>\r\n\r\nHTTP/1.1 200 OK\r\nX-Thing: a\r\nx-thing: b\r\n\r\nhello "
        )
        setTimeout(() => socket.end("world"), 20)
      })
      const result = yield* fetchTo(transport, `http://127.0.0.1:${port}/`, join(dir, "v"))
      expect(result.status).toBe(200)
      expect(result.headers["x-thing"]).toBe("a, b")
      expect(result.saved._tag).toBe("Right")
      expect(readFileSync(join(dir, "v"), "utf8")).toBe("hello world")
    }))

  it.scopedLive("reads a head that arrives a byte at a time, interim answer included", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const answer = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\nabc"
      const port = yield* rawServer((socket) => {
        socket.setNoDelay(true)
        const next = (i: number) => {
          if (i < answer.length) socket.write(answer[i]!, () => setTimeout(() => next(i + 1), 1))
        }
        next(0)
      })
      const result = yield* fetchTo(transport, `http://127.0.0.1:${port}/`, join(dir, "v"))
      expect(result.status).toBe(200)
      expect(readFileSync(join(dir, "v"), "utf8")).toBe("abc")
    }))

  it.scopedLive("sends the request line, host, range headers and no credentials", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      let seen = ""
      const port = yield* rawServer((socket, request) => {
        seen = request
        socket.end("HTTP/1.1 206 Partial Content\r\ncontent-range: bytes 3-4/5\r\ncontent-length: 2\r\n\r\nde")
      })
      const result = yield* fetchTo(transport, `http://127.0.0.1:${port}/a%20b?sig=x&t=1`, join(dir, "v"), {
        range: "bytes=3-",
        "if-range": "\"e1\""
      })
      expect(result.status).toBe(206)
      const lines = seen.split("\r\n")
      expect(lines[0]).toBe("GET /a%20b?sig=x&t=1 HTTP/1.1")
      expect(lines).toContain(`host: 127.0.0.1:${port}`)
      expect(lines).toContain("range: bytes=3-")
      expect(lines).toContain("if-range: \"e1\"")
      expect(seen.toLowerCase()).not.toContain("x-api-key")
      expect(readFileSync(join(dir, "v"), "utf8")).toBe("de")
    }))

  it.scopedLive("keeps the bytes that arrived when the connection is cut, and says how many", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const port = yield* rawServer((socket) => {
        socket.write("HTTP/1.1 200 OK\r\ncontent-length: 1000000\r\n\r\n")
        socket.write(bytes(300_000), () => socket.destroy())
      })
      const result = yield* fetchTo(transport, `http://127.0.0.1:${port}/`, join(dir, "v"))
      expect(result.saved._tag).toBe("Left")
      if (result.saved._tag === "Left") {
        expect(result.saved.left).toMatchObject({ _tag: "MediaBodyFailed", local: false })
        expect(result.saved.left.message).toMatch(/after 300000 bytes/)
      }
      // What arrived is on disk, so a resume can start from it.
      expect(readFileSync(join(dir, "v")).equals(bytes(300_000))).toBe(true)
    }))

  it.scopedLive("follows a redirect, but never from https to http", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const port = yield* httpServer((req, res) => {
        if (req.url === "/old") {
          res.writeHead(302, { location: "/new?sig=1" }).end()
        } else {
          res.end(`at ${req.url}`)
        }
      })
      const result = yield* fetchTo(transport, `http://127.0.0.1:${port}/old`, join(dir, "v"))
      expect(result.status).toBe(200)
      expect(readFileSync(join(dir, "v"), "utf8")).toBe("at /new?sig=1")

      const securePort = yield* listening(createHttpsServer({ key, cert }, (_, res) => {
        res.writeHead(301, { location: `http://127.0.0.1:${port}/new` }).end()
      }))
      const secure = NodeMediaTransport.make({ tls: { ca: cert } })
      const downgrade = yield* fetchTo(secure, `https://localhost:${securePort}/old`, join(dir, "w"))
      expect(downgrade.status).toBe(301)
    }))

  it.scopedLive("speaks TLS, verifying the server's certificate", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const body = bytes(2_500_000)
      const port = yield* listening(createHttpsServer({ key, cert }, (_, res) => res.end(body)))
      const trusted = NodeMediaTransport.make({ tls: { ca: cert } })
      const result = yield* fetchTo(trusted, `https://localhost:${port}/v.mp4`, join(dir, "v"))
      expect(result.saved._tag).toBe("Right")
      expect(readFileSync(join(dir, "v")).equals(body)).toBe(true)

      // Without the CA, the self-signed certificate is refused before the request is sent.
      const refused = yield* Effect.flip(fetchTo(transport, `https://localhost:${port}/v.mp4`, join(dir, "w")))
      expect(refused).toMatchObject({ _tag: "MediaRequestFailed", requestSent: false, timedOut: false })
      expect(refused.message).toMatch(/SELF_SIGNED/)
    }))

  it.scopedLive("fails typed, never hangs: refused connection, silence, and an answer that is not HTTP", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const closed = yield* rawServer(() => {})
      const quick = NodeMediaTransport.make({ idleTimeout: Duration.millis(150) })
      const silent = yield* Effect.flip(fetchTo(quick, `http://127.0.0.1:${closed}/`, join(dir, "v")))
      expect(silent).toMatchObject({ _tag: "MediaRequestFailed", requestSent: true, timedOut: true })

      const garbage = yield* rawServer((socket) => socket.end("SSH-2.0-OpenSSH\r\n\r\n"))
      const notHttp = yield* Effect.flip(fetchTo(transport, `http://127.0.0.1:${garbage}/`, join(dir, "v")))
      expect(notHttp).toMatchObject({ _tag: "MediaRequestFailed", requestSent: true, timedOut: false })
      expect(notHttp.message).toMatch(/does not start with an HTTP\/1.1 status line/)

      // A port nobody listens on: the one just closed.
      const gone = yield* Effect.gen(function*() {
        const scope = yield* Scope.make()
        const port = yield* Scope.extend(rawServer(() => {}), scope)
        yield* Scope.close(scope, Exit.void)
        return port
      })
      const refused = yield* Effect.flip(fetchTo(transport, `http://127.0.0.1:${gone}/`, join(dir, "v")))
      expect(refused).toMatchObject({ _tag: "MediaRequestFailed", requestSent: false, message: "ECONNREFUSED" })
    }))

  it.scopedLive("stops at once when interrupted, waiting or mid-body, and closes the connection", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      let closedAtServer = 0
      const port = yield* rawServer((socket, request) => {
        socket.once("close", () => closedAtServer++)
        // One request never gets an answer; the other gets part of a body, then silence.
        if (request.includes("/body")) {
          socket.write("HTTP/1.1 200 OK\r\ncontent-length: 1000000\r\n\r\n" + "x".repeat(100_000))
        }
      })
      const slow = NodeMediaTransport.make({ idleTimeout: Duration.seconds(30) })
      const serverSawClose = (n: number) =>
        Effect.gen(function*() {
          while (closedAtServer < n) yield* Effect.sleep(Duration.millis(5))
        }).pipe(Effect.timeoutFail({ duration: Duration.seconds(1), onTimeout: () => "connection left open" }))

      const waiting = yield* Effect.fork(fetchTo(slow, `http://127.0.0.1:${port}/head`, join(dir, "a")))
      yield* Effect.sleep(Duration.millis(50))
      yield* Fiber.interrupt(waiting)
      yield* serverSawClose(1)

      const arrived = yield* Deferred.make<void>()
      const path = join(dir, "b")
      const reading = yield* Effect.fork(Effect.scoped(Effect.flatMap(
        slow.get(`http://127.0.0.1:${port}/body`, {}),
        (res) =>
          res.saveTo(path, {
            append: false,
            onBytes: (n) => n >= 100_000 && Deferred.unsafeDone(arrived, Exit.void)
          })
      )))
      yield* Deferred.await(arrived)
      yield* Fiber.interrupt(reading)
      // The bytes that arrived before the interruption are on disk.
      expect(readFileSync(path).length).toBe(100_000)
      yield* serverSawClose(2)
    }))

  it.scopedLive("reports a file that cannot be written as local, and stops reading", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const port = yield* httpServer((_, res) => res.end(bytes(100_000)))
      const result = yield* fetchTo(transport, `http://127.0.0.1:${port}/`, join(dir, "missing", "v"))
      expect(result.saved._tag).toBe("Left")
      if (result.saved._tag === "Left") {
        expect(result.saved.left).toMatchObject({ _tag: "MediaBodyFailed", local: true })
        expect(result.saved.left.message).toMatch(/ENOENT/)
      }
    }))

  it.scopedLive("stops reading when the disk refuses a write, and says so as a local failure", () =>
    Effect.gen(function*() {
      let sent = 0
      const port = yield* httpServer((_, res) => {
        res.setHeader("content-length", 64 * 1024 * 1024)
        const piece = bytes(1024 * 1024)
        const more = () => {
          while (sent < 64 && res.write(piece)) sent++
          if (sent < 64) res.once("drain", () => (sent++, more()))
          else res.end()
        }
        more()
      })
      // Linux's /dev/full accepts the open and refuses every write with ENOSPC.
      const result = yield* fetchTo(transport, `http://127.0.0.1:${port}/`, "/dev/full")
      expect(result.saved._tag).toBe("Left")
      if (result.saved._tag === "Left") {
        expect(result.saved.left).toMatchObject({ _tag: "MediaBodyFailed", local: true })
        expect(result.saved.left.message).toMatch(/ENOSPC/)
      }
      expect(sent).toBeLessThan(64)
    }))

  it.scopedLive("refuses what it cannot read right: a head over 64 KiB, a transfer-encoding it does not decode", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const huge = yield* rawServer((socket) =>
        socket.end(`HTTP/1.1 200 OK\r\nx-pad: ${"a".repeat(65_600)}\r\ncontent-length: 2\r\n\r\nok`)
      )
      const tooBig = yield* Effect.flip(fetchTo(transport, `http://127.0.0.1:${huge}/`, join(dir, "v")))
      expect(tooBig.message).toBe("the answer's head is larger than 64 KiB")

      const gzip = yield* rawServer((socket) =>
        socket.end("HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n")
      )
      const encoded = yield* Effect.flip(fetchTo(transport, `http://127.0.0.1:${gzip}/`, join(dir, "v")))
      expect(encoded.message).toMatch(/transfer-encoding this client does not decode: gzip, chunked/)
    }))

  it.scopedLive("reads odd but valid heads: any header name, a repeated equal content-length", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const port = yield* rawServer((socket) =>
        socket.end("HTTP/1.1 200 OK\r\nconstructor: x\r\ncontent-length: 2\r\ncontent-length: 2\r\n\r\nok")
      )
      const result = yield* fetchTo(transport, `http://127.0.0.1:${port}/`, join(dir, "v"))
      expect(result.headers["constructor"]).toBe("x")
      expect(result.headers["content-length"]).toBe("2")
      expect(readFileSync(join(dir, "v"), "utf8")).toBe("ok")
    }))

  it.scopedLive("sends another origin, after a redirect, only the range headers", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      let seenThere = ""
      const there = yield* rawServer((socket, request) => {
        seenThere = request
        socket.end("HTTP/1.1 206 Partial Content\r\ncontent-range: bytes 1-2/3\r\ncontent-length: 2\r\n\r\nbc")
      })
      const here = yield* httpServer((_, res) => res.writeHead(307, { location: `http://localhost:${there}/v` }).end())
      const result = yield* fetchTo(transport, `http://127.0.0.1:${here}/v`, join(dir, "v"), {
        range: "bytes=1-",
        "x-secret": "for the first host only"
      })
      expect(result.status).toBe(206)
      expect(seenThere).toContain("range: bytes=1-")
      expect(seenThere).not.toContain("x-secret")
    }))

  it.scopedLive("reports a connection broken while the body waited, at once and as broken", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      // A TLS server that sends the head and part of the body, then a corrupt record, in one TCP write.
      const port = yield* listening(createNetServer((raw) => {
        raw.on("error", () => {})
        let hold = false
        const pending: Array<Buffer> = []
        const wire = new Duplex({
          read() {},
          write(chunk, _encoding, callback) {
            if (hold) pending.push(chunk)
            else raw.write(chunk)
            callback()
          }
        })
        raw.on("data", (chunk) => wire.push(chunk))
        const tls = new TLSSocket(wire, { isServer: true, cert, key })
        tls.on("error", () => {})
        tls.once("data", () => {
          hold = true
          tls.write("HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\npartial")
          setTimeout(
            () => raw.write(Buffer.concat([...pending, Buffer.from([0x17, 3, 3, 0, 32]), Buffer.alloc(32)])),
            20
          )
        })
      }))
      const media = NodeMediaTransport.make({ tls: { ca: cert }, idleTimeout: Duration.seconds(20) })
      const started = Date.now()
      const outcome = yield* Effect.scoped(Effect.gen(function*() {
        const res = yield* media.get(`https://localhost:${port}/v`, {})
        yield* Effect.sleep(Duration.millis(150)) // the caller looks at the head before asking for the body
        return yield* Effect.flip(res.saveTo(join(dir, "v"), { append: false }))
      }))
      expect(outcome.local).toBe(false)
      expect(outcome.message).toMatch(/^the connection broke \(ERR_SSL_.*\) after 7 bytes$/)
      expect(Date.now() - started).toBeLessThan(5_000)
    }))

  it.scopedLive("fails typed on a path Node refuses, and dies (never hangs) when the progress callback throws", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const port = yield* httpServer((_, res) => res.end("hello"))
      const nul = yield* fetchTo(transport, `http://127.0.0.1:${port}/`, join(dir, "a\0b"))
      expect(nul.saved).toMatchObject({ _tag: "Left", left: { _tag: "MediaBodyFailed", local: true } })

      const exit = yield* Effect.exit(Effect.scoped(Effect.flatMap(
        transport.get(`http://127.0.0.1:${port}/`, {}),
        (res) =>
          res.saveTo(join(dir, "c"), {
            append: false,
            onBytes: () => {
              throw new Error("a bug in the progress display")
            }
          })
      )))
      expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
      expect(String(Cause.squash(Exit.isFailure(exit) ? exit.cause : Cause.empty))).toMatch(/progress display/)
    }))

  it.scopedLive("appends to a partial file when asked", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const port = yield* httpServer((_, res) => res.end("tail"))
      const path = join(dir, "v")
      yield* fetchTo(transport, `http://127.0.0.1:${port}/`, path)
      yield* Effect.scoped(Effect.flatMap(
        transport.get(`http://127.0.0.1:${port}/`, {}),
        (res) => res.saveTo(path, { append: true })
      ))
      expect(readFileSync(path, "utf8")).toBe("tailtail")
      expect(statSync(path).size).toBe(8)
    }))
})

describe("MediaTransport.layerHttpClient (media through the caller's HttpClient)", () => {
  it.scopedLive("releases the connection of an answer whose body nobody saves, without reading it all", () =>
    Effect.gen(function*() {
      let closedAtServer = false
      let sent = 0
      const port = yield* rawServer((socket) => {
        socket.once("close", () => {
          closedAtServer = true
        })
        socket.write("HTTP/1.1 403 Forbidden\r\ncontent-length: 1000000000\r\n\r\n")
        const piece = Buffer.alloc(64 * 1024, 120)
        const more = () => {
          while (!socket.destroyed && socket.write(piece)) sent += piece.length
          if (!socket.destroyed) socket.once("drain", more)
        }
        more()
      })
      // Built in the test's scope, so the HttpClient's connection pool lives as long as the test.
      const media = Context.get(
        yield* Layer.build(
          MediaTransport.layerHttpClient().pipe(
            Layer.provide(Layer.merge(NodeHttpClient.layerUndici, NodeFileSystem.layer))
          )
        ),
        MediaTransport.MediaTransport
      )
      const status = yield* Effect.scoped(Effect.map(media.get(`http://127.0.0.1:${port}/v`, {}), (r) => r.status))
      expect(status).toBe(403)
      yield* Effect.gen(function*() {
        while (!closedAtServer) yield* Effect.sleep(Duration.millis(10))
      }).pipe(Effect.timeoutFail({ duration: Duration.seconds(3), onTimeout: () => "connection left open" }))
      expect(sent).toBeLessThan(100_000_000)
    }))
})

describe("the HTTP/1.1 exchange", () => {
  it.scopedLive("closes the connection when the request is aborted after its head arrived", () =>
    Effect.gen(function*() {
      let closedAtServer = false
      const port = yield* rawServer((socket) => {
        socket.once("close", () => {
          closedAtServer = true
        })
        socket.write("HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n")
      })
      // What Effect does when a fiber is interrupted between the head's arrival and taking the exchange.
      const controller = new AbortController()
      yield* Effect.promise(() =>
        request(new URL(`http://127.0.0.1:${port}/`), {}, { idleTimeoutMillis: 5_000, signal: controller.signal })
      )
      controller.abort()
      yield* Effect.gen(function*() {
        while (!closedAtServer) yield* Effect.sleep(Duration.millis(5))
      }).pipe(Effect.timeoutFail({ duration: Duration.seconds(1), onTimeout: () => "connection left open" }))
    }))
})

describe("writing on a slow disk", () => {
  /** GETs `url` with the reader itself and saves the body, treating every synchronous write as slow. */
  const saveSlowly = (url: string, path: string) =>
    Effect.promise(async () => {
      const exchange = await request(new URL(url), {}, { idleTimeoutMillis: 5_000, slowWriteMillis: -1 })
      return exchange.saveTo(path, false, () => {})
    })

  it.scopedLive("after one slow write the rest goes through the thread pool, byte for byte, chunked too", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const body = bytes(5_000_003, 3)
      const port = yield* httpServer((req, res) => {
        if (req.url === "/chunked") {
          for (let at = 0; at < body.length; at += 300_001) res.write(body.subarray(at, at + 300_001))
          res.end()
        } else {
          res.setHeader("content-length", body.length)
          res.end(body)
        }
      })
      for (const name of ["length", "chunked"]) {
        const failure = yield* saveSlowly(`http://127.0.0.1:${port}/${name}`, join(dir, name))
        expect(failure).toBeUndefined()
        expect(readFileSync(join(dir, name)).equals(body)).toBe(true)
      }
    }))
})

describe("ChunkedDecoder", () => {
  /** `data` encoded in chunks of the given sizes, with extensions and a trailer. */
  const encode = (data: Buffer, sizes: Array<number>) => {
    const parts: Array<Buffer> = []
    let at = 0
    for (const size of sizes) {
      const piece = data.subarray(at, at + size)
      if (piece.length === 0) break
      parts.push(Buffer.from(`${piece.length.toString(16)};ext=1\r\n`), piece, Buffer.from("\r\n"))
      at += piece.length
    }
    if (at < data.length) {
      parts.push(Buffer.from(`${(data.length - at).toString(16)}\r\n`), data.subarray(at), Buffer.from("\r\n"))
    }
    parts.push(Buffer.from("0\r\nx-checksum: 1\r\n\r\n"))
    return Buffer.concat(parts)
  }

  it.prop(
    "gives back exactly the data, however the encoded bytes are split into reads",
    [
      fc.uint8Array({ maxLength: 3000 }),
      fc.array(fc.integer({ min: 1, max: 700 }), { maxLength: 20 }),
      fc.array(fc.integer({ min: 1, max: 500 }), { maxLength: 30 })
    ],
    ([data, sizes, reads]) => {
      const encoded = encode(Buffer.from(data), sizes)
      const decoder = new ChunkedDecoder()
      const out: Array<Buffer> = []
      let at = 0
      for (const n of [...reads, encoded.length]) {
        const end = Math.min(encoded.length, at + n)
        const error = decoder.feed(encoded, at, end, (b, s, e) => out.push(Buffer.from(b.subarray(s, e))))
        expect(error).toBeUndefined()
        at = end
      }
      expect(decoder.done).toBe(true)
      expect(Buffer.concat(out).equals(Buffer.from(data))).toBe(true)
    }
  )

  it("names what is broken", () => {
    const decoder = new ChunkedDecoder()
    expect(decoder.feed(Buffer.from("zz\r\n"), 0, 4, () => {})).toMatch(/not hexadecimal/)
    const long = new ChunkedDecoder()
    expect(long.feed(Buffer.from("2\r\nabc\r\n"), 0, 8, () => {})).toBe("a chunk is longer than its size")
  })
})
