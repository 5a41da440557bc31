import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Schedule } from "effect"
import { MotiveConfig, RateLimited, RetryPolicy } from "../src/index.js"

const delaysOf = <In>(schedule: Schedule.Schedule<unknown, In>, inputs: ReadonlyArray<In>) =>
  Effect.map(Schedule.run(Schedule.delays(schedule), 0, inputs), (c) => Array.from(c, Duration.toMillis))

describe("RetryPolicy: every wait before trying again", () => {
  it.effect("media: 100 ms doubling to 2 s after a failed connection, no wait before a fresh URL or a restart", () =>
    Effect.gen(function*() {
      const cut = { reason: "cut", backoff: true }
      const fresh = { reason: "expired", backoff: false }
      const delays = yield* delaysOf(RetryPolicy.mediaSchedule(8), [cut, cut, fresh, cut, cut, cut, cut])
      expect(delays).toEqual([
        100,
        200,
        0,
        800,
        1_600,
        2_000,
        2_000
      ])
      // Six attempts in all: five retries, then the schedule stops.
      // (`Schedule.run` answers one more input: the step at which the schedule stops.)
      const six = yield* delaysOf(RetryPolicy.mediaSchedule(6), Array.from({ length: 9 }, () => cut))
      expect(six.slice(0, 5)).toEqual([100, 200, 400, 800, 1_600])
      expect(six).toHaveLength(6)
    }))

  it.effect("API calls: a 429 waits its Retry-After; one asking for more than maxRetryAfter ends the retries", () =>
    Effect.gen(function*() {
      const retry = { ...MotiveConfig.defaults.retry, maxRetryAfter: Duration.seconds(5) }
      const long = new RateLimited({ message: "slow down", status: 429, retryAfter: Duration.seconds(90) })
      const short = new RateLimited({ message: "slow down", status: 429, retryAfter: Duration.millis(1_500) })
      const limit = new RateLimited({ message: "slow down", status: 429, retryAfter: Duration.seconds(5) })
      expect(yield* delaysOf(RetryPolicy.apiSchedule(retry), [short, limit, short])).toEqual([1_500, 5_000, 1_500])
      // Ended at the second input (a schedule's run ends with the 0 of its last step, as for `six` above).
      expect(yield* delaysOf(RetryPolicy.apiSchedule(retry), [short, long, short])).toEqual([1_500, 0])
      // The client-wide pause after it lasts at most maxRetryAfter.
      expect(Duration.toMillis(RetryPolicy.retryAfter(long, retry))).toBe(5_000)
      const silent = new RateLimited({ message: "slow down", status: 429 })
      expect(Duration.toMillis(RetryPolicy.retryAfter(silent, retry))).toBe(1_000)
    }))

  it("webhook redelivery: the base doubling, and nothing after the last attempt", () => {
    const redelivery = RetryPolicy.redeliverySchedule("250 millis", 4)
    expect([1, 2, 3].map((n) => Duration.toMillis(RetryPolicy.delayBefore(redelivery, n)!))).toEqual([250, 500, 1_000])
    expect(RetryPolicy.delayBefore(redelivery, 4)).toBeUndefined()
  })
})
