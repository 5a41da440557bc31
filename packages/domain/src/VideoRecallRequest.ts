/**
 * The video recall request: its validated model, its wire body, and the rules that guard it.
 *
 * @since 0.1.0
 */
import { Array as Arr, DateTime, Effect, Either, Option, ParseResult, Schema } from "effect"
import { CameraPosition, cameraPositionInfo, CameraPositions, isCameraPosition } from "./CameraPosition.js"
import {
  allowedDurations,
  defaultRecallType,
  isAllowedDuration,
  isRecallType,
  RecallType,
  RecallTypes,
  smartDashcamMaxMinutes
} from "./RecallType.js"
import { formatTimestamp, parseTimestamp } from "./Timestamp.js"
import { listWords, quote, RecallValidationError, type Violation, violation } from "./Violation.js"

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
 * in it; {@link validateVideoRecall} says what.
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

/** @internal */
export const nonBlank = (u: unknown): string | undefined => {
  const s = typeof u === "number" && Number.isFinite(u) ? String(u) : typeof u === "string" ? u.trim() : undefined
  return s === undefined || s === "" ? undefined : s
}

const parseDuration = (u: unknown): number | undefined => {
  const n = typeof u === "number" ? u : typeof u === "string" && u.trim() !== "" ? Number(u) : NaN
  return Number.isFinite(n) ? n : undefined
}

const allAllowedDurations = Arr.dedupe(RecallTypes.flatMap((t) => allowedDurations[t]))

/**
 * Checks a recall request against every documented rule, reading "now" from the `Clock`. Fails with all
 * violations at once; succeeds with a request that can be sent as is. Repeated positions are kept once.
 *
 * @since 0.1.0
 */
