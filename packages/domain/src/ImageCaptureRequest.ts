/**
 * The image capture request: its validated model, its wire body, and the rules that guard it.
 *
 * @since 0.1.0
 */
import { Array as Arr, Effect, ParseResult, Schema } from "effect"
import { CameraPosition, cameraPositionInfo, CameraPositions, isCameraPosition } from "./CameraPosition.js"
import { AssetId, parsePositiveInt, VehicleId } from "./Ids.js"
import { CaptureValidationError, listWords, quote, type Violation, violation } from "./Violation.js"

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
 * The JSON body of `POST /v1/image_captures` [assumed field names, `motive-api.md`].
 *
 * @since 0.1.0
 */
export const ImageCaptureRequestBody = Schema.Struct({
  vehicle_id: Schema.optional(Schema.Int),
  asset_id: Schema.optional(Schema.Int),
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
 * Checks an image capture request against every documented rule; fails with all violations at once.
 *
 * @since 0.1.0
 */
export const validateImageCapture = (
  input: ImageCaptureInput | LooseImageCaptureInput
): Effect.Effect<ImageCaptureRequest, CaptureValidationError> =>
  Effect.suspend(() => {
    const violations: Array<Violation> = []
    const loose: LooseImageCaptureInput = input
    const given = (u: unknown) => u !== undefined && u !== null && u !== ""

    const readId = (field: "vehicle_id" | "asset_id", raw: unknown): number | undefined => {
      if (!given(raw)) return undefined
      const id = parsePositiveInt(raw)
      if (id === undefined) {
        violations.push(violation(field, "entity.invalid_id", `${field} ${quote(raw)} is not a positive whole number`))
      }
      return id
    }
    const vehicleGiven = given(loose.vehicleId)
    const assetGiven = given(loose.assetId)
    const vehicleId = readId("vehicle_id", loose.vehicleId)
    const assetId = readId("asset_id", loose.assetId)
    if (vehicleGiven && assetGiven) {
      violations.push(violation(
        "vehicle_id",
        "entity.exactly_one",
        `give exactly one of vehicle_id or asset_id, not both (got vehicle_id ${quote(loose.vehicleId)} and asset_id ${
          quote(loose.assetId)
        })`
      ))
    } else if (!vehicleGiven && !assetGiven) {
      violations.push(violation(
        "vehicle_id",
        "entity.exactly_one",
        "give exactly one of vehicle_id or asset_id (neither was given)"
      ))
    }

    // Position (seed: the image capture "Camera Positions" table).
    const position = loose.position
    const validPosition = isCameraPosition(position) ? position : undefined
    if (validPosition === undefined) {
      violations.push(violation(
        "position",
        "position.unknown",
        position === undefined
          ? `position is required: use ${listWords(CameraPositions.filter((p) => cameraPositionInfo[p].imageCapture))}`
          : `${quote(position)} is not a camera position: use ${
            listWords(CameraPositions.filter((p) => cameraPositionInfo[p].imageCapture))
          }`
      ))
    } else if (!cameraPositionInfo[validPosition].imageCapture) {
      violations.push(violation(
        "position",
        "position.not_for_image_capture",
        `${position} is not offered by image capture (video recall only): use front_facing, driver_facing, side_left, side_right or rear`
      ))
    } else if (assetGiven && !vehicleGiven && cameraPositionInfo[validPosition].vehicleOnly) {
      violations.push(violation(
        "position",
        "position.vehicle_only",
        `${position} is a Dashcam position, only available for vehicles: assets offer side_left, side_right or rear`
      ))
    }

    // Every branch that leaves an id or the position unset has pushed a violation.
    if (Arr.isNonEmptyArray(violations)) return Effect.fail(new CaptureValidationError({ violations }))
    return Effect.succeed(
      new ImageCaptureRequest({
        target: vehicleId !== undefined
          ? VehicleById.make({ id: VehicleId.make(vehicleId) })
          : AssetById.make({ id: AssetId.make(assetId!) }),
        position: validPosition!
      })
    )
  })

/**
 * The exact JSON body sent for a validated request.
 *
 * @since 0.1.0
 */
export const encodeImageCaptureBody = (request: ImageCaptureRequest): ImageCaptureRequestBody => ({
  ...(request.target._tag === "vehicle" ? { vehicle_id: request.target.id } : { asset_id: request.target.id }),
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
  return { vehicleId: b.vehicle_id, assetId: b.asset_id, position: b.position }
}

/**
 * The wire body decoded into an {@link ImageCaptureRequest} and back.
 *
 * @since 0.1.0
 */
export const ImageCaptureRequestFromBody = Schema.transformOrFail(ImageCaptureRequestBody, ImageCaptureRequest, {
  strict: true,
  decode: (body, _, ast) =>
    body.vehicle_id !== undefined && body.asset_id === undefined
      ? ParseResult.succeed({ target: { _tag: "vehicle" as const, id: body.vehicle_id }, position: body.position })
      : body.asset_id !== undefined && body.vehicle_id === undefined
      ? ParseResult.succeed({ target: { _tag: "asset" as const, id: body.asset_id }, position: body.position })
      : ParseResult.fail(new ParseResult.Type(ast, body, "exactly one of vehicle_id or asset_id")),
  encode: (request) =>
    ParseResult.succeed(
      request.target._tag === "vehicle"
        ? { vehicle_id: request.target.id, position: request.position }
        : { asset_id: request.target.id, position: request.position }
    )
})
