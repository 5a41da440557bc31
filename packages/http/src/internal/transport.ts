/** One exchange with Motive: send, time out, map the answer to a value or a typed error. */
import {
  defaultBaseUrl,
  errorMessageFromBody,
  existingIdFromBody,
  fastDecodeOf,
  headers as motiveHeaders,
  isFeatureDisabledBody,
  isQuotaExceededBody,
  isRequestRateBody
} from "@effect-motive/domain"
import type { HttpClientError, HttpClientResponse } from "@effect/platform"
import { Clock, Duration, Effect, Option, ParseResult, Schema } from "effect"
import type { ApiAnswer } from "../ApiTransport.js"
import {
  type CallError,
  DuplicateRequest,
  FeatureDisabled,
  Forbidden,
  InvalidRequest,
  NotFound,
  QuotaExhausted,
  RateLimited,
  RequestTimeout,
  ResponseDecodeError,
  ServerError,
  TransportError,
  Unauthorized
} from "../MotiveError.js"

const notSentCodes = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
  "MOTIVE_CONNECT_TIMEOUT",
  // TLS refused the server's certificate: the handshake failed before any byte of the request was sent.
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "ERR_TLS_CERT_ALTNAME_INVALID"
])
/** The request could not even be built (a bad URL, a header value with a control character): a local mistake. */
const localCodes = new Set([
  "UND_ERR_INVALID_ARG",
  "ERR_INVALID_URL",
  "ERR_INVALID_CHAR",
  "ERR_HTTP_INVALID_HEADER_VALUE",
  "ERR_INVALID_HTTP_TOKEN"
])
const timeoutCodes = new Set([
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "MOTIVE_HEADERS_TIMEOUT",
  "MOTIVE_BODY_TIMEOUT"
])

/** The error codes along a cause chain (undici nests them; `AgentHttpClient`'s timeouts carry `MOTIVE_*`). */
const codesOf = (u: unknown, depth = 0): Array<string> => {
  if (depth > 5 || typeof u !== "object" || u === null) return []
  const record: Record<string, unknown> = { ...u }
  const own = typeof record.code === "string" ? [record.code] : []
  const cause = "cause" in u ? (u as { cause: unknown }).cause : undefined
  const errors = "errors" in u && Array.isArray((u as { errors: unknown }).errors)
    ? (u as { errors: Array<unknown> }).errors
    : []
  return [...own, ...codesOf(cause, depth + 1), ...errors.flatMap((e) => codesOf(e, depth + 1))]
}

/**
 * A failure on the way to or from Motive, as the HTTP layer saw it: before any answer (`request`) or while
 * reading one (`response`), whether the URL could not be used, its cause, and the request's URL.
 */
export interface WireFailure {
  readonly stage: "request" | "response"
  readonly invalidUrl: boolean
  readonly cause: unknown
  /** Said when the cause has no message of its own. */
  readonly reason: string
  readonly url: string
}

/** The {@link WireFailure} an `HttpClient` error describes. */
const wireFailureOf = (error: HttpClientError.HttpClientError): WireFailure => ({
  stage: error._tag === "RequestError" ? "request" : "response",
  invalidUrl: error._tag === "RequestError" && error.reason === "InvalidUrl",
  cause: error.cause,
  reason: error.reason,
  url: error.request.url
})

/**
 * A failure on the wire as a transport error (`requestSent` is false only when no connection opened), as a
 * timeout when the HTTP client gave up waiting, or as an invalid request when it could not even be built.
 */
export const wireError = (
  failure: WireFailure,
  timeout: Duration.Duration
): TransportError | RequestTimeout | InvalidRequest => {
  const codes = codesOf(failure.cause)
  if (failure.invalidUrl || codes.some((c) => localCodes.has(c))) {
    const detail = failure.cause instanceof Error ? failure.cause.message : failure.reason
    return new InvalidRequest({
      message: `the request could not be built, so nothing was sent (check the base URL and the credential): ${detail}`,
      source: "client",
      violations: []
    })
  }
  const { detail, requestSent, timedOut } = describe(failure, codes)
  if (timedOut) {
    return new RequestTimeout({
      message: `Motive did not answer within ${Duration.format(timeout)}`,
      timeoutMillis: Duration.toMillis(timeout)
    })
  }
  const at = originOf(failure.url)
  return new TransportError({
    message: requestSent
      ? `the connection to Motive${at} broke (${detail}); the request may have been received`
      : `could not connect to Motive${at} (${detail}); nothing was sent`,
    requestSent
  })
}

