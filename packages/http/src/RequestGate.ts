/**
 * The client-side rate limit and concurrency cap, shared by every call of one client. After a 429 the whole
 * client pauses, not just the fiber that got it, and the rate adapts: it falls on a 429 to what the server's
 * 429s show of its rate and climbs back additively while requests succeed, never above a configured limit.
 * With no configured limit it searches for the server's: exponentially, few requests in flight, until the
 * first 429.
 *
 * @since 0.1.0
 */
import { Clock, Context, Duration, Effect, FiberRef, Layer, Ref, type Scope } from "effect"
import { MotiveConfig, type RateLimitOptions } from "./MotiveConfig.js"

/**
 * Admits requests to Motive.
 *
 * @since 0.1.0
 */
export class RequestGate extends Context.Tag("@effect-motive/http/RequestGate")<RequestGate, {
  /** Runs one request once the rate limit, any 429 pause and the concurrency cap allow. */
  readonly admit: <A, E, R>(request: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /**
   * Holds every request back for `duration`. Called after every 429, it is also the gate's signal that the
   * server's limit was reached: the rate falls, once per burst of 429s. `retryAfter` is the server's own
   * `Retry-After`, when it sent one: an adaptive gate reads a sub-second one as a bound on the server's rate.
   */
  readonly pause: (duration: Duration.Duration, retryAfter?: Duration.Duration) => Effect.Effect<void>
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
   * Until the server's rate is measured (the search and the climb after its first 429): requests in flight at
   * most, unless the rate and the fastest answer so far need more (twice rate × latency). When the server's
   * bucket runs dry, only these meet a 429.
   */
  readonly searchInFlight: number
  /** Before the first 429: how fast the rate grows. */
  readonly startDoubling: Duration.Duration
  /** After a 429 the rate becomes this share of the server's measured rate (or of its own, lacking one). */
  readonly decrease: number
  /** While requests succeed, the rate gains this share of its level after the last 429, per second. */
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
 * The adaptive defaults: start at 200 requests/s with 3 in flight, doubling every 200 ms until the first 429;
 * then half (or 0.7 of a sub-second `Retry-After`'s bound), doubling each second until a window measures the
 * server's rate; then 95 % of that, growing by 0.2 % of it per second. No ceiling.
 *
 * @since 0.1.0
 */
export const adaptiveDefaults: AdaptiveOptions = {
  initial: 200,
  min: 1,
  max: Number.POSITIVE_INFINITY,
  burst: 1,
  searchInFlight: 3,
  startDoubling: Duration.millis(200),
  decrease: 0.95,
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

/** What the gate knows, updated atomically. Times are in milliseconds of Effect's `Clock`. */
interface State {
  /** Requests per second allowed now. */
  readonly rate: number
  /** Until the first 429: the rate grows exponentially. */
  readonly searching: boolean
  /**
   * Whether a window has measured the server's rate (a configured limit counts as one): until then the rate
   * climbs back doubling each second, and a `Retry-After` may lower it.
   */
  readonly measured: boolean
  /** The theoretical arrival time of the next request (GCRA): a token bucket as one number. */
  readonly tat: number
  readonly pausedUntil: number
  /**
   * Bumped by every decrease. A 429 belongs to the burst that caused the last decrease when its request was
   * admitted before it, or when no request has succeeded since.
   */
  readonly epoch: number
  readonly sinceDecrease: number
  /** The rate set by the last decrease: the additive step is a share of it. */
  readonly level: number
  /** The lowest rate the 429s of the burst being answered may still set: an eighth of its first decrease. */
  readonly floor: number
  /** When the first request was admitted, and the successes since: their rate bounds the server's from above. */
  readonly started: number | undefined
  readonly successes: number
  /** The fastest answer so far, in milliseconds: with the rate, how many requests the search needs in flight. */
  readonly fastest: number
  /** The window over which the server's rate is measured: from the end of a 429's pause. */
  readonly window: {
    readonly from: number
    readonly successes: number
    /** The lowest rate bound the `Retry-After`s in the window set. */
    readonly bound: number
    /** The burst of 429s that opened it: until its pause ends, a later end of that burst moves its start. */
    readonly epoch: number
  } | undefined
}

/** A reserved start time, the epoch it belongs to, and whether the rate limit is in use. */
interface Ticket {
  readonly at: number
  readonly epoch: number
  readonly pacing: boolean
}

/** Until a window measures the server's rate, the rate doubles each second: each success adds this. */
const probeStep = Math.LN2

/**
 * The share of a `Retry-After`'s bound the rate falls to before any measure: that bound is the server's rate
 * only when the 429 came just as its last token went, and is typically twice it.
 */
const hintShare = 0.7

/** The successes a window needs before its rate is trusted as the server's. */
const minSamples = 1

/** A measuring window longer than this starts again at the next 429, so that the estimate follows the server. */
const windowMillis = 10_000

const clamp = (options: AdaptiveOptions, rate: number) => Math.min(options.max, Math.max(options.min, rate))

/** Reserves the next start time: GCRA with `burst` requests of tolerance, after any pause. */
const reserve = (options: AdaptiveOptions, s: State, now: number): readonly [Ticket, State] => {
  const interval = 1000 / s.rate
  const tolerance = (options.burst - 1) * interval
  const tat = Math.max(s.tat, now, s.pausedUntil)
  const at = Math.max(now, s.pausedUntil, tat - tolerance)
  // The limit counts as in use while requests come at least half as fast as it allows.
  return [{ at, epoch: s.epoch, pacing: s.tat - tolerance >= now - interval }, {
    ...s,
    tat: tat + interval,
    started: s.started ?? at
  }]
}

/** A success: the rate grows, exponentially while searching and additively after; the window counts it. */
const succeeded =
  (options: AdaptiveOptions, startStep: number, ticket: Ticket, now: number | undefined) => (s: State): State => {
    // Any success heard after the window opened: its request took a token made in it, or one made before the
    // 429 that opened it (counting that one too errs towards a higher rate, which the next 429 corrects).
    const window = s.window === undefined ? undefined : { ...s.window, successes: s.window.successes + 1 }
    // Growing a rate that does not hold anything back would only allow a burst later.
    const counted = {
      ...s,
      window,
      successes: s.successes + 1,
      sinceDecrease: s.sinceDecrease + 1,
      fastest: now === undefined ? s.fastest : Math.min(s.fastest, now - ticket.at)
    }
    if (!ticket.pacing) return counted
    const rate = s.searching
      ? s.rate + startStep
      : s.measured
      ? s.rate + (options.increase * s.level) / s.rate
      : s.rate + probeStep
    return { ...counted, rate: clamp(options, rate) }
  }

/**
 * The rate a 429's `Retry-After` allows at most. A token bucket that refuses a request has less than one token
 * left, and says when it will have one: within one refill interval. So a sub-second `Retry-After` of `t` bounds
 * the server's rate by `1 / t`. A second or more is more likely a window's end, and says nothing.
 */
const rateBound = (retryAfterMillis: number | undefined): number | undefined =>
  retryAfterMillis !== undefined && retryAfterMillis > 0 && retryAfterMillis < 1000
    ? 1000 / retryAfterMillis
    : undefined

/**
 * A 429: pause; and, once per burst of 429s, fall to a share of the server's rate. At the end of a 429's pause
 * the server's bucket holds one token (that is what `Retry-After` says), so the successes between two such
 * instants are the tokens it made in between: its rate. Lacking that measure (at the first burst), the rate
 * halves, at most to half the rate of all successes so far, or falls to 0.7 of the bound a sub-second
 * `Retry-After` sets (never below an eighth of that), each further 429 of the burst lowering it to its own
 * bound; it then climbs doubling each second until the next burst measures the server's rate.
 */
const limited = (
  options: AdaptiveOptions,
  now: number,
  pauseMillis: number,
  admittedIn: number,
  retryAfterMillis: number | undefined
) =>
(s: State): State => {
  const pausedUntil = Math.max(s.pausedUntil, now + pauseMillis)
  // Once the rate is measured (or configured), a `Retry-After` only says how long to pause.
  const hint = s.measured ? Number.POSITIVE_INFINITY : rateBound(retryAfterMillis) ?? Number.POSITIVE_INFINITY
  const end = now + pauseMillis
  const window = s.window === undefined ? undefined : { ...s.window, bound: Math.min(s.window.bound, hint) }
  if (admittedIn < s.epoch || (s.epoch > 0 && s.sinceDecrease === 0)) {
    // A request in flight when the burst began may have taken the token its first 429 announced: this later
    // 429 announces the next, a cleaner start for the window the burst opened.
    const moved = window !== undefined && window.epoch === s.epoch && end > window.from
      ? { ...window, from: end, successes: 0 }
      : window
    // A 429 of the burst already answered: its bound may still lower a rate that no window has measured yet.
    const rate = !s.measured && window !== undefined && window.successes < minSamples
      ? clamp(options, Math.max(s.floor, Math.min(s.rate, hint * hintShare)))
      : s.rate
    return {
      ...s,
      pausedUntil,
      window: moved,
      tat: Math.max(s.tat, pausedUntil + (options.burst - 1) * (1000 / rate)),
      rate,
      level: rate
    }
  }
  // The tokens the server made in the window are the successes heard in it; never more than its
  // `Retry-After`s allow.
  const measured = window !== undefined && window.successes >= minSamples && end > window.from
    ? Math.min((1000 * window.successes) / (end - window.from), window.bound)
    : undefined
  // Lacking a measure: the rate of all successes so far bounds the server's, whose burst made part of them.
  const bound = s.started !== undefined && end > s.started && s.successes > 0
    ? (1000 * s.successes) / (end - s.started)
    : s.rate
  const lacking = s.searching ? Math.min(s.rate, bound) / 2 : s.rate * options.decrease
  const floor = lacking / 8
  const rate = clamp(
    options,
    measured !== undefined
      ? Math.min(s.rate, measured) * options.decrease
      // A configured limit is already near the server's: a `Retry-After` alone never pulls it far below.
      : s.measured
      ? lacking
      : Math.max(floor, Math.min(lacking, hint * hintShare))
  )
  return {
    ...s,
    rate,
    searching: false,
    measured: s.measured || measured !== undefined,
    pausedUntil,
    // No burst after a pause: the server's bucket is empty.
    tat: pausedUntil + (options.burst - 1) * (1000 / rate),
    epoch: s.epoch + 1,
    sinceDecrease: 0,
    level: rate,
    floor,
    window: window === undefined || (measured !== undefined && end - window.from > windowMillis)
      ? { from: end, successes: 0, bound: hint, epoch: s.epoch + 1 }
      : window
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

/**
 * A gate with a rate limit (see {@link RateLimit}), a shared pause and a semaphore.
 *
 * @since 0.1.0
 */
export const make = (options: GateOptions): Effect.Effect<RequestGate["Type"], never, Scope.Scope> =>
  Effect.gen(function*() {
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
    const state = yield* Ref.make<State>({
      rate: options.initial,
      searching,
      // A configured limit needs no probing: it climbs back to its ceiling by the additive step.
      measured: !searching,
      tat: 0,
      pausedUntil: 0,
      epoch: 0,
      sinceDecrease: 0,
      level: options.initial,
      floor: options.min,
      window: undefined,
      started: undefined,
      successes: 0,
      fastest: Number.POSITIVE_INFINITY
    })
    // The epoch each fiber's last request was admitted in, read back by `pause` when that request got a 429.
    const admittedIn = yield* FiberRef.make(Number.POSITIVE_INFINITY)

    /** Waits for a start time; a pause or a decrease while waiting voids it, and the request queues again. */
    const acquire: Effect.Effect<Ticket> = Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Effect.flatMap(
        Ref.modify(state, (s) => reserve(options, s, now)),
        (ticket) =>
          ticket.at <= now ? Effect.succeed(ticket) : Effect.zipRight(
            Effect.sleep(Duration.millis(ticket.at - now)),
            Effect.flatMap(
              Ref.get(state),
              (s) => s.epoch === ticket.epoch && s.pausedUntil <= ticket.at ? Effect.succeed(ticket) : acquire
            )
          )
      ))

    // Until the server's rate is measured, a second cap on requests in flight, widened as the rate and the
    // fastest answer need.
    const searchPermits = yield* Effect.makeSemaphore(options.searchInFlight)
    const searchWindow = yield* Ref.make(options.searchInFlight)
    const widen = (s: State) => {
      const wanted = !s.measured
        ? Math.min(
          maxConcurrency,
          Math.max(options.searchInFlight, Math.ceil((2 * s.rate * s.fastest) / 1000))
        )
        : maxConcurrency
      return Effect.flatMap(
        Ref.getAndSet(searchWindow, wanted),
        (had) => had === wanted ? Effect.void : searchPermits.resize(wanted)
      )
    }

    /**
     * Runs a request at its start time. Admitted before the rate was measured, its answer's time feeds the search's
     * cap on requests in flight; after, nothing reads that time (the rate stays measured), so the clock is not.
     */
    const admitPaced = <A, E, R>(request: Effect.Effect<A, E, R>, measuring: boolean) =>
      semaphore.withPermits(1)(
        Effect.flatMap(acquire, (ticket) =>
          Effect.zipRight(
            FiberRef.set(admittedIn, ticket.epoch),
            Effect.tap(request, () =>
              measuring
                ? Effect.flatMap(
                  Clock.currentTimeMillis,
                  (now) => Ref.updateAndGet(state, succeeded(options, startStep, ticket, now))
                ).pipe(Effect.flatMap((s) => !s.measured ? widen(s) : Effect.void))
                : Ref.update(state, succeeded(options, startStep, ticket, undefined)))
          ))
      )

    return {
      admit: (request) =>
        Effect.flatMap(
          Ref.get(state),
          (s) => !s.measured ? searchPermits.withPermits(1)(admitPaced(request, true)) : admitPaced(request, false)
        ),
      pause: (duration, retryAfter) =>
        Effect.flatMap(
          Effect.zip(Clock.currentTimeMillis, FiberRef.get(admittedIn)),
          ([now, epoch]) =>
            Ref.updateAndGet(
              state,
              limited(
                options,
                now,
                Duration.toMillis(duration),
                epoch,
                retryAfter === undefined ? undefined : Duration.toMillis(retryAfter)
              )
            ).pipe(Effect.flatMap(widen))
        )
    }
  })

/**
 * A gate with its own limits, whatever `MotiveConfig` says (for `Motive.layerWithoutDefaults`).
 *
 * @since 0.1.0
 */
export const layerWith = (options: GateOptions): Layer.Layer<RequestGate> => Layer.scoped(RequestGate, make(options))

/**
 * The default gate, from `MotiveConfig`.
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<RequestGate, never, MotiveConfig> = Layer.scoped(
  RequestGate,
  Effect.flatMap(MotiveConfig, (config) => make(config))
)
