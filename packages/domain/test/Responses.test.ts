import { describe, expect, it } from "@effect/vitest"
import { Option, Schema } from "effect"
import {
  AvailableTimelines,
  completedRecallId,
  errorMessageFromBody,
  existingIdFromBody,
  ImageCapture,
  isFeatureDisabledBody,
  isQuotaExceededBody,
  isRequestRateBody,
  isTerminalStatus,
  RecallQuota,
  RecallStatus,
  statusText,
  VehiclesPage,
  VideoRecallFromBody,
  WebhookEvent
} from "../src/index.js"

const decode = <A, I>(schema: Schema.Schema<A, I>) => Schema.decodeUnknownSync(schema)

describe("completedRecallId", () => {
  it("reads a completion event's id as a whole number or decimal digits, and nothing else", () => {
    const of = (id: unknown, action = "video_recall_request_completed") =>
      completedRecallId(decode(WebhookEvent)({ action, id }))
    expect([of(42), of("42"), of("0042"), of("9007199254740991")]).toEqual([42, 42, 42, 9007199254740991])
    expect(of("9007199254740992")).toBeUndefined()
    expect([of("0x10"), of("1e2"), of(" 7"), of("4.5"), of(0), of(-3), of(null), of("")]).toEqual(
      Array(8).fill(undefined)
    )
    expect(of(42, "vehicle_updated")).toBeUndefined()
  })
})

describe("response schemas", () => {
  it("decodes the image capture POST response of the seed page, ignoring unknown fields", () => {
    const capture = decode(ImageCapture)({
      request_id: 1234,
      camera_type: "omnicam",
      position: "side_left",
      status: "pending",
      asset: { id: 7, name: "TRAILER-7" },
      created_at: "2026-11-24T12:00:00Z",
      brand_new_field: { anything: true }
    })
    expect(capture.requestId).toBe(1234)
    expect(capture.cameraType).toBe("omnicam")
    expect(capture.asset?.name).toBe("TRAILER-7")
  })

  it("decodes the image capture GET response with its images map", () => {
    const capture = decode(ImageCapture)({
      request_id: 5,
      camera_type: "dashcam",
      position: "front_facing",
      status: "success",
      vehicle: { id: 101, number: "TRK-101" },
      images: { front_facing: { url: "https://media/x.jpg", expires_at: "2026-11-24T13:00:00Z" } }
    })
    expect(capture.images?.front_facing?.url).toBe("https://media/x.jpg")
    expect(capture.images?.front_facing?.expiresAt).toBe("2026-11-24T13:00:00Z")
  })

  it("decodes an image capture as leniently as a recall: null created_at and image URL, an in-between status", () => {
    const capture = decode(ImageCapture)({
      request_id: 6,
      camera_type: "dashcam",
      position: "front_facing",
      status: "in_progress",
      created_at: null,
      images: { front_facing: { url: null, expires_at: null } }
    })
    expect(capture.createdAt).toBeNull()
    expect(capture.images?.front_facing?.url).toBeNull()
    // Not a status the reference names for captures: kept as unknown, which a wait goes on polling.
    expect(capture.status).toEqual({ _tag: "UnknownStatus", value: "in_progress" })
  })

  it("decodes a video recall with cameras, accepting the id as an integer or a string", () => {
    const body = {
      id: "42",
      status: "success",
      primary_entity: "vehicle",
      vehicle: { id: 101, number: "TRK-101" },
      asset: null,
      start_time: "2026-11-24T11:30:00Z",
      end_time: "2026-11-24T11:32:00Z",
      recall_type: "regular",
      created_at: "2026-11-24T11:40:00Z",
      updated_at: "2026-11-24T11:41:00Z",
      cameras: [{
        position: "front_facing",
        camera_type: "dashcam",
        status: "success",
        download_url: "u",
        expires_at: null
      }]
    }
    const recall = decode(VideoRecallFromBody)(body)
    expect(recall.id).toBe(42)
    expect(recall.cameras[0]?.downloadUrl).toBe("u")
    expect(decode(VideoRecallFromBody)({ ...body, id: 42, cameras: undefined }).cameras).toEqual([])
  })

  it("decodes an unknown status as an unknown status, never a failure, and it is not terminal", () => {
    const status = decode(RecallStatus)("queued_for_review")
    expect(status).toEqual({ _tag: "UnknownStatus", value: "queued_for_review" })
    expect(isTerminalStatus(status)).toBe(false)
    expect(statusText(status)).toBe("queued_for_review")
    expect(Schema.encodeSync(RecallStatus)(status)).toBe("queued_for_review")
  })

  it("treats success and failed as terminal, pending and in_progress as not", () => {
    expect(["pending", "in_progress", "success", "failed"].map((s) => isTerminalStatus(decode(RecallStatus)(s))))
      .toEqual([false, false, true, true])
  })

  it("decodes the quota, timelines, fleet page and webhook event shapes", () => {
    const bucket = { used_minutes: 3, remaining_minutes: 97, total_minutes: 100 }
    expect(decode(RecallQuota)({ quota_info: { regular: bucket, timelapse: bucket } }).quotaInfo.regular.usedMinutes)
      .toBe(3)
    const timelines = decode(AvailableTimelines)({
      primary_entity: "asset",
      asset: { id: 7, name: "TRAILER-7" },
      available_timelines: [{ start_time: "a", end_time: "b" }]
    })
    expect(timelines.availableTimelines).toEqual([{ startTime: "a", endTime: "b" }])
    const page = decode(VehiclesPage)({
      vehicles: [{ vehicle: { id: 101, number: "TRK-101", extra: 1 } }],
      pagination: { per_page: 25, page_no: 1, total: 1 }
    })
    expect(page.pagination.perPage).toBe(25)
    expect(decode(WebhookEvent)({ action: "video_recall_request_completed", id: 9, other: "x" })).toEqual({
      action: "video_recall_request_completed",
      id: 9
    })
  })
})

