/**
 * The arithmetic of the adaptive rate limit: what the gate knows and how each reservation, answer and 429
 * changes it. Pure functions of the state and the time, shared by `RequestGate` and its simulation benchmark.
 */
import { Duration } from "effect"
import type { RateLimited } from "../MotiveError.js"
import type { AdaptiveOptions } from "../RequestGate.js"

/** What the gate knows, updated atomically. Times are in milliseconds of Effect's `Clock`. */
export interface State {
  /** Requests per second allowed now. */
  readonly rate: number
  /** Until the first 429: the rate grows exponentially. */
  readonly searching: boolean
  /**
   * Whether a window has measured the server's rate (a configured limit counts as one): until then the rate
   * climbs back doubling each second, and a sub-second `Retry-After` may lower it.
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
  /** Successes paced by the limit since the last decrease: the longer the rate holds, the faster it climbs. */
  readonly paced: number
  /** The lowest rate the 429s of the burst being answered may still set: an eighth of its first decrease. */
  readonly floor: number
  /** When the first request was admitted, and the successes since: their rate bounds the server's from above. */
  readonly started: number | undefined
  readonly successes: number
  /** Requests between their first reservation and their end. While there are none, nobody is asking. */
  readonly pending: number
  /** When the last pending request ended. */
  readonly idleFrom: number
  /** Milliseconds since the first request with none pending and no pause: no rate is measured over them. */
  readonly idle: number
  /** The successes before the first 429: at least the server's burst. */
  readonly firstRun: number
  /** The last usable sample of the server's rate, while probing. */
  readonly lastSample: number | undefined
  /**
   * How long answers typically take, in milliseconds (a moving average; `undefined` before the first): with the
   * rate, how many requests the search needs in flight.
   */
  readonly latency: number | undefined
  /** The window over which the server's rate is measured: from the end of a 429's pause. */
  readonly window: {
    readonly from: number
    readonly successes: number
    /** The lowest rate bound the `Retry-After`s in the window set. */
    readonly bound: number
    /** The burst of 429s that opened it: until its pause ends, a later end of that burst moves its start. */
    readonly epoch: number
    /** `idle` when it opened: the idle time in it is the difference. */
    readonly idleAtOpen: number
    /** Milliseconds of the pauses in it that said nothing of the server's bucket (see {@link limited}). */
    readonly paused: number
    /**
     * Such pauses that may have stocked the bucket for it, the one that opened it included, and their length:
     * each may have let it keep up to its burst, which `firstRun` bounds.
     */
    readonly stocked: number
    readonly stockTime: number
    /** Whether it opened at the end of an exact pause: the server's bucket then held one token. */
    readonly exact: boolean
  } | undefined
}

