/**
 * Camera positions of Motive's Dashcams and Omnicams, and the facts the API attaches to each.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * The six camera positions Motive knows (both seed pages, "Camera Positions").
 *
 * @since 0.1.0
 */
export const CameraPositions = [
  "front_facing",
  "driver_facing",
  "front_narrow_facing",
  "side_left",
  "side_right",
  "rear"
] as const

/**
 * A camera position, as sent on the wire.
 *
 * @since 0.1.0
 */
export const CameraPosition = Schema.Literal(...CameraPositions).annotations({
  identifier: "CameraPosition",
  description: "A Motive camera position"
})

/**
 * @since 0.1.0
 */
export type CameraPosition = typeof CameraPosition.Type

/**
 * The two kinds of camera device. The API spells them in lower case (`dashcam`, `omnicam`).
 *
 * @since 0.1.0
 */
export const CameraType = Schema.Literal("dashcam", "omnicam").annotations({ identifier: "CameraType" })

/**
 * @since 0.1.0
 */
export type CameraType = typeof CameraType.Type

/**
 * What Motive says about one camera position.
 *
 * @since 0.1.0
 */
export interface CameraPositionInfo {
  /** The device that carries this position. */
  readonly cameraType: CameraType
  /** Dashcams are mounted in vehicles only; Omnicams are on vehicles and assets. */
  readonly vehicleOnly: boolean
  /** Whether `POST /v1/image_captures` offers this position (`front_narrow_facing` is recall-only). */
  readonly imageCapture: boolean
  /** Plain-words description from the seed pages. */
  readonly description: string
}

/**
 * The camera position table, as data (seed pages; `motive-api.md` "Camera positions").
 *
 * @since 0.1.0
 */
export const cameraPositionInfo: { readonly [P in CameraPosition]: CameraPositionInfo } = {
  front_facing: {
    cameraType: "dashcam",
    vehicleOnly: true,
    imageCapture: true,
    description: "Road-facing camera"
  },
  driver_facing: {
    cameraType: "dashcam",
    vehicleOnly: true,
    imageCapture: true,
    description: "In-cab, driver-facing camera"
  },
  front_narrow_facing: {
    cameraType: "dashcam",
    vehicleOnly: true,
    imageCapture: false,
    description: "Narrow field-of-view road-facing camera"
  },
  side_left: {
    cameraType: "omnicam",
    vehicleOnly: false,
    imageCapture: true,
    description: "Left-side exterior camera"
  },
  side_right: {
    cameraType: "omnicam",
    vehicleOnly: false,
    imageCapture: true,
    description: "Right-side exterior camera"
  },
  rear: {
    cameraType: "omnicam",
    vehicleOnly: false,
    imageCapture: true,
    description: "Rear exterior camera"
  }
}

/**
 * Narrows an arbitrary string to a known camera position.
 *
 * @since 0.1.0
 */
export const isCameraPosition: (u: unknown) => u is CameraPosition = Schema.is(CameraPosition)

/**
 * The camera type carrying a position.
 *
 * @since 0.1.0
 */
export const cameraTypeOf = (position: CameraPosition): CameraType => cameraPositionInfo[position].cameraType

/**
 * The positions a device of the given type carries.
 *
 * @since 0.1.0
 */
export const positionsOfType = (cameraType: CameraType): ReadonlyArray<CameraPosition> =>
  CameraPositions.filter((p) => cameraPositionInfo[p].cameraType === cameraType)
