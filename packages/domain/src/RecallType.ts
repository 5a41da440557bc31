/**
 * Video recall types and the durations each allows.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * The supported `recall_type` values (seed: "Supported recall_type values are regular and timelapse").
 *
 * @since 0.1.0
 */
export const RecallTypes = ["regular", "timelapse"] as const

/**
 * A video recall type.
 *
 * @since 0.1.0
 */
export const RecallType = Schema.Literal(...RecallTypes).annotations({ identifier: "RecallType" })

/**
 * @since 0.1.0
 */
export type RecallType = typeof RecallType.Type

/**
 * `recall_type` when the caller gives none [assumed default, `motive-api.md`].
 *
 * @since 0.1.0
 */
export const defaultRecallType: RecallType = "regular"

/**
 * Allowed durations in whole minutes per recall type (seed: "Supported durations").
 *
 * @since 0.1.0
 */
export const allowedDurations: { readonly [T in RecallType]: ReadonlyArray<number> } = {
  regular: [1, 2, 3],
  timelapse: [5, 10, 15, 30, 45, 60]
}

/**
 * Longest recall a smart dashcam serves, in minutes (seed: "Smart dashcam recalls are limited to 1 minute").
 *
 * @since 0.1.0
 */
export const smartDashcamMaxMinutes = 1

/**
 * Whether `minutes` is an allowed duration for `recallType`.
 *
 * @since 0.1.0
 */
export const isAllowedDuration = (recallType: RecallType, minutes: number): boolean =>
  allowedDurations[recallType].includes(minutes)

/**
 * Narrows an arbitrary value to a recall type.
 *
 * @since 0.1.0
 */
export const isRecallType: (u: unknown) => u is RecallType = Schema.is(RecallType)
