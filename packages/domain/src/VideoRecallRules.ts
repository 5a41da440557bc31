/**
 * The rules of a video recall request, one value each, and the validator that folds over them. The sandbox
 * applies the same table, so the client and the emulator refuse exactly the same requests.
 *
 * @since 0.1.0
 */
import { Array as Arr, DateTime, Effect, Either } from "effect"
import { cameraPositionInfo, CameraPositions, isCameraPosition } from "./CameraPosition.js"
import { givenFields } from "./internal/fields.js"
import { isMissing, listWords, nonBlank, quote } from "./internal/words.js"
import {
  allowedDurations,
  defaultRecallType,
  isAllowedDuration,
  isRecallType,
  type RecallType,
  RecallTypes,
  smartDashcamMaxMinutes
} from "./RecallType.js"
import { formatTimestamp, parseTimestamp, type TimestampProblem } from "./Timestamp.js"
import {
  AssetByName,
  type LooseVideoRecallInput,
  VehicleByNumber,
  type VideoRecallInput,
  type VideoRecallOptions,
  VideoRecallRequest
} from "./VideoRecallRequest.js"
import { RecallValidationError, type Rule, violationsOf, when } from "./Violation.js"

/**
 * A recall request read once, for the rules: each field as given and as understood, and "now".
 *
 * @since 0.1.0
 */
export interface RecallFacts {
  readonly input: LooseVideoRecallInput
  readonly options: VideoRecallOptions
  readonly vehicleNumber: string | undefined
  readonly assetName: string | undefined
  /** Only an asset was named. */
  readonly isAsset: boolean
  readonly rawType: unknown
  readonly recallType: RecallType | undefined
  readonly duration: number | undefined
  /** The duration is one of those allowed for the recall type (any type's, when the type is unknown). */
  readonly durationOk: boolean
  /** The start time: absent or blank (`undefined`), not understood, or the instant. */
  readonly start: Either.Either<DateTime.Utc, TimestampProblem> | undefined
  readonly now: DateTime.Utc
}

/** A number, or a string of digits ("2", not "0x2", "2e0" or "2.0"). */
const parseDuration = (u: unknown): number | undefined => {
  const n = typeof u === "number" ? u : typeof u === "string" && /^\s*\d+\s*$/.test(u) ? Number(u) : NaN
  return Number.isFinite(n) ? n : undefined
}

const allAllowedDurations = Arr.dedupe(RecallTypes.flatMap((t) => allowedDurations[t]))

/**
 * Reads the facts the rules check.
 *
 * @since 0.1.0
 */
export const recallFacts = (
  input: LooseVideoRecallInput,
  options: VideoRecallOptions,
  now: DateTime.Utc
): RecallFacts => {
  const vehicleNumber = nonBlank(input.vehicleNumber)
  const assetName = nonBlank(input.assetName)
  // Not given (absent, null, blank: what an empty form field or CSV cell sends) is the default, as for the others.
  const rawType = isMissing(input.recallType) ? defaultRecallType : input.recallType
  const recallType = isRecallType(rawType) ? rawType : undefined
  const duration = parseDuration(input.duration)
  const rawStart = input.startTime
  return {
    input,
    options,
    vehicleNumber,
    assetName,
    isAsset: assetName !== undefined && vehicleNumber === undefined,
    rawType,
    recallType,
    duration,
    durationOk: duration !== undefined &&
      (recallType === undefined ? allAllowedDurations.includes(duration) : isAllowedDuration(recallType, duration)),
    start: typeof rawStart === "string" && rawStart.trim() !== "" ? parseTimestamp(rawStart) : undefined,
    now
  }
}

const allowedText = (recallType: RecallType | undefined) =>
  recallType === undefined
    ? `regular: ${listWords(allowedDurations.regular)}; timelapse: ${listWords(allowedDurations.timelapse)} minutes`
    : `${listWords(allowedDurations[recallType])} minutes for a ${recallType} recall`

const smartDashcam = (f: RecallFacts) => f.options.dashcam === "smart" && !f.isAsset

