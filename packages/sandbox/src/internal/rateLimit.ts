/**
 * The rate limit: a token bucket per key (the sandbox uses one, the company's), and the 429 that says when to come
 * back.
 */
import { Effect, Ref } from "effect"
import type { RateLimitOptions, RetryAfterStyle, SandboxSettings } from "../SandboxOptions.js"
import { type ApiAnswer, refuse } from "./answers.js"

interface Bucket {
  readonly tokens: number
  readonly at: number
}

/**
 * Takes a token from `key`'s bucket: the milliseconds until a token is free (0 when one was taken), and the
 * buckets after.
 */
export const takeToken = (
  buckets: ReadonlyMap<string, Bucket>,
  key: string,
  now: number,
  options: Pick<RateLimitOptions, "requestsPerSecond" | "burst">
): readonly [waitMillis: number, buckets: ReadonlyMap<string, Bucket>] => {
  const { burst, requestsPerSecond } = options
  const bucket = buckets.get(key) ?? { tokens: burst, at: now }
  const refilled = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * requestsPerSecond)
  const taken = refilled >= 1
  const next = new Map(buckets).set(key, { tokens: taken ? refilled - 1 : refilled, at: now })
  return [taken ? 0 : Math.ceil(((1 - refilled) / requestsPerSecond) * 1000), next]
}

const retryAfterHeaders = (style: RetryAfterStyle, waitMillis: number, now: number): Record<string, string> =>
  style === "seconds"
    ? { "retry-after": (waitMillis / 1000).toFixed(3).replace(/\.?0+$/, "") || "0" }
    : style === "http-date"
    // A date has whole seconds: rounded up, so that a client coming back at it finds a token.
    ? { "retry-after": new Date(Math.ceil((now + Math.max(1000, waitMillis)) / 1000) * 1000).toUTCString() }
    : {}

// Buckets belong to the options they were filled under: new options (any `configure`) start them afresh.
interface Buckets {
  readonly options: RateLimitOptions | undefined
  readonly buckets: ReadonlyMap<string, Bucket>
}

const empty: Buckets = { options: undefined, buckets: new Map() }

/**
 * The sandbox's rate limit.
 */
export interface RateLimit {
  /** Takes a token for `credential`; a refusal carries the Retry-After header as configured. */
  readonly take: (credential: string, settings: SandboxSettings) => Effect.Effect<ApiAnswer | undefined>
  readonly reset: Effect.Effect<void>
}

/**
 * A rate limit with every bucket full.
 */
export const makeRateLimit: Effect.Effect<RateLimit> = Effect.map(Ref.make(empty), (ref) => ({
  take: (credential, settings) => {
    const now = settings.clock.now()
    const options = settings.rateLimit
    return Ref.modify(ref, (state) => {
      const [waitMillis, buckets] = takeToken(
        state.options === options ? state.buckets : empty.buckets,
        credential,
        now,
        options
      )
      const limited = waitMillis === 0 ? undefined : {
        ...refuse(429, "Rate limit exceeded: slow down", { code: "rate_limited" }),
        headers: retryAfterHeaders(options.retryAfter, waitMillis, now)
      }
      return [limited, { options, buckets }]
    })
  },
  reset: Ref.set(ref, empty)
}))
