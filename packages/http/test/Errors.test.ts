import { Sandbox } from "@effect-motive/sandbox"
import { FetchHttpClient, HttpClient } from "@effect/platform"
import { NodeContext, NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Layer, Option, Redacted } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { gzipSync } from "node:zlib"
import { Motive, MotiveConfig } from "../src/index.js"
import { NodeMotive } from "../src/node.js"
import { serverWith } from "./loopbackServer.js"
import { ago, clientAt, clientFor, quick, seen, setup, withClient } from "./support.js"

const recall = (overrides: Record<string, unknown> = {}) => ({
  vehicleNumber: "TRK-101",
  startTime: ago(30),
  duration: 2,
  ...overrides
})

describe("MotiveClient error mapping", () => {
  it.scopedLive("refuses invalid input before sending anything, with every violation", () =>
    Effect.gen(function*() {
      const { client, sandbox } = yield* setup()
      const error = yield* withClient(client, (c) =>
        Effect.flip(
          c.createVideoRecall({
            assetName: "TRAILER-7",
            startTime: "yesterday",
            duration: 4,
            cameraPositions: ["front_facing"]
          })
        ))
      expect(error._tag).toBe("InvalidRequest")
      if (error._tag !== "InvalidRequest") {
        return
      }
      expect(error.source).toBe("client")
      expect(error.violations.map((v) => v.rule)).toEqual([
        "duration.not_allowed",
        "camera_positions.dashcam_on_asset",
        "start_time.invalid"
      ])
      const capture = yield* withClient(client, (c) =>
        Effect.flip(c.createImageCapture({ assetId: 7, position: "driver_facing" })))
      expect(capture._tag).toBe("InvalidRequest")
      expect(yield* sandbox.requests).toEqual([])
    }))

  it.scopedLive("maps Motive's 400 to InvalidRequest with its message verbatim and the request id", () =>
    Effect.gen(function*() {
      const { client } = yield* setup()
      const error = yield* withClient(
        client,
        (c) => Effect.flip(c.createVideoRecall(recall({ vehicleNumber: "TRK-102", startTime: ago(150) })))
      )
      expect(error).toMatchObject({ _tag: "InvalidRequest", source: "motive", status: 400 })
      expect(error.message).toMatch(/^No video available for vehicle TRK-102 between/)
      expect("requestId" in error && error.requestId).toMatch(/^sbx-/)
    }))

  it.scopedLive("maps 401 to Unauthorized without retrying and without the key in the message", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make()
      const layer = NodeMotive.layer({
        credentials: { _tag: "ApiKey", apiKey: Redacted.make("wrong-key-12345") },
        baseUrl: sandbox.baseUrl,
        rateLimit: false
      })
      const error = yield* withClient(layer, (c) => Effect.flip(c.getRecallQuota))
      expect(error).toMatchObject({ _tag: "Unauthorized", status: 401 })
      expect(JSON.stringify(error)).not.toContain("wrong-key-12345")
      expect(String(error)).not.toContain("wrong-key-12345")
      expect((yield* sandbox.requests).length).toBe(1)
    }))

  it.scopedLive("authenticates with an OAuth bearer token", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make({ oauthTokens: ["oauth-abc"] })
      const layer = NodeMotive.layer({
        credentials: { _tag: "OAuthToken", token: Redacted.make("oauth-abc") },
        baseUrl: sandbox.baseUrl
      })
      const quota = yield* withClient(layer, (c) => c.getRecallQuota)
      expect(quota.quotaInfo.regular.totalMinutes).toBe(1000)
      expect((yield* sandbox.requests)[0]!.headers["authorization"]).toBe("Bearer ***")
    }))

  it.scopedLive("maps 403 with video_monitoring off to its own FeatureDisabled, not retried, and other 403s to Forbidden", () =>
    Effect.gen(function*() {
      const { client, sandbox } = yield* setup({ videoMonitoring: false })
      const error = yield* withClient(client, (c) => Effect.flip(c.createVideoRecall(recall())))
      expect(error).toMatchObject({ _tag: "FeatureDisabled", status: 403 })
      expect(error.message).toContain("video_monitoring")
      expect(yield* seen(sandbox, "createVideoRecall")).toBe(1)
      const server = yield* serverWith((_req, res) => {
        res.writeHead(403, { "content-type": "application/json" })
        res.end(JSON.stringify({ error_message: "You do not have the permission to access this feature" }))
      })
      const rights = NodeMotive.layer({
        credentials: { _tag: "ApiKey", apiKey: Redacted.make("k") },
        baseUrl: server.url,
        ...quick
      })
      const refused = yield* withClient(rights, (c) => Effect.flip(c.getRecallQuota))
      expect(refused).toMatchObject({ _tag: "Forbidden", status: 403 })
    }))

  it.scopedLive("a 403 or 422 that speaks of a request rate is a rate limit, retried after its wait; 'quota' alone is the monthly quota", () =>
    Effect.gen(function*() {
      const answer = (status: number, message: string) =>
        Effect.gen(function*() {
          const server = yield* serverWith((_req, res) => {
            res.writeHead(status, { "content-type": "application/json", "retry-after": "0.05" })
            res.end(JSON.stringify({ error_message: message }))
          })
          const layer = NodeMotive.layer({
            credentials: { _tag: "ApiKey", apiKey: Redacted.make("k") },
            baseUrl: server.url,
            ...quick,
            retry: { ...quick.retry, maxAttempts: 3 }
          })
          const error = yield* withClient(layer, (c) => Effect.flip(c.getRecallQuota))
          return [error._tag, "status" in error ? error.status : undefined, server.received.length] as const
        })
      const rate = "Request quota exceeded: max 10 requests per second"
      expect(yield* answer(403, rate)).toEqual(["RateLimited", 403, 3])
      expect(yield* answer(422, rate)).toEqual(["RateLimited", 422, 3])
      expect(yield* answer(429, rate)).toEqual(["RateLimited", 429, 3])
      expect(yield* answer(403, "Monthly video recall quota exhausted")).toEqual(["QuotaExhausted", 403, 1])
      expect(yield* answer(422, "duration must be 1, 2 or 3 minutes")).toEqual(["InvalidRequest", 422, 1])
    }))

  it.scopedLive("a finished capture at a camera position it does not know says so, not that it is not done", () =>
    Effect.gen(function*() {
      const server = yield* serverWith((_req, res) => {
        res.writeHead(200, { "content-type": "application/json" })
        res.end(JSON.stringify({
          request_id: 12,
          camera_type: "omnicam",
          position: "rear_wide",
          status: "success",
          images: { rear_wide: { url: "http://127.0.0.1:9/x.jpg" } }
        }))
      })
      const layer = NodeMotive.layer({
        credentials: { _tag: "ApiKey", apiKey: Redacted.make("k") },
        baseUrl: server.url,
        ...quick
      })
      const dir = mkdtempSync(join(tmpdir(), "motive-position-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      const error = yield* withClient(
        layer,
        (c) => Effect.flip(c.downloadImage({ cameraType: "omnicam", requestId: 12 }, { directory: dir }))
      )
      // It used to say "image capture 12 is success: wait for it first".
      expect(error).toMatchObject({ _tag: "NotReady", status: "success" })
      expect(error.message).toBe(
        "image capture 12 is done, but its camera position (\"rear_wide\") is not one this client knows: its image cannot be named"
      )
    }))

  it.scopedLive("maps 404 to NotFound", () =>
    Effect.gen(function*() {
      const { client } = yield* setup()
      expect(yield* withClient(client, (c) => Effect.flip(c.getVideoRecall(424242)))).toMatchObject({
        _tag: "NotFound",
        status: 404
      })
    }))

  it.scopedLive("a redirect is not followed: InvalidRequest saying where it points (no query) and to check the base URL", () =>
    Effect.gen(function*() {
      // Where the README's advice for fetch is followed, a redirect to another origin gets nothing.
      const elsewhere: Array<string | undefined> = []
      const other = yield* serverWith((req, res) => {
        elsewhere.push(req.headers["x-api-key"] as string | undefined)
        res.end("{}")
      })
      const locations = [
        "https://login.example.com/sso?token=s3cret",
        "/login?next=%2Fv1",
        undefined,
        `${new URL(other.url).origin}/x?sig=1`
      ]
      let answered = 0
      const server = yield* serverWith((_req, res) => {
        const location = locations[answered++]
        res.writeHead(302, location === undefined ? {} : { location })
        res.end()
      })
      const layerOver = (http: Layer.Layer<HttpClient.HttpClient>) =>
        Motive.layer.pipe(Layer.provide(Layer.mergeAll(
          MotiveConfig.layer({
            credentials: { _tag: "ApiKey", apiKey: Redacted.make("k") },
            baseUrl: server.url,
            ...quick
          }),
          http,
          NodeContext.layer
        )))
      const node = clientAt(server.url)
      const errors = [
        yield* withClient(node, (c) => Effect.flip(c.getVideoRecall(1))),
        yield* withClient(layerOver(NodeHttpClient.layerUndici), (c) => Effect.flip(c.getVideoRecall(1))),
        yield* withClient(node, (c) => Effect.flip(c.getVideoRecall(1))),
        yield* withClient(
          layerOver(FetchHttpClient.layer.pipe(
            Layer.provide(Layer.succeed(FetchHttpClient.RequestInit, { redirect: "manual" }))
          )),
          (c) => Effect.flip(c.getVideoRecall(1))
        )
      ]
      expect(errors.map((e) => [e._tag, e.message])).toEqual([
        [
          "InvalidRequest",
          "Motive answered 302, a redirect to https://login.example.com/sso, which the client does not follow: check the base URL (Motive's API is https://api.gomotive.com)"
        ],
        [
          "InvalidRequest",
          "Motive answered 302, a redirect to /login, which the client does not follow: check the base URL (Motive's API is https://api.gomotive.com)"
        ],
        [
          "InvalidRequest",
          "Motive answered 302, a redirect to no address (no Location header), which the client does not follow: check the base URL (Motive's API is https://api.gomotive.com)"
        ],
        [
          "InvalidRequest",
          `Motive answered 302, a redirect to ${
            new URL(other.url).origin
          }/x, which the client does not follow: check the base URL (Motive's API is https://api.gomotive.com)`
        ]
      ])
      expect(answered).toBe(4)
      expect(elsewhere).toEqual([])
    }))

  it.scopedLive("a first-attempt 409 naming the existing recall is no failure: that recall, deduplicated, not told as created", () =>
    Effect.gen(function*() {
      const { client, sandbox } = yield* setup()
      const input = recall()
      const told: Array<number> = []
      const onCreated = (r: { readonly id: number }) => Effect.sync(() => told.push(r.id))
      const [first, again] = yield* withClient(
        client,
        (c) => Effect.all([c.createVideoRecall(input, { onCreated }), c.createVideoRecall(input, { onCreated })])
      )
      expect(first).toMatchObject({ deduplicated: false, afterLostAnswer: false, attempts: 1 })
      expect(again).toMatchObject({ deduplicated: true, afterLostAnswer: false, attempts: 1 })
      expect(again.recall.id).toBe(first.recall.id)
      expect(told).toEqual([first.recall.id])
      expect((yield* sandbox.recalls).map((r) => r.id)).toEqual([first.recall.id])
    }))

  it.scopedLive("a 409 naming no recall stays DuplicateRequest; one whose recall cannot be read back is CreateUncertain with its id", () =>
    Effect.gen(function*() {
      let gets = 0
      const server = yield* serverWith((req, res) => {
        const named = req.url?.includes("named") === true
        if (req.method === "POST") {
          res.writeHead(409, { "content-type": "application/json" })
          res.end(
            JSON.stringify(
              named ? { error_message: "Duplicate request", id: 42 } : { error_message: "Duplicate request" }
            )
          )
          return
        }
        gets++
        res.writeHead(503, { "content-type": "application/json" })
        res.end(JSON.stringify({ error_message: "down" }))
      })
      const layerAt = (path: string) =>
        NodeMotive.layer({
          credentials: { _tag: "ApiKey", apiKey: Redacted.make("k") },
          baseUrl: `${server.url}${path}`,
          ...quick,
          retry: { ...quick.retry, maxAttempts: 1 }
        })
      const unnamed = yield* withClient(layerAt("/plain"), (c) => Effect.flip(c.createVideoRecall(recall())))
      expect(unnamed).toMatchObject({ _tag: "DuplicateRequest", status: 409 })
      expect(unnamed._tag === "DuplicateRequest" && unnamed.existingId).toBeUndefined()
      // Motive named it, so it exists: CreateUncertain with its id, so that the caller can pick it up.
      const unread = yield* withClient(layerAt("/named"), (c) => Effect.flip(c.createVideoRecall(recall())))
      expect(unread).toMatchObject({
        _tag: "CreateUncertain",
        recallId: 42,
        afterLostAnswer: false,
        failure: { _tag: "ServerError" }
      })
      expect(unread.message).toContain("already holds this recall as 42 (409 duplicate), but it could not be read back")
      expect(gets).toBe(1)
    }))

  it.scopedLive("maps a 429 to RateLimited with its Retry-After once retries are spent", () =>
    Effect.gen(function*() {
      const { client } = yield* setup(
        { rateLimit: { requestsPerSecond: 0.001, burst: 1 } },
        { retry: { maxAttempts: 1 } }
      )
      const error = yield* withClient(client, (c) => Effect.flip(Effect.zipRight(c.getRecallQuota, c.getRecallQuota)))
      expect(error._tag).toBe("RateLimited")
      if (error._tag === "RateLimited") expect(Duration.toSeconds(error.retryAfter!)).toBeCloseTo(1000, 0)
    }))

  it.scopedLive("maps a monthly-quota 429 to QuotaExhausted and never retries it", () =>
    Effect.gen(function*() {
      const { client, sandbox } = yield* setup({ quota: { regularMinutes: 2 } })
      const error = yield* withClient(client, (c) =>
        Effect.zipRight(
          c.createVideoRecall(recall()),
          Effect.flip(c.createVideoRecall(recall({ startTime: ago(40) })))
        ))
      expect(error).toMatchObject({ _tag: "QuotaExhausted", status: 429 })
      expect(error.message).toContain("quota")
      expect(yield* seen(sandbox, "createVideoRecall")).toBe(2)
    }))

  it.scopedLive("an HttpClient that fails every non-2xx answer (filterStatusOk) still gets the typed errors", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make({
        quota: { regularMinutes: 1 },
        lifecycle: { recallPendingMillis: 0, recallProcessingMillis: 0 }
      })
      const strict = Layer.effect(HttpClient.HttpClient, Effect.map(HttpClient.HttpClient, HttpClient.filterStatusOk))
        .pipe(Layer.provide(NodeHttpClient.layerUndici))
      const layerWith = (apiKey: Redacted.Redacted<string>) =>
        Motive.layer.pipe(Layer.provide(Layer.mergeAll(
          MotiveConfig.layer({ credentials: { _tag: "ApiKey", apiKey }, baseUrl: sandbox.baseUrl, ...quick }),
          strict,
          NodeContext.layer
        )))
      // A refused key is Unauthorized, sent once.
      const refused = yield* withClient(layerWith(Redacted.make("wrong")), (c) => Effect.flip(c.getRecallQuota))
      expect(refused).toMatchObject({ _tag: "Unauthorized", status: 401 })
      expect(yield* seen(sandbox, "recallQuota")).toBe(1)
      const dir = mkdtempSync(join(tmpdir(), "motive-strict-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      const [exhausted, first, again] = yield* withClient(layerWith(sandbox.apiKey), (c) =>
        Effect.gen(function*() {
          const { recall: made } = yield* c.createVideoRecall(recall({ duration: 1 }))
          // The quota's 429 is QuotaExhausted, never retried.
          const exhausted = yield* Effect.flip(c.createVideoRecall(recall({ startTime: ago(40), duration: 1 })))
          yield* c.awaitVideoRecall(made.id)
          // Media through the same client: a file already there is answered 416, still read as an answer.
          const [first] = yield* c.downloadRecall(made.id, { directory: dir, positions: ["front_facing"] })
          const [again] = yield* c.downloadRecall(made.id, { directory: dir, positions: ["front_facing"] })
          return [exhausted, first!, again!] as const
        }))
      expect(exhausted).toMatchObject({ _tag: "QuotaExhausted", status: 429 })
      expect(yield* seen(sandbox, "createVideoRecall")).toBe(2)
      expect(first).toMatchObject({ alreadyThere: false })
      expect(again).toMatchObject({ alreadyThere: true, bytes: first.bytes })
    }))

  it.scopedLive("maps 5xx to ServerError after retrying safe calls", () =>
    Effect.gen(function*() {
      const { client, sandbox } = yield* setup({}, { retry: { maxAttempts: 3 } })
      yield* sandbox.injectFault("recallQuota", { kind: "status", status: 500 }, 5)
      const error = yield* withClient(client, (c) => Effect.flip(c.getRecallQuota))
      expect(error).toMatchObject({ _tag: "ServerError", status: 500 })
      expect(yield* seen(sandbox, "recallQuota")).toBe(3)
    }))

  it.scopedLive("recovers from transient 503s on reads", () =>
    Effect.gen(function*() {
      const { client, sandbox } = yield* setup()
      yield* sandbox.injectFault("recallQuota", { kind: "status", status: 503 }, 2)
      const quota = yield* withClient(client, (c) => c.getRecallQuota)
      expect(quota.quotaInfo.regular.usedMinutes).toBe(0)
      expect(yield* seen(sandbox, "recallQuota")).toBe(3)
    }))

  it.scopedLive("maps a connection that never opened to TransportError with requestSent false", () =>
    Effect.gen(function*() {
      const port = yield* Effect.scoped(Effect.map(Sandbox.make(), (s) => s.port))
      const layer = NodeMotive.layer({
        credentials: { _tag: "ApiKey", apiKey: Redacted.make("k") },
        baseUrl: `http://127.0.0.1:${port}`,
        retry: { maxAttempts: 2, baseDelay: Duration.millis(1) }
      })
      expect(yield* withClient(layer, (c) => Effect.flip(c.getRecallQuota))).toMatchObject({
        _tag: "TransportError",
        requestSent: false,
        message: `could not connect to Motive at http://127.0.0.1:${port} (ECONNREFUSED); nothing was sent`
      })
    }))

  it.scopedLive("maps a reset after sending to TransportError with requestSent true", () =>
    Effect.gen(function*() {
      const { client, sandbox } = yield* setup({}, { retry: { maxAttempts: 1 } })
      yield* sandbox.injectFault("getVideoRecall", { kind: "reset" })
      expect(yield* withClient(client, (c) => Effect.flip(c.getVideoRecall(1)))).toMatchObject({
        _tag: "TransportError",
        requestSent: true
      })
    }))

  it.scopedLive("maps no answer within the request timeout to RequestTimeout (the Node client's own timers)", () =>
    Effect.gen(function*() {
      const { client, sandbox } = yield* setup({}, { requestTimeout: Duration.seconds(1), retry: { maxAttempts: 1 } })
      yield* sandbox.injectFault("recallQuota", { kind: "slow", delayMillis: 4_000 })
      expect(yield* withClient(client, (c) => Effect.flip(c.getRecallQuota))).toMatchObject({
        _tag: "RequestTimeout",
        timeoutMillis: 1000
      })
    }))

  it.scopedLive("bounds an answer trickled a byte at a time by the request timeout, and an interrupted create ends", () =>
    Effect.gen(function*() {
      // A server that never goes silent for long and never finishes.
      const server = yield* serverWith((_req, res) => {
        res.writeHead(200, { "content-type": "application/json" })
        res.write("{")
        const timer = setInterval(() => res.destroyed ? clearInterval(timer) : res.write(" "), 100)
      })
      const layer = clientAt(server.url, {
        requestTimeout: Duration.seconds(1),
        retry: { ...quick.retry, maxAttempts: 1 }
      })
      // A guard, not a time the test asserts: without the whole-answer bound the call never ends.
      const guard = <A, E>(effect: Effect.Effect<A, E>) =>
        Effect.timeoutFail(effect, { duration: Duration.seconds(20), onTimeout: () => "still running after 20 s" })
      expect(yield* withClient(layer, (c) => guard(Effect.flip(c.getVideoRecall(1))))).toMatchObject({
        _tag: "RequestTimeout",
        timeoutMillis: 1000
      })
      // A create on the wire is waited for when interrupted: the bound ends that wait too.
      const interrupted = yield* withClient(layer, (c) =>
        Effect.gen(function*() {
          const create = yield* Effect.fork(c.createVideoRecall(recall({ duration: 1 })))
          yield* Effect.sleep(Duration.millis(300))
          return yield* guard(Fiber.interrupt(create))
        }))
      expect(interrupted._tag).toBe("Failure")
    }))

  it.scopedLive("bounds a user-supplied HttpClient by the request timeout too", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make()
      yield* sandbox.injectFault("recallQuota", { kind: "slow", delayMillis: 1_000 })
      const layer = Motive.layer.pipe(
        Layer.provide(Layer.mergeAll(
          MotiveConfig.layer({
            credentials: { _tag: "ApiKey", apiKey: sandbox.apiKey },
            baseUrl: sandbox.baseUrl,
            requestTimeout: Duration.millis(100),
            retry: { maxAttempts: 1 }
          }),
          NodeHttpClient.layerUndici,
          NodeContext.layer
        ))
      )
      expect(yield* withClient(layer, (c) => Effect.flip(c.getRecallQuota))).toMatchObject({
        _tag: "RequestTimeout",
        timeoutMillis: 100
      })
    }))

  it.scopedLive("a key no HTTP header can carry is InvalidRequest, nothing sent, never quoted, over every client", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make()
      // node:http throws on such a header, undici fails, fetch fails quoting the value: each is refused first.
      for (const httpClient of [NodeHttpClient.layer, NodeHttpClient.layerUndici, FetchHttpClient.layer]) {
        for (const key of ["sandbox\nkey-LEAK", "sandbox\r\nX-Injected: LEAK", "sandbox\u200bkey-LEAK", "€-LEAK"]) {
          const layer = Motive.layer.pipe(
            Layer.provide(Layer.mergeAll(
              MotiveConfig.layer({
                credentials: { _tag: "ApiKey", apiKey: Redacted.make(key) },
                baseUrl: sandbox.baseUrl
              }),
              httpClient,
              NodeContext.layer
            ))
          )
          const error = yield* withClient(layer, (c) => Effect.flip(c.getRecallQuota))
          expect(error).toMatchObject({ _tag: "InvalidRequest", source: "client" })
          expect(error.message).toMatch(/^the request could not be built, so nothing was sent: the API key contains/)
          expect(error.message).not.toContain("LEAK")
          const created = yield* withClient(
            layer,
            (c) => Effect.flip(c.createVideoRecall({ vehicleNumber: "TRK-101", startTime: ago(30), duration: 1 }))
          )
          expect(created).toMatchObject({ _tag: "InvalidRequest", source: "client" })
        }
      }
      expect(yield* sandbox.requests).toEqual([])
    }))

  it.scopedLive("maps a 2xx body it cannot read to ResponseDecodeError with an excerpt", () =>
    Effect.gen(function*() {
      const server = yield* Effect.acquireRelease(
        Effect.async<ReturnType<typeof createServer>>((resume) => {
          const s = createServer((_, res) => {
            res.setHeader("content-type", "application/json")
            res.setHeader("x-request-id", "req-77")
            res.end(JSON.stringify({ quota_info: { regular: "lots" } }))
          })
          s.listen(0, "127.0.0.1", () => resume(Effect.succeed(s)))
        }),
        (s) => Effect.sync(() => s.close())
      )
      const layer = NodeMotive.layer({
        credentials: { _tag: "ApiKey", apiKey: Redacted.make("k") },
        baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      })
      const error = yield* withClient(layer, (c) => Effect.flip(c.getRecallQuota))
      expect(error).toMatchObject({ _tag: "ResponseDecodeError", status: 200, requestId: "req-77" })
      if (error._tag === "ResponseDecodeError") expect(error.excerpt).toContain("\"regular\":\"lots\"")
      // One line, naming the field as Motive spells it.
      expect(error.message).toMatch(
        /^Motive's answer does not have the expected shape at quota_info\.regular: Expected /
      )
      expect(error.message).not.toContain("\n")
    }))

  it.scopedLive("an excerpt of a body it cannot read never carries a URL's query (a media URL's signature)", () =>
    Effect.gen(function*() {
      const server = yield* serverWith((_req, res) => {
        res.writeHead(200, { "content-type": "application/json" })
        res.end(`{"id":5,"cameras":[{"download_url":"https://media.example/v/5.mp4?X-Amz-Signature=LEAKED&e=1"}] oops`)
      })
      const layer = clientAt(server.url)
      const error = yield* withClient(layer, (c) => Effect.flip(c.getVideoRecall(5)))
      expect(error._tag).toBe("ResponseDecodeError")
      const told = JSON.stringify(error)
      expect(told).toContain("https://media.example/v/5.mp4?…")
      expect(told).not.toContain("LEAKED")
    }))

  it.scopedLive("an answer over 32 MiB is not held in memory: ResponseDecodeError, over either transport, framed either way", () =>
    Effect.gen(function*() {
      const piece = Buffer.alloc(1024 * 1024, 0x20)
      let answered = 0
      // 33 MiB of blanks: with its Content-Length, then chunked.
      const server = yield* serverWith((_req, res) => {
        const declared = answered++ % 2 === 0
        res.writeHead(200, {
          "content-type": "application/json",
          ...(declared ? { "content-length": 33 * piece.length } : {})
        })
        let sent = 0
        const more = () => {
          while (sent < 33) {
            sent++
            if (!res.write(piece)) return void res.once("drain", more)
          }
          res.end()
        }
        res.on("error", () => {})
        more()
      })
      const settings = {
        credentials: { _tag: "ApiKey" as const, apiKey: Redacted.make("k") },
        baseUrl: server.url,
        ...quick
      }
      const node = NodeMotive.layer(settings).pipe(Layer.orDie)
      const overUndici = Motive.layer.pipe(
        Layer.provide(Layer.mergeAll(MotiveConfig.layer(settings), NodeHttpClient.layerUndici, NodeContext.layer))
      )
      const errors = []
      for (const layer of [node, node, overUndici, overUndici]) {
        errors.push(yield* withClient(layer, (c) => Effect.flip(c.getVideoRecall(1))))
      }
      expect(errors.map((e) => [e._tag, e.message])).toEqual(
        Array.from({ length: 4 }, () => [
          "ResponseDecodeError",
          "Motive answered 200 with a body larger than 32 MiB: not read"
        ])
      )
      expect(answered).toBe(4)
    }))

  it.scopedLive("a compressed answer is held to 32 MiB as it unpacks, whatever its Content-Length says (fetch)", () =>
    Effect.gen(function*() {
      // 40 MiB of blanks, gzipped to a few KB.
      const packed = gzipSync(Buffer.alloc(40 * 1024 * 1024, 0x20))
      const server = yield* serverWith((_req, res) => {
        res.writeHead(200, {
          "content-type": "application/json",
          "content-encoding": "gzip",
          "content-length": packed.length
        })
        res.end(packed)
      })
      const layer = Motive.layer.pipe(Layer.provide(Layer.mergeAll(
        MotiveConfig.layer({
          credentials: { _tag: "ApiKey", apiKey: Redacted.make("k") },
          baseUrl: server.url,
          ...quick
        }),
        FetchHttpClient.layer,
        NodeContext.layer
      )))
      const error = yield* withClient(layer, (c) => Effect.flip(c.getVideoRecall(1)))
      expect([error._tag, error.message]).toEqual([
        "ResponseDecodeError",
        "Motive answered 200 with a body larger than 32 MiB: not read"
      ])
    }))

  it.scopedLive("a 2xx body of JSON nested thousands deep is ResponseDecodeError, not a stack overflow", () =>
    Effect.gen(function*() {
      const server = yield* serverWith((_req, res) => {
        res.writeHead(200, { "content-type": "application/json" })
        res.end(`${"[".repeat(20_000)}${"]".repeat(20_000)}`)
      })
      const layer = clientAt(server.url)
      const error = yield* withClient(layer, (c) => Effect.flip(c.getVideoRecall(1)))
      expect(error).toMatchObject({ _tag: "ResponseDecodeError", status: 200 })
      expect(error.message).toBe("Motive's answer does not have the expected shape (nested too deep to describe)")
    }))

  it.scopedLive("sends X-Time-Zone and a User-Agent when configured", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make()
      yield* withClient(clientFor(sandbox, { timeZone: Option.some("Pacific Time (US & Canada)") }), (c) =>
        c.getRecallQuota)
      const [request] = yield* sandbox.requests
      expect(request!.headers["x-time-zone"]).toBe("Pacific Time (US & Canada)")
      expect(request!.headers["user-agent"]).toMatch(/^effect-motive\//)
      expect(request!.headers["accept"]).toBe("application/json")
    }))
})
