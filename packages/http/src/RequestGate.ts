/**
 * The client-side rate limit and concurrency cap, shared by every call of one client. After a 429 the whole
 * client pauses, not just the fiber that got it, and the rate adapts: it steps back on a 429 and climbs back
 * additively while requests succeed, never above a configured limit. With no configured limit it searches for
 * the server's: exponentially, few requests in flight, until the first 429; then it probes until the successes
 * of two climbs agree on the server's rate (`internal/adaptiveRate.ts` has the arithmetic).
 *
 * @since 0.1.0
 */
import {
  Clock,
  ConfigError,
  Context,
  Duration,
  Effect,
  Fiber,
  FiberRef,
  Layer,
  Option,
  Ref,
  type Scope,
  SynchronizedRef
} from "effect"
import {
  ended,
  initialState,
  limited,
  reserve,
  searchCap,
  type State,
  succeeded,
  type Ticket
} from "./internal/adaptiveRate.js"
import { MotiveConfig, type RateLimitOptions } from "./MotiveConfig.js"
import type { RateLimited } from "./MotiveError.js"

/**
 * Admits requests to Motive.
 *
 * @since 0.1.0
 */
export class RequestGate extends Context.Tag("@effect-motive/http/RequestGate")<RequestGate, {
  /** Runs one request once the rate limit, any 429 pause and the concurrency cap allow. */
  readonly admit: <A, E, R>(request: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /**
   * Holds every request back for `duration`. Called after every 429 with that 429 as `cause`, it is also the
   * gate's signal that the server's limit was reached: the rate falls, once per burst of 429s. An adaptive
   * gate reads the 429's `Retry-After`: a sub-second one given in seconds bounds the server's rate; when the
   * 429 named no wait at all, it pauses only until the lowered rate's next request, whatever `duration` says.
   */
  readonly pause: (duration: Duration.Duration, cause?: RateLimited) => Effect.Effect<void>
}>() {}

/**
 * How the adaptive rate moves. Rates are in requests per second.
 *
 * @since 0.1.0
 */
export interface AdaptiveOptions {
  /** Where the search starts; until the first 429 the rate doubles every `startDoubling` of traffic. */
  readonly initial: number
  /** The rate never falls below this. */
  readonly min: number
  /** The rate never rises above this: a configured limit. */
  readonly max: number
  /** Requests that may go at once after a quiet spell (the client's own bucket). */
  readonly burst: number
  /**
   * Until the server's rate is measured (the search and the probing after its first 429): requests in flight at
   * most, unless the rate and the typical answer time need more (twice rate × a moving average of answer times);
   * one more for each second since the first request. When the server's bucket runs dry, only these meet a 429.
   */
  readonly searchInFlight: number
  /** Before the first 429: how fast the rate grows. */
  readonly startDoubling: Duration.Duration
  /** After a 429 the rate becomes this share of its own (while probing, of the server's sampled rate). */
  readonly decrease: number
  /** Once probing has measured the server's rate, the rate starts from this share of it. */
  readonly settle: number
  /**
   * While requests succeed, the rate gains this share of its level after the last 429, per second; the step
   * doubles after every 30 s of it, at most 32-fold.
   */
  readonly increase: number
}

/**
 * The rate limit a gate enforces: a ceiling that the rate adapts below (`RateLimitOptions`), a search for the
 * server's limit (`"adaptive"`), or none (`false`: only the pause after a 429).
 *
 * @since 0.1.0
 */
export type RateLimit = RateLimitOptions | "adaptive" | false

/**
 * The adaptive defaults: start at 200 requests/s with 3 in flight, doubling each second until the first 429;
 * then half (or 0.7 of an exact sub-second `Retry-After`'s bound), probing: climbs doubling each second, each
 * starting from the last climb's sample of the server's rate, until two samples agree; then 95 % of that, growing
 * by 0.2 % of it per second (the step doubling every 30 s without a 429) and stepping back 7 % at each 429. No
 * ceiling.
 *
 * @since 0.1.0
 */
export const adaptiveDefaults: AdaptiveOptions = {
  initial: 200,
  min: 1,
  max: Number.POSITIVE_INFINITY,
  burst: 1,
  searchInFlight: 3,
  startDoubling: Duration.seconds(1),
  decrease: 0.93,
  settle: 0.95,
  increase: 0.002
}

/** The adaptive settings for a `RateLimit` other than `false`: a configured limit starts at it, with its burst. */
const adaptiveFor = (rateLimit: Exclude<RateLimit, false>, tuning: Partial<AdaptiveOptions>): AdaptiveOptions => {
  const merged: AdaptiveOptions = rateLimit === "adaptive"
    ? { ...adaptiveDefaults, ...tuning }
    : {
      ...adaptiveDefaults,
      ...tuning,
      initial: rateLimit.requestsPerSecond,
      max: Math.min(tuning.max ?? Number.POSITIVE_INFINITY, rateLimit.requestsPerSecond),
      burst: rateLimit.burst
    }
  const max = Math.max(Number.MIN_VALUE, merged.max)
  const min = Math.min(Math.max(Number.MIN_VALUE, merged.min), max)
  return {
    ...merged,
    max,
    min,
    initial: Math.min(max, Math.max(min, merged.initial)),
    burst: Math.max(1, Math.floor(merged.burst)),
    searchInFlight: Math.max(1, Math.floor(merged.searchInFlight))
  }
}

/**
 * What a gate is built from: `MotiveConfig`'s `rateLimit` and `maxConcurrency`, and optionally the tuning of
 * the adaptive rate.
 *
 * @since 0.1.0
 */
export interface GateOptions {
  readonly rateLimit: RateLimit
  readonly maxConcurrency: number
  readonly adaptive?: Partial<AdaptiveOptions> | undefined
}

/** What makes a gate unable to work (a rate of 0 would hold every request for good), each with its rule. */
const checkOptions = (options: GateOptions): ReadonlyArray<string> => {
  const problems: Array<string> = []
  const above = (name: string, n: number | undefined, whole: boolean) => {
    if (n !== undefined && !(whole ? Number.isInteger(n) && n >= 1 : n > 0 && !Number.isNaN(n))) {
      problems.push(`${name} ${n} must be ${whole ? "a whole number, at least 1" : "a number above 0"}`)
    }
  }
  if (options.maxConcurrency !== Infinity) above("maxConcurrency", options.maxConcurrency, true)
  if (typeof options.rateLimit === "object" && options.rateLimit !== null) {
    const rate = options.rateLimit.requestsPerSecond
    if (!(Number.isFinite(rate) && rate > 0)) {
      problems.push(`rateLimit.requestsPerSecond ${rate} must be a number above 0 (false for no limit)`)
    }
    above("rateLimit.burst", options.rateLimit.burst, true)
  }
  const tuning = options.adaptive ?? {}
  for (const name of ["initial", "min", "max", "decrease", "settle"] as const) {
    above(`adaptive.${name}`, tuning[name], false)
  }
  for (const name of ["burst", "searchInFlight"] as const) above(`adaptive.${name}`, tuning[name], true)
  return problems
}

/**
 * A gate with a rate limit (see {@link RateLimit}), a shared pause and a semaphore. Options it cannot work with
 * (a rate or a concurrency of 0) fail with a `ConfigError` naming each.
 *
 * @since 0.1.0
 */
export const make = (options: GateOptions): Effect.Effect<RequestGate["Type"], ConfigError.ConfigError, Scope.Scope> =>
  Effect.gen(function*() {
    const problems = checkOptions(options)
    if (problems.length > 0) {
      return yield* Effect.fail(ConfigError.InvalidData([], `invalid rate limit: ${problems.join("; ")}`))
    }
    const maxConcurrency = Math.max(1, options.maxConcurrency)
    const semaphore = yield* Effect.makeSemaphore(maxConcurrency)
    return options.rateLimit === false
      ? yield* unlimited(semaphore)
      : yield* adaptive(semaphore, maxConcurrency, adaptiveFor(options.rateLimit, options.adaptive ?? {}))
  })

/** No rate limit: only the pause and the semaphore. */
const unlimited = (semaphore: Effect.Semaphore): Effect.Effect<RequestGate["Type"]> =>
  Effect.gen(function*() {
    const pausedUntil = yield* Ref.make(0)
    // Until the first 429 there is no pause to look up: the clock is read only once one has been set.
    const waitOutPause: Effect.Effect<void> = Effect.flatMap(Ref.get(pausedUntil), (until) =>
      until === 0 ? Effect.void : Effect.flatMap(Clock.currentTimeMillis, (now) =>
        until > now
          // Another 429 may extend the pause meanwhile: look again after sleeping.
          ? Effect.zipRight(Effect.sleep(Duration.millis(until - now)), waitOutPause)
          : Effect.void))
    return {
      admit: (request) =>
        semaphore.withPermits(1)(Effect.zipRight(waitOutPause, request)),
      pause: (duration) =>
        Effect.flatMap(
          Clock.currentTimeMillis,
          (now) =>
            Ref.update(pausedUntil, (until) => Math.max(until, now + Duration.toMillis(duration)))
        )
    }
  })

/** The adaptive rate limit. */
const adaptive = (
  semaphore: Effect.Semaphore,
  maxConcurrency: number,
  options: AdaptiveOptions
): Effect.Effect<RequestGate["Type"], never, Scope.Scope> =>
  Effect.gen(function*() {
    const startStep = (Math.LN2 * 1000) / Math.max(1, Duration.toMillis(options.startDoubling))
    const searching = options.initial < options.max
    const state = yield* Ref.make<State>(initialState(options, searching))
    // The epoch each fiber's last request was admitted in, read back by `pause` when that request got a 429.
    const admittedIn = yield* FiberRef.make(Number.POSITIVE_INFINITY)

    /** Reserves a start time, as a request that is `entering` (reserving for the first time) or not. */
    const reserveNow = (entering: boolean) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.map(
          Ref.modify(state, (s) => reserve(options, s, now, entering)),
          (ticket) => [ticket, now] as const
        ))

    /** Waits for a start time; a pause or a decrease while waiting voids it, and the request queues again. */
    const waitFor = ([ticket, now]: readonly [Ticket, number]): Effect.Effect<Ticket> =>
      ticket.at <= now ? Effect.succeed(ticket) : Effect.zipRight(
        Effect.sleep(Duration.millis(ticket.at - now)),
        Effect.flatMap(
          Ref.get(state),
          (s) =>
            s.epoch === ticket.epoch && s.pausedUntil <= ticket.at
              ? Effect.succeed(ticket)
              : Effect.flatMap(reserveNow(false), waitFor)
        )
      )

    const end = Effect.flatMap(Clock.currentTimeMillis, (now) => Ref.update(state, ended(now)))

    // Until the server's rate is measured, a second cap on requests in flight, widened as the rate and the
    // typical answer time need (before any answer, only the cap itself). Resized under one lock, from the latest state.
    const searchPermits = yield* Effect.makeSemaphore(options.searchInFlight)
    const searchWindow = yield* SynchronizedRef.make(options.searchInFlight)
    const widen = SynchronizedRef.updateEffect(searchWindow, (had) =>
      Effect.flatMap(Effect.zip(Ref.get(state), Clock.currentTimeMillis), ([s, now]) => {
        const wanted = searchCap(options, maxConcurrency, s, now)
        return wanted === had ? Effect.succeed(had) : Effect.as(searchPermits.resize(wanted), wanted)
      }))
    /**
     * Runs `run` in a search place: at once when one is free; otherwise waits for one, widening the cap each second
     * meanwhile. The cap's one more place a second must come with no answer at all too (requests the server never
     * answers would otherwise hold every place for good); only requests that wait look at the clock for it, so an
     * idle gate runs no timer.
     */
    const inSearchPlace = <A, E, R>(run: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
      Effect.flatMap(searchPermits.withPermitsIfAvailable(1)(run), (ran) =>
        Option.isSome(ran) ? Effect.succeed(ran.value) : Effect.flatMap(
          // The request itself runs in the caller's fiber (its fiber refs, `admittedIn` among them, stay its own);
          // the ticking is a child fiber that ends once the place is taken, or the wait is given up.
          Effect.fork(Effect.forever(Effect.zipRight(Effect.sleep(Duration.seconds(1)), widen))),
          (ticking) =>
            searchPermits.withPermits(1)(Effect.zipRight(Fiber.interrupt(ticking), run)).pipe(
              Effect.ensuring(Fiber.interrupt(ticking))
            )
        ))

    /**
     * Runs a request at its start time. Admitted before the rate was measured, it is pending from its reservation
     * to its end (idle time is left out of the windows that measure the rate) and its answer's time feeds the
     * search's cap on requests in flight; after, nothing reads either (the rate stays measured), so neither the
     * pending count nor the clock is kept.
     */
    const admitPaced = <A, E, R>(request: Effect.Effect<A, E, R>, measuring: boolean) => {
      const run = (reserved: readonly [Ticket, number]) =>
        Effect.flatMap(waitFor(reserved), (ticket) =>
          Effect.zipRight(
            FiberRef.set(admittedIn, ticket.epoch),
            Effect.tap(request, () =>
              measuring
                ? Effect.flatMap(
                  Clock.currentTimeMillis,
                  (now) =>
                    Ref.updateAndGet(state, succeeded(options, startStep, ticket, now))
                ).pipe(Effect.flatMap((s) =>
                  !s.measured ? widen : Effect.void
                ))
                : Ref.update(state, succeeded(options, startStep, ticket, undefined)))
          ))
      return semaphore.withPermits(1)(
        measuring
          ? Effect.acquireUseRelease(reserveNow(true), run, () =>
            end)
          : Effect.flatMap(reserveNow(false), run)
      )
    }

    return {
      admit: (request) =>
        Effect.flatMap(
          Ref.get(state),
          (s) =>
            !s.measured ? inSearchPlace(admitPaced(request, true)) : admitPaced(request, false)
        ),
      pause: (duration, cause) =>
        Effect.flatMap(
          Effect.zip(Clock.currentTimeMillis, FiberRef.get(admittedIn)),
          ([now, epoch]) =>
            Effect.zipRight(
              Ref.update(state, limited(options, now, Duration.toMillis(duration), epoch, cause)),
              widen
            )
        )
    }
  })

/**
 * A gate with its own limits, whatever `MotiveConfig` says (for `Motive.layerWithoutDefaults`).
 *
 * @since 0.1.0
 */
export const layerWith = (options: GateOptions): Layer.Layer<RequestGate, ConfigError.ConfigError> =>
  Layer.scoped(RequestGate, make(options))

/**
 * The default gate, from `MotiveConfig`.
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<RequestGate, ConfigError.ConfigError, MotiveConfig> = Layer.scoped(
  RequestGate,
  // MotiveConfig's layers check these settings; one built by hand (`makeSettings`) is checked here.
  Effect.flatMap(MotiveConfig, make)
)
