import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { defaultFleet, manualClock, Sandbox } from "../src/index.js"
import { ago, call, field } from "./support.js"

const recall = (overrides: Record<string, unknown> = {}) => ({
  vehicle_number: "TRK-101",
  start_time: ago(30),
  duration: 2,
  ...overrides
})

describe("Sandbox API", () => {
  it.scopedLive("creates a video recall and answers with the documented shape", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make()
      const created = yield* call(sandbox.baseUrl, "POST", "/v1/video_recall_requests", {
        body: recall({ camera_positions: ["front_facing", "rear"] })
      })
      expect(created.status).toBe(201)
      expect(created.body).toMatchObject({
        id: 1,
        status: "pending",
        primary_entity: "vehicle",
        vehicle: { id: 101, number: "TRK-101" },
        asset: null,
        recall_type: "regular",
        cameras: []
      })
      for (const key of ["start_time", "end_time", "created_at", "updated_at"]) {
        expect(typeof field(created, key)).toBe("string")
      }
      const fetched = yield* call(sandbox.baseUrl, "GET", "/v1/video_recall_requests/1")
      expect(fetched.status).toBe(200)
      expect(field(fetched, "id")).toBe(1)
      expect((yield* call(sandbox.baseUrl, "GET", "/v1/video_recall_requests/999")).status).toBe(404)
      expect((yield* call(sandbox.baseUrl, "GET", "/v1/video_recall_requests/abc")).status).toBe(404)
    }))

  it.scopedLive("writes an answer's times in the zone X-Time-Zone names, the same instants; UTC for a zone it does not know", () =>
    Effect.gen(function*() {
      // Winter and summer: the offset is the zone's at each instant.
      const sandbox = yield* Sandbox.make({ clock: manualClock(Date.parse("2026-07-01T12:00:00Z")) })
      yield* call(sandbox.baseUrl, "POST", "/v1/video_recall_requests", {
        body: recall({ start_time: "2026-07-01T11:00:00Z" })
      })
      const at = (zone?: string) =>
        call(sandbox.baseUrl, "GET", "/v1/video_recall_requests/1", {
          headers: zone === undefined ? {} : { "x-time-zone": zone }
        })
      const utc = yield* at()
      const pacific = yield* at("Pacific Time (US & Canada)")
      expect(field(utc, "start_time")).toBe("2026-07-01T11:00:00Z")
      expect(field(pacific, "start_time")).toBe("2026-07-01T04:00:00-07:00")
      expect(field(pacific, "end_time")).toBe("2026-07-01T04:02:00-07:00")
      for (const key of ["start_time", "end_time", "created_at", "updated_at"]) {
        expect(Date.parse(String(field(pacific, key)))).toBe(Date.parse(String(field(utc, key))))
      }
      expect(field(yield* at("Asia/Kolkata"), "start_time")).toBe("2026-07-01T16:30:00+05:30")
      expect(field(yield* at("Not A Zone"), "start_time")).toBe("2026-07-01T11:00:00Z")
      const winter = yield* Sandbox.make({ clock: manualClock(Date.parse("2026-12-01T12:00:00Z")) })
      yield* call(winter.baseUrl, "POST", "/v1/video_recall_requests", {
        body: recall({ start_time: "2026-12-01T11:00:00Z" })
      })
      const december = yield* call(winter.baseUrl, "GET", "/v1/video_recall_requests/1", {
        headers: { "x-time-zone": "Pacific Time (US & Canada)" }
      })
      expect(field(december, "start_time")).toBe("2026-12-01T03:00:00-08:00")
    }))

  it.scopedLive("creates image captures for a vehicle and an asset, fetched by camera type and id", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make()
      const vehicle = yield* call(sandbox.baseUrl, "POST", "/v1/image_captures", {
        body: { vehicle_id: 101, position: "front_facing" }
      })
      expect(vehicle.status).toBe(201)
      expect(vehicle.body).toMatchObject({
        request_id: 1,
        camera_type: "dashcam",
        position: "front_facing",
        status: "pending",
        vehicle: { id: 101, number: "TRK-101" }
      })
      const asset = yield* call(sandbox.baseUrl, "POST", "/v1/image_captures", {
        body: { asset_id: 7, position: "side_left" }
      })
      expect(asset.body).toMatchObject({
        request_id: 2,
        camera_type: "omnicam",
        position: "side_left",
        status: "pending",
        asset: { id: 7, name: "TRAILER-7" }
      })
      expect(typeof field(asset, "created_at")).toBe("string")
      expect((yield* call(sandbox.baseUrl, "GET", "/v1/image_captures/omnicam/2")).status).toBe(200)
      // The camera type must be the one the POST returned.
      expect((yield* call(sandbox.baseUrl, "GET", "/v1/image_captures/dashcam/2")).status).toBe(404)
    }))

  it.scopedLive("answers rule violations with 400 and an error_message naming each problem (domain rules)", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make()
      const bad = yield* call(sandbox.baseUrl, "POST", "/v1/video_recall_requests", {
        body: { vehicle_number: "TRK-101", asset_name: "TRAILER-7", start_time: "2026-11-24T10:00:00", duration: 4 }
      })
      expect(bad.status).toBe(400)
      const message = String(field(bad, "error_message"))
      expect(message).toContain("not both")
      expect(message).toContain("duration 4")
      expect(message).toContain("no UTC offset")
      // The body's JSON types too, with the rules in the same answer: integers, strings, one entity key.
      const loose = yield* call(sandbox.baseUrl, "POST", "/v1/video_recall_requests", {
        body: recall({ asset_name: "", duration: "1", start_time: "2026-11-24T10:00:00" })
      })
      expect(loose.status).toBe(400)
      expect(String(field(loose, "error_message")).split("; ")).toEqual([
        "give exactly one of vehicle_number or asset_name: the body has both keys (one of them blank)",
        "duration must be an integer (got \"1\")",
        "start_time \"2026-11-24T10:00:00\" has no UTC offset: add Z or ±hh:mm so the instant is unambiguous"
      ])
      const stringId = yield* call(sandbox.baseUrl, "POST", "/v1/image_captures", {
        body: { vehicle_id: "101", position: "rear" }
      })
      expect(stringId.status).toBe(400)
      expect(field(stringId, "error_message")).toBe("vehicle_id must be an integer (got \"101\")")
      // A field whose type is wrong is said so once, not again by the rule its value then breaks.
      const fraction = yield* call(sandbox.baseUrl, "POST", "/v1/video_recall_requests", {
        body: recall({ duration: 1.5, camera_positions: "front_facing" })
      })
      expect(String(field(fraction, "error_message")).split("; ")).toEqual([
        "duration must be an integer (got 1.5)",
        "camera_positions must be an array (got \"front_facing\")"
      ])
      expect(yield* sandbox.recalls).toEqual([])
      expect(yield* sandbox.captures).toEqual([])
      const empty = yield* call(sandbox.baseUrl, "POST", "/v1/video_recall_requests", {
        body: recall({ camera_positions: [] })
      })
      expect(empty.status).toBe(400)
      const unknown = yield* call(sandbox.baseUrl, "POST", "/v1/video_recall_requests", {
        body: recall({ camera_positions: ["roof"] })
      })
      expect(unknown.status).toBe(400)
      expect(String(field(unknown, "error_message"))).toContain(
        "camera_positions[0]: \"roof\" is not a camera position"
      )
      const future = yield* call(sandbox.baseUrl, "POST", "/v1/video_recall_requests", {
        body: recall({ start_time: new Date(Date.now() + 3_600_000).toISOString() })
      })
      expect(String(field(future, "error_message"))).toContain("in the future")
      const capture = yield* call(sandbox.baseUrl, "POST", "/v1/image_captures", {
        body: { asset_id: 7, position: "front_facing" }
      })
      expect(capture.status).toBe(400)
      expect(String(field(capture, "error_message"))).toContain("only available for vehicles")
      const narrow = yield* call(sandbox.baseUrl, "POST", "/v1/image_captures", {
        body: { vehicle_id: 101, position: "front_narrow_facing" }
      })
      expect(String(field(narrow, "error_message"))).toContain("not offered by image capture")
      const notJson = yield* call(sandbox.baseUrl, "POST", "/v1/video_recall_requests", { body: "{not json" })
      expect(notJson.status).toBe(400)
      expect(yield* sandbox.recalls).toEqual([])
    }))

  it.scopedLive("refuses missing or wrong credentials with 401 and accepts an OAuth bearer token", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make({ oauthTokens: ["oauth-token-1"] })
      const none = yield* call(sandbox.baseUrl, "GET", "/v1/video_recall_requests/quota", {
        headers: { "x-api-key": "" }
      })
      expect(none.status).toBe(401)
      const wrong = yield* call(sandbox.baseUrl, "GET", "/v1/video_recall_requests/quota", {
        headers: { "x-api-key": "nope" }
      })
      expect(wrong.status).toBe(401)
      const bearer = yield* call(sandbox.baseUrl, "GET", "/v1/video_recall_requests/quota", {
        headers: { "x-api-key": "", authorization: "Bearer oauth-token-1" }
      })
      expect(bearer.status).toBe(200)
    }))

  it.scopedLive("answers 403 on every camera endpoint when video_monitoring is off", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make({ videoMonitoring: false })
      const created = yield* call(sandbox.baseUrl, "POST", "/v1/video_recall_requests", { body: recall() })
      expect(created.status).toBe(403)
      expect(String(field(created, "error_message"))).toContain("video_monitoring")
      expect(
        (yield* call(sandbox.baseUrl, "POST", "/v1/image_captures", {
          body: { vehicle_id: 101, position: "rear" }
        })).status
      ).toBe(403)
      expect((yield* call(sandbox.baseUrl, "GET", "/v1/video_recall_requests/quota")).status).toBe(403)
      expect((yield* call(sandbox.baseUrl, "GET", "/v1/vehicles")).status).toBe(200)
      expect(yield* sandbox.recalls).toEqual([])
    }))

  it.scopedLive("serves the default fleet, paginated as Motive does", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make()
      const all = yield* call(sandbox.baseUrl, "GET", "/v1/vehicles")
      expect(all.body).toMatchObject({
        vehicles: [
          { vehicle: { id: 101, number: "TRK-101" } },
          { vehicle: { id: 102, number: "TRK-102" } },
          { vehicle: { id: 103, number: "TRK-103" } }
        ],
        pagination: { per_page: 25, page_no: 1, total: 3 }
      })
      const page2 = yield* call(sandbox.baseUrl, "GET", "/v1/vehicles?per_page=2&page_no=2")
      expect(page2.body).toMatchObject({
        vehicles: [{ vehicle: { number: "TRK-103" } }],
        pagination: { per_page: 2, page_no: 2, total: 3 }
      })
      const assets = yield* call(sandbox.baseUrl, "GET", "/v1/assets")
      expect(assets.body).toMatchObject({ assets: [{ asset: { id: 7, name: "TRAILER-7" } }] })
      // Values that are not whole numbers fall back to the defaults (they crashed the answer with an empty 500).
      const odd = [["per_page=2.5", 25], ["page_no=1.5&per_page=2", 2], ["per_page=abc&page_no=0", 25], [
        "page_no=1e300",
        25
      ]] as const
      for (const [query, perPage] of odd) {
        const answer = yield* call(sandbox.baseUrl, "GET", `/v1/vehicles?${query}`)
        expect(answer.status).toBe(200)
        expect(answer.body).toMatchObject({ pagination: { per_page: perPage, page_no: 1, total: 3 } })
      }
      const capped = yield* call(sandbox.baseUrl, "GET", "/v1/assets?per_page=1000")
      expect(capped.body).toMatchObject({ pagination: { per_page: 100, page_no: 1, total: 1 } })
    }))

  it.scopedLive("refuses what the fleet cannot give: missing cameras, gaps in video, smart dashcam limits", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make()
      const post = (body: Record<string, unknown>) =>
        call(sandbox.baseUrl, "POST", "/v1/video_recall_requests", { body })
      const noOmnicam = yield* post(recall({ vehicle_number: "TRK-102", camera_positions: ["side_left"] }))
      expect(noOmnicam.status).toBe(400)
      expect(String(field(noOmnicam, "error_message"))).toContain("has no side_left camera")
      // A mix filters the footage (Motive's words): the camera the vehicle lacks is left out, not refused.
      const mixed = yield* post(recall({ vehicle_number: "TRK-102", camera_positions: ["front_facing", "rear"] }))
      expect(mixed.status).toBe(201)
      expect((yield* sandbox.recalls).map((r) => r.cameras)).toEqual([["front_facing"]])
      const inGap = yield* post(recall({ vehicle_number: "TRK-102", start_time: ago(150) }))
      expect(inGap.status).toBe(400)
      expect(String(field(inGap, "error_message"))).toContain("No video available")
      expect((yield* post(recall({ vehicle_number: "TRK-102", start_time: ago(100) }))).status).toBe(201)
      const tooOld = yield* post(recall({ start_time: ago(8 * 24 * 60) }))
      expect(tooOld.status).toBe(400)
      const smartTimelapse = yield* post(
        recall({ vehicle_number: "TRK-103", recall_type: "timelapse", duration: 5, start_time: ago(60) })
      )
      expect(String(field(smartTimelapse, "error_message"))).toContain("timelapse is not supported on smart dashcams")
      const smartLong = yield* post(recall({ vehicle_number: "TRK-103", duration: 2 }))
      expect(String(field(smartLong, "error_message"))).toContain("limited to 1 minute")
      expect((yield* post(recall({ vehicle_number: "TRK-103", duration: 1 }))).status).toBe(201)
      const unknownVehicle = yield* post(recall({ vehicle_number: "TRK-999" }))
      expect(unknownVehicle.status).toBe(404)
      const capture = yield* call(sandbox.baseUrl, "POST", "/v1/image_captures", {
        body: { vehicle_id: 102, position: "rear" }
      })
      expect(capture.status).toBe(400)
    }))

  it.scopedLive("keeps gaps in video where they are in time as the clock moves on; a window may end just now", () =>
    Effect.gen(function*() {
      const clock = manualClock(Date.parse("2026-03-31T12:00:00.700Z"))
      const sandbox = yield* Sandbox.make({ clock })
      const post = (start: string) =>
        call(sandbox.baseUrl, "POST", "/v1/video_recall_requests", {
          body: { vehicle_number: "TRK-102", start_time: start, duration: 1 }
        })
      // TRK-102 recorded nothing from 180 to 120 minutes before the sandbox started (to the second): 09:00 to 10:00.
      const timelines = yield* call(
        sandbox.baseUrl,
        "GET",
        "/v1/video_recall_requests/vehicles/available_timelines?vehicle_number=TRK-102&start_time=2026-03-31T08:00:00Z"
      )
      expect(field(timelines, "available_timelines")).toEqual([
        { start_time: "2026-03-31T08:00:00Z", end_time: "2026-03-31T09:00:00Z" },
        { start_time: "2026-03-31T10:00:00Z", end_time: "2026-03-31T12:00:00Z" }
      ])
      // A start in the future, with no end_time: the start is what is wrong, not an end nobody sent.
      const ahead = yield* call(
        sandbox.baseUrl,
        "GET",
        "/v1/video_recall_requests/vehicles/available_timelines?vehicle_number=TRK-102&start_time=2026-03-31T13:00:00Z"
      )
      expect([ahead.status, field(ahead, "error_message")]).toEqual([
        400,
        "start_time is in the future (end_time defaults to now)"
      ])
      expect((yield* post("2026-03-31T09:30:00Z")).status).toBe(400)
      expect((yield* post("2026-03-31T10:05:00Z")).status).toBe(201)
      clock.advance(30 * 60_000)
      expect((yield* post("2026-03-31T09:31:00Z")).status).toBe(400)
      expect((yield* post("2026-03-31T10:06:00Z")).status).toBe(201)
      expect((yield* post("2026-03-31T08:58:00Z")).status).toBe(201)
      // A window ending within the second before now (the client lets it through to the millisecond).
      expect((yield* post("2026-03-31T12:29:00.500Z")).status).toBe(201)
    }))

  it.scopedLive("lets the caller replace the fleet", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make({
        fleet: {
          ...defaultFleet,
          vehicles: [{ id: 9, number: "BUS-9", make: "Gillig", model: "Low Floor", dashcam: "ai", cameras: ["rear"] }]
        }
      })
      const created = yield* call(sandbox.baseUrl, "POST", "/v1/video_recall_requests", {
        body: recall({ vehicle_number: "BUS-9" })
      })
      expect(created.status).toBe(201)
      expect(
        (yield* call(sandbox.baseUrl, "POST", "/v1/video_recall_requests", {
          body: recall({ vehicle_number: "TRK-101" })
        })).status
      ).toBe(404)
    }))

  it.scopedLive("reports available timelines for vehicles and assets, with the gap cut out, and the quota", () =>
    Effect.gen(function*() {
      const now = Date.now()
      const sandbox = yield* Sandbox.make()
      const query = `vehicle_number=TRK-102&start_time=${ago(240, now)}&end_time=${ago(60, now)}`
      const vehicle = yield* call(
        sandbox.baseUrl,
        "GET",
        `/v1/video_recall_requests/vehicles/available_timelines?${query}`
      )
      expect(vehicle.status).toBe(200)
      const spans = field(vehicle, "available_timelines") as Array<{ start_time: string; end_time: string }>
      expect(spans.length).toBe(2)
      expect(Date.parse(spans[0]!.end_time) - Date.parse(spans[0]!.start_time)).toBeCloseTo(60 * 60_000, -4)
      expect(Date.parse(spans[1]!.end_time) - Date.parse(spans[1]!.start_time)).toBeCloseTo(60 * 60_000, -4)
      expect(field(vehicle, "quota_info")).toMatchObject({ regular: { used_minutes: 0 } })
      const asset = yield* call(
        sandbox.baseUrl,
        "GET",
        `/v1/video_recall_requests/assets/available_timelines?asset_name=TRAILER-7&start_time=${ago(60)}&end_time=${
          ago(0)
        }`
      )
      expect(asset.body).toMatchObject({ primary_entity: "asset", asset: { id: 7, name: "TRAILER-7" } })
      expect((field(asset, "available_timelines") as Array<unknown>).length).toBe(1)
      const missing = yield* call(sandbox.baseUrl, "GET", "/v1/video_recall_requests/assets/available_timelines")
      expect(missing.status).toBe(400)
    }))

  it.scopedLive("registers and lists company webhooks, only on loopback", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make()
      const created = yield* call(sandbox.baseUrl, "POST", "/v1/company_webhooks", {
        body: { url: "http://127.0.0.1:9/hook", secret: "s3cret", actions: ["video_recall_request_completed"] }
      })
      expect(created.status).toBe(201)
      expect(created.body).toEqual({
        company_webhook: {
          id: 1,
          url: "http://127.0.0.1:9/hook",
          format: "json",
          actions: ["video_recall_request_completed"],
          enabled: true
        }
      })
      const list = yield* call(sandbox.baseUrl, "GET", "/v1/company_webhooks")
      expect(list.body).toMatchObject({ company_webhooks: [{ company_webhook: { id: 1 } }], pagination: { total: 1 } })
      const remote = yield* call(sandbox.baseUrl, "POST", "/v1/company_webhooks", {
        body: { url: "https://example.com/hook", secret: "x" }
      })
      expect(remote.status).toBe(400)
      expect(JSON.stringify(list.body)).not.toContain("s3cret")
    }))
})