/** The list given as `camera_positions`, when it is a list. */
const positionsOf = (f: RecallFacts): ReadonlyArray<unknown> | undefined =>
  Array.isArray(f.input.cameraPositions) ? f.input.cameraPositions : undefined

const startInstant = (f: RecallFacts): DateTime.Utc | undefined =>
  f.start !== undefined && Either.isRight(f.start) ? f.start.right : undefined

/**
 * Exactly one of vehicle_number / asset_name (seed: "Provide exactly one ... but not BOTH").
 *
 * @since 0.1.0
 */
export const entityExactlyOne: Rule<RecallFacts> = {
  code: "entity.exactly_one",
  field: "vehicle_number",
  check: (f) =>
    f.vehicleNumber !== undefined && f.assetName !== undefined
      ? [{
        message: `give exactly one of vehicle_number or asset_name, not both (got vehicle_number ${
          quote(f.vehicleNumber)
        } and asset_name ${quote(f.assetName)})`
      }]
      : when(
        f.vehicleNumber === undefined && f.assetName === undefined,
        () => {
          // A value that is no text (an untyped caller's `true`, an object) was given, but cannot name an entity.
          const unusable = (["vehicleNumber", "assetName"] as const).filter((k) => !isMissing(f.input[k]))
          // Blank text (an empty flag or cell) is not given; said as blank, which is what the caller sees.
          const blank = (["vehicleNumber", "assetName"] as const).filter((k) =>
            typeof f.input[k] === "string" && (f.input[k] as string).trim() === ""
          ).map((k) => k === "vehicleNumber" ? "vehicle_number" : "asset_name")
          return unusable.length === 0
            ? blank.length === 0
              ? "give exactly one of vehicle_number or asset_name (neither was given)"
              : `give exactly one of vehicle_number or asset_name (${blank.join(" and ")} ${
                blank.length === 1 ? "is" : "are"
              } blank)`
            : `give exactly one of vehicle_number or asset_name as text (${
              unusable.map((k) => `${k === "vehicleNumber" ? "vehicle_number" : "asset_name"} is ${quote(f.input[k])}`)
                .join(", ")
            })`
        }
      )
}

/**
 * Supported recall_type values are regular and timelapse (seed).
 *
 * @since 0.1.0
 */
export const recallTypeKnown: Rule<RecallFacts> = {
  code: "recall_type.unknown",
  field: "recall_type",
  check: (f) =>
    when(
      f.recallType === undefined,
      () => `recall_type ${quote(f.rawType)} is not supported: use ${listWords(RecallTypes)}`
    )
}

/**
 * A duration is given (seed: `duration` is required).
 *
 * @since 0.1.0
 */
export const durationGiven: Rule<RecallFacts> = {
  code: "duration.required",
  field: "duration",
  check: (f) => when(isMissing(f.input.duration), () => `duration is required (${allowedText(f.recallType)})`)
}

/**
 * The duration in whole minutes, from the list for the recall type (seed: "Supported durations").
 *
 * @since 0.1.0
 */
export const durationAllowed: Rule<RecallFacts> = {
  code: "duration.not_allowed",
  field: "duration",
  check: (f) =>
    when(!isMissing(f.input.duration) && !f.durationOk, () =>
      f.recallType === undefined
        ? `duration ${quote(f.input.duration)} is not an allowed number of minutes (${allowedText(undefined)})`
        : `duration ${quote(f.input.duration)} is not allowed for a ${f.recallType} recall: use ${
          listWords(allowedDurations[f.recallType])
        } minutes`)
}

/**
 * Timelapse is not supported on smart dashcams (seed).
 *
 * @since 0.1.0
 */
export const smartDashcamNoTimelapse: Rule<RecallFacts> = {
  code: "device.smart_dashcam_timelapse",
  field: "recall_type",
  check: (f) =>
    when(
      smartDashcam(f) && f.recallType === "timelapse",
      () => "timelapse is not supported on smart dashcams: use a regular recall"
    )
}

/**
 * Smart-dashcam recalls are limited to one minute (seed).
 *
 * @since 0.1.0
 */
