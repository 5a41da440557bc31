import { describe, expect, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { request as httpRequest } from "node:http"
import { manualClock, Sandbox } from "../src/index.js"
import { takeToken } from "../src/internal/rateLimit.js"
import { ago, call, field } from "./support.js"

describe("Sandbox rate limit", () => {
  it.scopedLive("answers 429 with a fractional Retry-After once a credential's bucket is empty", () =>
    Effect.gen(function*() {
      const clock = manualClock(Date.now())
      const sandbox = yield* Sandbox.make({ clock, rateLimit: { requestsPerSecond: 4, burst: 2 } })
      const get = call(sandbox.baseUrl, "GET", "/v1/vehicles")
      expect((yield* get).status).toBe(200)
      expect((yield* get).status).toBe(200)
      const limited = yield* get
      expect(limited.status).toBe(429)
      expect(limited.headers.get("retry-after")).toBe("0.25")
      expect(field(limited, "code")).toBe("rate_limited")
      clock.advance(250)
      expect((yield* get).status).toBe(200)
      // 401s spend no tokens.
      expect((yield* call(sandbox.baseUrl, "GET", "/v1/vehicles", { headers: { "x-api-key": "bad" } })).status)
        .toBe(401)
    }))

  it.scopedLive("is the company's: a second API key or a bearer token draws from the same bucket", () =>
    Effect.gen(function*() {
      const clock = manualClock(Date.now())
      const sandbox = yield* Sandbox.make({
        clock,
        apiKeys: ["key-one", "key-two"],
        oauthTokens: ["token-three"],
        rateLimit: { requestsPerSecond: 1, burst: 2 }
      })
      const get = (headers: Record<string, string>) =>
        Effect.map(call(sandbox.baseUrl, "GET", "/v1/vehicles", { headers }), (a) => a.status)
      expect(yield* get({ "x-api-key": "key-one" })).toBe(200)
      expect(yield* get({ "x-api-key": "key-two" })).toBe(200)
      expect(yield* get({ "x-api-key": "key-two" })).toBe(429)
      expect(yield* get({ authorization: "Bearer token-three" })).toBe(429)
      clock.advance(1000)
      expect(yield* get({ authorization: "Bearer token-three" })).toBe(200)
    }))

  it.scopedLive("can answer 429 with no Retry-After at all, or with an HTTP date", () =>
    Effect.gen(function*() {
      const clock = manualClock(Date.now())
      const none = yield* Sandbox.make({ clock, rateLimit: { requestsPerSecond: 1, burst: 1, retryAfter: "none" } })
      yield* call(none.baseUrl, "GET", "/v1/vehicles")
      const a = yield* call(none.baseUrl, "GET", "/v1/vehicles")
      expect(a.status).toBe(429)
      expect(a.headers.get("retry-after")).toBeNull()
      const dated = yield* Sandbox.make({
        clock,
        rateLimit: { requestsPerSecond: 1, burst: 1, retryAfter: "http-date" }
      })
      yield* call(dated.baseUrl, "GET", "/v1/vehicles")
      const b = yield* call(dated.baseUrl, "GET", "/v1/vehicles")
      expect(Date.parse(b.headers.get("retry-after")!)).toBeGreaterThan(clock.now() - 1000)
    }))

  it.scopedLive("names a date at which a request is admitted: whole seconds, rounded up", () =>
    Effect.gen(function*() {
      // 0.9 s into a second, and a token every 2 s: the date must be 3 s ahead, not 2 (cut to the second).
      const clock = manualClock(Math.floor(Date.now() / 1000) * 1000 + 900)
      const sandbox = yield* Sandbox.make({
        clock,
        rateLimit: { requestsPerSecond: 0.5, burst: 1, retryAfter: "http-date" }
      })
      expect((yield* call(sandbox.baseUrl, "GET", "/v1/vehicles")).status).toBe(200)
      const refused = yield* call(sandbox.baseUrl, "GET", "/v1/vehicles")
      expect(refused.status).toBe(429)
      const at = Date.parse(refused.headers.get("retry-after")!)
      expect(at - clock.now()).toBe(2100)
      clock.advance(at - clock.now())
      expect((yield* call(sandbox.baseUrl, "GET", "/v1/vehicles")).status).toBe(200)
    }))
})

describe("Sandbox monthly quota", () => {
  it.scopedLive("spends minutes per recall type and refuses with quota_exceeded and no Retry-After when out", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make({ quota: { regularMinutes: 5, timelapseMinutes: 60 } })
      const post = (minutesAgo: number, duration: number, recall_type = "regular") =>
        call(sandbox.baseUrl, "POST", "/v1/video_recall_requests", {
          body: { vehicle_number: "TRK-101", start_time: ago(minutesAgo), duration, recall_type }
        })
      expect((yield* post(30, 3)).status).toBe(201)
      expect((yield* post(40, 2)).status).toBe(201)
      const out = yield* post(50, 1)
      expect(out.status).toBe(429)
      expect(field(out, "code")).toBe("quota_exceeded")
      expect(String(field(out, "error_message"))).toContain("quota")
      expect(out.headers.get("retry-after")).toBeNull()
      expect((yield* post(120, 60, "timelapse")).status).toBe(201)
      const quota = yield* call(sandbox.baseUrl, "GET", "/v1/video_recall_requests/quota")
      expect(quota.body).toEqual({
        quota_info: {
          regular: { used_minutes: 5, remaining_minutes: 0, total_minutes: 5 },
          timelapse: { used_minutes: 60, remaining_minutes: 0, total_minutes: 60 }
        }
      })
      expect((yield* sandbox.recalls).length).toBe(3)
    }))
})

