/**
 * Every way a Motive call can fail, one class per thing a caller must handle differently.
 *
 * @since 0.1.0
 */
import { Violation } from "@effect-motive/domain"
import { Duration, Schema } from "effect"

const common = {
  message: Schema.String,
  /** Motive's request id (`X-Request-Id`), when the answer carried one. */
  requestId: Schema.optional(Schema.String)
}

/**
 * The request breaks Motive's rules: caught by the client before sending (`source: "client"`, with every
 * violation, nothing sent), or refused by Motive with 400/422 (`source: "motive"`, its message verbatim).
 *
 * @since 0.1.0
 */
export class InvalidRequest extends Schema.TaggedError<InvalidRequest>()("InvalidRequest", {
  ...common,
  source: Schema.Literal("client", "motive"),
  status: Schema.optional(Schema.Number),
  violations: Schema.Array(Violation)
}) {}

/**
 * 401: the API key or OAuth token is missing, wrong or revoked. Never retried.
 *
 * @since 0.1.0
 */
export class Unauthorized extends Schema.TaggedError<Unauthorized>()("Unauthorized", {
  ...common,
  status: Schema.Number
}) {}

/**
 * 403: not permitted (the key's or user's rights). The camera feature being off is {@link FeatureDisabled}.
 *
 * @since 0.1.0
 */
export class Forbidden extends Schema.TaggedError<Forbidden>()("Forbidden", {
  ...common,
  status: Schema.Number
}) {}

/**
 * 403 because the company's `video_monitoring` feature is off: no camera call passes until an administrator turns
 * it on (Admin > Safety > Cameras > Capture Trip Images). Never retried.
 *
 * @since 0.1.0
 */
export class FeatureDisabled extends Schema.TaggedError<FeatureDisabled>()("FeatureDisabled", {
  ...common,
  status: Schema.Number
}) {}

/**
 * 404: no such request, vehicle or asset.
 *
 * @since 0.1.0
 */
export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", {
  ...common,
  status: Schema.Number
}) {}

/**
 * 409: Motive already has a request with the same parameters; `existingId` when its answer named it.
 *
 * @since 0.1.0
 */
export class DuplicateRequest extends Schema.TaggedError<DuplicateRequest>()("DuplicateRequest", {
  ...common,
  status: Schema.Number,
  existingId: Schema.optional(Schema.Number)
}) {}

/**
 * 429 for the rate limit: retried after `retryAfter` (from the header, capped) or a backoff. `retryAfterForm`
 * says how the header gave it: a number of seconds (`"delay"`) or an HTTP date (`"date"`, whole seconds, read
 * against the answer's `Date` when this machine's clock disagrees with it).
 *
 * @since 0.1.0
 */
export class RateLimited extends Schema.TaggedError<RateLimited>()("RateLimited", {
  ...common,
  status: Schema.Number,
  retryAfter: Schema.optional(Schema.DurationFromSelf),
  retryAfterForm: Schema.optional(Schema.Literal("delay", "date"))
}) {}

/**
 * A wait Motive named (a `Retry-After`), for a person: whole seconds, rounded up, once it is a second or more
 * ("59m 60s" is never printed, nor the milliseconds a date header's reading leaves), and "more than a year" past
 * one (a header that asks so is not read to the day).
 *
 * @since 0.1.0
 */
export const describeWait = (wait: Duration.Duration): string => {
  const millis = Duration.toMillis(wait)
  if (millis > 365 * 86_400_000) return "more than a year"
  return Duration.format(millis < 1000 ? wait : Duration.seconds(Math.ceil(millis / 1000)))
}

/**
 * The company's monthly video recall quota is spent. NEVER retried: it will not pass until the quota resets.
 *
 * @since 0.1.0
 */
export class QuotaExhausted extends Schema.TaggedError<QuotaExhausted>()("QuotaExhausted", {
  ...common,
  status: Schema.Number
}) {}

/**
 * 5xx from Motive, or a 408: Motive (or a proxy before it) did not receive the whole request in time, so it acted
 * on nothing and the call is sent again, a create too.
 *
 * @since 0.1.0
 */
export class ServerError extends Schema.TaggedError<ServerError>()("ServerError", {
  ...common,
  status: Schema.Number
}) {}

/**
 * The connection failed. `requestSent: false` when it never opened (nothing reached Motive), `true` when it
 * broke after the request may have been sent (the answer is unknown).
 *
 * @since 0.1.0
 */
export class TransportError extends Schema.TaggedError<TransportError>()("TransportError", {
  message: Schema.String,
  requestSent: Schema.Boolean
}) {}

/**
 * No answer within the request timeout (the request may have been processed).
 *
 * @since 0.1.0
 */
export class RequestTimeout extends Schema.TaggedError<RequestTimeout>()("RequestTimeout", {
  message: Schema.String,
  timeoutMillis: Schema.Number
}) {}

/**
 * Motive answered 2xx with a body the client cannot read; `excerpt` holds its start.
 *
 * @since 0.1.0
 */
export class ResponseDecodeError extends Schema.TaggedError<ResponseDecodeError>()("ResponseDecodeError", {
  ...common,
  status: Schema.Number,
  excerpt: Schema.String
}) {}

/**
 * A pre-signed media URL has expired (403 from the storage) and no fresh one could be had.
 *
 * @since 0.1.0
 */
export class MediaExpired extends Schema.TaggedError<MediaExpired>()("MediaExpired", {
  message: Schema.String,
  /** Where the media was, without its signature. */
  location: Schema.String
}) {}

/**
 * A download could not be completed. A file already at `path` is kept as it was; of the bytes that did arrive,
 * only a partial file that can be resumed is left (`path.part`, its ETag beside it), for the next download.
 *
 * @since 0.1.0
 */