/** A reserved start time, the epoch it belongs to, and whether the rate limit is in use. */
export interface Ticket {
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

/** Two probing samples agree when the later is at most this multiple of the earlier. */
const sampleAgreement = 1.05

/**
 * The successes a window needs before its rate is taken as a sample, unless both its ends are exact pauses
 * (then two).
 */
const minSamples = 4

/**
 * A climb that began at least this share of its sample lost at most 8 % of what the server made: the
 * client was at, or just below, the server's rate throughout.
 */
const nearBelow = 0.7

/** The additive step doubles after each this many seconds of paced traffic without a 429, at most 32-fold. */
const climbDoublingSeconds = 30
const maxClimbDoublings = 5

/** The weight of each answer's time in the moving average of answer times. */
const latencyWeight = 0.25

/**
 * One answer counts in that average as at most this many times the average (and at least 1 ms): a single very
 * slow answer moves it by 75 % at most, not by a quarter of its own time, while a server that really slows down is
 * followed within a few answers (the average can grow 1.75-fold with each).
 */
const latencyOutlier = 4

/** The moving average of answer times after one that took `took` ms. */
export const nextLatency = (average: number | undefined, took: number): number =>
  average === undefined
    ? took
    : average + latencyWeight * (Math.min(took, Math.max(latencyOutlier * average, 1)) - average)

const clamp = (options: AdaptiveOptions, rate: number) => Math.min(options.max, Math.max(options.min, rate))

/**
 * Reserves the next start time: GCRA with `burst` requests of tolerance, after any pause. A request reserving
 * for the first time (`entering`) becomes pending; if none was, the time since the last ended was idle.
 */
export const reserve = (
  options: AdaptiveOptions,
  s: State,
  now: number,
  entering: boolean
): readonly [Ticket, State] => {
  const interval = 1000 / s.rate
  const tolerance = (options.burst - 1) * interval
  const tat = Math.max(s.tat, now, s.pausedUntil)
  const at = Math.max(now, s.pausedUntil, tat - tolerance)
  const idle = entering && s.pending === 0 && s.started !== undefined
    ? Math.max(0, now - Math.max(s.idleFrom, s.pausedUntil))
    : 0
  // The limit counts as in use while requests come at least half as fast as it allows.
  return [{ at, epoch: s.epoch, pacing: s.tat - tolerance >= now - interval }, {
    ...s,
    tat: tat + interval,
    started: s.started ?? at,
    pending: entering ? s.pending + 1 : s.pending,
    idle: s.idle + idle
  }]
}

/** A request's end, whatever its outcome. */
export const ended = (now: number) => (s: State): State => ({
  ...s,
  pending: s.pending - 1,
  idleFrom: s.pending === 1 ? now : s.idleFrom
})

/** A success: the rate grows, exponentially while searching and additively after; the window counts it. */
export const succeeded =
  (options: AdaptiveOptions, startStep: number, ticket: Ticket, now: number | undefined) => (s: State): State => {
    // Any success heard after the window opened: its request took a token made in it, or one made before the
    // 429 that opened it (counting that one too errs towards a higher rate, which the next 429 corrects).
    const window = s.window === undefined ? undefined : { ...s.window, successes: s.window.successes + 1 }
    const counted = {
      ...s,
      window,
      successes: s.successes + 1,
      sinceDecrease: s.sinceDecrease + 1,
      latency: now === undefined ? s.latency : nextLatency(s.latency, now - ticket.at)
    }
    // Growing a rate that does not hold anything back would only allow a burst later.
    if (!ticket.pacing) return counted
    // The additive step doubles with each `climbDoublingSeconds` the rate has held: a measure that came out
    // low (a server that changed its limit, tokens its bucket could not keep) is made good in minutes.
    const doublings = Math.min(maxClimbDoublings, Math.floor(s.paced / (s.level * climbDoublingSeconds)))
    const rate = s.searching
      ? s.rate + startStep
      : s.measured
      ? s.rate + (options.increase * s.level * 2 ** doublings) / s.rate
      : s.rate + probeStep
    return { ...counted, paced: s.paced + 1, rate: clamp(options, rate) }
  }

/**
 * What a 429 said about the server's bucket. A token bucket that refuses a request has less than one token
 * left, and says when it will have one: within one refill interval. So a sub-second `Retry-After` given in
 * seconds (`exact`) bounds the server's rate by `1 / t`, and at the end of that pause the bucket holds one token.
 * A second or more, or an HTTP date (whole seconds, read against this machine's clock), says nothing of either;
 * 0 is no wait named at all (`silent`), as is no header.
 */
export const toldBy = (cause: Pick<RateLimited, "retryAfter" | "retryAfterForm"> | undefined) => {
  const millis = cause?.retryAfter === undefined ? undefined : Duration.toMillis(cause.retryAfter)
  const exact = cause?.retryAfterForm === "delay" && millis !== undefined && millis > 0 && millis < 1000
  // `Retry-After: 0` (or a date already past) names no wait: the retry policy backs off as for none.
  return {
    bound: exact ? 1000 / millis : Number.POSITIVE_INFINITY,
    exact,
    silent: millis === undefined || millis === 0
  }
}

/**
 * A 429: pause for what it said (only until the lowered rate's next request when it named no wait), and once per
 * burst of 429s, step back.
 *
 * - The first burst ends the search: the rate halves, at most to half the rate of all successes so far, or
 *   falls to 0.7 of the bound an exact `Retry-After` sets (never below an eighth of that), each further 429 of
 *   the burst lowering it to its own bound.
 * - Then, probing, the rate climbs doubling each second, and each burst closes a window: from the end of a pause
 *   to the 429, less the time nobody was asking and pauses that told nothing. After an exact pause the server's
 *   bucket holds one token, so the successes in a window between two exact pauses are the tokens it made:
 *   unless the bucket was full for a while (a bucket with little room, a climb from well below the server's
 *   rate), then they are fewer. So a sample counts as the server's rate when its climb began no lower than 0.7
 *   of it, or when it agrees with the one before; otherwise the next climb starts from it (never below half the
 *   rate). After pauses that told nothing of the bucket (whole seconds, a date) or a 429 that named no wait, the
 *   sample needs four successes, and after the former it is taken conservatively (see `sample`). A window of
 *   four intervals or more that ends without a sample found the rate well above the server's: it halves.
 * - Once the rate is measured (or configured), each burst steps it back by `decrease` and a `Retry-After` only
 *   says how long to pause.
 */
export const limited = (
  options: AdaptiveOptions,
  now: number,
  pauseMillis: number,
  admittedIn: number,
  cause: Pick<RateLimited, "retryAfter" | "retryAfterForm"> | undefined
) =>
(s: State): State => {
  const told = toldBy(cause)
  // A 429 that named no wait at all: the fall of the rate is the back-off, and a pause of one interval at the
  // new rate keeps the server's bucket from filling while nobody asks (and the window from losing what it made).
  const pauseUntil = (rate: number) =>
    Math.max(
      s.pausedUntil,
      now + (told.silent && cause !== undefined ? Math.min(pauseMillis, 1000 / rate) : pauseMillis)
    )
  // Once the rate is measured (or configured), a `Retry-After` only says how long to pause.
  const hint = s.measured ? Number.POSITIVE_INFINITY : told.bound
  const end = told.exact ? now + pauseMillis : now
  // Pause time that told nothing of the bucket is left out of the window it falls in.
  const inexact = !told.exact && !told.silent
  const unknown = (until: number) => inexact ? Math.max(0, until - Math.max(s.pausedUntil, now)) : 0
  /** A window from the end of this burst's pause. */
  const opened = (until: number, epoch: number, bound: number) => ({
    from: until,
    successes: 0,
    bound,
    epoch,
    idleAtOpen: s.idle,
    paused: 0,
    stocked: inexact ? 1 : 0,
    stockTime: inexact ? until - now : 0,
    exact: told.exact
  })
  const window = s.window === undefined ? undefined : { ...s.window, bound: Math.min(s.window.bound, hint) }
  if (admittedIn < s.epoch || (s.epoch > 0 && s.sinceDecrease === 0)) {
    // A 429 of the burst already answered: its bound may still lower a rate that no window has measured yet.
    const rate = s.epoch === 1 && window !== undefined && window.successes === 0
      ? clamp(options, Math.max(s.floor, Math.min(s.rate, hint * hintShare)))
      : s.rate
    const pausedUntil = pauseUntil(rate)
    // A request in flight when the burst began may have taken the token its first 429 announced: this later
    // 429 announces the next, a cleaner start for the window the burst opened.
    const moved = window === undefined
      ? undefined
      : window.epoch === s.epoch && pausedUntil > window.from
      ? opened(pausedUntil, window.epoch, window.bound)
      : { ...window, paused: window.paused + unknown(pausedUntil), stockTime: window.stockTime + unknown(pausedUntil) }
    return {
      ...s,
      pausedUntil,
      window: moved,
      tat: Math.max(s.tat, pausedUntil + (options.burst - 1) * (1000 / rate)),
      rate,
      level: rate
    }
  }
  const busy = window === undefined ? 0 : end - window.from - (s.idle - window.idleAtOpen) - window.paused
  // The tokens the server made in the window are the successes heard in it; never more than its exact
  // `Retry-After`s allow. Too few successes, or a sample at or above the client's own rate, say nothing yet.
  const sample =
    window !== undefined && window.successes >= (window.exact && window.stocked === 0 ? 1 : minSamples) && busy > 0
      ? Math.min(
        window.stocked === 0
          ? (1000 * window.successes) / busy
          // After pauses that told nothing, the bucket may have kept what it made in them (up to its burst) or lost
          // it: the rate is at least the successes over the time with those pauses, and at least what is left of
          // them, less a burst per pause, over the time without.
          : Math.max(
            (1000 * window.successes) / (busy + window.stockTime),
            (1000 * (window.successes - window.stocked * s.firstRun)) / busy
          ),
        window.bound
      )
      : undefined
  const usable = sample !== undefined && sample < s.rate ? sample : undefined
  // A bucket with little room loses the tokens it makes while the client sends below the server's rate, so a
  // window of a climb that began below it measures the client: only a lower bound. Probing on from each such
  // bound, the samples rise towards the server's rate; two that agree have found it.
  // A climb that began well above a sample from exact ends had the client above the server's rate throughout:
  // nothing was lost, the sample is the rate.
  const measured = !s.measured && usable !== undefined &&
      ((window?.exact === true && window.stocked === 0 && usable * nearBelow <= s.level) ||
        (s.lastSample !== undefined && usable <= s.lastSample * sampleAgreement))
    ? usable
    : undefined
  // The first burst: the rate of all successes so far bounds the server's, whose burst made part of them.
  const active = s.started === undefined ? 0 : now - s.started - s.idle
  const bound = active > 0 && s.successes > 0 ? (1000 * s.successes) / active : s.rate
  const lacking = s.searching ? Math.min(s.rate, bound) / 2 : s.rate * options.decrease
  const floor = lacking / 8
  const rate = clamp(
    options,
    s.searching
      ? Math.max(floor, Math.min(lacking, hint * hintShare))
      // Measured (or configured): the rate had climbed just past the server's, additively; it steps back.
      : s.measured
      ? lacking
      : measured !== undefined
      ? measured * options.settle
      // Probing on from a lower bound, at most halving. Lacking one: a window of a few intervals that met a 429
      // without enough successes found the rate well above the server's, and halves it; a shorter one steps back.
      : Math.max(
        floor,
        usable !== undefined
          ? Math.max(usable * options.settle, s.rate / 2)
          : busy * s.rate >= minSamples * 1000
          ? s.rate / 2
          : lacking
      )
  )
  const pausedUntil = pauseUntil(rate)
  const probing = !(s.measured || measured !== undefined)
  return {
    ...s,
    rate,
    searching: false,
    measured: !probing,
    lastSample: usable ?? s.lastSample,
    firstRun: s.searching ? s.successes : s.firstRun,
    pausedUntil,
    // No burst after a pause: the server's bucket is empty.
    tat: pausedUntil + (options.burst - 1) * (1000 / rate),
    epoch: s.epoch + 1,
    sinceDecrease: 0,
    paced: 0,
    level: rate,
    floor,
    // While probing, a window runs from one sample to the next; it goes on through a burst that gave none.
    window: !probing
      ? undefined
      : window === undefined || usable !== undefined
      ? opened(pausedUntil, s.epoch + 1, hint)
      : {
        ...window,
        paused: window.paused + unknown(pausedUntil),
        stocked: window.stocked + (inexact ? 1 : 0),
        stockTime: window.stockTime + unknown(pausedUntil)
      }
  }
}

/** The state of a gate that has admitted nothing yet. */
export const initialState = (options: AdaptiveOptions, searching: boolean): State => ({
  rate: options.initial,
  searching,
  // A configured limit needs no probing: it climbs back to its ceiling by the additive step.
  measured: !searching,
  tat: 0,
  pausedUntil: 0,
  epoch: 0,
  sinceDecrease: 0,
  level: options.initial,
  paced: 0,
  floor: options.min,
  window: undefined,
  started: undefined,
  successes: 0,
  lastSample: undefined,
  firstRun: 0,
  pending: 0,
  idleFrom: 0,
  idle: 0,
  latency: undefined
})

/**
 * Requests in flight the search allows: `searchInFlight`, or twice rate × the typical answer time when that is more
 * (before any answer, only `searchInFlight`), and one more for each second since the first request (so that the
 * search cannot stall below a limit out of reach); once the rate is measured, `maxConcurrency`.
 */
export const searchCap = (options: AdaptiveOptions, maxConcurrency: number, s: State, now: number): number =>
  !s.measured
    ? Math.min(
      maxConcurrency,
      Math.max(
        options.searchInFlight,
        s.latency === undefined ? 0 : Math.ceil((2 * s.rate * s.latency) / 1000),
        // A server whose limit is out of reach never ends the search: one more each second of it.
        options.searchInFlight + Math.floor((now - (s.started ?? now)) / 1000)
      )
    )
    : maxConcurrency
