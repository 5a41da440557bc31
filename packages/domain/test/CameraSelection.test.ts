import { describe, expect, it } from "@effect/vitest"
import { cameraSelection } from "../src/index.js"

describe("cameraSelection", () => {
  it("recalls every available camera when no positions are given", () => {
    expect(cameraSelection()).toEqual({ mode: "all", roadFacingOnly: false })
  })

  it("ignores Omnicam footage when only Dashcam positions are given", () => {
    expect(cameraSelection(["front_facing", "driver_facing"])).toEqual({ mode: "dashcam_only", roadFacingOnly: false })
  })

  it("ignores Dashcam footage when only Omnicam positions are given", () => {
    expect(cameraSelection(["side_left", "rear"])).toEqual({ mode: "omnicam_only", roadFacingOnly: false })
  })

  it("filters both devices when the positions mix them", () => {
    expect(cameraSelection(["driver_facing", "rear"])).toEqual({ mode: "mixed", roadFacingOnly: false })
  })

  it("is road_facing_only when front_facing is given without driver_facing", () => {
    expect(cameraSelection(["front_facing"])).toEqual({ mode: "dashcam_only", roadFacingOnly: true })
    expect(cameraSelection(["front_facing", "side_left"])).toEqual({ mode: "mixed", roadFacingOnly: true })
    expect(cameraSelection(["front_narrow_facing"]).roadFacingOnly).toBe(false)
  })
})