export class DownloadFailed extends Schema.TaggedError<DownloadFailed>()("DownloadFailed", {
  message: Schema.String,
  path: Schema.String,
  /**
   * `true` when this machine's file system failed (a directory or file could not be made or written), `false`
   * when the media server or the connection did.
   */
  local: Schema.Boolean,
  /** A different file is already at `path`: it was kept (`overwrite` replaces it). */
  differentFile: Schema.optional(Schema.Boolean),
  /** Another process is downloading to `path`: nothing was written; try again once it is done. */
  busy: Schema.optional(Schema.Boolean),
  /** What is at `path` is not a regular file (a symbolic link, a FIFO, a device): it was kept, even with `overwrite`. */
  notAFile: Schema.optional(Schema.Boolean)
}) {}

/**
 * A file-system failure in plain words: Node's own message (`ENOENT: no such file or directory, mkdir '/x'`)
 * rather than the platform's wrapper around it.
 *
 * @since 0.1.0
 */
export const fileSystemMessage = (error: { readonly message: string; readonly cause?: unknown }): string =>
  error.cause instanceof Error && error.cause.message !== "" ? error.cause.message : error.message

/**
 * A wait ran out of its time budget (or its polling schedule ended) before the request reached a terminal status.
 *
 * @since 0.1.0
 */
export class WaitTimedOut extends Schema.TaggedError<WaitTimedOut>()("WaitTimedOut", {
  message: Schema.String,
  /** The last status seen (its wire string). */
  lastStatus: Schema.String,
  elapsedMillis: Schema.Number
}) {}

/**
 * A create failed after an attempt whose answer was lost, so Motive may hold the request all the same; or Motive
 * answered 409 naming the recall it holds, which could not be read back. `recallId` is set when Motive named it
 * (a 409): the recall exists, and `failure` says why it could not be read. `afterLostAnswer` is true when an
 * answer was lost, so that the recall may be this call's own; false when Motive named, at this call's first
 * answered attempt, a recall made before the call.
 *
 * @since 0.1.0
 */
export class CreateUncertain extends Schema.TaggedError<CreateUncertain>()("CreateUncertain", {
  message: Schema.String,
  recallId: Schema.optional(Schema.Number),
  afterLostAnswer: Schema.Boolean,
  failure: Schema.Union(
    InvalidRequest,
    Unauthorized,
    Forbidden,
    FeatureDisabled,
    NotFound,
    DuplicateRequest,
    RateLimited,
    QuotaExhausted,
    ServerError,
    TransportError,
    RequestTimeout,
    ResponseDecodeError
  )
}) {}

/**
 * Every error of a Motive call.
 *
 * @since 0.1.0
 */
export type MotiveError =
  | InvalidRequest
  | Unauthorized
  | Forbidden
  | FeatureDisabled
  | NotFound
  | DuplicateRequest
  | RateLimited
  | QuotaExhausted
  | ServerError
  | TransportError
  | RequestTimeout
  | ResponseDecodeError
  | CreateUncertain

/**
 * Every error of a Motive call other than a video recall's create: what one exchange with Motive can end in,
 * retries included. Only `createVideoRecall` adds {@link CreateUncertain}.
 *
 * @since 0.1.0
 */
export type CallError = Exclude<MotiveError, CreateUncertain>

/**
 * Server errors after which it is unknown whether Motive acted on the request: it may have, so only a call
 * that is safe to repeat is sent again. A 503 is one of them: Motive does not promise that it did not act.
 *
 * @since 0.1.0
 */
export const ambiguousServerStatuses: ReadonlySet<number> = new Set([500, 502, 503, 504])

/**
 * Whether a failed call may be sent again. The ONE place this is decided.
 *
 * - Always: rate limited, a connection that never opened, a 408 (the request did not arrive whole in time).
 * - Only for calls that are safe to repeat (reads, and creates whose duplicates Motive detects):
 *   500, 502, 503, 504, a broken connection after sending, a timeout. For such a create a later 409 with the
 *   existing id resolves the ambiguity.
 * - Never: quota exhausted, 4xx refusals, decode errors.
 *
 * @since 0.1.0
 */
export const isRetryable = (error: MotiveError, options: { readonly repeatable: boolean }): boolean => {
  switch (error._tag) {
    case "RateLimited":
      return true
    case "ServerError":
      return error.status === 408 || (options.repeatable && ambiguousServerStatuses.has(error.status))
    case "TransportError":
      return !error.requestSent || options.repeatable
    case "RequestTimeout":
      return options.repeatable
    default:
      return false
  }
}

/**
 * Whether the failure leaves it unknown if Motive acted on the request (so a create may exist).
 *
 * @since 0.1.0
 */
export const isAmbiguous = (error: MotiveError): boolean =>
  (error._tag === "ServerError" && ambiguousServerStatuses.has(error.status)) ||
  (error._tag === "TransportError" && error.requestSent) ||
  error._tag === "RequestTimeout"

/**
 * The request itself ended in `failed` at Motive (nothing to download).
 *
 * @since 0.1.0
 */
export class RequestFailed extends Schema.TaggedError<RequestFailed>()("RequestFailed", {
  message: Schema.String,
  id: Schema.Number
}) {}

/**
 * The request has not finished yet, so its media cannot be downloaded; wait for it first.
 *
 * @since 0.1.0
 */
export class NotReady extends Schema.TaggedError<NotReady>()("NotReady", {
  message: Schema.String,
  id: Schema.Number,
  status: Schema.String
}) {}

/**
 * Every error of a download.
 *
 * @since 0.1.0
 */
export type DownloadError = CallError | MediaExpired | DownloadFailed | NotReady | RequestFailed
