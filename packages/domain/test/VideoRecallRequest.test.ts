import { describe, expect, it } from "@effect/vitest"
import { Arbitrary, DateTime, Effect, FastCheck as fc, Schema } from "effect"
import {
  allowedDurations,
  CameraPosition,
  cameraPositionInfo,
  encodeVideoRecallBody,
  RecallType,
  type RuleCode,
  validateVideoRecall,
  type VideoRecallInput,
  videoRecallInputFromBody,
  type VideoRecallOptions
} from "../src/index.js"
import { atNow, minutesAgo, NOW, rulesOf } from "./fixtures.js"

const valid: VideoRecallInput = { vehicleNumber: "TRK-101", startTime: minutesAgo(30), duration: 2 }

const rules = (input: VideoRecallInput, options?: VideoRecallOptions) =>
  atNow(rulesOf(validateVideoRecall(input, options)))

describe("validateVideoRecall", () => {
  it.effect("accepts a vehicle recall and sends it with the default recall type", () =>
    atNow(Effect.gen(function*() {
      const request = yield* validateVideoRecall(valid)
      expect(encodeVideoRecallBody(request)).toEqual({
        vehicle_number: "TRK-101",
        start_time: "2026-11-24T11:30:00Z",
        duration: 2,
        recall_type: "regular"
      })
    })))

  it.effect("accepts an asset recall of Omnicam positions", () =>
    atNow(Effect.gen(function*() {
      const request = yield* validateVideoRecall({
        assetName: "TRAILER-7",
        startTime: minutesAgo(90),
        duration: 60,
        recallType: "timelapse",
        cameraPositions: ["rear", "side_left"]
      })
      expect(encodeVideoRecallBody(request)).toEqual({
        asset_name: "TRAILER-7",
        start_time: "2026-11-24T10:30:00Z",
        duration: 60,
        recall_type: "timelapse",
        camera_positions: ["rear", "side_left"]
      })
    })))

  it.effect("entity.exactly_one: refuses both vehicle_number and asset_name", () =>
    Effect.map(rules({ ...valid, assetName: "TRAILER-7" }), (r) => expect(r).toEqual(["entity.exactly_one"])))

  it.effect("entity.exactly_one: refuses neither vehicle_number nor asset_name (blank counts as neither)", () =>
    Effect.map(rules({ ...valid, vehicleNumber: "  " }), (r) => expect(r).toEqual(["entity.exactly_one"])))

  it.effect("entity.exactly_one: a blank name is said to be blank, not to be missing", () =>
    atNow(Effect.gen(function*() {
      const message = (input: Partial<VideoRecallInput>) =>
        Effect.map(Effect.flip(validateVideoRecall({ ...valid, ...input })), (e) => e.violations[0]!.message)
      expect(yield* message({ vehicleNumber: "" })).toBe(
        "give exactly one of vehicle_number or asset_name (vehicle_number is blank)"
      )
      expect(yield* message({ vehicleNumber: " ", assetName: "" })).toBe(
        "give exactly one of vehicle_number or asset_name (vehicle_number and asset_name are blank)"
      )
      expect(yield* message({ vehicleNumber: undefined })).toBe(
        "give exactly one of vehicle_number or asset_name (neither was given)"
      )
    })))

  it.effect("entity.exactly_one: a value that is no text (an untyped caller's) is named, not called missing", () =>
    atNow(Effect.gen(function*() {
      // What a JavaScript caller may pass where the types ask for a string.
      const refused = yield* Effect.flip(validateVideoRecall({ ...valid, vehicleNumber: true as unknown as string }))
      expect(refused.violations.map((v) => v.message)).toEqual([
        "give exactly one of vehicle_number or asset_name as text (vehicle_number is true)"
      ])
    })))

  it.effect("a value that is not an object (from an untyped caller) is a request with no fields, not a thrown TypeError", () =>
    Effect.forEach([null, undefined, 5, "TRK-101"], (value) =>
      Effect.map(
        // What a JavaScript caller may pass where the types ask for an input.
        rules(value as unknown as VideoRecallInput),
        (r) => expect(r).toEqual(["entity.exactly_one", "duration.required", "start_time.required"])
      )))

  it.effect("a value nested too deep to write out (from an untyped caller) is named, not a stack overflow", () =>
    Effect.gen(function*() {
      let deep: unknown = []
      for (let i = 0; i < 6000; i++) deep = [deep]
      const refused = yield* Effect.flip(
        atNow(validateVideoRecall({ ...valid, cameraPositions: deep as Array<string> }))
      )
      expect(refused.violations.map((v) => v.message)).toEqual([
        "an array too large to show is not a camera position: use front_facing, driver_facing, front_narrow_facing, side_left, side_right or rear"
      ])
      // A long value is quoted cut short.
      const long = yield* Effect.flip(atNow(validateVideoRecall({ ...valid, recallType: "x".repeat(500) })))
      expect(long.violations[0]!.message).toContain(`"${"x".repeat(118)}…`)
    }))

  it.effect("start_time.invalid: refuses a string that is not ISO 8601", () =>
    Effect.gen(function*() {
      expect(yield* rules({ ...valid, startTime: "yesterday at noon" })).toEqual(["start_time.invalid"])
      expect(yield* rules({ ...valid, startTime: "2026-02-30T10:00:00Z" })).toEqual(["start_time.invalid"])
    }))

  it.effect("start_time.invalid: a Date or DateTime from an untyped caller is named as what it is, not quoted as text", () =>
    atNow(Effect.gen(function*() {
      const messages = (startTime: unknown, duration: unknown = 2) =>
        Effect.map(
          Effect.flip(validateVideoRecall({ vehicleNumber: "TRK-101", startTime, duration })),
          (e) => e.violations.map((v) => v.message)
        )
      expect(yield* messages(new Date(Date.UTC(2026, 10, 24, 11, 30)))).toEqual([
        "start_time must be a string, an ISO 8601 timestamp with an offset (DateTime.formatIso gives one); got a Date (2026-11-24T11:30:00.000Z)"
      ])
      expect((yield* messages(DateTime.unsafeMake("2026-11-24T11:30:00Z")))[0]).toContain(
        "got a DateTime (2026-11-24T11:30:00.000Z)"
      )
      expect((yield* messages(minutesAgo(30), NaN))[0]).toContain("duration NaN is not allowed")
    })))

  it.effect("start_time.required: a missing, null or blank start_time is named as missing, not as unreadable", () =>
    Effect.gen(function*() {
      expect(yield* rules({ ...valid, startTime: undefined })).toEqual(["start_time.required"])
      expect(yield* rules({ ...valid, startTime: "  " })).toEqual(["start_time.required"])
      const nullStart = videoRecallInputFromBody({ vehicle_number: "TRK-101", duration: 2, start_time: null })
      expect(yield* atNow(rulesOf(validateVideoRecall(nullStart)))).toEqual(["start_time.required"])
      const missing = yield* Effect.flip(validateVideoRecall({ ...valid, startTime: undefined }))
      expect(missing.violations.map((v) => `${v.path}: ${v.message}`)).toEqual([
        "start_time: start_time is required: give an ISO 8601 timestamp with an offset, e.g. 2026-11-24T09:30:00Z"
      ])
    }))

  it.effect("start_time.no_offset: refuses a timestamp without Z or ±hh:mm", () =>
    Effect.map(
      rules({ ...valid, startTime: "2026-11-24T11:00:00" }),
      (r) => expect(r).toEqual(["start_time.no_offset"])
    ))

  it.effect("start_time offsets are honoured: -05:00 is five hours behind UTC", () =>
    atNow(Effect.gen(function*() {
      const request = yield* validateVideoRecall({ ...valid, startTime: "2026-11-24T06:30:00-05:00" })
      expect(encodeVideoRecallBody(request).start_time).toBe("2026-11-24T11:30:00Z")
    })))

  it.effect("start_time.future: a start exactly now passes that rule, one millisecond later does not", () =>
    Effect.gen(function*() {
      const now = new Date(NOW).toISOString()
      const later = new Date(NOW + 1).toISOString()
      // Exactly now: the start is not in the future, but the window is (checked separately below).
      expect(yield* rules({ ...valid, startTime: now })).toEqual(["window.ends_in_future"])
      expect(yield* rules({ ...valid, startTime: later })).toEqual(["start_time.future"])
    }))

  it.effect("window.ends_in_future: a window ending exactly now passes, one millisecond later does not", () =>
    Effect.gen(function*() {
      expect(yield* rules({ ...valid, startTime: minutesAgo(2) })).toEqual([])
      expect(yield* rules({ ...valid, startTime: new Date(NOW - 2 * 60_000 + 1).toISOString() })).toEqual([
        "window.ends_in_future"
      ])
    }))

  it.effect("duration.not_allowed: regular allows 1, 2, 3 minutes and the message lists them", () =>
    Effect.gen(function*() {
      for (const d of [1, 2, 3]) expect(yield* rules({ ...valid, duration: d })).toEqual([])
      for (const d of [0, 4, 5, 2.5, -1]) {
        expect(yield* rules({ ...valid, duration: d })).toEqual(["duration.not_allowed"])
      }
      const error = yield* Effect.flip(atNow(validateVideoRecall({ ...valid, duration: 4 })))
      expect(error.violations[0]?.message).toContain("1, 2 or 3 minutes")
      expect(error.violations[0]?.message).toContain("4")
    }))

  it.effect("duration.not_allowed: timelapse allows 5, 10, 15, 30, 45, 60 minutes", () =>
    Effect.gen(function*() {
      const base = { ...valid, recallType: "timelapse", startTime: minutesAgo(120) }
      for (const d of allowedDurations.timelapse) expect(yield* rules({ ...base, duration: d })).toEqual([])
      for (const d of [1, 3, 20, 90]) expect(yield* rules({ ...base, duration: d })).toEqual(["duration.not_allowed"])
      const error = yield* Effect.flip(atNow(validateVideoRecall({ ...base, duration: 20 })))
      expect(error.violations[0]?.message).toContain("5, 10, 15, 30, 45 or 60 minutes")
    }))

  it.effect("duration.required / duration.not_allowed: a missing duration and a non-numeric one are told apart", () =>
    Effect.gen(function*() {
      expect(yield* rules({ ...valid, duration: undefined })).toEqual(["duration.required"])
      expect(yield* rules({ ...valid, duration: " " })).toEqual(["duration.required"])
      expect(yield* rules({ ...valid, duration: "two" })).toEqual(["duration.not_allowed"])
      expect(yield* rules({ ...valid, duration: "2" })).toEqual([])
      // Digits only: JavaScript's number syntax is not a count of minutes.
      for (const odd of ["0x2", "2e0", "2.0", "+2"]) {
        expect(yield* rules({ ...valid, duration: odd })).toEqual(["duration.not_allowed"])
      }
      const missing = yield* Effect.flip(validateVideoRecall({ ...valid, duration: undefined }))
      expect(missing.violations.map((v) => v.message)).toEqual([
        "duration is required (1, 2 or 3 minutes for a regular recall)"
      ])
    }))

  it.effect("recall_type.unknown: only regular and timelapse are supported", () =>
    Effect.gen(function*() {
      expect(yield* rules({ ...valid, recallType: "hyperlapse" })).toEqual(["recall_type.unknown"])
      expect(yield* rules({ ...valid, recallType: "Regular" })).toEqual(["recall_type.unknown"])
    }))

  it.effect("a blank recall_type is not given, as null is: the default, regular", () =>
    atNow(Effect.gen(function*() {
      for (const recallType of ["", "  ", null]) {
        const request = yield* validateVideoRecall({ ...valid, recallType })
        expect(request.recallType).toBe("regular")
      }
    })))

  it.effect("camera_positions.empty: [] is refused (Motive answers 400)", () =>
    Effect.map(rules({ ...valid, cameraPositions: [] }), (r) => expect(r).toEqual(["camera_positions.empty"])))

  it.effect("camera_positions.unknown: each invalid position string is named with its index", () =>
    atNow(Effect.gen(function*() {
      const error = yield* Effect.flip(
        validateVideoRecall({ ...valid, cameraPositions: ["front_facing", "roof", "Rear"] })
      )
      expect(error.violations.map((v) => [v.path, v.rule])).toEqual([
        ["camera_positions[1]", "camera_positions.unknown"],
        ["camera_positions[2]", "camera_positions.unknown"]
      ])
      expect(error.violations[0]?.message).toContain("\"roof\"")
    })))

  it.effect("camera_positions.dashcam_on_asset: assets carry only Omnicams", () =>
    Effect.gen(function*() {
      const asset = { assetName: "TRAILER-7", startTime: minutesAgo(30), duration: 1 }
      expect(yield* rules({ ...asset, cameraPositions: ["front_facing", "rear"] })).toEqual([
        "camera_positions.dashcam_on_asset"
      ])
      expect(yield* rules({ ...asset, cameraPositions: ["front_narrow_facing"] })).toEqual([
        "camera_positions.dashcam_on_asset"
      ])
      expect(yield* rules({ ...asset, cameraPositions: ["side_left", "side_right", "rear"] })).toEqual([])
    }))

  it.effect("repeated positions are sent once, in their first order", () =>
    atNow(Effect.gen(function*() {
      const request = yield* validateVideoRecall({ ...valid, cameraPositions: ["rear", "front_facing", "rear"] })
      expect(encodeVideoRecallBody(request).camera_positions).toEqual(["rear", "front_facing"])
    })))

  it.effect("device.smart_dashcam_timelapse: timelapse is not supported on smart dashcams", () =>
    Effect.map(
      rules({ ...valid, startTime: minutesAgo(60), recallType: "timelapse", duration: 5 }, { dashcam: "smart" }),
      (r) => expect(r).toEqual(["device.smart_dashcam_timelapse"])
    ))

  it.effect("device.smart_dashcam_duration: smart dashcam recalls are limited to 1 minute", () =>
    Effect.gen(function*() {
      expect(yield* rules({ ...valid, duration: 2 }, { dashcam: "smart" })).toEqual(["device.smart_dashcam_duration"])
      expect(yield* rules({ ...valid, duration: 1 }, { dashcam: "smart" })).toEqual([])
      expect(yield* rules({ ...valid, duration: 2 }, { dashcam: "ai" })).toEqual([])
    }))

  it.effect("reports every violation at once, each naming its field", () =>
    atNow(Effect.gen(function*() {
      const error = yield* Effect.flip(validateVideoRecall({
        startTime: "soon",
        duration: 7,
        recallType: "slow",
        cameraPositions: []
      }))
      expect(error._tag).toBe("RecallValidationError")
      expect(error.violations.map((v) => `${v.path}:${v.rule}`)).toEqual([
        "vehicle_number:entity.exactly_one",
        "recall_type:recall_type.unknown",
        "duration:duration.not_allowed",
        "camera_positions:camera_positions.empty",
        "start_time:start_time.invalid"
      ])
      expect(error.message).toContain("recall_type \"slow\" is not supported")
    })))

  it.effect("reads a received wire body of any shape without throwing", () =>
    Effect.gen(function*() {
      expect(yield* rules(videoRecallInputFromBody(null) as VideoRecallInput)).toEqual([
        "entity.exactly_one",
        "duration.required",
        "start_time.required"
      ])
      const wrongTypes = videoRecallInputFromBody({
        vehicle_number: "TRK-101",
        start_time: 12,
        duration: [2],
        camera_positions: "rear"
      })
      expect(yield* atNow(rulesOf(validateVideoRecall(wrongTypes)))).toEqual([
        "duration.not_allowed",
        "camera_positions.unknown",
        "start_time.invalid"
      ])
      // A null list is not an omitted one (which means every camera): refused as not a list.
      const nullList = videoRecallInputFromBody({
        vehicle_number: "TRK-101",
        start_time: minutesAgo(30),
        duration: 2,
        camera_positions: null
      })
      expect(yield* atNow(rulesOf(validateVideoRecall(nullList)))).toEqual(["camera_positions.unknown"])
    }))
})

