/**
 * Failures the command itself detects, before any call to Motive.
 *
 * @since 0.1.0
 */
import { Violation } from "@effect-motive/domain"
import { Schema } from "effect"

/**
 * A flag's value is unusable (a bad duration, time or number), or the flags contradict each other.
 *
 * @since 0.1.0
 */
export class InvalidInput extends Schema.TaggedError<InvalidInput>()("InvalidInput", {
  message: Schema.String,
  violations: Schema.optionalWith(Schema.Array(Violation), { default: () => [] })
}) {}

/**
 * No credentials were given and `--sandbox` was not asked for.
 *
 * @since 0.1.0
 */
export class MissingCredentials extends Schema.TaggedError<MissingCredentials>()("MissingCredentials", {
  message: Schema.String
}) {}

/**
 * A webhook body's signature does not match.
 *
 * @since 0.1.0
 */
export class InvalidSignature extends Schema.TaggedError<InvalidSignature>()("InvalidSignature", {
  message: Schema.String
}) {}

/**
 * The built-in sandbox could not start (for `--sandbox`, `demo`, `sandbox`): typically a port in use.
 *
 * @since 0.1.0
 */
export class SandboxFailed extends Schema.TaggedError<SandboxFailed>()("SandboxFailed", {
  message: Schema.String
}) {}

/**
 * A failure after Motive accepted a request (while waiting or downloading): the request exists and can be
 * picked up again by its id, so the id is reported with the failure.
 *
 * @since 0.1.0
 */
export class AfterRequest extends Schema.TaggedError<AfterRequest>()("AfterRequest", {
  kind: Schema.Literal("video_recall", "image_capture"),
  id: Schema.Number,
  /** What to run to pick it up again. */
  resume: Schema.String,
  failure: Schema.Unknown
}) {}

/**
 * Every failure of the CLI's own.
 *
 * @since 0.1.0
 */
export type CliError = InvalidInput | MissingCredentials | InvalidSignature | SandboxFailed | AfterRequest
