import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Redacted } from "effect"
import { Sandbox } from "../src/index.js"
import { makeRequestLog } from "../src/internal/requestLog.js"
import { ago, call } from "./support.js"

describe("Sandbox inspection", () => {
  it.scopedLive("records every request with its route and body, secrets masked", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make({ oauthTokens: ["tok-123"] })
      const body = { vehicle_number: "TRK-101", start_time: ago(30), duration: 2 }
      yield* call(sandbox.baseUrl, "POST", "/v1/video_recall_requests", { body })
      yield* call(sandbox.baseUrl, "GET", "/v1/vehicles?per_page=1", {
        headers: { "x-api-key": "", authorization: "Bearer tok-123" }
      })
      const requests = yield* sandbox.requests
      expect(requests.map((r) => [r.method, r.path, r.route, r.status])).toEqual([
        ["POST", "/v1/video_recall_requests", "createVideoRecall", 201],
        ["GET", "/v1/vehicles", "vehicles", 200]
      ])
      expect(requests[0]!.body).toEqual(body)
      expect(requests[0]!.headers["x-api-key"]).toBe("***")
      expect(requests[1]!.headers["authorization"]).toBe("Bearer ***")
      expect(requests[1]!.query).toEqual({ per_page: "1" })
      expect(JSON.stringify(requests)).not.toContain("sandbox-demo-key")
      expect(JSON.stringify(requests)).not.toContain("tok-123")
    }))

  it.scopedLive("masks a webhook registration's secret in the record", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make()
      yield* call(sandbox.baseUrl, "POST", "/v1/company_webhooks", {
        body: { url: "http://127.0.0.1:9/h", secret: "TOP-SECRET-WEBHOOK" }
      })
      const [request] = yield* sandbox.requests
      expect(request!.body).toMatchObject({ url: "http://127.0.0.1:9/h", secret: "***" })
      expect(JSON.stringify(yield* sandbox.requests)).not.toContain("TOP-SECRET")
      const [stored] = yield* sandbox.webhooks
      expect(Redacted.value(stored!.secret)).toBe("TOP-SECRET-WEBHOOK")
      // Handed back, it prints as <redacted>: inspecting the sandbox does not spill the secret.
      expect(JSON.stringify(stored)).not.toContain("TOP-SECRET-WEBHOOK")
      expect(String(stored!.secret)).not.toContain("TOP-SECRET-WEBHOOK")
    }))

  it.scopedLive("masks a credential sent without a scheme, and a secret nested in a wrapped body", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make()
      yield* call(sandbox.baseUrl, "GET", "/v1/vehicles", { headers: { authorization: "sandbox-demo-key" } })
      yield* call(sandbox.baseUrl, "POST", "/v1/company_webhooks", {
        body: { company_webhook: { url: "http://127.0.0.1:9/h", secret: "NESTED-SECRET" } }
      })
      const [plain, wrapped] = yield* sandbox.requests
      expect(plain!.headers["authorization"]).toBe("***")
      expect(wrapped!.body).toEqual({ company_webhook: { url: "http://127.0.0.1:9/h", secret: "***" } })
      expect(JSON.stringify(yield* sandbox.requests)).not.toMatch(/sandbox-demo-key|NESTED-SECRET/)
    }))

  it.scopedLive("forgets everything on reset", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make()
      const body = { vehicle_number: "TRK-101", start_time: ago(30), duration: 2 }
      yield* call(sandbox.baseUrl, "POST", "/v1/video_recall_requests", { body })
      yield* sandbox.injectFault("vehicles", { kind: "status", status: 500 })
      yield* sandbox.reset
      expect(yield* sandbox.requests).toEqual([])
      expect(yield* sandbox.recalls).toEqual([])
      expect((yield* call(sandbox.baseUrl, "GET", "/v1/vehicles")).status).toBe(200)
      // The same recall is no longer a duplicate, and ids start again.
      const again = yield* call(sandbox.baseUrl, "POST", "/v1/video_recall_requests", { body })
      expect(again.status).toBe(201)
      expect((again.body as { id: number }).id).toBe(1)
    }))

  it.scopedLive("starts outside Effect too, for the CLI and scripts", () =>
    Effect.gen(function*() {
      const started = yield* Effect.promise(() => Sandbox.start())
      expect(started.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect((yield* call(started.baseUrl, "GET", "/v1/assets")).status).toBe(200)
      yield* Effect.promise(() => started.close())
      const after = yield* Effect.either(call(started.baseUrl, "GET", "/v1/assets"))
      expect(after._tag).toBe("Left")
    }))

  it.scopedLive("stops at once, ending requests still in flight (a slow fault's wait included)", () =>
    Effect.gen(function*() {
      const started = yield* Effect.promise(() => Sandbox.start())
      yield* started.sandbox.injectFault("recallQuota", { kind: "slow", delayMillis: 20_000 })
      const inFlight = yield* Effect.fork(
        Effect.either(call(started.baseUrl, "GET", "/v1/video_recall_requests/quota"))
      )
      yield* Effect.sleep("100 millis")
      const begun = Date.now()
      yield* Effect.promise(() => started.close())
      // The waiting request ends now, not when its 20 s are up.
      const answer = yield* Fiber.join(inFlight)
      expect(Date.now() - begun).toBeLessThan(2_000)
      expect(answer._tag).toBe("Left")
    }))
})

describe("Sandbox request log", () => {
  it.effect("records an answer's status on its own request, even after newer requests arrived", () =>
    Effect.gen(function*() {
      const log = yield* makeRequestLog
      const request = { at: 0, method: "GET", path: "/", query: {}, route: undefined, headers: {}, body: undefined }
      const first = yield* log.arrived({ ...request, path: "/a", status: undefined })
      yield* log.arrived({ ...request, path: "/b", status: undefined })
      yield* log.answered(first, 201)
      expect((yield* log.all).map((r) => [r.path, r.status])).toEqual([["/a", 201], ["/b", undefined]])
      yield* log.reset
      yield* log.answered(first, 500)
      expect(yield* log.all).toEqual([])
    }))
})