// ---------------------------------------------------------------------------------------------------------------
// Properties

interface ValidCase {
  readonly input: VideoRecallInput
  readonly kind: "vehicle" | "asset"
}

const name = Arbitrary.make(Schema.NonEmptyTrimmedString)
const omnicam = Arbitrary.make(CameraPosition).filter((p) => !cameraPositionInfo[p].vehicleOnly)

const validCase: fc.Arbitrary<ValidCase> = fc.record({
  kind: fc.constantFrom("vehicle" as const, "asset" as const),
  name,
  recallType: Arbitrary.make(RecallType),
  minutesBack: fc.integer({ min: 61, max: 7 * 24 * 60 }),
  withPositions: fc.boolean(),
  vehiclePositions: fc.uniqueArray(Arbitrary.make(CameraPosition), { minLength: 1, maxLength: 6 }),
  assetPositions: fc.uniqueArray(omnicam, { minLength: 1, maxLength: 3 }),
  durationIndex: fc.nat()
}).map((c) => {
  const durations = allowedDurations[c.recallType]
  const positions = c.kind === "vehicle" ? c.vehiclePositions : c.assetPositions
  return {
    kind: c.kind,
    input: {
      ...(c.kind === "vehicle" ? { vehicleNumber: c.name } : { assetName: c.name }),
      startTime: minutesAgo(c.minutesBack),
      duration: durations[c.durationIndex % durations.length]!,
      recallType: c.recallType,
      ...(c.withPositions ? { cameraPositions: positions } : {})
    }
  }
})