/**
 * Whether a defect an `HttpClient` died with is Node refusing to build the request (a header value with a control
 * character: `node:http` throws it where `undici` fails): a local mistake, nothing sent.
 */
export const isBuildDefect = (defect: unknown): boolean => codesOf(defect).some((c) => localCodes.has(c))

/**
 * An answer that the `HttpClient` made into an error (`HttpClient.filterStatusOk`, `filterStatus`): still an
 * answer, read as one (a 401 stays `Unauthorized`, a quota 429 is never retried).
 */
export const answerOf = <R>(
  execute: Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError, R>
): Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError, R> =>
  Effect.catchAll(
    execute,
    (error) =>
      error._tag === "ResponseError" && error.reason === "StatusCode"
        ? Effect.succeed(error.response)
        : Effect.fail(error)
  )

/** A client-side HTTP failure as {@link wireError} reads it. */
export const transportError = (
  error: HttpClientError.HttpClientError,
  timeout: Duration.Duration
): TransportError | RequestTimeout | InvalidRequest => wireError(wireFailureOf(error), timeout)

/** ` at <origin>` of a request URL (never its path or query), or nothing when it cannot be read. */
const originOf = (url: string): string => {
  try {
    return ` at ${new URL(url).origin}`
  } catch {
    return ""
  }
}

/** Where a pre-signed URL points, without its signature (nor any other part of its query). */
export const locationOf = (url: string): string => {
  try {
    const u = new URL(url)
    return `${u.origin}${u.pathname}`
  } catch {
    return "(invalid URL)"
  }
}

/** What a client-side HTTP failure amounts to. */
export interface ConnectionFailure {
  /** What broke on the way: the system error code when there is one. */
  readonly detail: string
  /** False only when no connection was made. */
  readonly requestSent: boolean
  /** The HTTP client gave up waiting (undici's header or body timeout). */
  readonly timedOut: boolean
}

const describe = (failure: WireFailure, codes: ReadonlyArray<string>): ConnectionFailure => ({
  detail: codes[0] ?? (failure.cause instanceof Error ? failure.cause.message : failure.reason),
  requestSent: !(failure.stage === "request" && codes.some((c) => notSentCodes.has(c))),
  timedOut: codes.some((c) => timeoutCodes.has(c))
})

/** What broke on the way, whether the request had gone out, and whether the HTTP client timed out. */
export const connectionFailure = (error: HttpClientError.HttpClientError): ConnectionFailure =>
  describe(wireFailureOf(error), codesOf(error.cause))

/** An HTTP date's three forms (RFC 9110): `Sun, 06 Nov 1994 08:49:37 GMT`, `Sunday, 06-Nov-94 …`, asctime's. */
const httpDate =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*(, \d{2}[ -][A-Za-z]{3}[ -]\d{2,4} \d{2}:\d{2}:\d{2} GMT| [A-Za-z]{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4})$/

/** An HTTP date (any of its three forms) in epoch milliseconds; NaN for anything else. */
const parseHttpDate = (value: string): number =>
  // asctime's form names no zone, and HTTP dates are GMT: said so, or the parser would read local time.
  httpDate.test(value) ? Date.parse(value.endsWith("GMT") ? value : `${value} GMT`) : NaN

/**
 * Reads `Retry-After`: seconds (fractional allowed, `"delay"`) or an HTTP date (`"date"`), as `RateLimited`'s
 * fields. Anything else (`-1`, `1,5`, a date in another format) is no wait given: the default applies, rather than
 * whatever a lenient date parser would make of it.
 *
 * A date is the server's: it is read against the answer's `Date` (`sentAt`, the server's clock when it answered),
 * so that this machine's clock being off does not turn it into no wait or a wait too long to take. `now` (this
 * machine's clock) is used instead while it agrees with `Date` (which counts whole seconds), and when the answer
 * has none.
 */
