/**
 * Reading Motive's error bodies, which are not documented: the message, the quota code, the camera feature being
 * off, a duplicate's id.
 *
 * @since 0.1.0
 */
import { Option } from "effect"
import { quotaExceededCode } from "./MotiveApi.js"

const asRecord = (u: unknown): Record<string, unknown> | undefined =>
  typeof u === "object" && u !== null && !Array.isArray(u) ? { ...u } : undefined

const text = (u: unknown): string | undefined => {
  if (typeof u === "string" && u.trim() !== "") return u
  if (Array.isArray(u)) {
    const parts = u.map((x) => typeof x === "string" ? x : text(asRecord(x)?.message)).filter((x) => x !== undefined)
    return parts.length > 0 ? parts.join("; ") : undefined
  }
  return undefined
}

/**
 * Motive's message, verbatim: the first present of `error_message`, `message`, `error`, `errors`
 * (string or array) [assumed order, `motive-api.md`].
 *
 * @since 0.1.0
 */
export const errorMessageFromBody = (body: unknown): Option.Option<string> => {
  const record = asRecord(body)
  if (record === undefined) return Option.fromNullable(text(body))
  for (const key of ["error_message", "message", "error", "errors"]) {
    const found = text(record[key])
    if (found !== undefined) return Option.some(found)
  }
  return Option.none()
}

/**
 * A message that speaks of a rate of requests: "10 requests per second", "5 requests per 60 seconds",
 * "100 req/min", "10 rps", "rate limit exceeded", "rate_limit_exceeded", "rate limiting", "too many requests",
 * "throttled". Not any rate ("1 frame per second", "2 Mbit/s"), nor "request a min of 10 seconds", nor a limit
 * named as absent ("Rate limit: n/a"), nor too many requests *for* something ("… for this vehicle are pending").
 */
const rateWords = new RegExp(
  [
    "\\b(requests?|reqs?|calls?)\\s*(\\/|per\\b|a\\b|each\\b)\\s*(\\d+\\s*)?" +
    "(s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?)\\b(?!\\s+of\\b)",
    "\\b(rps|rpm)\\b",
    "\\brate[\\s_-]?limit(?![a-z]*\\s*:\\s*(n\\/?a|none)\\b)",
    "too many requests\\b(?!\\s+for\\b)",
    "\\bthrottl(ed|ing)\\b"
  ].join("|"),
  "i"
)

/**
 * Whether a refusal's message speaks of a request rate ("max 10 requests per second", "rate limit", "too many
 * requests"): a rate limit, whatever its status (a 403 or 422 saying so is one too) [assumed, `motive-api.md`].
 *
 * @since 0.1.0
 */
export const isRequestRateBody = (body: unknown): boolean =>
  Option.match(errorMessageFromBody(body), { onNone: () => false, onSome: (m) => rateWords.test(m) })

/**
 * Whether a refusal is the monthly quota running out (code `quota_exceeded`, or a message that says
 * "quota"), as opposed to a rate limit. A message that says "quota" of a request rate ("Request quota exceeded:
 * max 10 requests per second") is a rate limit's, and is retried as one.
 *
 * @since 0.1.0
 */
export const isQuotaExceededBody = (body: unknown): boolean => {
  const record = asRecord(body)
  if (record?.code === quotaExceededCode || record?.error_code === quotaExceededCode) return true
  return Option.match(errorMessageFromBody(body), {
    onNone: () => false,
    onSome: (m) => /quota/i.test(m) && !rateWords.test(m)
  })
}

/**
 * Whether a 403 says the company's `video_monitoring` feature is off [assumed wording, `motive-api.md`]: a code
 * naming it (`code` or `error_code`), or a message naming the setting (`video_monitoring`, "video monitoring",
 * "Capture Trip Images") or saying that cameras or video are disabled / not enabled / off for the company or fleet.
 * A message about the caller's rights is not, even when it names the feature ("You do not have permission to use
 * video monitoring", "…for your API key", "…your role…"): that is the key's or user's, not the company's setting.
 *
 * @since 0.1.0
 */
export const isFeatureDisabledBody = (body: unknown): boolean => {
  const record = asRecord(body)
  for (const code of [record?.code, record?.error_code]) {
    if (typeof code === "string" && /video_monitoring|feature_disabled/i.test(code)) return true
  }
  return Option.match(errorMessageFromBody(body), {
    onNone: () => false,
    onSome: (m) =>
      !/\b(permissions?|role|roles|not allowed|unauthori[sz]ed|api key|your user|user account|access token)\b/i.test(
        m
      ) &&
      (/video[_ ]monitoring|capture trip images/i.test(m) ||
        (/\b(cameras?|video|dashcams?)\b/i.test(m) && /\b(disabled|not enabled|turned off|is off)\b/i.test(m) &&
          /\b(company|fleet|organi[sz]ation)\b/i.test(m)))
  })
}

/**
 * The existing request's `id` from a 409 duplicate body, if it carries one (`id`, `existing_id`, or
 * `video_recall_request.id`).
 *
 * @since 0.1.0
 */
export const existingIdFromBody = (body: unknown): Option.Option<number> => {
  const record = asRecord(body)
  const candidates = [record?.id, record?.existing_id, asRecord(record?.video_recall_request)?.id]
  for (const c of candidates) {
    const n = typeof c === "number" ? c : typeof c === "string" && /^\d+$/.test(c) ? Number(c) : NaN
    if (Number.isSafeInteger(n) && n > 0) return Option.some(n)
  }
  return Option.none()
}
