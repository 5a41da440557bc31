/**
 * What footage Motive returns for a `camera_positions` choice (seed: "Important info - Camera Positions").
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { type CameraPosition, cameraTypeOf } from "./CameraPosition.js"

/**
 * `all`: no positions given, every available camera. `dashcam_only` / `omnicam_only`: the other device's
 * footage is ignored. `mixed`: both devices, filtered to the positions given.
 *
 * @since 0.1.0
 */
export const CameraSelectionMode = Schema.Literal("all", "dashcam_only", "omnicam_only", "mixed")

/**
 * @since 0.1.0
 */
export type CameraSelectionMode = typeof CameraSelectionMode.Type

/**
 * The derived selection: the mode, and whether the Dashcam runs in `road_facing_only` mode
 * (`front_facing` without `driver_facing`).
 *
 * @since 0.1.0
 */
export interface CameraSelection {
  readonly mode: CameraSelectionMode
  readonly roadFacingOnly: boolean
}

/**
 * Derives what Motive will return for the given positions (omitted: every available camera).
 *
 * @since 0.1.0
 */
export const cameraSelection = (positions?: ReadonlyArray<CameraPosition>): CameraSelection => {
  if (positions === undefined || positions.length === 0) return { mode: "all", roadFacingOnly: false }
  const dashcam = positions.some((p) => cameraTypeOf(p) === "dashcam")
  const omnicam = positions.some((p) => cameraTypeOf(p) === "omnicam")
  return {
    mode: dashcam && omnicam ? "mixed" : dashcam ? "dashcam_only" : "omnicam_only",
    roadFacingOnly: positions.includes("front_facing") && !positions.includes("driver_facing")
  }
}
