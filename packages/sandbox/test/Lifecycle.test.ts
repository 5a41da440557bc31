import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { manualClock, Sandbox } from "../src/index.js"
import { advanceTo } from "../src/internal/lifecycle.js"
import { ago, call, field, storedRecall } from "./support.js"

const lifecycle = {
  recallPendingMillis: 30_000,
  recallProcessingMillis: 120_000,
  capturePendingMillis: 5_000,
  captureProcessingMillis: 10_000
}

describe("Sandbox lifecycle", () => {
  it.scopedLive("moves a recall pending → in_progress → success as its clock advances", () =>
    Effect.gen(function*() {
      const clock = manualClock(Date.now())
      const sandbox = yield* Sandbox.make({ clock, lifecycle })
      const body = { vehicle_number: "TRK-101", start_time: ago(30, clock.now()), duration: 2 }
      yield* call(sandbox.baseUrl, "POST", "/v1/video_recall_requests", { body })
      const status = () =>
        Effect.map(call(sandbox.baseUrl, "GET", "/v1/video_recall_requests/1"), (a) => [
          field(a, "status"),
          (field(a, "cameras") as Array<unknown>).length
        ])
      expect(yield* status()).toEqual(["pending", 0])
      clock.advance(29_999)
      expect(yield* status()).toEqual(["pending", 0])
      clock.advance(1)
      expect(yield* status()).toEqual(["in_progress", 6])
      const inProgress = yield* call(sandbox.baseUrl, "GET", "/v1/video_recall_requests/1")
      expect(field(inProgress, "cameras")).toContainEqual(
        expect.objectContaining({ position: "rear", status: "in_progress", download_url: null })
      )
      clock.advance(120_000)
      const done = yield* call(sandbox.baseUrl, "GET", "/v1/video_recall_requests/1")
      expect(field(done, "status")).toBe("success")
      expect(field(done, "updated_at")).toBe(new Date(clock.now()).toISOString().replace(".000Z", "Z"))
      for (const camera of field(done, "cameras") as Array<Record<string, unknown>>) {
        expect(camera.status).toBe("success")
        expect(String(camera.download_url)).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/media\/recalls\/1\/[a-z_]+\.mp4\?/)
        expect(typeof camera.expires_at).toBe("string")
      }
    }))

  it.scopedLive("ends a scripted entity's requests in failed, with no download URLs", () =>
    Effect.gen(function*() {
      const clock = manualClock(Date.now())
      const sandbox = yield* Sandbox.make({ clock, lifecycle: { ...lifecycle, failEntities: ["TRAILER-7"] } })
      yield* call(sandbox.baseUrl, "POST", "/v1/video_recall_requests", {
        body: { asset_name: "TRAILER-7", start_time: ago(30, clock.now()), duration: 1 }
      })
      clock.advance(150_000)
      const done = yield* call(sandbox.baseUrl, "GET", "/v1/video_recall_requests/1")
      expect(field(done, "status")).toBe("failed")
      expect(field(done, "cameras")).toEqual([
        expect.objectContaining({ position: "side_left", status: "failed", download_url: null }),
        expect.objectContaining({ position: "side_right", status: "failed", download_url: null }),
        expect.objectContaining({ position: "rear", status: "failed", download_url: null })
      ])
    }))

  it.scopedLive("fails a configured camera inside a recall that succeeds: no link, and its media is not served", () =>
    Effect.gen(function*() {
      const clock = manualClock(Date.now())
      const sandbox = yield* Sandbox.make({ clock, lifecycle: { ...lifecycle, failCameras: ["driver_facing"] } })
      yield* call(sandbox.baseUrl, "POST", "/v1/video_recall_requests", {
        body: {
          vehicle_number: "TRK-101",
          start_time: ago(30, clock.now()),
          duration: 1,
          camera_positions: ["front_facing", "driver_facing"]
        }
      })
      clock.advance(150_000)
      const done = yield* call(sandbox.baseUrl, "GET", "/v1/video_recall_requests/1")
      expect(field(done, "status")).toBe("success")
      const [front, driver] = field(done, "cameras") as Array<Record<string, unknown>>
      expect(front).toMatchObject({ position: "front_facing", status: "success" })
      expect(driver).toMatchObject({ position: "driver_facing", status: "failed", download_url: null })
      const frontMedia = yield* call(String(front!.download_url), "GET", "")
      expect(frontMedia.status).toBe(200)
      // A link made up from the other camera's is refused (here by its signature: none was handed out to sign).
      const lost = String(front!.download_url).replace("front_facing", "driver_facing")
      expect((yield* call(lost, "GET", "")).status).not.toBe(200)
      // A link signed by the sandbox itself for the failed camera is refused too: its footage does not exist.
      const signed = yield* sandbox.signMediaUrl({ recallId: 1, position: "driver_facing" }, clock.now() + 60_000)
      expect((yield* call(signed, "GET", "")).status).toBe(404)
      const signedFront = yield* sandbox.signMediaUrl({ recallId: 1, position: "front_facing" }, clock.now() + 60_000)
      expect((yield* call(signedFront, "GET", "")).status).toBe(200)
    }))

  it.scopedLive("fails a configured share of requests, the same ones for the same seed", () =>
    Effect.gen(function*() {
      const outcomes = (seed: number) =>
        Effect.scoped(Effect.gen(function*() {
          const clock = manualClock(Date.now())
          const sandbox = yield* Sandbox.make({ clock, seed, lifecycle: { ...lifecycle, failureRate: 0.5 } })
          for (let i = 0; i < 20; i++) {
            yield* call(sandbox.baseUrl, "POST", "/v1/image_captures", { body: { vehicle_id: 101, position: "rear" } })
          }
          clock.advance(60_000)
          return (yield* sandbox.captures).map((c) => c.status)
        }))
      const first = yield* outcomes(11)
      expect(first.filter((s) => s === "failed").length).toBeGreaterThan(2)
      expect(first.filter((s) => s === "success").length).toBeGreaterThan(2)
      expect(yield* outcomes(11)).toEqual(first)
    }))

  it.scopedLive("runs lifecycle delays faster by the speed factor", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make({ speed: 1_000, lifecycle })
      yield* call(sandbox.baseUrl, "POST", "/v1/video_recall_requests", {
        body: { vehicle_number: "TRK-101", start_time: ago(30), duration: 2 }
      })
      // 150 s of sandbox processing at speed 1000 is 150 ms.
      yield* Effect.sleep("400 millis")
      expect(field(yield* call(sandbox.baseUrl, "GET", "/v1/video_recall_requests/1"), "status")).toBe("success")
    }))

  it.scopedLive("completes an image capture with a pre-signed image URL for its position", () =>
    Effect.gen(function*() {
      const clock = manualClock(Date.now())
      const sandbox = yield* Sandbox.make({ clock, lifecycle })
      yield* call(sandbox.baseUrl, "POST", "/v1/image_captures", { body: { asset_id: 7, position: "rear" } })
      expect(field(yield* call(sandbox.baseUrl, "GET", "/v1/image_captures/omnicam/1"), "images")).toBeUndefined()
      // `pending` until done, through both phases: Motive names no status in between for captures.
      clock.advance(14_999)
      expect(field(yield* call(sandbox.baseUrl, "GET", "/v1/image_captures/omnicam/1"), "status")).toBe("pending")
      clock.advance(1)
      const done = yield* call(sandbox.baseUrl, "GET", "/v1/image_captures/omnicam/1")
      expect(field(done, "status")).toBe("success")
      const images = field(done, "images") as Record<string, { url: string; expires_at: string }>
      expect(Object.keys(images)).toEqual(["rear"])
      expect(images.rear!.url).toMatch(/\/media\/images\/1\/rear\.jpg\?expires=\d+&signature=[0-9a-f]{64}$/)
    }))

  it.scopedLive("finishes a recall within a few seconds with the demo defaults", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make()
      yield* call(sandbox.baseUrl, "POST", "/v1/video_recall_requests", {
        body: { vehicle_number: "TRK-101", start_time: ago(30), duration: 2 }
      })
      yield* Effect.sleep("2100 millis")
      expect(field(yield* call(sandbox.baseUrl, "GET", "/v1/video_recall_requests/1"), "status")).toBe("success")
    }))
})

describe("Sandbox status moves", () => {
  it("moves a request pending → in_progress → its outcome at its recorded instants, then never again", () => {
    const pending = storedRecall()
    expect(advanceTo(pending, 999)).toBe(pending)
    const started = advanceTo(pending, 1_000)
    expect([started.status, started.updatedAt]).toEqual(["in_progress", 1_000])
    const done = advanceTo(started, 5_000)
    expect([done.status, done.updatedAt]).toEqual(["success", 3_000])
    expect(advanceTo(done, 9_000)).toBe(done)
    expect(advanceTo(storedRecall({ outcome: "failed" }), 5_000).status).toBe("failed")
  })
})
