import { describe, expect, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { createHmac } from "node:crypto"
import { manualClock, resolveSettings, Sandbox, type StoredWebhook } from "../src/index.js"
import { makeConfig } from "../src/internal/config.js"
import { makeDeliveries, redeliveryDelayMillis } from "../src/internal/webhookDeliveries.js"
import { ago, call, eventually, receiver, storedRecall } from "./support.js"

const fast = { recallPendingMillis: 50, recallProcessingMillis: 50 }
const secret = "whsec-test"

const hmac = (body: Buffer | string, key: string) => createHmac("sha1", key).update(body).digest("hex")

describe("Sandbox webhooks", () => {
  it.effect("signs with hex HMAC-SHA1 of the raw body: Motive's documented test vector", () =>
    Effect.gen(function*() {
      const signature = yield* Sandbox.webhookSignature(
        "[\"fault_code_closed\"]",
        Redacted.make("d9d36bea41c44ae49d1bfc4a48ba2abe")
      )
      expect(signature).toBe("f04a8386a21a6cba0447024e83b3f0983352bb72")
    }))

  it.scopedLive("posts a signed completion event to each registered URL when a recall completes", () =>
    Effect.gen(function*() {
      const hook = yield* receiver()
      const sandbox = yield* Sandbox.make({ lifecycle: fast })
      yield* call(sandbox.baseUrl, "POST", "/v1/company_webhooks", {
        body: { url: hook.url, secret, actions: ["video_recall_request_completed"] }
      })
      yield* call(sandbox.baseUrl, "POST", "/v1/video_recall_requests", {
        body: { vehicle_number: "TRK-101", start_time: ago(30), duration: 1 }
      })
      yield* eventually(Effect.sync(() => hook.received[0]))
      const delivery = hook.received[0]!
      expect(delivery.headers["x-kt-webhook-signature"]).toBe(hmac(delivery.body, secret))
      expect(delivery.headers["content-type"]).toBe("application/json")
      expect(JSON.parse(delivery.body.toString("utf8"))).toMatchObject({
        action: "video_recall_request_completed",
        id: 1,
        status: "success"
      })
      const deliveries = yield* eventually(
        Effect.map(sandbox.deliveries, (d) => d[0]?.state === "delivered" ? d : undefined)
      )
      expect(deliveries.map((d) => [d.state, d.attempts.length])).toEqual([["delivered", 1]])
    }))

  it.scopedLive("retries a failed delivery later, with growing backoff, until it succeeds", () =>
    Effect.gen(function*() {
      const hook = yield* receiver((n) => ({ status: n < 3 ? 500 : 200 }))
      const sandbox = yield* Sandbox.make({ lifecycle: fast, webhooks: { retryBaseMillis: 100 } })
      yield* sandbox.registerWebhook(hook.url, Redacted.make(secret))
      yield* call(sandbox.baseUrl, "POST", "/v1/video_recall_requests", {
        body: { vehicle_number: "TRK-101", start_time: ago(30), duration: 1 }
      })
      yield* eventually(Effect.map(sandbox.deliveries, (d) => d[0]?.state === "delivered" ? true : undefined))
      const [delivery] = yield* sandbox.deliveries
      expect(delivery!.attempts.map((a) => a.status)).toEqual([500, 500, 200])
      const gaps = hook.received.slice(1).map((r, i) => r.at - hook.received[i]!.at)
      expect(gaps[0]).toBeGreaterThanOrEqual(90)
      expect(gaps[1]).toBeGreaterThanOrEqual(190)
      // Every attempt carries the same bytes and signature.
      expect(new Set(hook.received.map((r) => r.body.toString("hex"))).size).toBe(1)
    }))

  it.scopedLive("counts a delivery that takes longer than the deadline as failed and retries it", () =>
    Effect.gen(function*() {
      const hook = yield* receiver((n) => ({ status: 200, delayMillis: n === 1 ? 600 : 0 }))
      const sandbox = yield* Sandbox.make({ lifecycle: fast, webhooks: { timeoutMillis: 200, retryBaseMillis: 50 } })
      yield* sandbox.registerWebhook(hook.url, Redacted.make(secret))
      yield* call(sandbox.baseUrl, "POST", "/v1/video_recall_requests", {
        body: { vehicle_number: "TRK-101", start_time: ago(30), duration: 1 }
      })
      yield* eventually(Effect.map(sandbox.deliveries, (d) => d[0]?.state === "delivered" ? true : undefined))
      const [delivery] = yield* sandbox.deliveries
      expect(delivery!.attempts[0]!.error).toContain("no answer within 200 ms")
      expect(delivery!.attempts.at(-1)!.status).toBe(200)
    }))

  it.scopedLive("counts a redirect as a failed delivery and never follows it", () =>
    Effect.gen(function*() {
      const elsewhere = yield* receiver()
      const hook = yield* receiver(() => ({ status: 307, headers: { location: elsewhere.url } }))
      const sandbox = yield* Sandbox.make({ lifecycle: fast, webhooks: { retryBaseMillis: 20, maxAttempts: 2 } })
      yield* sandbox.registerWebhook(hook.url, Redacted.make(secret))
      yield* call(sandbox.baseUrl, "POST", "/v1/video_recall_requests", {
        body: { vehicle_number: "TRK-101", start_time: ago(30), duration: 1 }
      })
      yield* eventually(Effect.map(sandbox.deliveries, (d) => d[0]?.state === "failed" ? true : undefined))
      const [delivery] = yield* sandbox.deliveries
      expect(delivery!.attempts.map((a) => [a.status, a.error])).toEqual([[307, "answered 307"], [307, "answered 307"]])
      expect(hook.received.length).toBe(2)
      expect(elsewhere.received).toEqual([])
    }))

  it.scopedLive("registers only a loopback URL with a secret, as the API does: InvalidWebhook otherwise", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make()
      const offMachine = yield* Effect.flip(sandbox.registerWebhook("http://192.0.2.2:8787/", Redacted.make(secret)))
      expect(offMachine).toMatchObject({ _tag: "InvalidWebhook", message: expect.stringContaining("loopback") })
      const noSecret = yield* Effect.flip(sandbox.registerWebhook("http://127.0.0.1:8787/", Redacted.make("")))
      expect(noSecret.message).toContain("secret is required")
      expect(yield* sandbox.webhooks).toEqual([])
      const hook = yield* sandbox.registerWebhook("http://localhost:8787/motive", Redacted.make(secret))
      expect(hook.url).toBe("http://localhost:8787/motive")
    }))

  it.scopedLive("gives up after the configured number of attempts", () =>
    Effect.gen(function*() {
      const hook = yield* receiver(() => ({ status: 503 }))
      const sandbox = yield* Sandbox.make({ lifecycle: fast, webhooks: { retryBaseMillis: 20, maxAttempts: 3 } })
      yield* sandbox.registerWebhook(hook.url, Redacted.make(secret))
      yield* call(sandbox.baseUrl, "POST", "/v1/video_recall_requests", {
        body: { vehicle_number: "TRK-101", start_time: ago(30), duration: 1 }
      })
      yield* eventually(Effect.map(sandbox.deliveries, (d) => d[0]?.state === "failed" ? true : undefined))
      expect(hook.received.length).toBe(3)
    }))
})

