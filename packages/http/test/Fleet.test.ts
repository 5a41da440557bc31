import { defaultFleet } from "@effect-motive/sandbox"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, DateTime, Effect, Stream } from "effect"
import { setup, withClient } from "./support.js"

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

  it.scopedLive("refuses a timeline window that ends before it starts, sending nothing", () =>
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
      expect(yield* sandbox.requests).toEqual([])
    }))
})
