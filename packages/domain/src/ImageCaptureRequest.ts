/**
 * The image capture request: its validated model, its wire body, and the rules that guard it.
 *
 * @since 0.1.0
 */
import { Array as Arr, Effect, Schema } from "effect"
import { CameraPosition, cameraPositionInfo, CameraPositions, isCameraPosition } from "./CameraPosition.js"
import { AssetId, parsePositiveInt, VehicleId } from "./Ids.js"
import { givenFields } from "./internal/fields.js"
import { isMissing, listWords, quote } from "./internal/words.js"
import { CaptureValidationError, type Rule, violationsOf, when } from "./Violation.js"

/**
 * A vehicle addressed by its numeric id, as image capture requires.
 *
 * @since 0.1.0
 */
export const VehicleById = Schema.TaggedStruct("vehicle", { id: VehicleId })

/**
 * An asset addressed by its numeric id, as image capture requires.
 *
 * @since 0.1.0
 */
export const AssetById = Schema.TaggedStruct("asset", { id: AssetId })

/**
 * Exactly one capture target.
 *
 * @since 0.1.0
 */
export const CaptureTarget = Schema.Union(VehicleById, AssetById)

/**
 * @since 0.1.0
 */
export type CaptureTarget = typeof CaptureTarget.Type

/**
 * A validated image capture request: one target, one position that image capture offers for it.
 *
 * @since 0.1.0
 */
export class ImageCaptureRequest extends Schema.Class<ImageCaptureRequest>("ImageCaptureRequest")({
  target: CaptureTarget,
  position: CameraPosition
}) {}

/**
 * The names of the entity fields of `POST /v1/image_captures`'s body [assumed: the page does not show them,
 * `motive-api.md`]. Every use (the body's schema, its encoding and reading, the rules' messages, the sandbox) takes
 * them from here, so that a correction is a change of this one line.
 *
 * @since 0.1.0
 */
export const captureEntityFields = { vehicle: "vehicle_id", asset: "asset_id" } as const

const V = captureEntityFields.vehicle
const A = captureEntityFields.asset

/**
 * The JSON body of `POST /v1/image_captures` (entity field names from {@link captureEntityFields}).
 *
 * @since 0.1.0
 */
export const ImageCaptureRequestBody = Schema.Struct({
  [V]: Schema.optional(Schema.Int),
  [A]: Schema.optional(Schema.Int),
  position: CameraPosition
})

/**
 * @since 0.1.0
 */
export type ImageCaptureRequestBody = typeof ImageCaptureRequestBody.Type

/**
 * The loose, user-facing shape of an image capture request.
 *
 * @since 0.1.0
 */
export interface ImageCaptureInput {
  readonly vehicleId?: number | string | undefined
  readonly assetId?: number | string | undefined
  readonly position?: string | undefined
}

/**
 * The same fields with any value at all, as a received JSON body has them.
 *
 * @since 0.1.0
 */
export type LooseImageCaptureInput = { readonly [K in keyof ImageCaptureInput]?: unknown }

/**
 * An image capture request read once, for the rules.
 *
 * @since 0.1.0
 */
export interface CaptureFacts {
  readonly input: LooseImageCaptureInput
  readonly vehicleGiven: boolean
  readonly assetGiven: boolean
  readonly vehicleId: number | undefined
  readonly assetId: number | undefined
}

// Blank is not given, as for a recall's vehicle_number (a form's empty field, a CSV's empty cell).
const given = (u: unknown) => !isMissing(u)

/**
 * Reads the facts the rules check.
 *
 * @since 0.1.0
 */
export const captureFacts = (input: LooseImageCaptureInput): CaptureFacts => ({
  input,
  vehicleGiven: given(input.vehicleId),
  assetGiven: given(input.assetId),
  vehicleId: given(input.vehicleId) ? parsePositiveInt(input.vehicleId) : undefined,
  assetId: given(input.assetId) ? parsePositiveInt(input.assetId) : undefined
})

const capturePositions = CameraPositions.filter((p) => cameraPositionInfo[p].imageCapture)

/**
 * Ids are positive whole numbers.
 *
 * @since 0.1.0
 */
export const idsValid: Rule<CaptureFacts> = {
  code: "entity.invalid_id",
  field: V,
  check: (f) => [
    ...(f.vehicleGiven && f.vehicleId === undefined
      ? [{ message: `${V} ${quote(f.input.vehicleId)} is not a positive whole number` }]
      : []),
    ...(f.assetGiven && f.assetId === undefined
      ? [{ path: A, message: `${A} ${quote(f.input.assetId)} is not a positive whole number` }]
      : [])
  ]
}

/**
 * Exactly one of the vehicle's or the asset's id.
 *
 * @since 0.1.0
 */
