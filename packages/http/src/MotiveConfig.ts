/**
 * How the client reaches Motive: credentials, base URL, time zone, and the tuning of retries, limits and waits.
 *
 * @since 0.1.0
 */
import { defaultBaseUrl } from "@effect-motive/domain"
import { Config, ConfigError, Context, Duration, Either, Layer, Option, Redacted } from "effect"

/**
 * Exactly one credential: an API key (`X-Api-Key`) or an OAuth 2 access token (`Authorization: Bearer`).
 *
 * @since 0.1.0
 */
export type MotiveCredentials =
  | { readonly _tag: "ApiKey"; readonly apiKey: Redacted.Redacted<string> }
  | { readonly _tag: "OAuthToken"; readonly token: Redacted.Redacted<string> }

/**
 * The retry policy's bounds (see `RetryPolicy`).
 *
 * @since 0.1.0
 */
export interface RetryOptions {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number
  /** First backoff delay; doubled for each retry, with jitter. */
  readonly baseDelay: Duration.Duration
  /** Longest single backoff delay. */
  readonly maxDelay: Duration.Duration
  /** Total time retries of one call may take. */
  readonly maxElapsed: Duration.Duration
  /** A `Retry-After` longer than this is cut to it. */
  readonly maxRetryAfter: Duration.Duration
  /** Pause after a 429 that says nothing about when to come back. */
  readonly defaultRetryAfter: Duration.Duration
}

/**
 * The client-side rate limit, shared by every call of one client. `false` turns it off.
 *
 * @since 0.1.0
 */
export interface RateLimitOptions {
  readonly requestsPerSecond: number
  readonly burst: number
}

/**
 * How waits poll: the interval grows from `initialInterval` to `maxInterval`; a wait gives up after `timeout`.
 *
 * @since 0.1.0
 */
export interface PollingOptions {
  readonly initialInterval: Duration.Duration
  readonly maxInterval: Duration.Duration
  readonly timeout: Duration.Duration
}

/**
 * Everything the client needs.
 *
 * @since 0.1.0
 */
export interface MotiveSettings {
  readonly credentials: MotiveCredentials
  readonly baseUrl: string
  /** Sent as `X-Time-Zone` (e.g. `Pacific Time (US & Canada)`); Motive uses UTC otherwise. */
  readonly timeZone: Option.Option<string>
  readonly userAgent: string
  /** Per-request timeout. */
  readonly requestTimeout: Duration.Duration
  readonly retry: RetryOptions
  readonly rateLimit: RateLimitOptions | false
  /** Requests in flight at once, per client. */
  readonly maxConcurrency: number
  readonly polling: PollingOptions
  /** Attempts per media file (resumes, restarts and URL refreshes). */
  readonly downloadAttempts: number
}

/**
 * The client's settings as a service, so a layer can supply them.
 *
 * @since 0.1.0
 */
export class MotiveConfig extends Context.Tag("@effect-motive/http/MotiveConfig")<MotiveConfig, MotiveSettings>() {}

/**
 * The defaults for everything but credentials.
 *
 * @since 0.1.0
 */
export const defaults: Omit<MotiveSettings, "credentials"> = {
  baseUrl: defaultBaseUrl,
  timeZone: Option.none(),
  userAgent: "effect-motive/0.1.0",
  requestTimeout: Duration.seconds(30),
  retry: {
    maxAttempts: 6,
    baseDelay: Duration.millis(250),
    maxDelay: Duration.seconds(20),
    maxElapsed: Duration.minutes(2),
    maxRetryAfter: Duration.seconds(60),
    defaultRetryAfter: Duration.seconds(1)
  },
  rateLimit: { requestsPerSecond: 10, burst: 10 },
  maxConcurrency: 8,
  polling: { initialInterval: Duration.seconds(1), maxInterval: Duration.seconds(10), timeout: Duration.minutes(15) },
  downloadAttempts: 6
}

/**
 * `T` with each `Duration` field also taking any `Duration.DurationInput` (`"5 seconds"`, millis, …).
 *
 * @since 0.1.0
 */
export type WithDurationInputs<T> = {
  readonly [K in keyof T]: T[K] extends Duration.Duration ? Duration.DurationInput : T[K]
}

/**
 * Options for {@link layer}: credentials, and any setting to change. Durations may be given as
 * `Duration.DurationInput`: `requestTimeout: "10 seconds"`.
 *
 * @since 0.1.0
 */
export type MotiveConfigInput =
  & { readonly credentials: MotiveCredentials }
  & Partial<WithDurationInputs<Omit<MotiveSettings, "credentials" | "retry" | "polling">>>
  & {
    readonly retry?: Partial<WithDurationInputs<RetryOptions>>
    readonly polling?: Partial<WithDurationInputs<PollingOptions>>
  }

