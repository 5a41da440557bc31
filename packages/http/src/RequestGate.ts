/**
 * The client-side rate limit and concurrency cap, shared by every call of one client. After a 429 the whole
 * client pauses, not just the fiber that got it.
 *
 * @since 0.1.0
 */
import { Clock, Context, Duration, Effect, Layer, RateLimiter, type Scope } from "effect"
import { MotiveConfig, type RateLimitOptions } from "./MotiveConfig.js"

/**
 * Admits requests to Motive.
 *
 * @since 0.1.0
 */
export class RequestGate extends Context.Tag("@effect-motive/http/RequestGate")<RequestGate, {
  /** Runs one request once the rate limit, any 429 pause and the concurrency cap allow. */
  readonly admit: <A, E, R>(request: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /** Holds every request back for `duration` (after a 429). */
  readonly pause: (duration: Duration.Duration) => Effect.Effect<void>
}>() {}

/**
 * A gate with a token bucket (`effect`'s `RateLimiter`), a shared pause and a semaphore.
 *
 * @since 0.1.0
 */
export const make = (options: {
  readonly rateLimit: RateLimitOptions | false
  readonly maxConcurrency: number
}): Effect.Effect<RequestGate["Type"], never, Scope.Scope> =>
  Effect.gen(function*() {
    const limiter = options.rateLimit === false ? undefined : yield* RateLimiter.make({
      limit: Math.max(1, Math.floor(options.rateLimit.burst)),
      interval: Duration.millis(
        (Math.max(1, Math.floor(options.rateLimit.burst)) / options.rateLimit.requestsPerSecond) * 1000
      ),
      algorithm: "token-bucket"
    })
    const semaphore = yield* Effect.makeSemaphore(Math.max(1, options.maxConcurrency))
    // Until the first 429 there is no pause to look up: the clock is read only once one has been set.
    let pausedUntil = 0
    const waitOutPause: Effect.Effect<void> = Effect.suspend(() =>
      pausedUntil === 0 ? Effect.void : Effect.flatMap(Clock.currentTimeMillis, (now) =>
        pausedUntil > now
          // Another 429 may extend the pause meanwhile: look again after sleeping.
          ? Effect.zipRight(Effect.sleep(Duration.millis(pausedUntil - now)), waitOutPause)
          : Effect.void)
    )
    return {
      admit: (request) => {
        const limited = limiter === undefined ? request : limiter(request)
        return semaphore.withPermits(1)(Effect.zipRight(waitOutPause, limited))
      },
      pause: (duration) =>
        Effect.map(Clock.currentTimeMillis, (now) => {
          pausedUntil = Math.max(pausedUntil, now + Duration.toMillis(duration))
        })
    }
  })

/**
 * A gate with its own limits, whatever `MotiveConfig` says (for `Motive.layerWithoutDefaults`).
 *
 * @since 0.1.0
 */
export const layerWith = (options: {
  readonly rateLimit: RateLimitOptions | false
  readonly maxConcurrency: number
}): Layer.Layer<RequestGate> => Layer.scoped(RequestGate, make(options))

/**
 * The default gate, from `MotiveConfig`.
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<RequestGate, never, MotiveConfig> = Layer.scoped(
  RequestGate,
  Effect.flatMap(MotiveConfig, (config) => make(config))
)