describe("Sandbox webhook deliveries (the queue)", () => {
  it("waits retryBaseMillis before the first redelivery, doubled for each next one, divided by speed", () => {
    const settings = resolveSettings({ webhooks: { retryBaseMillis: 100 }, speed: 4 })
    expect([1, 2, 3, 4].map((attempts) => redeliveryDelayMillis(settings, attempts))).toEqual([25, 50, 100, 200])
    const limited = resolveSettings({ webhooks: { retryBaseMillis: 100, maxAttempts: 3 } })
    expect([1, 2, 3].map((attempts) => redeliveryDelayMillis(limited, attempts))).toEqual([100, 200, undefined])
  })

  const webhook: StoredWebhook = {
    id: 1,
    url: "http://127.0.0.1:9/h",
    secret: Redacted.make("s"),
    actions: [],
    format: "json",
    enabled: true
  }

  it.effect("schedules the next attempt of a failed delivery by the redelivery delay, and gives up at maxAttempts", () =>
    Effect.gen(function*() {
      const clock = manualClock(1_000_000)
      const settings = resolveSettings({ clock, webhooks: { retryBaseMillis: 100, maxAttempts: 2 } })
      const deliveries = yield* makeDeliveries(yield* makeConfig(settings))
      yield* deliveries.queue(storedRecall({ status: "success" }), [webhook, { ...webhook, id: 2, enabled: false }])
      const [due] = yield* deliveries.due
      expect(due!.delivery.signature).toBe(hmac(due!.delivery.body, "s"))
      expect(yield* deliveries.due).toEqual([])
      yield* deliveries.recordAttempt(due!.key, { at: 0, status: 500, error: "answered 500", durationMillis: 1 })
      expect((yield* deliveries.all).map((d) => [d.state, d.nextAttemptAt])).toEqual([["pending", 1_000_100]])
      clock.advance(100)
      const [again] = yield* deliveries.due
      yield* deliveries.recordAttempt(again!.key, { at: 0, status: 500, error: "answered 500", durationMillis: 1 })
      expect((yield* deliveries.all).map((d) => [d.state, d.attempts.length])).toEqual([["failed", 2]])
    }))

  it.effect("drops an attempt that ends after a reset instead of recording it on another delivery", () =>
    Effect.gen(function*() {
      const deliveries = yield* makeDeliveries(yield* makeConfig(resolveSettings()))
      yield* deliveries.queue(storedRecall({ status: "success" }), [webhook])
      const [late] = yield* deliveries.due
      yield* deliveries.reset
      yield* deliveries.queue(storedRecall({ id: 2, status: "success" }), [webhook])
      yield* deliveries.recordAttempt(late!.key, { at: 0, status: 200, error: undefined, durationMillis: 1 })
      expect((yield* deliveries.all).map((d) => [d.recallId, d.state, d.attempts.length])).toEqual([[2, "pending", 0]])
    }))
})
