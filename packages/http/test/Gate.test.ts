import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { ago, setup, withClient } from "./support.js"

describe("RequestGate", () => {
  it.scopedLive("keeps 429s rare when many fibers share one client against a rate-limited sandbox", () =>
    Effect.gen(function*() {
      const { client, sandbox } = yield* setup(
        { rateLimit: { requestsPerSecond: 40, burst: 10 } },
        { rateLimit: { requestsPerSecond: 36, burst: 8 }, maxConcurrency: 16 }
      )
      yield* withClient(client, (c) =>
        Effect.flatMap(
          c.createVideoRecall({ vehicleNumber: "TRK-101", startTime: ago(30), duration: 1 }),
          ({ recall }) =>
            Effect.forEach(Array.from({ length: 60 }), () => c.getVideoRecall(recall.id), { concurrency: 30 })
        ))
      const statuses = (yield* sandbox.requests).map((r) => r.status)
      expect(statuses.filter((s) => s === 200 || s === 201).length).toBe(61)
      expect(statuses.filter((s) => s === 429).length).toBeLessThanOrEqual(1)
    }))

  it.scopedLive("caps the requests in flight", () =>
    Effect.gen(function*() {
      const { client, sandbox } = yield* setup({}, { maxConcurrency: 2 })
      yield* sandbox.injectFault("recallQuota", { kind: "slow", delayMillis: 150 }, 4)
      const started = Date.now()
      yield* withClient(client, (c) =>
        Effect.forEach(Array.from({ length: 4 }), () => c.getRecallQuota, { concurrency: 4 }))
      // Four 150 ms calls, two at a time: at least two rounds.
      expect(Date.now() - started).toBeGreaterThanOrEqual(290)
    }))
})
