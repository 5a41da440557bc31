/**
 * Every wait before trying again, in one module: API calls, 429 pauses, media downloads, polling, and webhook
 * redelivery. Each is a `Schedule`; the client's are a service, replaceable by a layer.
 *
 * @since 0.1.0
 */
import { Context, Duration, Effect, Layer, Schedule } from "effect"
import { MotiveConfig, type PollingOptions, type RetryOptions } from "./MotiveConfig.js"
import type { MotiveError, RateLimited } from "./MotiveError.js"

/**
 * Why one attempt at a media file did not finish it. `backoff` is false when the next attempt may start at
 * once (a fresh URL, a restart from zero); true when the media server or the connection failed.
 *
 * @since 0.1.0
 */
export interface MediaRetry {
  readonly reason: string
  readonly backoff: boolean
}

/**
 * The delays between attempts. Each schedule receives every failure, so it can honour a `Retry-After`;
 * which failures are retried at all is decided by `isRetryable`, not here.
 *
 * @since 0.1.0
 */
export class RetryPolicy extends Context.Tag("@effect-motive/http/RetryPolicy")<RetryPolicy, {
  /** Between the attempts of one API call. */
  readonly api: Schedule.Schedule<unknown, MotiveError>
  /** Between the attempts of one media file (resumes, restarts, fresh URLs). */
  readonly media: Schedule.Schedule<unknown, MediaRetry>
  /** Between two polls of a request being waited for (the wait's time budget is the wait's own). */
  readonly poll: Schedule.Schedule<unknown>
}>() {}

/**
 * Whether a 429 named a wait: a `Retry-After` of zero (or a date already past) names none, as if it had given
 * none (coming back at once, again and again, would only meet more 429s).
 */
const namedWait = (error: RateLimited): Duration.Duration | undefined =>
  error.retryAfter === undefined || Duration.lessThanOrEqualTo(error.retryAfter, Duration.zero)
    ? undefined
    : error.retryAfter

/**
 * How long a 429 asks to wait: its `Retry-After`, cut to `maxRetryAfter`; `defaultRetryAfter` when it gave
 * none (or zero). The client-wide pause after a 429 (a longer `Retry-After` is not retried: see
 * {@link waitsTooLong}).
 *
 * @since 0.1.0
 */
export const retryAfter = (
  error: RateLimited,
  options: Pick<RetryOptions, "maxRetryAfter" | "defaultRetryAfter">
): Duration.Duration => {
  const named = namedWait(error)
  return named === undefined ? options.defaultRetryAfter : Duration.min(named, options.maxRetryAfter)
}

/**
 * Exponential backoff from `base` doubling with jitter, each delay at most `max`, at most `retries` times.
 *
 * @since 0.1.0
 */
export const backoff = (options: {
  readonly base: Duration.DurationInput
  readonly max: Duration.DurationInput
  readonly retries: number
  readonly jitter?: boolean
}): Schedule.Schedule<unknown> =>
  Schedule.exponential(options.base).pipe(
    (s) => options.jitter === false ? s : Schedule.jittered(s),
    Schedule.union(Schedule.spaced(options.max)),
    Schedule.intersect(Schedule.recurs(Math.max(0, options.retries)))
  )

/**
 * Whether a 429 asks for a longer wait than `maxRetryAfter`: it is not retried (coming back sooner would only
 * meet another 429), and the `RateLimited` it fails with carries the wait asked for.
 *
 * @since 0.1.0
 */
export const waitsTooLong = (error: MotiveError, options: Pick<RetryOptions, "maxRetryAfter">): boolean =>
  error._tag === "RateLimited" && error.retryAfter !== undefined &&
  Duration.greaterThan(error.retryAfter, options.maxRetryAfter)

/**
 * API calls: {@link backoff} bounded in attempts and total time. A 429 waits its `Retry-After` instead (when it
 * gave none, or zero: the backoff, and at least `defaultRetryAfter`), and ends the retries when that is longer
 * than `maxRetryAfter`.
 *
 * @since 0.1.0
 */