describe("error bodies", () => {
  it("reads the message from error_message, message, error or errors, in that order", () => {
    expect(errorMessageFromBody({ error_message: "a", message: "b" })).toEqual(Option.some("a"))
    expect(errorMessageFromBody({ message: "b", error: "c" })).toEqual(Option.some("b"))
    expect(errorMessageFromBody({ error: "c" })).toEqual(Option.some("c"))
    expect(errorMessageFromBody({ errors: ["d", "e"] })).toEqual(Option.some("d; e"))
    expect(errorMessageFromBody({ nothing: 1 })).toEqual(Option.none())
    expect(errorMessageFromBody("plain text")).toEqual(Option.some("plain text"))
  })

  it("tells a quota refusal from a rate limit", () => {
    expect(isQuotaExceededBody({ code: "quota_exceeded", error_message: "Monthly limit reached" })).toBe(true)
    expect(isQuotaExceededBody({ error_message: "Video recall quota exhausted" })).toBe(true)
    expect(isQuotaExceededBody({ error_message: "Too many requests" })).toBe(false)
    expect(isQuotaExceededBody({ error_message: "Monthly quota of 600 minutes per month reached" })).toBe(true)
    // "quota" of a request rate is a rate limit's word.
    expect(isQuotaExceededBody({ error_message: "Request quota exceeded: max 10 requests per second" })).toBe(false)
    expect(isQuotaExceededBody({ message: "API quota: 100 req/min, rate limit hit" })).toBe(false)
    expect(isQuotaExceededBody({ code: "quota_exceeded", error_message: "10 requests per second" })).toBe(true)
    expect(isQuotaExceededBody({ error_message: "Quota exceeded: too many requests" })).toBe(false)
  })

  it("tells a message about a rate of requests from one that names another rate, or a limit in passing", () => {
    const rate = (message: string) => isRequestRateBody({ error_message: message })
    for (
      const m of [
        "Request quota exceeded: max 10 requests per second",
        "API quota: 100 req/min, rate limit hit",
        "Rate limit exceeded",
        "You are being rate limited",
        "Requests are throttled for this company",
        "at most 5 calls a second",
        "rate_limit_exceeded",
        "RateLimitExceeded",
        "Request rejected due to rate limiting",
        "Rate limited: retry after 30 seconds",
        "Rate limit: exceeded",
        "Too many requests, please try again later.",
        "Too Many Requests",
        "10 requests per 60 seconds",
        "5 requests per 1 second",
        "limit is 10 rps"
      ]
    ) expect(rate(m), m).toBe(true)
    for (
      const m of [
        "Timelapse is not supported on smart dashcams (they record 1 frame per second)",
        "Video is uploaded at 2 Mbit/s; try a shorter window",
        "Too many requests for this vehicle are pending",
        "This action is not permitted for this API key. Rate limit: n/a",
        "duration must be 1, 2 or 3 minutes",
        "You can request a min of 10 seconds",
        "Throttle position not available",
        "The accurate limit of the window is 3 minutes"
      ]
    ) expect(rate(m), m).toBe(false)
  })

  it("tells the camera feature being off from a 403 about the user's rights", () => {
    const off = [
      { error_message: "The video_monitoring feature is not enabled for this company" },
      { error_message: "Video monitoring is disabled for this company" },
      { error_message: "Capture Trip Images is not enabled for this company" },
      { message: "Camera features are turned off for your fleet" },
      { code: "video_monitoring_disabled", error_message: "Forbidden" },
      { code: 403, error_code: "video_monitoring_disabled", error_message: "Forbidden" }
    ]
    for (const body of off) expect(isFeatureDisabledBody(body), JSON.stringify(body)).toBe(true)
    const rights = [
      { error_message: "You do not have the permission to access this feature" },
      { error_message: "You do not have permission to use video monitoring" },
      { error_message: "Your role does not allow access to the video_monitoring feature" },
      { error_message: "This feature is disabled for your API key" },
      { error_message: "User account disabled. Contact your fleet admin to access this feature" },
      { error_message: "Camera access is disabled for your user" },
      { error_message: "Forbidden" },
      { error_message: "This API key is disabled" },
      "plain text"
    ]
    for (const body of rights) expect(isFeatureDisabledBody(body), JSON.stringify(body)).toBe(false)
  })

  it("reads a duplicate's existing id", () => {
    expect(existingIdFromBody({ error_message: "duplicate", id: 42 })).toEqual(Option.some(42))
    expect(existingIdFromBody({ existing_id: "43" })).toEqual(Option.some(43))
    expect(existingIdFromBody({ error_message: "duplicate" })).toEqual(Option.none())
  })
})