const decodeOr = (input: Duration.DurationInput | undefined, fallback: Duration.Duration) =>
  input === undefined ? fallback : Duration.decode(input)

/**
 * Fills in defaults.
 *
 * @since 0.1.0
 */
export const makeSettings = (input: MotiveConfigInput): MotiveSettings => {
  const retry = input.retry ?? {}
  const polling = input.polling ?? {}
  return {
    ...defaults,
    ...input,
    baseUrl: (input.baseUrl ?? defaults.baseUrl).replace(/\/+$/, ""),
    requestTimeout: decodeOr(input.requestTimeout, defaults.requestTimeout),
    retry: {
      maxAttempts: retry.maxAttempts ?? defaults.retry.maxAttempts,
      baseDelay: decodeOr(retry.baseDelay, defaults.retry.baseDelay),
      maxDelay: decodeOr(retry.maxDelay, defaults.retry.maxDelay),
      maxElapsed: decodeOr(retry.maxElapsed, defaults.retry.maxElapsed),
      maxRetryAfter: decodeOr(retry.maxRetryAfter, defaults.retry.maxRetryAfter),
      defaultRetryAfter: decodeOr(retry.defaultRetryAfter, defaults.retry.defaultRetryAfter)
    },
    polling: {
      initialInterval: decodeOr(polling.initialInterval, defaults.polling.initialInterval),
      maxInterval: decodeOr(polling.maxInterval, defaults.polling.maxInterval),
      timeout: decodeOr(polling.timeout, defaults.polling.timeout)
    }
  }
}

/**
 * Settings from explicit values.
 *
 * @since 0.1.0
 */
export const layer = (input: MotiveConfigInput): Layer.Layer<MotiveConfig> =>
  Layer.succeed(MotiveConfig, makeSettings(input))

const blankToNone = (o: Option.Option<Redacted.Redacted<string>>) =>
  Option.filter(o, (r) => Redacted.value(r).trim() !== "")

/**
 * Credentials from `MOTIVE_API_KEY` or `MOTIVE_OAUTH_TOKEN`: exactly one must be set.
 *
 * @since 0.1.0
 */
export const credentialsConfig: Config.Config<MotiveCredentials> = Config.all({
  apiKey: Config.option(Config.redacted("MOTIVE_API_KEY")),
  token: Config.option(Config.redacted("MOTIVE_OAUTH_TOKEN"))
}).pipe(
  Config.mapOrFail(({ apiKey, token }): Either.Either<MotiveCredentials, ConfigError.ConfigError> => {
    const key = blankToNone(apiKey)
    const oauth = blankToNone(token)
    if (Option.isSome(key) && Option.isSome(oauth)) {
      return Either.left(ConfigError.InvalidData([], "set only one of MOTIVE_API_KEY or MOTIVE_OAUTH_TOKEN, not both"))
    }
    if (Option.isSome(key)) return Either.right({ _tag: "ApiKey", apiKey: key.value })
    if (Option.isSome(oauth)) return Either.right({ _tag: "OAuthToken", token: oauth.value })
    return Either.left(
      ConfigError.MissingData([], "set MOTIVE_API_KEY (or MOTIVE_OAUTH_TOKEN) to your Motive credential")
    )
  })
)

/**
 * The whole configuration from the environment: credentials, `MOTIVE_BASE_URL`, `MOTIVE_TIME_ZONE`, and
 * `MOTIVE_MAX_ATTEMPTS` (attempts per call, retries included; lower it to fail fast in scripts).
 *
 * @since 0.1.0
 */
export const settingsConfig: Config.Config<MotiveSettings> = Config.all({
  credentials: credentialsConfig,
  baseUrl: Config.string("MOTIVE_BASE_URL").pipe(Config.withDefault(defaultBaseUrl)),
  timeZone: Config.option(Config.string("MOTIVE_TIME_ZONE")),
  maxAttempts: Config.option(
    Config.integer("MOTIVE_MAX_ATTEMPTS").pipe(Config.validate({
      message: "MOTIVE_MAX_ATTEMPTS must be at least 1",
      validation: (n) => n >= 1
    }))
  )
}).pipe(Config.map(({ baseUrl, credentials, maxAttempts, timeZone }) =>
  makeSettings({
    credentials,
    baseUrl,
    timeZone: Option.filter(timeZone, (z) => z.trim() !== ""),
    ...Option.match(maxAttempts, { onNone: () => ({}), onSome: (n) => ({ retry: { maxAttempts: n } }) })
  })
))

/**
 * Settings read through Effect `Config` (the environment by default).
 *
 * @since 0.1.0
 */
export const layerConfig = (
  overrides: Partial<Omit<MotiveConfigInput, "credentials">> = {}
): Layer.Layer<MotiveConfig, ConfigError.ConfigError> =>
  Layer.effect(
    MotiveConfig,
    Config.map(settingsConfig, (s) => makeSettings({ ...s, ...overrides }))
  )