describe("Sandbox monthly quota, month by month", () => {
  it.scopedLive("starts every calendar month (UTC) with nothing used", () =>
    Effect.gen(function*() {
      const clock = manualClock(Date.parse("2026-03-31T23:30:00Z"))
      const sandbox = yield* Sandbox.make({ clock, quota: { regularMinutes: 3, timelapseMinutes: 60 } })
      const post = (start: string) =>
        call(sandbox.baseUrl, "POST", "/v1/video_recall_requests", {
          body: { vehicle_number: "TRK-101", start_time: start, duration: 3 }
        })
      const used = Effect.map(
        call(sandbox.baseUrl, "GET", "/v1/video_recall_requests/quota"),
        (answer) =>
          (answer.body as { quota_info: { regular: { used_minutes: number } } }).quota_info.regular.used_minutes
      )
      expect((yield* post("2026-03-31T23:00:00Z")).status).toBe(201)
      expect((yield* post("2026-03-31T23:10:00Z")).status).toBe(429)
      expect(yield* used).toBe(3)
      clock.advance(2 * 3_600_000)
      expect(yield* used).toBe(0)
      expect((yield* post("2026-04-01T01:00:00Z")).status).toBe(201)
      expect(yield* used).toBe(3)
    }))
})

describe("Sandbox duplicates", () => {
  it.scopedLive("answers a repeated recall with 409 carrying the existing id, positions in any order", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make()
      const start = ago(30)
      const body = {
        vehicle_number: "TRK-101",
        start_time: start,
        duration: 2,
        camera_positions: ["rear", "front_facing"]
      }
      const first = yield* call(sandbox.baseUrl, "POST", "/v1/video_recall_requests", { body })
      const again = yield* call(sandbox.baseUrl, "POST", "/v1/video_recall_requests", {
        body: { ...body, camera_positions: ["front_facing", "rear"] }
      })
      expect(again.status).toBe(409)
      expect(field(again, "id")).toBe(field(first, "id"))
      const other = yield* call(sandbox.baseUrl, "POST", "/v1/video_recall_requests", {
        body: { ...body, camera_positions: ["rear"] }
      })
      expect(other.status).toBe(201)
      // A duplicate spends no quota.
      const quota = yield* call(sandbox.baseUrl, "GET", "/v1/video_recall_requests/quota")
      expect(quota.body).toMatchObject({ quota_info: { regular: { used_minutes: 4 } } })
    }))

  it.scopedLive("takes the same request again once the first ended failed: a new recall, not a 409 naming it", () =>
    Effect.gen(function*() {
      const clock = manualClock(Date.now())
      const sandbox = yield* Sandbox.make({
        clock,
        lifecycle: { recallPendingMillis: 100, recallProcessingMillis: 100, failEntities: ["TRK-101"] }
      })
      const body = { vehicle_number: "TRK-101", start_time: ago(30), duration: 1 }
      const post = call(sandbox.baseUrl, "POST", "/v1/video_recall_requests", { body })
      expect(field(yield* post, "id")).toBe(1)
      // While it runs, the same request is a duplicate.
      expect([(yield* post).status, field(yield* post, "id")]).toEqual([409, 1])
      clock.advance(1_000)
      expect(field(yield* call(sandbox.baseUrl, "GET", "/v1/video_recall_requests/1"), "status")).toBe("failed")
      const again = yield* post
      expect([again.status, field(again, "id")]).toEqual([201, 2])
      expect([(yield* post).status, field(yield* post, "id")]).toEqual([409, 2])
    }))
})

