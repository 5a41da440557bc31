/**
 * The monthly video recall quota, in minutes, per recall type [docs: fetch-the-video-recall-quota].
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * Used, remaining and total minutes of one recall type this month.
 *
 * @since 0.1.0
 */
export const QuotaBucket = Schema.Struct({
  usedMinutes: Schema.propertySignature(Schema.Number).pipe(Schema.fromKey("used_minutes")),
  remainingMinutes: Schema.propertySignature(Schema.Number).pipe(Schema.fromKey("remaining_minutes")),
  totalMinutes: Schema.propertySignature(Schema.Number).pipe(Schema.fromKey("total_minutes"))
})

/**
 * @since 0.1.0
 */
export type QuotaBucket = typeof QuotaBucket.Type

/**
 * The `quota_info` block: one bucket per recall type.
 *
 * @since 0.1.0
 */
export const QuotaInfo = Schema.Struct({ regular: QuotaBucket, timelapse: QuotaBucket })

/**
 * @since 0.1.0
 */
export type QuotaInfo = typeof QuotaInfo.Type

/**
 * `GET /v1/video_recall_requests/quota`.
 *
 * @since 0.1.0
 */
export const RecallQuota = Schema.Struct({
  quotaInfo: Schema.propertySignature(QuotaInfo).pipe(Schema.fromKey("quota_info"))
})

/**
 * @since 0.1.0
 */
export type RecallQuota = typeof RecallQuota.Type