export const validateVideoRecall = (
  input: VideoRecallInput | LooseVideoRecallInput,
  options: VideoRecallOptions = {}
): Effect.Effect<VideoRecallRequest, RecallValidationError> =>
  Effect.gen(function*() {
    const violations: Array<Violation> = []
    const loose: LooseVideoRecallInput = input

    // Entity: exactly one of vehicle_number / asset_name (seed: "Provide exactly one ... but not BOTH").
    const vehicleNumber = nonBlank(loose.vehicleNumber)
    const assetName = nonBlank(loose.assetName)
    if (vehicleNumber !== undefined && assetName !== undefined) {
      violations.push(violation(
        "vehicle_number",
        "entity.exactly_one",
        `give exactly one of vehicle_number or asset_name, not both (got vehicle_number ${
          quote(vehicleNumber)
        } and asset_name ${quote(assetName)})`
      ))
    } else if (vehicleNumber === undefined && assetName === undefined) {
      violations.push(violation(
        "vehicle_number",
        "entity.exactly_one",
        "give exactly one of vehicle_number or asset_name (neither was given)"
      ))
    }
    const isAsset = assetName !== undefined && vehicleNumber === undefined

    // Recall type (seed: "Supported recall_type values are regular and timelapse").
    const rawType = loose.recallType ?? defaultRecallType
    const recallType = isRecallType(rawType) ? rawType : undefined
    if (recallType === undefined) {
      violations.push(violation(
        "recall_type",
        "recall_type.unknown",
        `recall_type ${quote(rawType)} is not supported: use ${listWords(RecallTypes)}`
      ))
    }

    // Duration in whole minutes, from the list for the recall type (seed: "Supported durations").
    const duration = parseDuration(loose.duration)
    const durationOk = duration !== undefined &&
      (recallType === undefined ? allAllowedDurations.includes(duration) : isAllowedDuration(recallType, duration))
    if (!durationOk) {
      const allowed = recallType === undefined
        ? `regular: ${listWords(allowedDurations.regular)}; timelapse: ${listWords(allowedDurations.timelapse)} minutes`
        : `${listWords(allowedDurations[recallType])} minutes for a ${recallType} recall`
      violations.push(violation(
        "duration",
        "duration.not_allowed",
        loose.duration === undefined
          ? `duration is required (${allowed})`
          : recallType === undefined
          ? `duration ${quote(loose.duration)} is not an allowed number of minutes (${allowed})`
          : `duration ${quote(loose.duration)} is not allowed for a ${recallType} recall: use ${
            listWords(allowedDurations[recallType])
          } minutes`
      ))
    }

    // Smart dashcams: no timelapse, at most one minute (seed).
    if (options.dashcam === "smart" && !isAsset) {
      if (recallType === "timelapse") {
        violations.push(violation(
          "recall_type",
          "device.smart_dashcam_timelapse",
          "timelapse is not supported on smart dashcams: use a regular recall"
        ))
      } else if (recallType === "regular" && duration !== undefined && duration > smartDashcamMaxMinutes) {
        violations.push(violation(
          "duration",
          "device.smart_dashcam_duration",
          `smart dashcam recalls are limited to ${smartDashcamMaxMinutes} minute (got ${quote(duration)})`
        ))
      }
    }

    // Camera positions (seed: "Important info - Camera Positions").
    let cameraPositions: Array<CameraPosition> | undefined
    if (loose.cameraPositions !== undefined) {
      const raw = loose.cameraPositions
      if (!Array.isArray(raw)) {
        violations.push(violation(
          "camera_positions",
          "camera_positions.unknown",
          `camera_positions must be a list of positions (${listWords(CameraPositions)}), got ${quote(raw)}`
        ))
      } else if (raw.length === 0) {
        violations.push(violation(
          "camera_positions",
          "camera_positions.empty",
          "camera_positions must not be empty: omit it to recall every available camera"
        ))
      } else {
        raw.forEach((p: unknown, i) => {
          if (!isCameraPosition(p)) {
            violations.push(violation(
              `camera_positions[${i}]`,
              "camera_positions.unknown",
              `${quote(p)} is not a camera position: use ${listWords(CameraPositions)}`
            ))
          } else if (isAsset && cameraPositionInfo[p].vehicleOnly) {
            violations.push(violation(
              `camera_positions[${i}]`,
              "camera_positions.dashcam_on_asset",
              `${p} is a Dashcam position, and assets carry only Omnicams (side_left, side_right, rear)`
            ))
          }
        })
        cameraPositions = Arr.dedupe(raw.filter(isCameraPosition))
      }
    }

    // Start time: ISO 8601 with an offset, and no future footage (seed: "cannot refer to future footage").
    let startTime: DateTime.Utc | undefined
    const rawStart = loose.startTime
    if (typeof rawStart !== "string" || rawStart.trim() === "") {
      violations.push(violation(
        "start_time",
        "start_time.invalid",
        rawStart === undefined
          ? "start_time is required: give an ISO 8601 timestamp with an offset, e.g. 2026-11-24T09:30:00Z"
          : `start_time ${quote(rawStart)} is not an ISO 8601 timestamp`
      ))
    } else {
      const parsed = parseTimestamp(rawStart)
      if (Either.isLeft(parsed)) {
        violations.push(
          parsed.left === "no_offset"
            ? violation(
              "start_time",
              "start_time.no_offset",
              `start_time ${quote(rawStart)} has no UTC offset: add Z or ±hh:mm so the instant is unambiguous`
            )
            : violation(
              "start_time",
              "start_time.invalid",
              `start_time ${quote(rawStart)} is not an ISO 8601 timestamp (e.g. 2026-11-24T09:30:00Z)`
            )
        )
      } else {
        startTime = parsed.right
        const now = yield* DateTime.now
        if (DateTime.greaterThan(startTime, now)) {
          violations.push(violation(
            "start_time",
            "start_time.future",
            `start_time ${formatTimestamp(startTime)} is in the future (now is ${
              formatTimestamp(now)
            }): footage that has not been recorded cannot be recalled`
          ))
        } else if (durationOk && duration !== undefined) {
          const end = DateTime.add(startTime, { minutes: duration })
          if (DateTime.greaterThan(end, now)) {
            violations.push(violation(
              "start_time",
              "window.ends_in_future",
              `the window ${formatTimestamp(startTime)} + ${duration} min ends at ${formatTimestamp(end)}, after now (${
                formatTimestamp(now)
              }): start earlier or shorten it`
            ))
          }
        }
      }
    }

    if (Arr.isNonEmptyArray(violations)) return yield* new RecallValidationError({ violations })
    return new VideoRecallRequest({
      target: vehicleNumber !== undefined
        ? VehicleByNumber.make({ number: vehicleNumber })
        : AssetByName.make({ name: assetName! }),
      startTime: startTime!,
      durationMinutes: duration!,
      recallType: recallType!,
      ...(cameraPositions !== undefined && Arr.isNonEmptyArray(cameraPositions) ? { cameraPositions } : {})
    })
  })

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

/**
 * The wire body decoded into a {@link VideoRecallRequest} and back, for a body already known to be valid
 * (time rules need a `Clock`: use {@link validateVideoRecall} for received input).
 *
 * @since 0.1.0
 */
export const VideoRecallRequestFromBody = Schema.transformOrFail(VideoRecallRequestBody, VideoRecallRequest, {
  strict: true,
  decode: (body, _, ast) => {
    const target: Option.Option<RecallTarget> = body.vehicle_number !== undefined && body.asset_name === undefined
      ? Option.some(VehicleByNumber.make({ number: body.vehicle_number }))
      : body.asset_name !== undefined && body.vehicle_number === undefined
      ? Option.some(AssetByName.make({ name: body.asset_name }))
      : Option.none()
    const start = parseTimestamp(body.start_time)
    if (Option.isNone(target)) {
      return ParseResult.fail(new ParseResult.Type(ast, body, "exactly one of vehicle_number or asset_name"))
    }
    if (Either.isLeft(start)) return ParseResult.fail(new ParseResult.Type(ast, body, "start_time"))
    return ParseResult.succeed(
      {
        target: target.value,
        startTime: start.right,
        durationMinutes: body.duration,
        recallType: body.recall_type ?? defaultRecallType,
        ...(body.camera_positions !== undefined ? { cameraPositions: body.camera_positions } : {})
      } as const
    )
  },
  encode: (request) => ParseResult.succeed(encodeVideoRecallBody(new VideoRecallRequest(request)))
})
