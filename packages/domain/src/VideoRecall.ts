/**
 * The video recall response (`POST /v1/video_recall_requests`, `GET /v1/video_recall_requests/{id}`).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { AssetRef, VehicleRef } from "./Entities.js"
import { RecallIdFromAny } from "./Ids.js"
import { RecallStatus } from "./Status.js"

/**
 * One camera's part of a recall [assumed shape, `motive-api.md`]: `download_url` / `expires_at` are absent or
 * null until its footage is ready.
 *
 * @since 0.1.0
 */
export const RecallCamera = Schema.Struct({
  position: Schema.String,
  cameraType: Schema.optional(Schema.NullOr(Schema.String)).pipe(Schema.fromKey("camera_type")),
  status: Schema.optional(Schema.NullOr(RecallStatus)),
  downloadUrl: Schema.optional(Schema.NullOr(Schema.String)).pipe(Schema.fromKey("download_url")),
  expiresAt: Schema.optional(Schema.NullOr(Schema.String)).pipe(Schema.fromKey("expires_at")),
  sizeBytes: Schema.optional(Schema.NullOr(Schema.Number)).pipe(Schema.fromKey("size_bytes"))
})

/**
 * @since 0.1.0
 */
export type RecallCamera = typeof RecallCamera.Type

/**
 * A video recall request as Motive reports it (seed "Response Parameters"). The `id` is accepted as an
 * integer or a numeric string; `cameras` defaults to empty.
 *
 * @since 0.1.0
 */
export class VideoRecall extends Schema.Class<VideoRecall>("VideoRecall")({
  id: RecallIdFromAny,
  status: RecallStatus,
  primaryEntity: Schema.optional(Schema.NullOr(Schema.String)).pipe(Schema.fromKey("primary_entity")),
  vehicle: Schema.optional(Schema.NullOr(VehicleRef)),
  asset: Schema.optional(Schema.NullOr(AssetRef)),
  startTime: Schema.optional(Schema.NullOr(Schema.String)).pipe(Schema.fromKey("start_time")),
  endTime: Schema.optional(Schema.NullOr(Schema.String)).pipe(Schema.fromKey("end_time")),
  recallType: Schema.optional(Schema.NullOr(Schema.String)).pipe(Schema.fromKey("recall_type")),
  createdAt: Schema.optional(Schema.NullOr(Schema.String)).pipe(Schema.fromKey("created_at")),
  updatedAt: Schema.optional(Schema.NullOr(Schema.String)).pipe(Schema.fromKey("updated_at")),
  cameras: Schema.optionalWith(Schema.Array(RecallCamera), { default: () => [], nullable: true })
}) {}
