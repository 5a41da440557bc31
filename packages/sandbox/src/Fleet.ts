/**
 * The sandbox's fleet: which vehicles and assets exist, which cameras they carry, and when they have video.
 *
 * @since 0.1.0
 */
import type { CameraPosition } from "@effect-motive/domain"

/**
 * A span of time during which an entity recorded no video, in minutes before the fleet was set up (the sandbox
 * clock's now when the sandbox started, or when its fleet or clock was last replaced): fixed in time, as recorded
 * video is, while retention rolls on with the clock.
 *
 * @since 0.1.0
 */
export interface VideoGap {
  /** Start of the gap, in minutes before the fleet was set up (the larger number). */
  readonly fromMinutesAgo: number
  /** End of the gap, in minutes before the fleet was set up. */
  readonly toMinutesAgo: number
}

/**
 * A vehicle of the sandbox fleet.
 *
 * @since 0.1.0
 */
export interface SandboxVehicle {
  readonly id: number
  readonly number: string
  readonly make: string
  readonly model: string
  /** `ai` (AI Dashcam), `smart` (smart dashcam: no timelapse, at most 1 minute) or `none`. */
  readonly dashcam: "ai" | "smart" | "none"
  /** The camera positions this vehicle carries. */
  readonly cameras: ReadonlyArray<CameraPosition>
  /** Spans without video; video is otherwise available for the retention window. */
  readonly gaps?: ReadonlyArray<VideoGap>
}

/**
 * An asset of the sandbox fleet (trailer, equipment). Assets carry Omnicams only.
 *
 * @since 0.1.0
 */
export interface SandboxAsset {
  readonly id: number
  readonly name: string
  readonly type: string
  readonly cameras: ReadonlyArray<CameraPosition>
  readonly gaps?: ReadonlyArray<VideoGap>
}

/**
 * A whole fleet fixture.
 *
 * @since 0.1.0
 */
export interface SandboxFleet {
  readonly vehicles: ReadonlyArray<SandboxVehicle>
  readonly assets: ReadonlyArray<SandboxAsset>
  /** How far back video is kept, in minutes (default: 7 days). */
  readonly retentionMinutes: number
}

/**
 * The default fleet, fixed so that demos and docs are reproducible (documented in the README):
 * `TRK-101` (AI dashcam and Omnicams), `TRK-102` (AI dashcam, no Omnicam, no video from 3 h to 2 h before the sandbox started),
 * `TRK-103` (smart dashcam), asset `TRAILER-7` (Omnicams only); video for the past 7 days otherwise.
 *
 * @since 0.1.0
 */
export const defaultFleet: SandboxFleet = {
  vehicles: [
    {
      id: 101,
      number: "TRK-101",
      make: "Freightliner",
      model: "Cascadia",
      dashcam: "ai",
      cameras: ["front_facing", "driver_facing", "front_narrow_facing", "side_left", "side_right", "rear"]
    },
    {
      id: 102,
      number: "TRK-102",
      make: "Volvo",
      model: "VNL 860",
      dashcam: "ai",
      cameras: ["front_facing", "driver_facing", "front_narrow_facing"],
      gaps: [{ fromMinutesAgo: 180, toMinutesAgo: 120 }]
    },
    {
      id: 103,
      number: "TRK-103",
      make: "Ford",
      model: "Transit",
      dashcam: "smart",
      cameras: ["front_facing", "driver_facing"]
    }
  ],
  assets: [{ id: 7, name: "TRAILER-7", type: "trailer", cameras: ["side_left", "side_right", "rear"] }],
  retentionMinutes: 7 * 24 * 60
}
