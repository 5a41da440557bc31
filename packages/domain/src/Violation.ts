/**
 * Rule violations and the validation errors that carry them.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * Every rule the client checks before sending a request. The codes are stable: scripts may match on them.
 *
 * @since 0.1.0
 */
export const RuleCodes = [
  "entity.exactly_one",
  "entity.invalid_id",
  "start_time.invalid",
  "start_time.no_offset",
  "start_time.future",
  "window.ends_in_future",
  "window.end_before_start",
  "duration.not_allowed",
  "recall_type.unknown",
  "camera_positions.empty",
  "camera_positions.unknown",
  "camera_positions.dashcam_on_asset",
  "device.smart_dashcam_timelapse",
  "device.smart_dashcam_duration",
  "position.unknown",
  "position.vehicle_only",
  "position.not_for_image_capture"
] as const

/**
 * A rule code.
 *
 * @since 0.1.0
 */
export const RuleCode = Schema.Literal(...RuleCodes)

/**
 * @since 0.1.0
 */
export type RuleCode = typeof RuleCode.Type

/**
 * One broken rule: the wire field it concerns (`camera_positions[1]`), the rule code, and a plain-words message.
 *
 * @since 0.1.0
 */
export class Violation extends Schema.Class<Violation>("Violation")({
  path: Schema.String,
  rule: RuleCode,
  message: Schema.String
}) {}

const describe = (violations: ReadonlyArray<Violation>): string =>
  violations.map((v) => `${v.path}: ${v.message} [${v.rule}]`).join("; ")

/**
 * A video recall request broke one or more rules; nothing was sent. Carries every violation at once.
 *
 * @since 0.1.0
 */
export class RecallValidationError extends Schema.TaggedError<RecallValidationError>()("RecallValidationError", {
  violations: Schema.NonEmptyArray(Violation)
}) {
  override get message(): string {
    return `Invalid video recall request: ${describe(this.violations)}`
  }
}

/**
 * An image capture request broke one or more rules; nothing was sent. Carries every violation at once.
 *
 * @since 0.1.0
 */
export class CaptureValidationError extends Schema.TaggedError<CaptureValidationError>()("CaptureValidationError", {
  violations: Schema.NonEmptyArray(Violation)
}) {
  override get message(): string {
    return `Invalid image capture request: ${describe(this.violations)}`
  }
}

/**
 * Builds a violation.
 *
 * @since 0.1.0
 */
export const violation = (path: string, rule: RuleCode, message: string): Violation =>
  new Violation({ path, rule, message })

/** @internal */
export const quote = (u: unknown): string => {
  try {
    return JSON.stringify(u) ?? String(u)
  } catch {
    return String(u)
  }
}

/** @internal */
export const listWords = (items: ReadonlyArray<string | number>): string =>
  items.length <= 1
    ? items.join("")
    : `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]}`