interface Breakage {
  readonly rule: RuleCode
  readonly break: (c: ValidCase) => { input: VideoRecallInput; options?: VideoRecallOptions }
}

const asVehicle = (input: VideoRecallInput): VideoRecallInput => ({
  ...input,
  vehicleNumber: input.vehicleNumber ?? input.assetName,
  assetName: undefined
})

const breakages: ReadonlyArray<Breakage> = [
  { rule: "entity.exactly_one", break: ({ input }) => ({ input: { ...input, vehicleNumber: "V", assetName: "A" } }) },
  {
    rule: "entity.exactly_one",
    break: ({ input }) => ({ input: { ...input, vehicleNumber: undefined, assetName: undefined } })
  },
  { rule: "start_time.invalid", break: ({ input }) => ({ input: { ...input, startTime: "not a time" } }) },
  {
    rule: "start_time.no_offset",
    break: ({ input }) => ({ input: { ...input, startTime: input.startTime!.replace("Z", "") } })
  },
  {
    rule: "start_time.future",
    break: ({ input }) => ({ input: { ...input, startTime: new Date(NOW + 60_000).toISOString() } })
  },
  {
    rule: "window.ends_in_future",
    break: ({ input }) => ({
      input: { ...input, startTime: new Date(NOW - Number(input.duration) * 60_000 + 1).toISOString() }
    })
  },
  {
    rule: "duration.not_allowed",
    break: ({ input }) => ({ input: { ...input, duration: input.recallType === "timelapse" ? 3 : 4 } })
  },
  { rule: "recall_type.unknown", break: ({ input }) => ({ input: { ...input, recallType: "hyperlapse" } }) },
  { rule: "camera_positions.empty", break: ({ input }) => ({ input: { ...input, cameraPositions: [] } }) },
  {
    rule: "camera_positions.unknown",
    break: ({ input }) => ({ input: { ...input, cameraPositions: [...(input.cameraPositions ?? []), "roof"] } })
  },
  {
    rule: "camera_positions.dashcam_on_asset",
    break: ({ input }) => ({
      input: {
        ...input,
        assetName: input.assetName ?? input.vehicleNumber,
        vehicleNumber: undefined,
        cameraPositions: ["driver_facing"]
      }
    })
  },
  {
    rule: "device.smart_dashcam_timelapse",
    break: ({ input }) => ({
      input: { ...asVehicle(input), recallType: "timelapse", duration: 10 },
      options: { dashcam: "smart" }
    })
  },
  {
    rule: "device.smart_dashcam_duration",
    break: ({ input }) => ({
      input: { ...asVehicle(input), recallType: "regular", duration: 3 },
      options: { dashcam: "smart" }
    })
  }
]

