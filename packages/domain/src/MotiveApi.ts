/**
 * Paths, headers and codes of Motive's camera API, in one place: each assumed wire detail is a one-line change.
 *
 * @since 0.1.0
 */
import type { CameraType } from "./CameraPosition.js"
import type { PrimaryEntity } from "./Entities.js"

/**
 * Motive's production base URL [seed].
 *
 * @since 0.1.0
 */
export const defaultBaseUrl = "https://api.gomotive.com"

/**
 * Request paths, relative to the base URL (`motive-api.md`).
 *
 * @since 0.1.0
 */
export const paths = {
  imageCaptures: "/v1/image_captures",
  imageCapture: (cameraType: CameraType | string, requestId: number) =>
    `/v1/image_captures/${encodeURIComponent(cameraType)}/${requestId}`,
  videoRecalls: "/v1/video_recall_requests",
  videoRecall: (id: number | string) => `/v1/video_recall_requests/${encodeURIComponent(String(id))}`,
  recallQuota: "/v1/video_recall_requests/quota",
  availableTimelines: (entity: PrimaryEntity) => `/v1/video_recall_requests/${entity}s/available_timelines`,
  vehicles: "/v1/vehicles",
  assets: "/v1/assets",
  companyWebhooks: "/v1/company_webhooks"
} as const

/**
 * Header names, lower case as HTTP/2 and Node present them.
 *
 * @since 0.1.0
 */
export const headers = {
  apiKey: "x-api-key",
  authorization: "authorization",
  timeZone: "x-time-zone",
  retryAfter: "retry-after",
  requestId: "x-request-id",
  webhookSignature: "x-kt-webhook-signature"
} as const

/**
 * The body `code` of a monthly-quota refusal [assumed, `motive-api.md`].
 *
 * @since 0.1.0
 */
export const quotaExceededCode = "quota_exceeded"