export const smartDashcamDuration: Rule<RecallFacts> = {
  code: "device.smart_dashcam_duration",
  field: "duration",
  check: (f) =>
    when(
      smartDashcam(f) && f.recallType === "regular" && f.duration !== undefined && f.duration > smartDashcamMaxMinutes,
      () => `smart dashcam recalls are limited to ${smartDashcamMaxMinutes} minute (got ${quote(f.duration)})`
    )
}

/**
 * Camera positions come from the table; anything else is refused (seed: "Important info - Camera Positions").
 *
 * @since 0.1.0
 */
export const cameraPositionsKnown: Rule<RecallFacts> = {
  code: "camera_positions.unknown",
  field: "camera_positions",
  check: (f) => {
    const raw = f.input.cameraPositions
    if (raw === undefined) return []
    const list = positionsOf(f)
    if (list === undefined) {
      return [{
        message: `camera_positions must be a list of positions (${listWords(CameraPositions)}), got ${quote(raw)}`
      }]
    }
    return list.flatMap((p, i) =>
      isCameraPosition(p) ? [] : [{
        path: `camera_positions[${i}]`,
        message: `${quote(p)} is not a camera position: use ${listWords(CameraPositions)}`
      }]
    )
  }
}

/**
 * An empty list is refused: omit it to recall every available camera (seed: `[]` → 400).
 *
 * @since 0.1.0
 */
export const cameraPositionsNotEmpty: Rule<RecallFacts> = {
  code: "camera_positions.empty",
  field: "camera_positions",
  check: (f) =>
    when(
      positionsOf(f)?.length === 0,
      () => "camera_positions must not be empty: omit it to recall every available camera"
    )
}

/**
 * Assets carry only Omnicams, so a Dashcam position on an asset recall is refused [assumed, `motive-api.md`].
 *
 * @since 0.1.0
 */
export const noDashcamOnAsset: Rule<RecallFacts> = {
  code: "camera_positions.dashcam_on_asset",
  field: "camera_positions",
  check: (f) =>
    f.isAsset
      ? (positionsOf(f) ?? []).flatMap((p, i) =>
        isCameraPosition(p) && cameraPositionInfo[p].vehicleOnly
          ? [{
            path: `camera_positions[${i}]`,
            message: `${p} is a Dashcam position, and assets carry only Omnicams (side_left, side_right, rear)`
          }]
          : []
      )
      : []
}

/**
 * A start_time is given (seed: `start_time` is required).
 *
 * @since 0.1.0
 */
export const startTimeGiven: Rule<RecallFacts> = {
  code: "start_time.required",
  field: "start_time",
  check: (f) =>
    when(
      isMissing(f.input.startTime),
      () => "start_time is required: give an ISO 8601 timestamp with an offset, e.g. 2026-11-24T09:30:00Z"
    )
}

/**
 * start_time is an ISO 8601 timestamp.
 *
 * @since 0.1.0
 */
export const startTimeReadable: Rule<RecallFacts> = {
  code: "start_time.invalid",
  field: "start_time",
  check: (f) => {
    const raw = f.input.startTime
    if (isMissing(raw)) return []
    if (typeof raw !== "string") {
      return [{
        message:
          `start_time must be a string, an ISO 8601 timestamp with an offset (DateTime.formatIso gives one); got ${
            quote(raw)
          }`
      }]
    }
    const form = "(a calendar date and time, e.g. 2026-11-24T09:30:00Z or 20261124T093000Z)"
    if (f.start === undefined) return [{ message: `start_time ${quote(raw)} is not an ISO 8601 timestamp ${form}` }]
    return when(
      Either.isLeft(f.start) && f.start.left !== "no_offset",
      () => `start_time ${quote(raw)} is not an ISO 8601 timestamp ${form}`
    )
  }
}

/**
 * start_time carries an offset (`Z` or `±hh:mm`): without one the instant is ambiguous [assumed].
 *
 * @since 0.1.0
 */
export const startTimeHasOffset: Rule<RecallFacts> = {
  code: "start_time.no_offset",
  field: "start_time",
  check: (f) =>
    when(
      f.start !== undefined && Either.isLeft(f.start) && f.start.left === "no_offset",
      () => `start_time ${quote(f.input.startTime)} has no UTC offset: add Z or ±hh:mm so the instant is unambiguous`
    )
}

