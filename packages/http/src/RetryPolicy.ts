/**
 * When to try a failed call again: one `Schedule`, replaceable by a layer.
 *
 * @since 0.1.0
 */
import { Context, Duration, Effect, Layer, Schedule } from "effect"
import { MotiveConfig, type RetryOptions } from "./MotiveConfig.js"
import type { MotiveError } from "./MotiveError.js"

/**
 * The delays between attempts of one call. The schedule receives each failure, so it can honour a
 * `Retry-After`; which failures are retried at all is decided by `isRetryable`, not here.
 *
 * @since 0.1.0
 */
export class RetryPolicy extends Context.Tag("@effect-motive/http/RetryPolicy")<RetryPolicy, {
  readonly schedule: Schedule.Schedule<unknown, MotiveError>
}>() {}

/**
 * Exponential backoff with jitter, each delay capped, bounded in attempts and total time. A 429 waits
 * exactly its `Retry-After` (capped by `maxRetryAfter`), or at least `defaultRetryAfter` when it gave none.
 *
 * @since 0.1.0
 */
export const makeSchedule = (options: RetryOptions): Schedule.Schedule<unknown, MotiveError> =>
  Schedule.identity<MotiveError>().pipe(
    Schedule.intersect(
      Schedule.exponential(options.baseDelay).pipe(
        Schedule.jittered,
        Schedule.union(Schedule.spaced(options.maxDelay)),
        Schedule.intersect(Schedule.recurs(Math.max(0, options.maxAttempts - 1)))
      )
    ),
    Schedule.modifyDelay(([error], delay) =>
      error._tag === "RateLimited"
        ? error.retryAfter === undefined
          ? Duration.max(delay, options.defaultRetryAfter)
          : Duration.min(error.retryAfter, options.maxRetryAfter)
        : delay
    ),
    Schedule.upTo(options.maxElapsed)
  )

/**
 * The default policy, from `MotiveConfig`'s retry options.
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<RetryPolicy, never, MotiveConfig> = Layer.effect(
  RetryPolicy,
  Effect.map(MotiveConfig, (config) => ({ schedule: makeSchedule(config.retry) }))
)

/**
 * A policy from an explicit schedule (for example `Schedule.stop` to never retry).
 *
 * @since 0.1.0
 */
export const fromSchedule = (schedule: Schedule.Schedule<unknown, MotiveError>): Layer.Layer<RetryPolicy> =>
  Layer.succeed(RetryPolicy, { schedule })