export const apiSchedule = (options: RetryOptions): Schedule.Schedule<unknown, MotiveError> =>
  Schedule.identity<MotiveError>().pipe(
    Schedule.whileInput((error: MotiveError) => !waitsTooLong(error, options)),
    Schedule.intersect(
      backoff({ base: options.baseDelay, max: options.maxDelay, retries: options.maxAttempts - 1 })
    ),
    Schedule.modifyDelay(([error], delay) =>
      error._tag !== "RateLimited"
        ? delay
        : namedWait(error) === undefined
        ? Duration.max(delay, options.defaultRetryAfter)
        : retryAfter(error, options)
    ),
    Schedule.upTo(options.maxElapsed)
  )

/**
 * Media files: `attempts` in all; 100 ms doubling up to 2 s after a failure of the server or the connection,
 * no wait before a fresh URL or a restart.
 *
 * @since 0.1.0
 */
export const mediaSchedule = (attempts: number): Schedule.Schedule<unknown, MediaRetry> =>
  Schedule.identity<MediaRetry>().pipe(
    Schedule.intersect(
      backoff({ base: Duration.millis(100), max: Duration.seconds(2), retries: attempts - 1, jitter: false })
    ),
    Schedule.modifyDelay(([retry], delay) => retry.backoff ? delay : Duration.zero)
  )

/**
 * Polling a request until it is done: from `initialInterval`, growing by half each time, at most `maxInterval`.
 * (The time budget of a wait is applied by the wait itself.)
 *
 * @since 0.1.0
 */
export const pollSchedule = (polling: PollingOptions): Schedule.Schedule<unknown> =>
  Schedule.exponential(polling.initialInterval, 1.5).pipe(Schedule.union(Schedule.spaced(polling.maxInterval)))

/**
 * Webhook redelivery (the sandbox's, as Motive does): `base` doubling, `attempts` deliveries in all.
 *
 * @since 0.1.0
 */
export const redeliverySchedule = (base: Duration.DurationInput, attempts: number): Schedule.Schedule<unknown> =>
  backoff({ base, max: Duration.infinity, retries: attempts - 1, jitter: false })

/**
 * The delay a schedule applies before retry number `retry` (1 for the first retry), or `undefined` when it has
 * stopped by then. For code that keeps its own timers (the sandbox's deliveries) but not its own backoff.
 *
 * @since 0.1.0
 */
export const delayBefore = <Out>(
  schedule: Schedule.Schedule<Out, unknown>,
  retry: number
): Duration.Duration | undefined => {
  // `Schedule.run` gives one output per input while the schedule goes on, plus one for the step where it
  // stops: with `retry + 1` inputs, all of them answered means retry number `retry` was still scheduled.
  const delays = Array.from(Effect.runSync(
    Schedule.run(Schedule.delays(schedule), 0, Array.from({ length: retry + 1 }, () => undefined))
  ))
  return delays.length === retry + 1 ? delays[retry - 1] : undefined
}

/**
 * The client's policy from its retry settings and download attempts.
 *
 * @since 0.1.0
 */
export const make = (
  options: { readonly retry: RetryOptions; readonly downloadAttempts: number; readonly polling: PollingOptions }
) =>
  RetryPolicy.of({
    api: apiSchedule(options.retry),
    media: mediaSchedule(options.downloadAttempts),
    poll: pollSchedule(options.polling)
  })

/**
 * The default policy, from `MotiveConfig`.
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<RetryPolicy, never, MotiveConfig> = Layer.effect(
  RetryPolicy,
  Effect.map(MotiveConfig, make)
)

/**
 * A policy with your own schedule for API calls (for example `Schedule.stop` to never retry); media files keep
 * the default from `MotiveConfig`.
 *
 * @since 0.1.0
 */
export const fromSchedule = (
  schedule: Schedule.Schedule<unknown, MotiveError>
): Layer.Layer<RetryPolicy, never, MotiveConfig> =>
  Layer.effect(RetryPolicy, Effect.map(MotiveConfig, (config) => ({ ...make(config), api: schedule })))
