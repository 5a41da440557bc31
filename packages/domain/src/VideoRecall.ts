/**
 * The video recall response (`POST /v1/video_recall_requests`, `GET /v1/video_recall_requests/{id}`).
 *
 * The response is the one a client polls, so its decoding is on the hot path. It is written as two plain
 * structs: the body exactly as Motive sends it (snake_case, every field checked once), and the
 * {@link VideoRecall} class the client hands out (camelCase). {@link VideoRecallFromBody} maps one onto the
 * other by hand. Renaming with `Schema.fromKey` instead would check every field again on the type side,
 * once per nesting level: about 34 µs per 6-camera recall against about 10 µs this way.
 *
 * @since 0.1.0
 */
import { Schema, type Types } from "effect"
import { AssetRef, VehicleRef } from "./Entities.js"
import { RecallId, RecallIdFromAny } from "./Ids.js"
import { RecallStatus } from "./Status.js"

const nullish = <S extends Schema.Schema.Any>(schema: S) => Schema.optional(Schema.NullOr(schema))

/**
 * One camera's part of a recall body, as Motive sends it [assumed shape, `motive-api.md`]: `download_url` /
 * `expires_at` are absent or null until its footage is ready.
 *
 * @since 0.1.0
 */
export const RecallCameraBody = Schema.Struct({
  position: Schema.String,
  camera_type: nullish(Schema.String),
  status: nullish(RecallStatus),
  download_url: nullish(Schema.String),
  expires_at: nullish(Schema.String),
  size_bytes: nullish(Schema.Number)
})

/**
 * @since 0.1.0
 */
export type RecallCameraBody = typeof RecallCameraBody.Type

/**
 * A video recall body exactly as Motive sends it (seed "Response Parameters"). The `id` is accepted as an
 * integer or a numeric string. Unknown fields are ignored.
 *
 * @since 0.1.0
 */
export const VideoRecallBody = Schema.Struct({
  id: RecallIdFromAny,
  status: RecallStatus,
  primary_entity: nullish(Schema.String),
  vehicle: nullish(VehicleRef),
  asset: nullish(AssetRef),
  start_time: nullish(Schema.String),
  end_time: nullish(Schema.String),
  recall_type: nullish(Schema.String),
  created_at: nullish(Schema.String),
  updated_at: nullish(Schema.String),
  cameras: nullish(Schema.Array(RecallCameraBody))
})

/**
 * @since 0.1.0
 */
export type VideoRecallBody = typeof VideoRecallBody.Type

const Status = Schema.typeSchema(RecallStatus)

/**
 * One camera's part of a recall, as the client reports it.
 *
 * @since 0.1.0
 */
export const RecallCamera = Schema.Struct({
  position: Schema.String,
  cameraType: nullish(Schema.String),
  status: nullish(Status),
  downloadUrl: nullish(Schema.String),
  expiresAt: nullish(Schema.String),
  sizeBytes: nullish(Schema.Number)
})

/**
 * @since 0.1.0
 */
export type RecallCamera = typeof RecallCamera.Type

/**
 * A video recall request as the client reports it: the body's fields in camelCase, `cameras` empty when
 * Motive sent none. Decode a response body with {@link VideoRecallFromBody}.
 *
 * @since 0.1.0
 */
export class VideoRecall extends Schema.Class<VideoRecall>("VideoRecall")({
  id: RecallId,
  status: Status,
  primaryEntity: nullish(Schema.String),
  vehicle: nullish(VehicleRef),
  asset: nullish(AssetRef),
  startTime: nullish(Schema.String),
  endTime: nullish(Schema.String),
  recallType: nullish(Schema.String),
  createdAt: nullish(Schema.String),
  updatedAt: nullish(Schema.String),
  cameras: Schema.Array(RecallCamera)
}) {}

const cameraFromBody = (c: RecallCameraBody): RecallCamera => {
  const camera: Types.Mutable<RecallCamera> = { position: c.position }
  if (c.camera_type !== undefined) camera.cameraType = c.camera_type
  if (c.status !== undefined) camera.status = c.status
  if (c.download_url !== undefined) camera.downloadUrl = c.download_url
  if (c.expires_at !== undefined) camera.expiresAt = c.expires_at
  if (c.size_bytes !== undefined) camera.sizeBytes = c.size_bytes
  return camera
}

const cameraToBody = (c: RecallCamera): RecallCameraBody => {
  const camera: Types.Mutable<RecallCameraBody> = { position: c.position }
  if (c.cameraType !== undefined) camera.camera_type = c.cameraType
  if (c.status !== undefined) camera.status = c.status
  if (c.downloadUrl !== undefined) camera.download_url = c.downloadUrl
  if (c.expiresAt !== undefined) camera.expires_at = c.expiresAt
  if (c.sizeBytes !== undefined) camera.size_bytes = c.sizeBytes
  return camera
}

const recallFromBody = (b: VideoRecallBody): VideoRecall => {
  const fields: Types.Mutable<typeof VideoRecall.Type> = {
    id: b.id,
    status: b.status,
    cameras: b.cameras === undefined || b.cameras === null ? [] : b.cameras.map(cameraFromBody)
  }
  if (b.primary_entity !== undefined) fields.primaryEntity = b.primary_entity
  if (b.vehicle !== undefined) fields.vehicle = b.vehicle
  if (b.asset !== undefined) fields.asset = b.asset
  if (b.start_time !== undefined) fields.startTime = b.start_time
  if (b.end_time !== undefined) fields.endTime = b.end_time
  if (b.recall_type !== undefined) fields.recallType = b.recall_type
  if (b.created_at !== undefined) fields.createdAt = b.created_at
  if (b.updated_at !== undefined) fields.updatedAt = b.updated_at
  return new VideoRecall(fields, true)
}

const recallToBody = (r: VideoRecall): VideoRecallBody => {
  const body: Types.Mutable<VideoRecallBody> = { id: r.id, status: r.status, cameras: r.cameras.map(cameraToBody) }
  if (r.primaryEntity !== undefined) body.primary_entity = r.primaryEntity
  if (r.vehicle !== undefined) body.vehicle = r.vehicle
  if (r.asset !== undefined) body.asset = r.asset
  if (r.startTime !== undefined) body.start_time = r.startTime
  if (r.endTime !== undefined) body.end_time = r.endTime
  if (r.recallType !== undefined) body.recall_type = r.recallType
  if (r.createdAt !== undefined) body.created_at = r.createdAt
  if (r.updatedAt !== undefined) body.updated_at = r.updatedAt
  return body
}

/**
 * A video recall response body decoded into a {@link VideoRecall}, and encoded back to the body's shape.
 * Every field is checked once, on the body side; the renaming is typed, so the result needs no second check.
 *
 * @since 0.1.0
 */
export const VideoRecallFromBody: Schema.Schema<VideoRecall, typeof VideoRecallBody.Encoded> = Schema.transform(
  VideoRecallBody,
  Schema.instanceOf(VideoRecall),
  { strict: true, decode: recallFromBody, encode: recallToBody }
).annotations({ identifier: "VideoRecallFromBody" })
