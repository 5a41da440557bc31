import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { createHash } from "node:crypto"
import { manualClock, Sandbox } from "../src/index.js"
import { ago, call, field, sameBytes } from "./support.js"

const fast = { recallPendingMillis: 0, recallProcessingMillis: 0, capturePendingMillis: 0, captureProcessingMillis: 0 }

const completedRecall = (sandbox: Sandbox.SandboxService) =>
  Effect.gen(function*() {
    yield* call(sandbox.baseUrl, "POST", "/v1/video_recall_requests", {
      body: { vehicle_number: "TRK-101", start_time: ago(30), duration: 2, camera_positions: ["front_facing"] }
    })
    const details = yield* call(sandbox.baseUrl, "GET", "/v1/video_recall_requests/1")
    const camera = (field(details, "cameras") as Array<{ download_url: string; expires_at: string }>)[0]!
    return camera
  })

describe("Sandbox media", () => {
  it.scopedLive("serves a real JPEG for a captured image", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make({ lifecycle: fast })
      yield* call(sandbox.baseUrl, "POST", "/v1/image_captures", {
        body: { vehicle_id: 101, position: "driver_facing" }
      })
      const details = yield* call(sandbox.baseUrl, "GET", "/v1/image_captures/dashcam/1")
      const url = (field(details, "images") as Record<string, { url: string }>).driver_facing!.url
      const image = yield* call(sandbox.baseUrl, "GET", url, { headers: { "x-api-key": "" } })
      expect(image.status).toBe(200)
      expect(image.headers.get("content-type")).toBe("image/jpeg")
      expect([...image.bytes.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff])
      expect([...image.bytes.subarray(-2)]).toEqual([0xff, 0xd9])
      expect(image.bytes).toEqual(yield* sandbox.imageBytes(1, "driver_facing"))
    }))

  it.scopedLive("gives each image the MD5 of its bytes as its ETag, as S3 does: two images never share one", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make({ lifecycle: fast, rateLimit: { requestsPerSecond: 1000, burst: 1000 } })
      const etags: Array<string> = []
      for (let id = 1; id <= 61; id++) {
        yield* call(sandbox.baseUrl, "POST", "/v1/image_captures", { body: { vehicle_id: 101, position: "rear" } })
        // Captures 25 and 61 (rear) had the same size, and their ETags were made of sizes alone.
        if (id !== 25 && id !== 61) continue
        const details = yield* call(sandbox.baseUrl, "GET", `/v1/image_captures/omnicam/${id}`)
        const url = (field(details, "images") as Record<string, { url: string }>).rear!.url
        const image = yield* call(sandbox.baseUrl, "GET", url, { headers: { "x-api-key": "" } })
        const etag = image.headers.get("etag")!
        expect(etag).toBe(`"${createHash("md5").update(image.bytes).digest("hex")}"`)
        etags.push(etag)
      }
      expect(new Set(etags).size).toBe(2)
    }))

  it.scopedLive("serves deterministic video bytes with Content-Length, ETag and an MP4 header", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make({ lifecycle: fast, media: { videoBytes: 300_000 } })
      const camera = yield* completedRecall(sandbox)
      const video = yield* call(sandbox.baseUrl, "GET", camera.download_url)
      expect(video.status).toBe(200)
      expect(video.headers.get("content-length")).toBe("300000")
      expect(video.headers.get("accept-ranges")).toBe("bytes")
      expect(video.headers.get("etag")).toMatch(/^".+"$/)
      expect(new TextDecoder().decode(video.bytes.subarray(4, 8))).toBe("ftyp")
      expect(sameBytes(video.bytes, yield* sandbox.videoBytes(1, "front_facing"))).toBe(true)
      const again = yield* call(sandbox.baseUrl, "GET", camera.download_url)
      expect(sameBytes(again.bytes, video.bytes)).toBe(true)
    }))

  it.scopedLive("answers Range requests with 206 and the exact slice, and 416 past the end", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make({ lifecycle: fast, media: { videoBytes: 100_000 } })
      const camera = yield* completedRecall(sandbox)
      const all = yield* sandbox.videoBytes(1, "front_facing")
      const part = yield* call(sandbox.baseUrl, "GET", camera.download_url, { headers: { range: "bytes=1000-1999" } })
      expect(part.status).toBe(206)
      expect(part.headers.get("content-range")).toBe("bytes 1000-1999/100000")
      expect(part.bytes).toEqual(all.subarray(1000, 2000))
      const tail = yield* call(sandbox.baseUrl, "GET", camera.download_url, { headers: { range: "bytes=99990-" } })
      expect(tail.bytes).toEqual(all.subarray(99_990))
      const suffix = yield* call(sandbox.baseUrl, "GET", camera.download_url, { headers: { range: "bytes=-10" } })
      expect(suffix.bytes).toEqual(all.subarray(99_990))
      const beyond = yield* call(sandbox.baseUrl, "GET", camera.download_url, { headers: { range: "bytes=100000-" } })
      expect(beyond.status).toBe(416)
      expect(beyond.headers.get("content-range")).toBe("bytes */100000")
      // A range whose last byte comes before its first is invalid: ignored, as S3 does, for the whole body.
      const backwards = yield* call(sandbox.baseUrl, "GET", camera.download_url, { headers: { range: "bytes=10-5" } })
      expect([backwards.status, backwards.bytes.length]).toEqual([200, 100_000])
      // If-Range with another ETag: the whole body, not a slice of something else.
      const stale = yield* call(sandbox.baseUrl, "GET", camera.download_url, {
        headers: { range: "bytes=10-19", "if-range": "\"other\"" }
      })
      expect(stale.status).toBe(200)
      expect(stale.bytes.length).toBe(100_000)
    }))

  it.scopedLive("answers an expired URL with 403 like S3, and a forged one too", () =>
    Effect.gen(function*() {
      const clock = manualClock(Date.now())
      const sandbox = yield* Sandbox.make({ clock, lifecycle: fast, media: { urlTtlMillis: 60_000 } })
      yield* call(sandbox.baseUrl, "POST", "/v1/video_recall_requests", {
        body: { vehicle_number: "TRK-101", start_time: ago(30, clock.now()), duration: 2, camera_positions: ["rear"] }
      })
      const details = yield* call(sandbox.baseUrl, "GET", "/v1/video_recall_requests/1")
      const url = (field(details, "cameras") as Array<{ download_url: string }>)[0]!.download_url
      expect((yield* call(sandbox.baseUrl, "GET", url)).status).toBe(200)
      clock.advance(60_001)
      const expired = yield* call(sandbox.baseUrl, "GET", url)
      expect(expired.status).toBe(403)
      expect(String(expired.body)).toContain("<Code>AccessDenied</Code>")
      expect(String(expired.body)).toContain("Request has expired")
      const forged = yield* call(sandbox.baseUrl, "GET", url.replace(/expires=\d+/, `expires=${clock.now() + 1e9}`))
      expect(forged.status).toBe(403)
      expect(String(forged.body)).toContain("SignatureDoesNotMatch")
      // A fresh GET of the details gives a fresh URL.
      const fresh = yield* call(sandbox.baseUrl, "GET", "/v1/video_recall_requests/1")
      const freshUrl = (field(fresh, "cameras") as Array<{ download_url: string }>)[0]!.download_url
      expect((yield* call(sandbox.baseUrl, "GET", freshUrl)).status).toBe(200)
    }))

  it.scopedLive("streams a large video in constant memory", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make({ lifecycle: fast, media: { videoBytes: 64 * 1024 * 1024 } })
      const camera = yield* completedRecall(sandbox)
      const response = yield* Effect.promise(() => fetch(camera.download_url))
      const reader = response.body!.getReader()
      let total = 0
      for (;;) {
        const { done, value } = yield* Effect.promise(() => reader.read())
        if (done) break
        total += value.length
      }
      expect(total).toBe(64 * 1024 * 1024)
    }))
})