describe("Sandbox token bucket", () => {
  it("refills a token bucket at requestsPerSecond up to burst, and says how long until the next token", () => {
    const options = { requestsPerSecond: 4, burst: 2 }
    const [w1, b1] = takeToken(new Map(), "k", 0, options)
    const [w2, b2] = takeToken(b1, "k", 0, options)
    const [w3, b3] = takeToken(b2, "k", 0, options)
    expect([w1, w2, w3]).toEqual([0, 0, 250])
    expect(takeToken(b3, "k", 250, options)[0]).toBe(0)
    expect(takeToken(b3, "other", 0, options)[0]).toBe(0)
  })
})

describe("Sandbox request bodies", () => {
  it.scopedLive("refuses a body larger than any Motive request with 413, unread, and keeps serving", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make()
      const big = yield* Effect.promise(() =>
        fetch(`${sandbox.baseUrl}/v1/video_recall_requests`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-api-key": Redacted.value(sandbox.apiKey) },
          body: new Uint8Array(10 * 1024 * 1024).fill(32)
        }).then((r) => r.status, () => "connection closed")
      )
      expect([413, "connection closed"]).toContain(big)
      // Told as every other refusal is: a body declared too large is answered before it is sent.
      const declared = yield* Effect.async<readonly [number | undefined, string]>((resume) => {
        const request = httpRequest(`${sandbox.baseUrl}/v1/video_recall_requests`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "content-length": String(2 * 1024 * 1024),
            "x-api-key": Redacted.value(sandbox.apiKey)
          }
        }, (response) => {
          let text = ""
          response.on("data", (chunk: Buffer) => (text += chunk.toString()))
          response.on("end", () => {
            request.destroy()
            resume(Effect.succeed([response.statusCode, text] as const))
          })
        })
        request.on("error", () => {})
        request.flushHeaders()
      })
      expect([declared[0], JSON.parse(declared[1])]).toEqual([
        413,
        { error_message: "The request body is larger than 1048576 bytes" }
      ])
      const quota = yield* Effect.promise(() =>
        fetch(`${sandbox.baseUrl}/v1/video_recall_requests/quota`, {
          headers: { "x-api-key": Redacted.value(sandbox.apiKey) }
        }).then((r) => r.status)
      )
      expect(quota).toBe(200)
      expect(yield* sandbox.recalls).toEqual([])
    }))

  it.scoped("fails to start on a port that is not one with SandboxStartError, not a defect", () =>
    Effect.gen(function*() {
      for (const port of [-1, 65536, 1.5]) {
        const failed = yield* Effect.flip(Sandbox.make({ port }))
        expect(failed).toMatchObject({ _tag: "SandboxStartError", message: expect.stringContaining("is not a port") })
      }
    }))

  it.scoped("fails to start on a port in use saying so, without Node's error quoted whole", () =>
    Effect.gen(function*() {
      const first = yield* Sandbox.make()
      const port = Number(new URL(first.baseUrl).port)
      const failed = yield* Effect.flip(Sandbox.make({ port }))
      expect(failed.message).toBe(
        `sandbox could not listen: 127.0.0.1:${port} is already in use: choose another port, or 0 for any free one`
      )
    }))

  it.scopedLive("refuses JSON nested deeper than any Motive body with 400, recorded, instead of failing on it", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make()
      // 10 KB of text, far under the size limit, nested deep enough to overflow a recursive walk.
      const deep = `${"[".repeat(5000)}${"]".repeat(5000)}`
      const recall = yield* call(sandbox.baseUrl, "POST", "/v1/video_recall_requests", {
        body: `{"vehicle_number":"TRK-101","start_time":"${ago(30)}","duration":1,"camera_positions":${deep}}`
      })
      expect(recall.status).toBe(400)
      expect(field(recall, "error_message")).toBe("The request body nests more than 32 levels deep")
      const capture = yield* call(sandbox.baseUrl, "POST", "/v1/image_captures", {
        body: `{"vehicle_id":101,"position":${deep}}`
      })
      expect(capture.status).toBe(400)
      expect((yield* sandbox.requests).map((r) => r.status)).toEqual([400, 400])
      expect(yield* sandbox.recalls).toEqual([])
    }))
})
