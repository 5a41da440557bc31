/**
 * What the sandbox lets a test inspect: requests received, requests stored, webhook deliveries.
 *
 * @since 0.1.0
 */
import type { CameraPosition, RecallType } from "@effect-motive/domain"
import type { Redacted } from "effect"
import type { RouteKey } from "./Faults.js"

/**
 * One HTTP request as the sandbox received it. Secrets in headers are masked.
 *
 * @since 0.1.0
 */
export interface RecordedRequest {
  readonly at: number
  readonly method: string
  readonly path: string
  readonly query: Readonly<Record<string, string>>
  readonly route: RouteKey | undefined
  readonly headers: Readonly<Record<string, string>>
  readonly body: unknown
  /** The status answered, or `undefined` when the connection was cut instead. */
  readonly status: number | undefined
}

/**
 * The target of a stored request.
 *
 * @since 0.1.0
 */
export type StoredEntity =
  | { readonly kind: "vehicle"; readonly id: number; readonly number: string }
  | { readonly kind: "asset"; readonly id: number; readonly name: string }

/**
 * A status as the sandbox moves it.
 *
 * @since 0.1.0
 */
export type LifecycleStatus = "pending" | "in_progress" | "success" | "failed"

/**
 * A stored video recall request.
 *
 * @since 0.1.0
 */
export interface StoredRecall {
  readonly id: number
  readonly entity: StoredEntity
  readonly startTime: number
  readonly durationMinutes: number
  readonly recallType: RecallType
  readonly requestedPositions: ReadonlyArray<CameraPosition> | undefined
  /** The cameras whose footage the recall returns. */
  readonly cameras: ReadonlyArray<CameraPosition>
  /** Those of `cameras` whose footage fails although the recall succeeds (`lifecycle.failCameras`). */
  readonly failedCameras: ReadonlyArray<CameraPosition>
  readonly createdAt: number
  readonly pendingUntil: number
  readonly doneAt: number
  readonly outcome: "success" | "failed"
  status: LifecycleStatus
  updatedAt: number
  notified: boolean
  readonly dedupeKey: string
}

/**
 * A stored image capture request.
 *
 * @since 0.1.0
 */
export interface StoredCapture {
  readonly requestId: number
  readonly entity: StoredEntity
  readonly position: CameraPosition
  readonly cameraType: "dashcam" | "omnicam"
  readonly createdAt: number
  readonly pendingUntil: number
  readonly doneAt: number
  readonly outcome: "success" | "failed"
  status: LifecycleStatus
  updatedAt: number
}

/**
 * A registered company webhook. Its secret is `Redacted`: it signs deliveries, and prints as `<redacted>`.
 *
 * @since 0.1.0
 */
export interface StoredWebhook {
  readonly id: number
  readonly url: string
  readonly secret: Redacted.Redacted<string>
  readonly actions: ReadonlyArray<string>
  readonly format: string
  readonly enabled: boolean
}

/**
 * One attempt at delivering a webhook.
 *
 * @since 0.1.0
 */
export interface DeliveryAttempt {
  readonly at: number
  readonly status: number | undefined
  readonly error: string | undefined
  readonly durationMillis: number
}

/**
 * A webhook delivery and its attempts.
 *
 * @since 0.1.0
 */
export interface WebhookDelivery {
  readonly webhookId: number
  readonly url: string
  readonly action: string
  readonly recallId: number
  /** The exact bytes posted (as text), over which the signature was computed. */
  readonly body: string
  readonly signature: string
  readonly attempts: Array<DeliveryAttempt>
  state: "pending" | "in_flight" | "delivered" | "failed"
  nextAttemptAt: number
}
