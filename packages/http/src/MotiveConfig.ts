/**
 * How the client reaches Motive: credentials, base URL, time zone, and the tuning of retries, limits and waits.
 *
 * @since 0.1.0
 */
import { defaultBaseUrl } from "@effect-motive/domain"
import { Config, ConfigError, Context, Duration, Effect, Either, Layer, Option, Redacted } from "effect"
import { countProblem, durationProblem } from "./internal/callerInput.js"

/**
 * Exactly one credential: an API key (`X-Api-Key`) or an OAuth 2 access token (`Authorization: Bearer`).
 *
 * @since 0.1.0
 */
export type MotiveCredentials =
  | { readonly _tag: "ApiKey"; readonly apiKey: Redacted.Redacted<string> }
  | { readonly _tag: "OAuthToken"; readonly token: Redacted.Redacted<string> }

/**
 * An API key credential (sent as `X-Api-Key`), from the key as text or already `Redacted`.
 *
 * @since 0.1.0
 */
export const apiKey = (key: string | Redacted.Redacted<string>): MotiveCredentials => ({
  _tag: "ApiKey",
  apiKey: Redacted.isRedacted(key) ? key : Redacted.make(key)
})

/**
 * An OAuth 2 access token credential (sent as `Authorization: Bearer`), from the token as text or `Redacted`.
 *
 * @since 0.1.0
 */
export const oauthToken = (token: string | Redacted.Redacted<string>): MotiveCredentials => ({
  _tag: "OAuthToken",
  token: Redacted.isRedacted(token) ? token : Redacted.make(token)
})

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
  /**
   * The longest `Retry-After` a call waits out: a 429 asking for longer is not retried (it fails with
   * `RateLimited`, whose `retryAfter` says how long), and the client-wide pause after it lasts this long.
   */
  readonly maxRetryAfter: Duration.Duration
  /** Pause after a 429 that says nothing about when to come back. */
  readonly defaultRetryAfter: Duration.Duration
  /**
   * Whether a video recall create whose answer was lost (a 500/502/503/504, a connection broken after sending, a
   * timeout) is sent again (`true`, the default): Motive then answers 409 naming the recall the first attempt
   * made, and the create succeeds with it. That counts on Motive's duplicate check, which its docs say "may"
   * reject duplicates: where it does not, the second attempt makes a second recall and spends the quota twice.
   * `false` (`MOTIVE_RESEND_LOST_CREATES=false`) never sends a create twice: it fails `CreateUncertain`
   * (`afterLostAnswer`) at the first lost answer, and whether Motive made the recall is for you to find out.
   */
  readonly resendLostCreates: boolean
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
  /**
   * The longest one exchange with Motive may take, from sending to the answer's last byte (each retry anew);
   * under `TransportTimeouts`, what the client's own timers bound instead.
   */
  readonly requestTimeout: Duration.Duration
  readonly retry: RetryOptions
  /**
   * A ceiling the rate adapts below after 429s (`{ requestsPerSecond, burst }`), `"adaptive"` (the default) to
   * search for Motive's unpublished limit with no ceiling, or `false` for none (only the pause after a 429).
   */
  readonly rateLimit: RateLimitOptions | "adaptive" | false
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
    defaultRetryAfter: Duration.seconds(1),
    resendLostCreates: true
  },
  rateLimit: "adaptive",
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
 * `T`'s fields, each optional (`undefined` meaning "the default").
 *
 * @since 0.1.0
 */
export type Overrides<T> = { readonly [K in keyof T]?: T[K] | undefined }

/**
 * Options for {@link layer}: credentials, and any setting to change. Durations may be given as
 * `Duration.DurationInput`: `requestTimeout: "10 seconds"`.
 *
 * @since 0.1.0
 */
export type MotiveConfigInput =
  & { readonly credentials: MotiveCredentials }
  & Overrides<WithDurationInputs<Omit<MotiveSettings, "credentials" | "retry" | "polling">>>
  & {
    readonly retry?: Overrides<WithDurationInputs<RetryOptions>> | undefined
    readonly polling?: Overrides<WithDurationInputs<PollingOptions>> | undefined
  }

const decodeOr = (input: Duration.DurationInput | undefined, fallback: Duration.Duration) =>
  input === undefined ? fallback : Duration.decode(input)

