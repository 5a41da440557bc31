import { Effect } from "effect"
import { createServer, type IncomingMessage } from "node:http"
import type { AddressInfo } from "node:net"
import { defaultSandboxApiKey, type StoredRecall } from "../src/index.js"

/** An answer read with Node's own HTTP client (fetch), never the project's client. */
export interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly body: unknown
  readonly bytes: Uint8Array
}

/** Calls the sandbox with Node's fetch; the API key is sent unless `headers` says otherwise. */
export const call = (
  baseUrl: string,
  method: string,
  path: string,
  options: { readonly body?: unknown; readonly headers?: Record<string, string> } = {}
): Effect.Effect<Answer, Error> =>
  Effect.tryPromise({
    try: async () => {
      const response = await fetch(path.startsWith("http") ? path : `${baseUrl}${path}`, {
        method,
        headers: {
          "x-api-key": defaultSandboxApiKey,
          ...(options.body === undefined ? {} : { "content-type": "application/json" }),
          ...options.headers
        },
        ...(options.body === undefined
          ? {}
          : { body: typeof options.body === "string" ? options.body : JSON.stringify(options.body) })
      })
      const bytes = new Uint8Array(await response.arrayBuffer())
      const text = new TextDecoder().decode(bytes)
      let body: unknown = text
      try {
        body = JSON.parse(text)
      } catch {
        // not JSON: keep the text
      }
      return { status: response.status, headers: response.headers, body, bytes }
    },
    catch: (e) => (e instanceof Error ? e : new Error(String(e)))
  })

/** The field of a JSON answer, for terse assertions. */
export const field = (answer: Answer, key: string): unknown =>
  typeof answer.body === "object" && answer.body !== null ? (answer.body as Record<string, unknown>)[key] : undefined

/** An ISO timestamp `minutes` before now. */
export const ago = (minutes: number, now = Date.now()): string => new Date(now - minutes * 60_000).toISOString()

/** A webhook receiver on loopback that records each delivery, answering with `reply` (status, delay). */
export const receiver = (
  reply: (n: number) => { status: number; delayMillis?: number; headers?: Record<string, string> } = () => ({
    status: 200
  })
) =>
  Effect.acquireRelease(
    Effect.async<{
      url: string
      received: Array<{ headers: IncomingMessage["headers"]; body: Buffer; at: number }>
      close: () => void
    }>((resume) => {
      const received: Array<{ headers: IncomingMessage["headers"]; body: Buffer; at: number }> = []
      const server = createServer((req, res) => {
        const chunks: Array<Buffer> = []
        req.on("data", (c: Buffer) => chunks.push(c))
        req.on("end", () => {
          received.push({ headers: req.headers, body: Buffer.concat(chunks), at: Date.now() })
          const { delayMillis = 0, headers = {}, status } = reply(received.length)
          setTimeout(() => {
            res.statusCode = status
            for (const [name, value] of Object.entries(headers)) res.setHeader(name, value)
            res.end("ok")
          }, delayMillis)
        })
      })
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        resume(Effect.succeed({
          url: `http://127.0.0.1:${port}/motive`,
          received,
          close: () => {
            server.closeAllConnections()
            server.close()
          }
        }))
      })
    }),
    (r) => Effect.sync(() => r.close())
  )

/** Polls `check` every 20 ms until it holds or `millis` pass. */
export const eventually = <A>(check: Effect.Effect<A | undefined, Error>, millis = 10_000) =>
  Effect.gen(function*() {
    const deadline = Date.now() + millis
    while (Date.now() < deadline) {
      const value = yield* check
      if (value !== undefined) return value
      yield* Effect.sleep("20 millis")
    }
    return yield* Effect.fail(new Error(`condition not met within ${millis} ms`))
  })

/** Byte-for-byte equality, fast on large buffers (deep equality walks element by element). */
export const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b))

/** A stored recall of TRK-101's rear camera, pending from 0 to 1 s and processing until 3 s, for module tests. */
export const storedRecall = (overrides: Partial<StoredRecall> = {}): StoredRecall => ({
  id: 1,
  entity: { kind: "vehicle", id: 101, number: "TRK-101" },
  startTime: 0,
  durationMinutes: 1,
  recallType: "regular",
  requestedPositions: undefined,
  cameras: ["rear"],
  failedCameras: [],
  createdAt: 0,
  pendingUntil: 1_000,
  doneAt: 3_000,
  outcome: "success",
  status: "pending",
  updatedAt: 0,
  notified: false,
  dedupeKey: "k",
  ...overrides
})
