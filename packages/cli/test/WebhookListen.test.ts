import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { spawn } from "node:child_process"
import { createHmac } from "node:crypto"
import { connect, type Socket } from "node:net"
import { bin, motive, motiveBackground, stackTrace, until } from "./support.js"

const secret = "listen-secret"
const hmac = (body: string) => createHmac("sha1", secret).update(body).digest("hex")
const event = (id: number) => JSON.stringify({ action: "video_recall_request_completed", id })

/** POSTs `body` to `url`, signed with `signature` when given; the answer's status. */
const postTo = (url: string, body: string, signature?: string) =>
  Effect.promise(() =>
    fetch(url, {
      method: "POST",
      body,
      headers: signature === undefined ? {} : { "x-kt-webhook-signature": signature }
    }).then((r) => r.status)
  )

/** `motive webhook listen` on a free port (port 0), once it says where it listens. */
const listen = (...extra: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const proc = yield* motiveBackground(["webhook", "listen", "--port", "0", "--secret", secret, ...extra])
    const port = yield* until(() => /http:\/\/127\.0\.0\.1:(\d+)\//.exec(proc.stderr())?.[1])
    const post = (body: string, signature?: string) => postTo(`http://127.0.0.1:${port}/`, body, signature)
    return { proc, port: Number(port), post }
  })

/** Sends `head` and `sent` bytes of body, then waits for the answer's status line (or the connection's end). */
const answerTo = (port: number, head: string, sent: number) =>
  Effect.promise(() =>
    new Promise<string>((resolve) => {
      const socket = connect(port, "127.0.0.1")
      let answer = ""
      const finish = () => {
        socket.destroy()
        resolve(answer)
      }
      socket.on("data", (d: Buffer) => {
        answer += d.toString()
        if (answer.includes("\r\n")) finish()
      })
      socket.on("error", finish)
      socket.on("close", finish)
      socket.write(head)
      socket.write(Buffer.alloc(sent, 0x61))
    })
  )

// Every character a terminal may act on, but the newline that ends each note.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const terminalControls = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/

