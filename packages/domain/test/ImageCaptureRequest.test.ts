import { describe, expect, it } from "@effect/vitest"
import { Effect, FastCheck as fc } from "effect"
import {
  cameraPositionInfo,
  CameraPositions,
  encodeImageCaptureBody,
  type ImageCaptureInput,
  imageCaptureInputFromBody,
  validateImageCapture
} from "../src/index.js"
import { rulesOf } from "./fixtures.js"

describe("validateImageCapture", () => {
  it.effect("accepts a vehicle capture of a Dashcam position", () =>
    Effect.gen(function*() {
      const request = yield* validateImageCapture({ vehicleId: 101, position: "driver_facing" })
      expect(encodeImageCaptureBody(request)).toEqual({ vehicle_id: 101, position: "driver_facing" })
    }))

  it.effect("accepts an asset capture of an Omnicam position, with an id given as a string", () =>
    Effect.gen(function*() {
      const request = yield* validateImageCapture({ assetId: "7", position: "side_right" })
      expect(encodeImageCaptureBody(request)).toEqual({ asset_id: 7, position: "side_right" })
    }))

  it.effect("entity.exactly_one: refuses both vehicle_id and asset_id, and neither", () =>
    Effect.gen(function*() {
      expect(yield* rulesOf(validateImageCapture({ vehicleId: 1, assetId: 2, position: "rear" }))).toEqual([
        "entity.exactly_one"
      ])
      expect(yield* rulesOf(validateImageCapture({ position: "rear" }))).toEqual(["entity.exactly_one"])
    }))

  it.effect("a value that is not an object (from an untyped caller) is a request with no fields, not a thrown TypeError", () =>
    Effect.forEach([null, undefined, 101], (value) =>
      Effect.map(
        // What a JavaScript caller may pass where the types ask for an input.
        rulesOf(validateImageCapture(value as unknown as ImageCaptureInput)),
        (r) => expect(r).toEqual(["entity.exactly_one", "position.required"])
      )))

  it.effect("a blank id is not given, whatever its blanks, as a recall's blank vehicle_number is not", () =>
    Effect.gen(function*() {
      for (const blank of ["", " ", "\t"]) {
        const request = yield* validateImageCapture({ vehicleId: blank, assetId: 7, position: "rear" })
        expect(encodeImageCaptureBody(request)).toEqual({ asset_id: 7, position: "rear" })
      }
    }))

  it.effect("entity.exactly_one: a blank id alone is said to be blank, not missing", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(validateImageCapture({ vehicleId: " ", position: "rear" }))
      expect(error.violations[0]!.message).toBe("give exactly one of vehicle_id or asset_id (vehicle_id is blank)")
      const none = yield* Effect.flip(validateImageCapture({ position: "rear" }))
      expect(none.violations[0]!.message).toBe("give exactly one of vehicle_id or asset_id (neither was given)")
    }))

  it.effect("entity.invalid_id: an id must be a positive whole number", () =>
    Effect.gen(function*() {
      for (const id of [0, -3, 1.5, "abc", "12a"]) {
        expect(yield* rulesOf(validateImageCapture({ vehicleId: id, position: "rear" }))).toEqual(["entity.invalid_id"])
      }
    }))

  it.effect("position.unknown / position.required: refuses an unknown position, and names a missing one as missing", () =>
    Effect.gen(function*() {
      expect(yield* rulesOf(validateImageCapture({ vehicleId: 1, position: "roof" }))).toEqual(["position.unknown"])
      expect(yield* rulesOf(validateImageCapture({ vehicleId: 1 }))).toEqual(["position.required"])
      expect(yield* rulesOf(validateImageCapture(imageCaptureInputFromBody({ vehicle_id: 1, position: null }))))
        .toEqual(["position.required"])
    }))

  it.effect("position.vehicle_only: front_facing and driver_facing are only available for vehicles", () =>
    Effect.gen(function*() {
      for (const position of ["front_facing", "driver_facing"]) {
        const error = yield* Effect.flip(validateImageCapture({ assetId: 7, position }))
        expect(error.violations.map((v) => v.rule)).toEqual(["position.vehicle_only"])
        expect(error.message).toContain(position)
      }
    }))

  it.effect("position.not_for_image_capture: front_narrow_facing is video recall only", () =>
    Effect.gen(function*() {
      expect(yield* rulesOf(validateImageCapture({ vehicleId: 1, position: "front_narrow_facing" }))).toEqual([
        "position.not_for_image_capture"
      ])
    }))

  it.effect("Omnicam positions are available for both vehicles and assets", () =>
    Effect.gen(function*() {
      for (const position of ["side_left", "side_right", "rear"]) {
        expect(yield* rulesOf(validateImageCapture({ vehicleId: 1, position }))).toEqual([])
        expect(yield* rulesOf(validateImageCapture({ assetId: 1, position }))).toEqual([])
      }
    }))

  it.effect("reports every violation at once", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        validateImageCapture(imageCaptureInputFromBody({ vehicle_id: "x", asset_id: 2 }))
      )
      expect(error.violations.map((v) => `${v.path}:${v.rule}`)).toEqual([
        "vehicle_id:entity.invalid_id",
        "vehicle_id:entity.exactly_one",
        "position:position.required"
      ])
    }))

  const validCapture = fc.record({
    kind: fc.constantFrom("vehicle" as const, "asset" as const),
    id: fc.integer({ min: 1, max: 2 ** 31 }),
    position: fc.constantFrom(...CameraPositions.filter((p) => cameraPositionInfo[p].imageCapture))
  }).filter((c) => c.kind === "vehicle" || !cameraPositionInfo[c.position].vehicleOnly)

  it.effect.prop(
    "every valid capture round-trips through its wire encoding",
    [validCapture],
    ([c]) =>
      Effect.gen(function*() {
        const request = yield* validateImageCapture(
          c.kind === "vehicle" ? { vehicleId: c.id, position: c.position } : { assetId: c.id, position: c.position }
        )
        const body = encodeImageCaptureBody(request)
        const again = yield* validateImageCapture(imageCaptureInputFromBody(body))
        expect(encodeImageCaptureBody(again)).toEqual(body)
      })
  )
})
