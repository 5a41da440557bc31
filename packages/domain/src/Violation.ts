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
  "start_time.required",
  "start_time.invalid",
  "start_time.no_offset",
  "start_time.future",
  "window.ends_in_future",
  "window.end_before_start",
  "end_time.invalid",
  "duration.required",
  "duration.not_allowed",
  "recall_type.unknown",
  "camera_positions.empty",
  "camera_positions.unknown",
  "camera_positions.dashcam_on_asset",
  "device.smart_dashcam_timelapse",
  "device.smart_dashcam_duration",
  "position.required",
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

/**
 * What one broken rule says: its message, and the wire field when it is more precise than the rule's own
 * (`camera_positions[1]`).
 *
 * @since 0.1.0
 */
export interface Finding {
  readonly message: string
  readonly path?: string
}

/**
 * One documented rule as a value: its code, the wire field it guards, and a check that returns what is wrong
 * with the facts (nothing when the rule holds). Validators fold over a table of these.
 *
 * @since 0.1.0
 */
export interface Rule<Facts> {
  readonly code: RuleCode
  readonly field: string
  readonly check: (facts: Facts) => ReadonlyArray<Finding>
}

/**
 * A finding when `broken` holds, none otherwise.
 *
 * @since 0.1.0
 */
export const when = (broken: boolean, message: () => string): ReadonlyArray<Finding> =>
  broken ? [{ message: message() }] : []

/**
 * Every violation of every rule in `rules`, in the table's order.
 *
 * @since 0.1.0
 */
export const violationsOf = <Facts>(rules: ReadonlyArray<Rule<Facts>>, facts: Facts): Array<Violation> =>
  rules.flatMap((rule) => rule.check(facts).map((f) => violation(f.path ?? rule.field, rule.code, f.message)))