export const captureEntityExactlyOne: Rule<CaptureFacts> = {
  code: "entity.exactly_one",
  field: V,
  check: (f) =>
    f.vehicleGiven && f.assetGiven
      ? [{
        message: `give exactly one of ${V} or ${A}, not both (got ${V} ${quote(f.input.vehicleId)} and ${A} ${
          quote(f.input.assetId)
        })`
      }]
      : when(!f.vehicleGiven && !f.assetGiven, () => {
        // Blank text is not given; said as blank, which is what the caller sees (as for a recall's names).
        const blank = ([[V, f.input.vehicleId], [A, f.input.assetId]] as const)
          .filter(([, u]) => typeof u === "string")
          .map(([name]) => name)
        return blank.length === 0
          ? `give exactly one of ${V} or ${A} (neither was given)`
          : `give exactly one of ${V} or ${A} (${blank.join(" and ")} ${blank.length === 1 ? "is" : "are"} blank)`
      })
}

/**
 * A position is given (one camera per capture).
 *
 * @since 0.1.0
 */
export const positionGiven: Rule<CaptureFacts> = {
  code: "position.required",
  field: "position",
  check: (f) => when(isMissing(f.input.position), () => `position is required: use ${listWords(capturePositions)}`)
}

/**
 * The position is one of the table's (seed: the image capture "Camera Positions" table).
 *
 * @since 0.1.0
 */
export const positionKnown: Rule<CaptureFacts> = {
  code: "position.unknown",
  field: "position",
  check: (f) =>
    when(
      !isMissing(f.input.position) && !isCameraPosition(f.input.position),
      () => `${quote(f.input.position)} is not a camera position: use ${listWords(capturePositions)}`
    )
}

/**
 * Image capture does not offer every position (seed: `front_narrow_facing` is video recall only).
 *
 * @since 0.1.0
 */
export const positionOffered: Rule<CaptureFacts> = {
  code: "position.not_for_image_capture",
  field: "position",
  check: (f) =>
    when(
      isCameraPosition(f.input.position) && !cameraPositionInfo[f.input.position].imageCapture,
      () =>
        `${f.input.position} is not offered by image capture (video recall only): use ${listWords(capturePositions)}`
    )
}

/**
 * Dashcam positions are for vehicles only (seed).
 *
 * @since 0.1.0
 */
export const positionForEntity: Rule<CaptureFacts> = {
  code: "position.vehicle_only",
  field: "position",
  check: (f) => {
    const p = f.input.position
    return when(
      isCameraPosition(p) && cameraPositionInfo[p].imageCapture && f.assetGiven && !f.vehicleGiven &&
        cameraPositionInfo[p].vehicleOnly,
      () => `${p} is a Dashcam position, only available for vehicles: assets offer side_left, side_right or rear`
    )
  }
}

/**
 * Every rule of an image capture request, in the order their violations are reported.
 *
 * @since 0.1.0
 */
export const imageCaptureRules: ReadonlyArray<Rule<CaptureFacts>> = [
  idsValid,
  captureEntityExactlyOne,
  positionGiven,
  positionKnown,
  positionOffered,
  positionForEntity
]

/**
 * Checks an image capture request against every rule of {@link imageCaptureRules}; fails with all
 * violations at once. An `ImageCaptureRequest` built with `new` is checked too: its constructor checks only
 * the types. A value that is not an object is a request with no fields.
 *
 * @since 0.1.0
 */
export const validateImageCapture = (
  input: ImageCaptureRequest | ImageCaptureInput | LooseImageCaptureInput
): Effect.Effect<ImageCaptureRequest, CaptureValidationError> =>
  Effect.suspend(() => {
    const facts = captureFacts(
      input instanceof ImageCaptureRequest
        ? {
          ...(input.target._tag === "vehicle" ? { vehicleId: input.target.id } : { assetId: input.target.id }),
          position: input.position
        }
        : givenFields(input)
    )
    const violations = violationsOf(imageCaptureRules, facts)
    if (Arr.isNonEmptyArray(violations)) return Effect.fail(new CaptureValidationError({ violations }))
    const position = facts.input.position
    // Every rule holds, so exactly one id is present and valid, and the position is one image capture offers.
    return isCameraPosition(position)
      ? Effect.succeed(
        new ImageCaptureRequest({
          target: facts.vehicleId !== undefined
            ? VehicleById.make({ id: VehicleId.make(facts.vehicleId) })
            : AssetById.make({ id: AssetId.make(facts.assetId!) }),
          position
        })
      )
      : Effect.dieMessage("validateImageCapture: a position passed the rules without being one")
  })

/**
 * The exact JSON body sent for a validated request.
 *
 * @since 0.1.0
 */
export const encodeImageCaptureBody = (request: ImageCaptureRequest): ImageCaptureRequestBody => ({
  ...(request.target._tag === "vehicle" ? { [V]: request.target.id } : { [A]: request.target.id }),
  position: request.position
})

/**
 * Reads a received wire body (any shape) into the loose input the rules check.
 *
 * @since 0.1.0
 */
export const imageCaptureInputFromBody = (body: unknown): LooseImageCaptureInput => {
  const b: Record<string, unknown> = typeof body === "object" && body !== null && !Array.isArray(body)
    ? { ...body }
    : {}
  return { vehicleId: b[V], assetId: b[A], position: b.position }
}
