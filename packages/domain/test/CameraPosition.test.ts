import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import {
  CameraPosition,
  cameraPositionInfo,
  CameraPositions,
  cameraTypeOf,
  isCameraPosition,
  positionsOfType
} from "../src/index.js"

describe("CameraPosition", () => {
  it("knows exactly the six documented positions", () => {
    expect([...CameraPositions].sort()).toEqual(
      ["driver_facing", "front_facing", "front_narrow_facing", "rear", "side_left", "side_right"]
    )
    expect(isCameraPosition("roof")).toBe(false)
    expect(Schema.decodeUnknownEither(CameraPosition)("front_facing")._tag).toBe("Right")
  })

  it("maps front, driver and narrow-front to the Dashcam and the sides and rear to the Omnicam", () => {
    expect(positionsOfType("dashcam")).toEqual(["front_facing", "driver_facing", "front_narrow_facing"])
    expect(positionsOfType("omnicam")).toEqual(["side_left", "side_right", "rear"])
    expect(cameraTypeOf("rear")).toBe("omnicam")
  })

  it("keeps Dashcam positions to vehicles and offers Omnicam positions on vehicles and assets", () => {
    for (const p of CameraPositions) {
      expect(cameraPositionInfo[p].vehicleOnly).toBe(cameraPositionInfo[p].cameraType === "dashcam")
    }
  })

  it("does not offer front_narrow_facing to image capture", () => {
    expect(CameraPositions.filter((p) => !cameraPositionInfo[p].imageCapture)).toEqual(["front_narrow_facing"])
  })
})