/**
 * Fills in defaults, field by field (nested fields too). Unchecked: a duration it cannot read (`"10 secs"`) throws.
 * Give settings that were not checked to {@link checkSettings} (or {@link layer}) instead, which names each one.
 *
 * @since 0.1.0
 */
export const makeSettings = (input: MotiveConfigInput): MotiveSettings => {
  const retry = input.retry ?? {}
  const polling = input.polling ?? {}
  return {
    credentials: input.credentials,
    baseUrl: (input.baseUrl ?? defaults.baseUrl).replace(/\/+$/, ""),
    timeZone: input.timeZone ?? defaults.timeZone,
    userAgent: input.userAgent ?? defaults.userAgent,
    requestTimeout: decodeOr(input.requestTimeout, defaults.requestTimeout),
    rateLimit: input.rateLimit ?? defaults.rateLimit,
    maxConcurrency: input.maxConcurrency ?? defaults.maxConcurrency,
    downloadAttempts: input.downloadAttempts ?? defaults.downloadAttempts,
    retry: {
      maxAttempts: retry.maxAttempts ?? defaults.retry.maxAttempts,
      baseDelay: decodeOr(retry.baseDelay, defaults.retry.baseDelay),
      maxDelay: decodeOr(retry.maxDelay, defaults.retry.maxDelay),
      maxElapsed: decodeOr(retry.maxElapsed, defaults.retry.maxElapsed),
      maxRetryAfter: decodeOr(retry.maxRetryAfter, defaults.retry.maxRetryAfter),
      defaultRetryAfter: decodeOr(retry.defaultRetryAfter, defaults.retry.defaultRetryAfter),
      resendLostCreates: retry.resendLostCreates ?? defaults.retry.resendLostCreates
    },
    polling: {
      initialInterval: decodeOr(polling.initialInterval, defaults.polling.initialInterval),
      maxInterval: decodeOr(polling.maxInterval, defaults.polling.maxInterval),
      timeout: decodeOr(polling.timeout, defaults.polling.timeout)
    }
  }
}

/**
 * Whether `url` is an http(s) URL with a host: what a base URL must be.
 *
 * @since 0.1.0
 */
export const isHttpUrl = (url: string): boolean => /^https?:\/\/[^/\s]+/i.test(url)

const show = (u: unknown): string => typeof u === "string" ? `"${u}"` : String(u)

/**
 * `url` for a message: trimmed, and what stands between its scheme and the last `@` before its path (user info: a
 * proxy's user and password) as `<USER INFO>`, whether or not the rest is a well-formed URL (a refused one is
 * what a message shows).
 *
 * @since 0.1.0
 */
