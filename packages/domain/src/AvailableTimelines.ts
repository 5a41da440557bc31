/**
 * When an entity has video to recall (`GET /v1/video_recall_requests/{vehicles|assets}/available_timelines`).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { AssetRef, VehicleRef } from "./Entities.js"
import { QuotaInfo } from "./Quota.js"

/**
 * One span of available footage.
 *
 * @since 0.1.0
 */
export const TimelineSpan = Schema.Struct({
  startTime: Schema.propertySignature(Schema.String).pipe(Schema.fromKey("start_time")),
  endTime: Schema.propertySignature(Schema.String).pipe(Schema.fromKey("end_time"))
})

/**
 * @since 0.1.0
 */
export type TimelineSpan = typeof TimelineSpan.Type

/**
 * The available-timelines response [docs for `assets/`; assumed for `vehicles/`].
 *
 * @since 0.1.0
 */
export const AvailableTimelines = Schema.Struct({
  primaryEntity: Schema.optional(Schema.NullOr(Schema.String)).pipe(Schema.fromKey("primary_entity")),
  vehicle: Schema.optional(Schema.NullOr(VehicleRef)),
  asset: Schema.optional(Schema.NullOr(AssetRef)),
  availableTimelines: Schema.optionalWith(Schema.Array(TimelineSpan), { default: () => [], nullable: true }).pipe(
    Schema.fromKey("available_timelines")
  ),
  quotaInfo: Schema.optional(Schema.NullOr(QuotaInfo)).pipe(Schema.fromKey("quota_info"))
})

/**
 * @since 0.1.0
 */
export type AvailableTimelines = typeof AvailableTimelines.Type
