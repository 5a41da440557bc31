/**
 * The video recall request: its validated model, its wire body, and the rules that guard it.
 *
 * @since 0.1.0
 */
import { DateTime, Schema } from "effect"
import { CameraPosition } from "./CameraPosition.js"
import { RecallType } from "./RecallType.js"
import { formatTimestamp } from "./Timestamp.js"

/**
 * A vehicle addressed by its `vehicle_number`, as video recall requires.
 *
 * @since 0.1.0
 */
export const VehicleByNumber = Schema.TaggedStruct("vehicle", { number: Schema.NonEmptyTrimmedString })

/**
 * An asset addressed by its `asset_name`, as video recall requires.
 *
 * @since 0.1.0
 */
export const AssetByName = Schema.TaggedStruct("asset", { name: Schema.NonEmptyTrimmedString })

/**
 * Exactly one recall target: "both" and "neither" cannot be represented.
 *
 * @since 0.1.0
 */
export const RecallTarget = Schema.Union(VehicleByNumber, AssetByName)

/**
 * @since 0.1.0
 */
export type RecallTarget = typeof RecallTarget.Type

/**
 * A validated video recall request.
 *
 * @since 0.1.0
 */
export class VideoRecallRequest extends Schema.Class<VideoRecallRequest>("VideoRecallRequest")({
  target: RecallTarget,
  startTime: Schema.DateTimeUtcFromSelf,
  durationMinutes: Schema.Int.pipe(Schema.positive()),
  recallType: RecallType,
  cameraPositions: Schema.optional(Schema.NonEmptyArray(CameraPosition))
}) {
  /** The end of the recalled window: `start_time + duration`. */
  get endTime(): DateTime.Utc {
    return DateTime.add(this.startTime, { minutes: this.durationMinutes })
  }
}

/**
 * The JSON body of `POST /v1/video_recall_requests`, exactly as sent (`motive-api.md`).
 *
 * @since 0.1.0
 */
export const VideoRecallRequestBody = Schema.Struct({
  vehicle_number: Schema.optional(Schema.String),
  asset_name: Schema.optional(Schema.String),
  start_time: Schema.String,
  duration: Schema.Int,
  recall_type: Schema.optional(RecallType),
  camera_positions: Schema.optional(Schema.NonEmptyArray(CameraPosition))
})

/**
 * @since 0.1.0
 */
export type VideoRecallRequestBody = typeof VideoRecallRequestBody.Type

/**
 * The loose, user-facing shape of a recall request, as flags or a JSON file give it. Anything may be wrong
 * in it; `validateVideoRecall` says what.
 *
 * @since 0.1.0
 */
export interface VideoRecallInput {
  readonly vehicleNumber?: string | undefined
  readonly assetName?: string | undefined
  readonly startTime?: string | undefined
  readonly duration?: number | string | undefined
  readonly recallType?: string | undefined
  readonly cameraPositions?: ReadonlyArray<string> | undefined
}

/**
 * The same fields with any value at all, as a received JSON body has them: the rules name what is wrong.
 *
 * @since 0.1.0
 */
export type LooseVideoRecallInput = { readonly [K in keyof VideoRecallInput]?: unknown }

/**
 * What the caller knows of the vehicle's device. `"smart"` turns on the smart-dashcam limits
 * (no timelapse, at most one minute); Motive enforces them anyway, this only fails earlier.
 *
 * @since 0.1.0
 */
export interface VideoRecallOptions {
  readonly dashcam?: "smart" | "ai" | undefined
}

/**
 * The exact JSON body sent for a validated request.
 *
 * @since 0.1.0
 */
export const encodeVideoRecallBody = (request: VideoRecallRequest): VideoRecallRequestBody => ({
  ...(request.target._tag === "vehicle"
    ? { vehicle_number: request.target.number }
    : { asset_name: request.target.name }),
  start_time: formatTimestamp(request.startTime),
  duration: request.durationMinutes,
  recall_type: request.recallType,
  ...(request.cameraPositions !== undefined ? { camera_positions: request.cameraPositions } : {})
})

/**
 * Reads a received wire body (snake_case JSON, any shape) into the loose input the rules check, so a server
 * (the sandbox) applies exactly the client's rules.
 *
 * @since 0.1.0
 */
export const videoRecallInputFromBody = (body: unknown): LooseVideoRecallInput => {
  const b: Record<string, unknown> = typeof body === "object" && body !== null && !Array.isArray(body)
    ? { ...body }
    : {}
  return {
    vehicleNumber: b.vehicle_number,
    assetName: b.asset_name,
    startTime: b.start_time,
    duration: b.duration,
    recallType: b.recall_type,
    cameraPositions: b.camera_positions
  }
}