/**
 * The window cannot start in the future (seed: "cannot refer to future footage").
 *
 * @since 0.1.0
 */
export const startNotInFuture: Rule<RecallFacts> = {
  code: "start_time.future",
  field: "start_time",
  check: (f) => {
    const start = startInstant(f)
    return when(
      start !== undefined && DateTime.greaterThan(start, f.now),
      () =>
        `start_time ${formatTimestamp(start!)} is in the future (now is ${
          formatTimestamp(f.now)
        }): footage that has not been recorded cannot be recalled`
    )
  }
}

/**
 * Nor end after now: `start_time + duration` must not be after now [assumed, from the same rule].
 *
 * @since 0.1.0
 */
export const windowNotInFuture: Rule<RecallFacts> = {
  code: "window.ends_in_future",
  field: "start_time",
  check: (f) => {
    const start = startInstant(f)
    if (start === undefined || DateTime.greaterThan(start, f.now) || !f.durationOk || f.duration === undefined) {
      return []
    }
    const end = DateTime.add(start, { minutes: f.duration })
    return when(
      DateTime.greaterThan(end, f.now),
      () =>
        `the window ${formatTimestamp(start)} + ${f.duration} min ends at ${formatTimestamp(end)}, after now (${
          formatTimestamp(f.now)
        }): start earlier or shorten it`
    )
  }
}

/**
 * Every rule of a video recall request, in the order their violations are reported.
 *
 * @since 0.1.0
 */
export const videoRecallRules: ReadonlyArray<Rule<RecallFacts>> = [
  entityExactlyOne,
  recallTypeKnown,
  durationGiven,
  durationAllowed,
  smartDashcamNoTimelapse,
  smartDashcamDuration,
  cameraPositionsKnown,
  cameraPositionsNotEmpty,
  noDashcamOnAsset,
  startTimeGiven,
  startTimeReadable,
  startTimeHasOffset,
  startNotInFuture,
  windowNotInFuture
]

/** A built request as the input it stands for, so that it meets the same rules (its constructor checks types only). */
const inputOf = (request: VideoRecallRequest): VideoRecallInput => ({
  ...(request.target._tag === "vehicle"
    ? { vehicleNumber: request.target.number }
    : { assetName: request.target.name }),
  startTime: DateTime.formatIso(request.startTime),
  duration: request.durationMinutes,
  recallType: request.recallType,
  ...(request.cameraPositions !== undefined ? { cameraPositions: request.cameraPositions } : {})
})

/**
 * Checks a recall request against every rule of {@link videoRecallRules}, reading "now" from the `Clock`.
 * Fails with all violations at once; succeeds with a request that can be sent as is. Repeated positions are
 * kept once; a value that is not an object is a request with no fields. A `VideoRecallRequest` built with `new`
 * is checked too: its constructor checks only the types.
 *
 * @since 0.1.0
 */
export const validateVideoRecall = (
  input: VideoRecallRequest | VideoRecallInput | LooseVideoRecallInput,
  options: VideoRecallOptions = {}
): Effect.Effect<VideoRecallRequest, RecallValidationError> =>
  Effect.flatMap(DateTime.now, (now) => {
    const facts = recallFacts(input instanceof VideoRecallRequest ? inputOf(input) : givenFields(input), options, now)
    const violations = violationsOf(videoRecallRules, facts)
    if (Arr.isNonEmptyArray(violations)) return Effect.fail(new RecallValidationError({ violations }))
    // Every rule holds, so each field below is present and understood.
    const positions = Arr.dedupe((positionsOf(facts) ?? []).filter(isCameraPosition))
    return Effect.succeed(
      new VideoRecallRequest({
        target: facts.vehicleNumber !== undefined
          ? VehicleByNumber.make({ number: facts.vehicleNumber })
          : AssetByName.make({ name: facts.assetName! }),
        startTime: startInstant(facts)!,
        durationMinutes: facts.duration!,
        recallType: facts.recallType!,
        ...(Arr.isNonEmptyArray(positions) ? { cameraPositions: positions } : {})
      })
    )
  })