describe("motive webhook listen, under abuse", () => {
  it.scopedLive("escapes control characters in what it prints on stderr, and cuts a long body short", () =>
    Effect.gen(function*() {
      const { post, proc } = yield* listen()
      const hostile = "\u001b[31mred\u0007 \u009b2J \u202egnp.exe"
      expect(yield* post(hostile, hmac(hostile))).toBe(200)
      const long = JSON.stringify(["x".repeat(5000)])
      expect(yield* post(long, hmac(long))).toBe(200)
      yield* until(() => proc.stderr().includes("(5004 bytes)") ? true : undefined)
      const stderr = proc.stderr()
      expect(stderr).not.toMatch(terminalControls)
      expect(stderr).toContain("not an event (acknowledged): \\u001b[31mred\\u0007 \\u009b2J \\u202egnp.exe")
      const longNote = stderr.split("\n").find((line) => line.includes("(5004 bytes)"))!
      expect(longNote.length).toBeLessThan(300)
      // An event's own line on stdout is JSON with the same characters escaped.
      const tricky = JSON.stringify({ action: "video_recall_request_completed", id: 3, note: "\u009b2J\u2028" })
      expect(yield* post(tricky, hmac(tricky))).toBe(200)
      const line = yield* until(() => proc.lines[0])
      expect(line).not.toMatch(terminalControls)
      expect(JSON.parse(line)).toEqual(JSON.parse(tricky))
    }))

  it.scopedLive("keeps running after a signed event nested 10,000 deep, and prints the next delivery", () =>
    Effect.gen(function*() {
      const { post, proc } = yield* listen()
      const deep = `{"action":"video_recall_request_completed","id":4,"x":${"[".repeat(10_000)}${"]".repeat(10_000)}}`
      expect(yield* post(deep, hmac(deep))).toBe(200)
      expect(yield* post(event(5), hmac(event(5)))).toBe(200)
      const line = yield* until(() => proc.lines[0])
      expect(JSON.parse(line)).toEqual({ action: "video_recall_request_completed", id: 5 })
      yield* until(() => proc.stderr().includes("not an event (acknowledged)") ? true : undefined)
      expect(proc.child.exitCode).toBeNull()
      expect(proc.stderr()).not.toContain("Maximum call stack")
    }))

  it.scopedLive("prints each event as it came, on one line: numbers past 2^53 and their writing unchanged", () =>
    Effect.gen(function*() {
      const { post, proc } = yield* listen()
      const body =
        `{\n  "action": "video_recall_request_completed",\n  "id": 6,\n  "vehicle_id": 12345678901234567891,\n  "f": 1.50,\n  "note": "a b\\"c"\n}`
      expect(yield* post(body, hmac(body))).toBe(200)
      const line = yield* until(() => proc.lines[0])
      expect(line).toBe(
        `{"action":"video_recall_request_completed","id":6,"vehicle_id":12345678901234567891,"f":1.50,"note":"a b\\"c"}`
      )
    }))

  it.scopedLive(
    "answers within Motive's 3 s while stdout's reader is not reading: 503 once the pipe is full, no line printed twice",
    () =>
      Effect.gen(function*() {
        // stdout is a pipe nobody reads (yet): it holds 64 KiB.
        const child = yield* Effect.acquireRelease(
          Effect.sync(() =>
            spawn(process.execPath, [bin, "webhook", "listen", "--port", "0", "--secret", secret], {
              stdio: ["ignore", "pipe", "pipe"]
            })
          ),
          (c) => Effect.sync(() => c.kill("SIGKILL"))
        )
        let stderr = ""
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
        const port = yield* until(() => /http:\/\/127\.0\.0\.1:(\d+)\//.exec(stderr)?.[1])
        // Lines of 20 KB: more than a pipe takes in one write once nearly full, so one is begun and finished later.
        const padding = "x".repeat(20_000)
        const statuses: Array<number> = []
        // Until the pipe is full (a first 503), then one more: put off too.
        for (let id = 1; id <= 1_000 && statuses.filter((s) => s === 503).length < 2; id++) {
          const body = JSON.stringify({ action: "video_recall_request_completed", id, padding })
          const status = yield* postTo(`http://127.0.0.1:${port}/`, body, hmac(body)).pipe(
            Effect.timeoutFail({ duration: "3 seconds", onTimeout: () => `delivery ${id} not answered within 3 s` })
          )
          statuses.push(status)
        }
        const printed = statuses.filter((s) => s === 200).length
        expect(printed).toBeGreaterThan(2)
        expect(statuses.slice(printed)).toEqual([503, 503])
        // Five at once are each put off at once: none waits on another.
        const started = Date.now()
        const together = yield* Effect.all(
          Array.from({ length: 5 }, (_, i) => {
            const body = JSON.stringify({ action: "video_recall_request_completed", id: 900 + i, padding })
            return postTo(`http://127.0.0.1:${port}/`, body, hmac(body))
          }),
          { concurrency: "unbounded" }
        )
        expect(together).toEqual([503, 503, 503, 503, 503])
        expect(Date.now() - started).toBeLessThan(3_000)
        expect(stderr).toContain("stdout not read in time or gone (answered 503; Motive delivers it again)")
        // Once read, stdout holds exactly the deliveries answered 200, each once; the next is printed too.
        const lines: Array<string> = []
        let partial = ""
        child.stdout.on("data", (d: Buffer) => {
          const parts = (partial + d.toString()).split("\n")
          partial = parts.pop()!
          lines.push(...parts)
        })
        yield* until(() => lines.length >= printed ? true : undefined)
        const last = event(61)
        expect(yield* postTo(`http://127.0.0.1:${port}/`, last, hmac(last))).toBe(200)
        yield* until(() => lines.length > printed ? true : undefined)
        expect(lines.map((l) => (JSON.parse(l) as { id: number }).id)).toEqual(
          [...Array.from({ length: printed }, (_, i) => i + 1), 61]
        )
      }),
    60_000
  )

  it.scopedLive("refuses a 50 MB delivery with 413 before it is sent, and --max-body lowers the limit", () =>
    Effect.gen(function*() {
      const { port, post, proc } = yield* listen("--max-body", "100")
      // Only the headers and 1 KiB of the 50 MB are ever sent: the answer comes without the body.
      const head = `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-KT-Webhook-Signature: ${
        "0".repeat(40)
      }\r\nContent-Length: ${50 * 1024 * 1024}\r\n\r\n`
      expect(yield* answerTo(port, head, 1024)).toMatch(/^HTTP\/1\.1 413 /)
      const big = JSON.stringify({ action: "video_recall_request_completed", id: 6, pad: "x".repeat(100) })
      expect(yield* post(big, hmac(big))).toBe(413)
      yield* until(() => proc.stderr().includes("larger than --max-body (answered 413)") ? true : undefined)
      expect(yield* post(event(7), hmac(event(7)))).toBe(200)
      expect(JSON.parse(yield* until(() => proc.lines[0]))).toEqual({ action: "video_recall_request_completed", id: 7 })
      expect(proc.lines.length).toBe(1)
    }))

  it.scopedLive(
    "answers a valid delivery within 3 s while 200 slow connections are open, and closes those",
    () =>
      Effect.gen(function*() {
        const { port, post, proc } = yield* listen()
        const slow = yield* Effect.acquireRelease(
          Effect.sync(() => {
            const sockets: Array<Socket> = []
            for (let i = 0; i < 200; i++) {
              const socket = connect(port, "127.0.0.1")
              socket.on("error", () => {})
              socket.resume()
              socket.write("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
              sockets.push(socket)
            }
            // One more header byte a second: never a whole request.
            const timer = setInterval(() => sockets.forEach((s) => s.destroyed || s.write("a")), 1000)
            return { sockets, timer }
          }),
          ({ sockets, timer }) =>
            Effect.sync(() => {
              clearInterval(timer)
              sockets.forEach((s) => s.destroy())
            })
        )
        yield* Effect.sleep("1 second")
        const started = Date.now()
        expect(yield* post(event(8), hmac(event(8)))).toBe(200)
        expect(Date.now() - started).toBeLessThan(3000)
        expect(JSON.parse(yield* until(() => proc.lines[0]))).toEqual({
          action: "video_recall_request_completed",
          id: 8
        })
        // The server does not wait for them for ever: every slow connection is closed within seconds.
        const closed = (s: Socket) => s.destroyed || s.readableEnded
        yield* until(() => slow.sockets.every(closed) ? true : undefined, 20_000)
        expect(proc.child.exitCode).toBeNull()
      }),
    { timeout: 60_000 }
  )

  it.scopedLive("with --json, says where it listens on its first line; stdout stays JSON Lines through Ctrl-C", () =>
    Effect.gen(function*() {
      const proc = yield* motiveBackground(["webhook", "listen", "--port", "0", "--secret", secret, "--json"])
      const first = JSON.parse(yield* until(() => proc.lines[0]))
      expect(first).toEqual({
        listening: { url: `http://127.0.0.1:${first.listening.port}/`, port: expect.any(Number) }
      })
      expect(first.listening.port).toBeGreaterThan(0)
      const status = yield* postTo(first.listening.url, event(9), hmac(event(9)))
      expect(status).toBe(200)
      expect(JSON.parse(yield* until(() => proc.lines[1]))).toEqual({ action: "video_recall_request_completed", id: 9 })
      // A wrong signature is told on stderr with --json too: stdout stays events only.
      const forged = yield* postTo(first.listening.url, event(10), hmac(event(11)))
      expect(forged).toBe(403)
      yield* until(() =>
        proc.stderr().includes("its signature is missing or does not match --secret") ? true : undefined
      )
      proc.child.kill("SIGINT")
      expect(yield* until(() => proc.child.exitCode ?? undefined)).toBe(130)
      yield* Effect.sleep("100 millis")
      // Every line is a JSON document of its own, and the interruption (the stream's end) adds none.
      expect(proc.lines.length).toBe(2)
    }))

  it.scopedLive("ends when its reader goes away (motive webhook listen | head -n 1), exit 0, no stack trace", () =>
    Effect.gen(function*() {
      const { post, proc } = yield* listen()
      expect(yield* post(event(1), hmac(event(1)))).toBe(200)
      yield* until(() => proc.lines.length > 0 ? true : undefined)
      // The reader closes its end; the next event printed meets a closed pipe. It is not acknowledged (Motive
      // delivers it again), and neither is any after it.
      proc.child.stdout.destroy()
      expect(yield* post(event(2), hmac(event(2)))).toBe(503)
      const code = yield* until(() => proc.child.exitCode ?? undefined)
      expect(code).toBe(0)
      expect(proc.stderr()).not.toMatch(stackTrace)
      const after = yield* Effect.exit(post(event(3), hmac(event(3))))
      expect(Exit.isFailure(after) || after.value !== 200).toBe(true)
    }))

  it.scopedLive("with --json, a reader that took only the first line (| head -n 1): the first event is not acknowledged", () =>
    Effect.gen(function*() {
      const proc = yield* motiveBackground(["webhook", "listen", "--port", "0", "--secret", secret, "--json"])
      const first = JSON.parse(yield* until(() => proc.lines[0]))
      proc.child.stdout.destroy()
      const status = yield* postTo(first.listening.url, event(4), hmac(event(4)))
      expect(status).toBe(503)
      expect(yield* until(() => proc.child.exitCode ?? undefined)).toBe(0)
    }))

  it.scopedLive("with --json, a refusal before it listens is one JSON line too (a port in use, a usage error)", () =>
    Effect.gen(function*() {
      const holder = yield* listen()
      const taken = yield* motive(["webhook", "listen", "--port", String(holder.port), "--secret", secret, "--json"])
      expect(taken.code).toBe(2)
      expect(taken.stdout.trimEnd().split("\n")).toHaveLength(1)
      expect(JSON.parse(taken.stdout)).toMatchObject({ error: { tag: "InvalidInput" } })
      const usage = yield* motive(["webhook", "listen", "--port", "x", "--json"])
      expect(usage.code).toBe(2)
      expect(usage.stdout.trimEnd().split("\n")).toHaveLength(1)
      expect(JSON.parse(usage.stdout)).toMatchObject({ error: { tag: "UsageError" } })
      // Other commands keep their one indented document.
      const other = yield* motive(["recall", "get", "x", "--json"])
      expect(other.stdout.trimEnd().split("\n").length).toBeGreaterThan(1)
    }))
})
