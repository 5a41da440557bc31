/**
 * Request statuses, decoded leniently: a status string Motive adds later decodes as {@link UnknownStatus}.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * A status string the client does not know. Never terminal, so waits end on their time budget.
 *
 * @since 0.1.0
 */
export const UnknownStatus = Schema.TaggedStruct("UnknownStatus", { value: Schema.String })

/**
 * @since 0.1.0
 */
export type UnknownStatus = typeof UnknownStatus.Type

const lenient = <A extends string>(known: Schema.Schema<A>) =>
  Schema.Union(
    known,
    Schema.transform(Schema.String, UnknownStatus, {
      strict: true,
      decode: (value) => UnknownStatus.make({ value }),
      encode: (status) => status.value
    })
  )

/**
 * Known statuses of a video recall request [assumed, `motive-api.md`].
 *
 * @since 0.1.0
 */
export const KnownRecallStatus = Schema.Literal("pending", "in_progress", "success", "failed")

/**
 * A video recall status: known, or unknown with its raw value kept.
 *
 * @since 0.1.0
 */
export const RecallStatus = lenient(KnownRecallStatus).annotations({ identifier: "RecallStatus" })

/**
 * @since 0.1.0
 */
export type RecallStatus = typeof RecallStatus.Type

/**
 * Known statuses of an image capture request (`pending`, `success` [docs]; `failed` [assumed]); any other is
 * kept as an unknown status, which a wait goes on polling.
 *
 * @since 0.1.0
 */
export const KnownImageCaptureStatus = Schema.Literal("pending", "success", "failed")

/**
 * An image capture status: known, or unknown with its raw value kept.
 *
 * @since 0.1.0
 */
export const ImageCaptureStatus = lenient(KnownImageCaptureStatus).annotations({ identifier: "ImageCaptureStatus" })

/**
 * @since 0.1.0
 */
export type ImageCaptureStatus = typeof ImageCaptureStatus.Type

/**
 * The statuses after which nothing changes any more.
 *
 * @since 0.1.0
 */
export const terminalStatuses: ReadonlyArray<string> = ["success", "failed"]

/**
 * Whether a recall or capture status is terminal (`success` or `failed`; an unknown status is not).
 *
 * @since 0.1.0
 */
export const isTerminalStatus = (status: RecallStatus | ImageCaptureStatus): boolean =>
  typeof status === "string" && terminalStatuses.includes(status)

/**
 * The status as its wire string (an unknown status gives its raw value).
 *
 * @since 0.1.0
 */
export const statusText = (status: RecallStatus | ImageCaptureStatus): string =>
  typeof status === "string" ? status : status.value
