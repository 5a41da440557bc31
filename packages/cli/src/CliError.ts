/**
 * Failures the command itself detects, before any call to Motive.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * One broken rule: where (a field, or a file's row and column, as `path` and, for a file, also `row` and
 * `field`), the rule code, and a message.
 *
 * @since 0.1.0
 */
export const Problem = Schema.Struct({
  path: Schema.String,
  rule: Schema.String,
  message: Schema.String,
  row: Schema.optional(Schema.Number),
  field: Schema.optional(Schema.String)
})

/**
 * A flag's value is unusable (a bad duration, time or number), or the flags contradict each other.
 *
 * @since 0.1.0
 */
export class InvalidInput extends Schema.TaggedError<InvalidInput>()("InvalidInput", {
  message: Schema.String,
  violations: Schema.optionalWith(Schema.Array(Problem), { default: () => [] })
}) {}

/**
 * A vehicle number or asset name that is not in the fleet listing (`motive vehicles` / `motive assets`).
 *
 * @since 0.1.0
 */
export class UnknownEntity extends Schema.TaggedError<UnknownEntity>()("UnknownEntity", {
  message: Schema.String
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
 * The jobs database (`--database`) could not be reached or set up: unavailable, as Motive can be, not a
 * mistake in the input. Its message never holds the database's password.
 *
 * @since 0.1.0
 */
export class JobsDatabaseUnavailable extends Schema.TaggedError<JobsDatabaseUnavailable>()(
  "JobsDatabaseUnavailable",
  { message: Schema.String }
) {}

/**
 * What building the jobs' layers failed with, as the CLI says it: the database unreachable is
 * {@link JobsDatabaseUnavailable}; the rest (a journal another process holds, an address in use) the user's to
 * change, {@link InvalidInput}.
 *
 * @since 0.1.0
 */
export const jobsSetupFailure = (
  e: { readonly message: string; readonly _tag?: string }
): JobsDatabaseUnavailable | InvalidInput =>
  e._tag === "DatabaseUnavailable"
    ? new JobsDatabaseUnavailable({ message: e.message })
    : new InvalidInput({ message: e.message })

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
 * A batch ran but not every row is done: `code` 6 when rows failed at Motive, 4 when rows wait for quota (or
 * the pre-flight refused the batch), 5 when rows stopped after Motive was unreachable; `summary` is the batch's
 * status (printed as the JSON error document's `summary`).
 *
 * @since 0.1.0
 */
export class BatchIncomplete extends Schema.TaggedError<BatchIncomplete>()("BatchIncomplete", {
  message: Schema.String,
  code: Schema.Literal(4, 5, 6),
  summary: Schema.optional(Schema.Unknown)
}) {}

/**
 * A recall finished without footage from a camera it asked for (or with none at all): what did arrive was
 * downloaded, and `summary` is the recall with its files (the JSON error document's `summary`). Exit 6.
 *
 * @since 0.1.0
 */
export class FootageMissing extends Schema.TaggedError<FootageMissing>()("FootageMissing", {
  message: Schema.String,
  id: Schema.Number,
  summary: Schema.optional(Schema.Unknown)
}) {}

/**
 * Every failure of the CLI's own.
 *
 * @since 0.1.0
 */
export type CliError =
  | InvalidInput
  | UnknownEntity
  | MissingCredentials
  | InvalidSignature
  | SandboxFailed
  | JobsDatabaseUnavailable
  | AfterRequest
  | BatchIncomplete
  | FootageMissing
