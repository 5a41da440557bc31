/**
 * The image capture response (`POST /v1/image_captures` and `GET /v1/image_captures/{camera_type}/{id}`).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { AssetRef, VehicleRef } from "./Entities.js"
import { ImageCaptureId } from "./Ids.js"
import { ImageCaptureStatus } from "./Status.js"

/**
 * One captured image: a pre-signed URL (`null` while it is not there yet) and when it stops working.
 *
 * @since 0.1.0
 */
export const CapturedImage = Schema.Struct({
  url: Schema.NullOr(Schema.String),
  expiresAt: Schema.optional(Schema.NullOr(Schema.String)).pipe(Schema.fromKey("expires_at"))
})

/**
 * @since 0.1.0
 */
export type CapturedImage = typeof CapturedImage.Type

/**
 * An image capture request as Motive reports it. Unknown fields are ignored; `camera_type` is kept as
 * sent, since the GET path needs it verbatim.
 *
 * @since 0.1.0
 */
export class ImageCapture extends Schema.Class<ImageCapture>("ImageCapture")({
  requestId: Schema.propertySignature(ImageCaptureId).pipe(Schema.fromKey("request_id")),
  cameraType: Schema.propertySignature(Schema.String).pipe(Schema.fromKey("camera_type")),
  position: Schema.String,
  status: ImageCaptureStatus,
  vehicle: Schema.optional(Schema.NullOr(VehicleRef)),
  asset: Schema.optional(Schema.NullOr(AssetRef)),
  createdAt: Schema.optional(Schema.NullOr(Schema.String)).pipe(Schema.fromKey("created_at")),
  images: Schema.optional(Schema.NullOr(Schema.Record({ key: Schema.String, value: CapturedImage })))
}) {}
