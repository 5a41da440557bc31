import { defaultFleet } from "@effect-motive/sandbox"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, DateTime, Effect, Redacted, Stream } from "effect"
import type { TimelineQuery } from "../src/MotiveClient.js"
import { NodeMotive } from "../src/node.js"
import { serverWith } from "./loopbackServer.js"
import { quick, setup, withClient } from "./support.js"

describe("MotiveClient fleet and quota", () => {
  it.scopedLive("lists every vehicle across pages as a stream", () =>
    Effect.gen(function*() {
      const vehicles = Array.from({ length: 230 }, (_, i) => ({
        id: 1000 + i,
        number: `V-${i}`,
        make: "Make",
        model: "Model",
        dashcam: "ai" as const,
        cameras: ["front_facing" as const]
      }))
      const { client, sandbox } = yield* setup({ fleet: { ...defaultFleet, vehicles } })
      const all = yield* withClient(client, (c) => Stream.runCollect(c.vehicles))
      expect(Chunk.size(all)).toBe(230)
      expect(Chunk.unsafeGet(all, 229).number).toBe("V-229")
      expect((yield* sandbox.requests).map((r) => r.query.page_no)).toEqual(["1", "2", "3"])
      const assets = yield* withClient(client, (c) => Stream.runCollect(c.assets))
      expect(Chunk.toArray(assets).map((a) => a.name)).toEqual(["TRAILER-7"])
    }))

  it.scopedLive("goes on by what arrived when Motive answers smaller pages than asked for", () =>
    Effect.gen(function*() {
      // A Motive whose pages hold 25 whatever per_page asks: 60 vehicles are 3 pages.
      const pageNos: Array<string | null> = []
      const server = yield* serverWith((req, res) => {
        const pageNo = new URL(req.url ?? "/", "http://x").searchParams.get("page_no")
        pageNos.push(pageNo)
        const first = (Number(pageNo) - 1) * 25
        const ids = Array.from({ length: 60 }, (_, i) => i).slice(first, first + 25)
        res.writeHead(200, { "content-type": "application/json" })
        res.end(JSON.stringify({
          vehicles: ids.map((i) => ({ vehicle: { id: 1000 + i, number: `V-${i}` } })),
          pagination: { per_page: 25, page_no: Number(pageNo), total: 60 }
        }))
      })
      const layer = NodeMotive.layer({
        credentials: { _tag: "ApiKey", apiKey: Redacted.make("k") },
        baseUrl: server.url,
        ...quick
      })
      const all = yield* withClient(layer, (c) => Stream.runCollect(c.vehicles))
      expect(Chunk.toArray(all).map((v) => v.number)).toEqual(Array.from({ length: 60 }, (_, i) => `V-${i}`))
      expect(pageNos).toEqual(["1", "2", "3"])
    }))

  it.scopedLive("reads the quota and the available timelines", () =>
    Effect.gen(function*() {
      const { client } = yield* setup()
      const now = yield* DateTime.now
      const timelines = yield* withClient(client, (c) =>
        c.availableTimelines({
          vehicleNumber: "TRK-102",
          from: DateTime.subtract(now, { hours: 4 }),
          to: DateTime.subtract(now, { hours: 1 })
        }))
      expect(timelines.primaryEntity).toBe("vehicle")
      expect(timelines.availableTimelines.length).toBe(2)
      const quota = yield* withClient(client, (c) => c.getRecallQuota)
      expect(quota.quotaInfo.timelapse.remainingMinutes).toBe(10_000)
    }))

  it.scopedLive("refuses a timeline window that ends before it starts, or a blank name, sending nothing", () =>
    Effect.gen(function*() {
      const { client, sandbox } = yield* setup()
      const now = yield* DateTime.now
      const error = yield* withClient(client, (c) =>
        Effect.flip(c.availableTimelines({
          assetName: "TRAILER-7",
          from: DateTime.subtract(now, { hours: 1 }),
          to: DateTime.subtract(now, { hours: 4 })
        })))
      expect(error).toMatchObject({ _tag: "InvalidRequest", source: "client" })
      expect(error._tag === "InvalidRequest" && error.violations.map((v) => [v.path, v.rule])).toEqual([
        ["end_time", "window.end_before_start"]
      ])
      expect(error.message).toContain("end_time: end_time ")
      expect(error.message).toContain("[window.end_before_start]; nothing was sent")
      // A blank vehicle number is refused too, named, with the window's own problem.
      const blank = yield* withClient(client, (c) =>
        Effect.flip(c.availableTimelines({
          vehicleNumber: " ",
          from: DateTime.subtract(now, { hours: 1 }),
          to: DateTime.subtract(now, { hours: 4 })
        })))
      expect(blank._tag === "InvalidRequest" && blank.violations.map((v) => [v.path, v.rule])).toEqual([
        ["vehicle_number", "entity.exactly_one"],
        ["end_time", "window.end_before_start"]
      ])
      expect(blank.message).toContain("vehicle_number: vehicle_number is blank: give the vehicle's number")
      expect(yield* sandbox.requests).toEqual([])
    }))

  it.scopedLive("refuses a JavaScript caller's query whose times are not DateTimes, or that is null, sending nothing", () =>
    Effect.gen(function*() {
      const { client, sandbox } = yield* setup()
      const query: unknown = { vehicleNumber: "TRK-102", from: "2026-11-24T09:30:00Z", to: null }
      const error = yield* withClient(client, (c) => Effect.flip(c.availableTimelines(query as TimelineQuery)))
      expect(error).toMatchObject({ _tag: "InvalidRequest", source: "client" })
      expect(error._tag === "InvalidRequest" && error.violations.map((v) => [v.path, v.rule])).toEqual([
        ["start_time", "start_time.invalid"],
        ["end_time", "end_time.invalid"]
      ])
      expect(error.message).toContain("start_time: start_time (`from`) is not a DateTime")
      const none = yield* withClient(client, (c) => Effect.flip(c.availableTimelines(null as unknown as TimelineQuery)))
      expect(none._tag === "InvalidRequest" && none.violations.map((v) => [v.path, v.rule])).toEqual([
        ["asset_name", "entity.exactly_one"],
        ["start_time", "start_time.invalid"],
        ["end_time", "end_time.invalid"]
      ])
      expect(yield* sandbox.requests).toEqual([])
    }))
})
