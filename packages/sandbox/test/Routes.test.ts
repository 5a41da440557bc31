import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { routeKeys, Sandbox } from "../src/index.js"
import { isCameraRoute, routeKeyOf, routes } from "../src/internal/routes.js"
import { call } from "./support.js"

// A path that each route's pattern matches, parameters filled in.
const samplePath = (pattern: string) =>
  pattern.replace(":camera_type", "dashcam").replace(/:[a-z_]+/g, (name) => name === ":file" ? "rear.mp4" : "1")

describe("Sandbox route table", () => {
  it("keys each route of the table by its own row", () => {
    for (const route of routes) expect(routeKeyOf(route.method, samplePath(route.path))).toBe(route.key)
  })

  it("prefers a static path over a parameter, as the router does", () => {
    expect(routeKeyOf("GET", "/v1/video_recall_requests/quota")).toBe("recallQuota")
    expect(routeKeyOf("GET", "/v1/video_recall_requests/quota-ish")).toBe("getVideoRecall")
    expect(routeKeyOf("GET", "/v1/video_recall_requests/assets/available_timelines")).toBe("availableTimelines")
  })

  it("normalises a path as the router does: trailing and repeated slashes, letter case", () => {
    expect(routeKeyOf("GET", "/v1/vehicles/")).toBe("vehicles")
    expect(routeKeyOf("GET", "//v1//vehicles")).toBe("vehicles")
    expect(routeKeyOf("GET", "/V1/Vehicles")).toBe("vehicles")
  })

  it("gives no key to a method or path no row declares", () => {
    expect(routeKeyOf("GET", "/v1/image_captures")).toBeUndefined()
    expect(routeKeyOf("DELETE", "/v1/vehicles")).toBeUndefined()
    expect(routeKeyOf("GET", "/v1/image_captures/dashcam/1/extra")).toBeUndefined()
    expect(routeKeyOf("GET", "/_sandbox/health")).toBeUndefined()
  })

  it("lists every route key once, in table order, for faults", () => {
    expect(routeKeys).toEqual([
      "createImageCapture",
      "getImageCapture",
      "createVideoRecall",
      "getVideoRecall",
      "recallQuota",
      "availableTimelines",
      "vehicles",
      "assets",
      "companyWebhooks",
      "media"
    ])
  })

  it("marks the camera endpoints, which video_monitoring guards, and only them", () => {
    expect(routeKeys.filter(isCameraRoute)).toEqual([
      "createImageCapture",
      "getImageCapture",
      "createVideoRecall",
      "getVideoRecall",
      "recallQuota",
      "availableTimelines"
    ])
  })

  it.scopedLive("routes every row of the table: no request to a declared route meets the router's 404", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make()
      for (const route of routes) {
        const answer = yield* call(sandbox.baseUrl, route.method, samplePath(route.path), {
          ...(route.method === "POST" ? { body: {} } : {})
        })
        expect([route.path, answer.body]).not.toEqual([route.path, { error_message: "Not found" }])
      }
      const recorded = yield* sandbox.requests
      expect(recorded.map((r) => r.route)).toEqual(routes.map((r) => r.key))
    }))

  it.scopedLive("answers a path of the API asked with another method 405, naming the methods it takes", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make()
      const wrong = yield* call(sandbox.baseUrl, "DELETE", "/v1/video_recall_requests/1")
      expect(wrong.status).toBe(405)
      expect(wrong.headers.get("allow")).toBe("GET")
      expect(wrong.body).toEqual({
        error_message: "DELETE is not allowed on /v1/video_recall_requests/1 (it takes GET)"
      })
      const list = yield* call(sandbox.baseUrl, "GET", "/v1/video_recall_requests")
      expect([list.status, list.headers.get("allow")]).toEqual([405, "POST"])
      expect((yield* call(sandbox.baseUrl, "GET", "/v1/nowhere")).status).toBe(404)
    }))
})