export const parseRetryAfter = (
  value: string | undefined,
  now: number,
  sentAt?: string
): Option.Option<{ readonly retryAfter: Duration.Duration; readonly retryAfterForm: "delay" | "date" }> => {
  if (value === undefined || value.trim() === "") return Option.none()
  const trimmed = value.trim()
  if (/^(\d+(\.\d*)?|\.\d+)$/.test(trimmed)) {
    return Option.some({ retryAfter: Duration.millis(Math.ceil(Number(trimmed) * 1000)), retryAfterForm: "delay" })
  }
  const date = parseHttpDate(trimmed)
  if (Number.isNaN(date)) return Option.none()
  const serverNow = sentAt === undefined ? NaN : parseHttpDate(sentAt.trim())
  // The answer took a moment to arrive: a clock up to 2 s past `Date` agrees with it.
  const from = Number.isNaN(serverNow) || (now >= serverNow && now < serverNow + 2000) ? now : serverNow
  return Option.some({ retryAfter: Duration.millis(Math.max(0, date - from)), retryAfterForm: "date" })
}

/** Where a redirect points, without its query (which may carry a token): a relative one as its path. */
const redirectTarget = (location: string | undefined): string => {
  if (location === undefined || location.trim() === "") return "no address (no Location header)"
  try {
    const url = new URL(location.trim(), "http://relative.invalid")
    return url.host === "relative.invalid" ? url.pathname : `${url.origin}${url.pathname}`
  } catch {
    return "an address that is not a URL"
  }
}

/**
 * The start of a body, for a message or an error's `excerpt`, without the query of any URL in it: a media URL's
 * query is its signature, which an error logged or serialised must not carry.
 */