describe("VideoRecallRequest properties", () => {
  it.effect.prop(
    "every valid request round-trips through its wire encoding",
    [validCase],
    ([c]) =>
      atNow(Effect.gen(function*() {
        const request = yield* validateVideoRecall(c.input)
        const body = encodeVideoRecallBody(request)
        const wire: unknown = JSON.parse(JSON.stringify(body))
        // The server side applies the same rules to the received body and gets the same request.
        const again = yield* validateVideoRecall(videoRecallInputFromBody(wire))
        expect(encodeVideoRecallBody(again)).toEqual(body)
        // A validated request checked again (as a client checks one built with `new`) is the same request.
        const rechecked = yield* validateVideoRecall(request)
        expect(encodeVideoRecallBody(rechecked)).toEqual(body)
        expect(rechecked.startTime).toEqual(request.startTime)
      }))
  )

  it.effect.prop(
    "a valid request broken in one way reports exactly the matching rule",
    [validCase, fc.constantFrom(...breakages)],
    ([c, breakage]) =>
      Effect.gen(function*() {
        const { input, options } = breakage.break(c)
        const found = yield* atNow(rulesOf(validateVideoRecall(input, options)))
        expect(found.length).toBeGreaterThan(0)
        expect([...new Set(found)]).toEqual([breakage.rule])
      })
  )
})
