/**
 * Branded identifiers, so a vehicle id can never be passed where a recall id is expected.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * Motive's numeric id of a vehicle.
 *
 * @since 0.1.0
 */
export const VehicleId = Schema.Int.pipe(Schema.positive(), Schema.brand("VehicleId"))
/** @since 0.1.0 */
export type VehicleId = typeof VehicleId.Type

/**
 * Motive's numeric id of an asset (trailer, equipment).
 *
 * @since 0.1.0
 */
export const AssetId = Schema.Int.pipe(Schema.positive(), Schema.brand("AssetId"))
/** @since 0.1.0 */
export type AssetId = typeof AssetId.Type

/**
 * The `id` of a video recall request.
 *
 * @since 0.1.0
 */
export const RecallId = Schema.Int.pipe(Schema.positive(), Schema.brand("RecallId"))
/** @since 0.1.0 */
export type RecallId = typeof RecallId.Type

/**
 * The `request_id` of an image capture request.
 *
 * @since 0.1.0
 */
export const ImageCaptureId = Schema.Int.pipe(Schema.positive(), Schema.brand("ImageCaptureId"))
/** @since 0.1.0 */
export type ImageCaptureId = typeof ImageCaptureId.Type

/**
 * A recall id as the docs write it in a path (a string) or as the body carries it (an integer): accepts both. A
 * string is decimal digits only: `"0x10"` or `"1e2"` is no id (JavaScript's `Number` would read them as 16 and 100).
 *
 * @since 0.1.0
 */
export const RecallIdFromAny = Schema.Union(
  RecallId,
  Schema.compose(
    Schema.String.pipe(
      Schema.pattern(/^\d+$/, { message: () => "an id given as a string must be decimal digits" }),
      Schema.compose(Schema.NumberFromString)
    ),
    RecallId
  )
)

/**
 * Reads a positive whole number from a number or a decimal string (as a flag or a JSON file gives it).
 *
 * @since 0.1.0
 */
export const parsePositiveInt = (u: unknown): number | undefined => {
  const n = typeof u === "number" ? u : typeof u === "string" && /^\s*\d+\s*$/.test(u) ? Number(u) : NaN
  return Number.isSafeInteger(n) && n > 0 ? n : undefined
}