const excerptOf = (whole: string) => {
  // Only the start is looked at (the body may be 32 MiB), by a pattern that matches every URL it meets, so that it
  // never scans a run of text again from each of its positions.
  const text = whole.slice(0, 4096).replace(
    /(https?:\/\/[^\s"'<>?#]*)(\?[^\s"'<>#]*)?/gi,
    (_, location: string, query: string | undefined) => query === undefined ? location : `${location}?…`
  )
  return text.length > 200 || whole.length > 4096 ? `${text.slice(0, 200)}…` : text
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** The longest API answer read whole (`ApiTransport.maxAnswerBytes`). */
export const maxAnswerBytes = 32 * 1024 * 1024

/** Maps a non-2xx answer to its typed error, keeping Motive's message verbatim. */
export const errorFromAnswer = (answer: ApiAnswer): Effect.Effect<never, CallError> =>
  Effect.gen(function*() {
    const text = answer.text
    const body = parseJson(text)
    const status = answer.status
    const requestId = answer.header(motiveHeaders.requestId)
    // A body that is not JSON (a proxy's HTML page, plain text) is no message of Motive's: only its start is kept.
    const message = Option.getOrElse(
      typeof body === "string" ? Option.none() : errorMessageFromBody(body),
      () => text.trim() === "" ? `Motive answered ${status}` : `Motive answered ${status}: ${excerptOf(text.trim())}`
    )
    const common = requestId === undefined ? { message } : { message, requestId }
    if (isQuotaExceededBody(body) && [403, 422, 429].includes(status)) {
      return yield* new QuotaExhausted({ ...common, status })
    }
    // A 403 or 422 that speaks of a request rate ("max 10 requests per second") is a rate limit, as a 429 is.
    if (status === 429 || ((status === 403 || status === 422) && isRequestRateBody(body))) {
      const now = yield* Clock.currentTimeMillis
      const retryAfter = Option.getOrUndefined(
        parseRetryAfter(answer.header(motiveHeaders.retryAfter), now, answer.header("date"))
      )
      return yield* new RateLimited(
        retryAfter === undefined ? { ...common, status } : { ...common, status, ...retryAfter }
      )
    }
    switch (status) {
      case 401:
        return yield* new Unauthorized({ ...common, status })
      case 403:
        return yield* (isFeatureDisabledBody(body)
          ? new FeatureDisabled({ ...common, status })
          : new Forbidden({ ...common, status }))
      case 404:
        return yield* new NotFound({ ...common, status })
      case 409: {
        const existingId = Option.getOrUndefined(existingIdFromBody(body))
        return yield* new DuplicateRequest(
          existingId === undefined ? { ...common, status } : {
            ...common,
            status,
            existingId
          }
        )
      }
    }
    // A 408 is Motive (or a proxy before it) not receiving the whole request in time: it acted on nothing.
    if (status >= 500 || status === 408) return yield* new ServerError({ ...common, status })
    if (status >= 300 && status < 400) {
      // Motive's API does not redirect: a redirect is a base URL that is not the API's (http for https, a proxy's
      // login page). It is not followed (the credentials would go with it); where it points is said.
      const redirect = `Motive answered ${status}, a redirect to ${
        redirectTarget(answer.header("location"))
      }, which the client does not follow: check the base URL (Motive's API is ${defaultBaseUrl})`
      return yield* new InvalidRequest({ ...common, message: redirect, status, source: "motive", violations: [] })
    }
    return yield* new InvalidRequest({ ...common, status, source: "motive", violations: [] })
  })

const decoders = new WeakMap<object, (u: unknown) => Effect.Effect<unknown, ParseResult.ParseError>>()

/**
 * One decoder per schema, built once: responses are decoded on every call. A schema's fast path (`FastDecode`,
 * property-tested to agree with it) goes first; the schema decodes what it refuses, and reports the problem.
 */
const decoderOf = <A, I>(schema: Schema.Schema<A, I>): (u: unknown) => Effect.Effect<A, ParseResult.ParseError> => {
  let decoder = decoders.get(schema)
  if (decoder === undefined) {
    const full = Schema.decodeUnknown(schema)
    const fast = fastDecodeOf(schema)
    decoder = fast === undefined ? full : (u: unknown) => {
      const decoded = fast(u)
      return decoded === undefined ? full(u) : Effect.succeed(decoded)
    }
    decoders.set(schema, decoder)
  }
  return decoder as (u: unknown) => Effect.Effect<A, ParseResult.ParseError>
}

/**
 * The first thing wrong with a body, in one line, naming the field as Motive spells it:
 * `does not have the expected shape at quota_info.regular: Expected …` (and how many more problems there are).
 */
const shapeProblem = (error: ParseResult.ParseError): string => {
  let issues: ReadonlyArray<ParseResult.ArrayFormatterIssue>
  try {
    issues = ParseResult.ArrayFormatter.formatErrorSync(error)
  } catch {
    // The formatter writes out the value it got, recursively: JSON nested thousands deep overflows the stack.
    return "does not have the expected shape (nested too deep to describe)"
  }
  const first = issues[0]
  if (first === undefined) return "does not have the expected shape"
  const where = first.path
    .map((key, i) => typeof key === "number" ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`)
    .join("")
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : ""
  return `does not have the expected shape${where === "" ? "" : ` at ${where}`}: ${first.message}${more}`
}

/** Decodes a 2xx JSON body with `schema`, or fails with a decode error that shows the body's start. */
export const decodeAnswer =
  <A, I>(schema: Schema.Schema<A, I>) => (answer: ApiAnswer): Effect.Effect<A, ResponseDecodeError> => {
    // Written without a generator: this runs on every successful call.
    const text = answer.text
    const fail = (message: string) => {
      const requestId = answer.header(motiveHeaders.requestId)
      return new ResponseDecodeError({
        message,
        status: answer.status,
        excerpt: excerptOf(text),
        ...(requestId === undefined ? {} : { requestId })
      })
    }
    if (answer.tooLarge === true) {
      return Effect.fail(
        fail(`Motive answered ${answer.status} with a body larger than ${maxAnswerBytes / 1024 / 1024} MiB: not read`)
      )
    }
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      return Effect.fail(fail(`Motive answered ${answer.status} with a body that is not JSON`))
    }
    return Effect.mapError(decoderOf(schema)(json), (e) => fail(`Motive's answer ${shapeProblem(e)}`))
  }