export const withoutUserInfo = (url: string): string => {
  const text = url.trim()
  const scheme = /^[a-z][a-z\d+.-]*:\/*/i.exec(text)?.[0] ?? ""
  const rest = text.slice(scheme.length)
  const end = rest.search(/[/?#]/)
  const at = (end === -1 ? rest : rest.slice(0, end)).lastIndexOf("@")
  return at === -1 ? text : `${scheme}<USER INFO>${rest.slice(at)}`
}

const shownUrl = (url: string): string => `"${withoutUserInfo(url)}"`

/**
 * {@link makeSettings}, checked first: every setting a client could not work with (a rate limit of 0 waits
 * forever, a blank key only meets 401s, `"10 secs"` is no duration) is named with its rule, all of them in one
 * `ConfigError`, before anything is sent.
 *
 * @since 0.1.0
 */
export const checkSettings = (input: MotiveConfigInput): Either.Either<MotiveSettings, ConfigError.ConfigError> => {
  const problems: Array<string> = []
  const credential = input.credentials?._tag === "ApiKey"
    ? { name: "credentials.apiKey", value: input.credentials.apiKey }
    : input.credentials?._tag === "OAuthToken"
    ? { name: "credentials.token", value: input.credentials.token }
    : undefined
  if (credential === undefined) {
    problems.push(`credentials must be { _tag: "ApiKey", apiKey } or { _tag: "OAuthToken", token }`)
  } else if (!Redacted.isRedacted(credential.value) || typeof Redacted.value(credential.value) !== "string") {
    problems.push(`${credential.name} must be a Redacted string (Redacted.make(key))`)
  } else if (Redacted.value(credential.value).trim() === "") {
    problems.push(`${credential.name} is blank`)
  }
  if (input.baseUrl !== undefined && !isHttpUrl(input.baseUrl)) {
    problems.push(
      `baseUrl ${
        typeof input.baseUrl === "string" ? shownUrl(input.baseUrl) : show(input.baseUrl)
      } is not an http(s) URL`
    )
  }
  const duration = (name: string, given: Duration.DurationInput | undefined, above: "zero" | "none") => {
    const problem = durationProblem(name, given, "10 seconds", above)
    if (problem !== undefined) problems.push(problem)
  }
  const count = (name: string, given: number | undefined) => {
    const problem = countProblem(name, given)
    if (problem !== undefined) problems.push(problem)
  }
  duration("requestTimeout", input.requestTimeout, "zero")
  const rate = input.rateLimit
  if (rate !== undefined && rate !== false && rate !== "adaptive") {
    if (typeof rate !== "object" || rate === null) {
      problems.push(`rateLimit ${show(rate)} must be { requestsPerSecond, burst }, "adaptive" or false`)
    } else {
      if (!(Number.isFinite(rate.requestsPerSecond) && rate.requestsPerSecond > 0)) {
        problems.push(`rateLimit.requestsPerSecond ${show(rate.requestsPerSecond)} must be a number above 0`)
      }
      count("rateLimit.burst", rate.burst)
    }
  }
  // Requests in flight may be unbounded (Infinity), as before.
  if (input.maxConcurrency !== Infinity) count("maxConcurrency", input.maxConcurrency)
  count("downloadAttempts", input.downloadAttempts)
  count("retry.maxAttempts", input.retry?.maxAttempts)
  for (const name of ["baseDelay", "maxDelay", "maxElapsed", "maxRetryAfter", "defaultRetryAfter"] as const) {
    duration(`retry.${name}`, input.retry?.[name], "none")
  }
  const resend: unknown = input.retry?.resendLostCreates
  if (resend !== undefined && typeof resend !== "boolean") {
    problems.push(`retry.resendLostCreates ${show(resend)} must be true or false`)
  }
  for (const name of ["initialInterval", "maxInterval", "timeout"] as const) {
    duration(`polling.${name}`, input.polling?.[name], "zero")
  }
  return problems.length === 0
    ? Either.right(makeSettings(input))
    : Either.left(ConfigError.InvalidData([], `invalid Motive settings: ${problems.join("; ")}`))
}

/**
 * Settings from explicit values, checked ({@link checkSettings}): a `ConfigError` names each one that is not usable.
 *
 * @since 0.1.0
 */
export const layer = (input: MotiveConfigInput): Layer.Layer<MotiveConfig, ConfigError.ConfigError> =>
  Layer.effect(
    MotiveConfig,
    Either.match(checkSettings(input), { onLeft: Effect.fail, onRight: Effect.succeed })
  )

const blankToNone = (o: Option.Option<Redacted.Redacted<string>>) =>
  Option.filter(o, (r) => Redacted.value(r).trim() !== "")

/**
 * A setting given as a value, or read through a `Config`.
 *
 * @since 0.1.0
 */
export type ValueOrConfig<A> = A | Config.Config<A>

/**
 * What {@link layerConfig} reads. Every field is optional and may be a value or a `Config`; a field left out
 * is read from its environment variable (named beside it) or takes its default. Fields are merged one by one,
 * nested ones included: overriding `retry.baseDelay` leaves `MOTIVE_MAX_ATTEMPTS` in force.
 *
 * @since 0.1.0
 */
export interface ConfigOptions {
  /** `MOTIVE_API_KEY`. Exactly one of `apiKey` and `oauthToken` must be set. */
  readonly apiKey?: ValueOrConfig<Redacted.Redacted<string>> | undefined
  /** `MOTIVE_OAUTH_TOKEN`. */
  readonly oauthToken?: ValueOrConfig<Redacted.Redacted<string>> | undefined
  /** `MOTIVE_BASE_URL`, default Motive's. */
  readonly baseUrl?: ValueOrConfig<string> | undefined
  /** `MOTIVE_TIME_ZONE`, default none (Motive uses UTC). */
  readonly timeZone?: ValueOrConfig<string> | undefined
  readonly userAgent?: ValueOrConfig<string> | undefined
  readonly requestTimeout?: ValueOrConfig<Duration.DurationInput> | undefined
  /**
   * `MOTIVE_RATE_LIMIT`: requests per second (`50`), with a burst (`50/20`), `adaptive`, or `off`.
   */
  readonly rateLimit?: ValueOrConfig<RateLimitOptions | "adaptive" | false> | undefined
  readonly maxConcurrency?: ValueOrConfig<number> | undefined
  readonly downloadAttempts?: ValueOrConfig<number> | undefined
  /** `retry.maxAttempts` is `MOTIVE_MAX_ATTEMPTS` (attempts per call, retries included). */
  readonly retry?:
    | { readonly [K in keyof RetryOptions]?: ValueOrConfig<WithDurationInputs<RetryOptions>[K]> | undefined }
    | undefined
  readonly polling?: { readonly [K in keyof PollingOptions]?: ValueOrConfig<WithDurationInputs<PollingOptions>[K]> }
}

const isConfig = <A>(u: ValueOrConfig<A>): u is Config.Config<A> => Config.isConfig(u)

/**
 * One field: the caller's value or `Config` (required: a `Config` the caller names must be there, and its own
 * name is in the error when it is not), else the environment's `Config` if set, else nothing (the default).
 */
const field = <A>(given: ValueOrConfig<A> | undefined, fromEnv?: Config.Config<A>): Config.Config<Option.Option<A>> =>
  given === undefined
    ? fromEnv === undefined ? Config.succeed(Option.none()) : Config.option(fromEnv)
    : isConfig(given)
    ? Config.map(given, Option.some)
    : Config.succeed(Option.some(given))

const value = <A>(given: ValueOrConfig<A> | undefined, fromEnv?: Config.Config<A>): Config.Config<A | undefined> =>
  Config.map(field(given, fromEnv), Option.getOrUndefined)

/**
 * `MOTIVE_RATE_LIMIT`: `50` (requests per second, burst the same), `50/20` (burst 20), `adaptive`, or `off`.
 *
 * @since 0.1.0
 */
export const rateLimitConfig: Config.Config<RateLimitOptions | "adaptive" | false> = Config.string(
  "MOTIVE_RATE_LIMIT"
).pipe(
  Config.mapOrFail((text): Either.Either<RateLimitOptions | "adaptive" | false, ConfigError.ConfigError> => {
    const t = text.trim().toLowerCase()
    if (t === "adaptive") return Either.right("adaptive")
    if (t === "off" || t === "false" || t === "none") return Either.right(false)
    const m = /^(\d+(?:\.\d+)?)(?:\/(\d+))?$/.exec(t)
    const rate = m === null ? NaN : Number(m[1])
    const burst = m?.[2] === undefined ? Math.max(1, Math.ceil(rate)) : Number(m[2])
    return m !== null && rate > 0 && burst >= 1
      ? Either.right({ requestsPerSecond: rate, burst })
      : Either.left(ConfigError.InvalidData(
        [],
        `MOTIVE_RATE_LIMIT "${text}" is not a rate limit: use requests per second (50), with a burst (50/20), adaptive or off`
      ))
  })
)

const retryGroup = (given: ConfigOptions["retry"] = {}) =>
  Config.all({
    maxAttempts: value(
      given.maxAttempts,
      Config.integer("MOTIVE_MAX_ATTEMPTS").pipe(Config.validate({
        message: "MOTIVE_MAX_ATTEMPTS must be at least 1",
        validation: (n) => n >= 1
      }))
    ),
    baseDelay: value(given.baseDelay),
    maxDelay: value(given.maxDelay),
    maxElapsed: value(given.maxElapsed),
    maxRetryAfter: value(given.maxRetryAfter),
    defaultRetryAfter: value(given.defaultRetryAfter),
    resendLostCreates: value(
      given.resendLostCreates,
      Config.string("MOTIVE_RESEND_LOST_CREATES").pipe(Config.mapOrFail((text) => {
        const t = text.trim().toLowerCase()
        return t === "true" || t === "1" || t === "yes"
          ? Either.right(true)
          : t === "false" || t === "0" || t === "no"
          ? Either.right(false)
          : Either.left(
            ConfigError.InvalidData([], `MOTIVE_RESEND_LOST_CREATES "${text}" must be true or false`)
          )
      }))
    )
  })

const pollingGroup = (given: ConfigOptions["polling"] = {}) =>
  Config.all({
    initialInterval: value(given.initialInterval),
    maxInterval: value(given.maxInterval),
    timeout: value(given.timeout)
  })

/**
 * Exactly one credential from the two fields: a blank one counts as not set. A credential given in `options`
 * (not blank) is the one used, whatever the environment holds; otherwise `MOTIVE_API_KEY` or
 * `MOTIVE_OAUTH_TOKEN`.
 *
 * @since 0.1.0
 */
export const credentialsConfig = (
  options: Pick<ConfigOptions, "apiKey" | "oauthToken"> = {}
): Config.Config<MotiveCredentials> =>
  Config.all({
    givenKey: field(options.apiKey),
    givenToken: field(options.oauthToken),
    envKey: field(undefined, Config.redacted("MOTIVE_API_KEY")),
    envToken: field(undefined, Config.redacted("MOTIVE_OAUTH_TOKEN"))
  }).pipe(
    Config.mapOrFail((read): Either.Either<MotiveCredentials, ConfigError.ConfigError> => {
      const pick = (
        apiKey: Option.Option<Redacted.Redacted<string>>,
        token: Option.Option<Redacted.Redacted<string>>,
        both: string
      ): Either.Either<MotiveCredentials, ConfigError.ConfigError> | undefined => {
        const key = blankToNone(apiKey)
        const oauth = blankToNone(token)
        if (Option.isSome(key) && Option.isSome(oauth)) return Either.left(ConfigError.InvalidData([], both))
        if (Option.isSome(key)) return Either.right({ _tag: "ApiKey", apiKey: key.value })
        if (Option.isSome(oauth)) return Either.right({ _tag: "OAuthToken", token: oauth.value })
        return undefined
      }
      return pick(read.givenKey, read.givenToken, "give only one of apiKey or oauthToken, not both") ??
        pick(read.envKey, read.envToken, "set only one of MOTIVE_API_KEY or MOTIVE_OAUTH_TOKEN, not both") ??
        Either.left(
          ConfigError.MissingData([], "set MOTIVE_API_KEY (or MOTIVE_OAUTH_TOKEN) to your Motive credential")
        )
    })
  )

/**
 * The whole configuration: each field from `options`, else from its environment variable, else its default.
 *
 * @since 0.1.0
 */
export const settingsConfig = (options: ConfigOptions = {}): Config.Config<MotiveSettings> =>
  Config.all({
    credentials: credentialsConfig(options),
    top: Config.all({
      baseUrl: value(
        options.baseUrl,
        Config.string("MOTIVE_BASE_URL").pipe(
          // Blank is unset, as for the other variables; anything else must be an http(s) URL.
          Config.mapOrFail((url) =>
            url.trim() === "" || isHttpUrl(url.trim())
              ? Either.right(url.trim())
              : Either.left(ConfigError.InvalidData([], `MOTIVE_BASE_URL ${shownUrl(url)} is not an http(s) URL`))
          ),
          Config.map((url) => url === "" ? undefined : url)
        )
      ),
      userAgent: value(options.userAgent),
      requestTimeout: value(options.requestTimeout),
      rateLimit: value(options.rateLimit, rateLimitConfig),
      maxConcurrency: value(options.maxConcurrency),
      downloadAttempts: value(options.downloadAttempts)
    }),
    timeZone: field(options.timeZone, Config.string("MOTIVE_TIME_ZONE")),
    retry: retryGroup(options.retry),
    polling: pollingGroup(options.polling)
  }).pipe(Config.mapOrFail(({ credentials, polling, retry, timeZone, top }) =>
    checkSettings({
      ...top,
      credentials,
      timeZone: Option.filter(timeZone, (z) => z.trim() !== ""),
      retry,
      polling
    })
  ))

/**
 * Settings read through Effect `Config` (the environment by default), each field overridable by a value or a
 * `Config` of your own: `layerConfig({ apiKey: Config.redacted("FLEET_KEY"), retry: { baseDelay: "1 second" } })`.
 *
 * @since 0.1.0
 */
export const layerConfig = (options: ConfigOptions = {}): Layer.Layer<MotiveConfig, ConfigError.ConfigError> =>
  Layer.effect(MotiveConfig, settingsConfig(options))
