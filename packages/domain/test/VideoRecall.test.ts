import { describe, expect, it } from "@effect/vitest"
import { Arbitrary, Either, FastCheck as fc, Schema } from "effect"
import {
  AssetRef,
  fastDecodeOf,
  footageMissing,
  footageReady,
  RecallIdFromAny,
  RecallStatus,
  VehicleRef,
  VideoRecall,
  VideoRecallFromBody,
  videoRecallFromBodyFast
} from "../src/index.js"

// The straightforward definition, renaming with `Schema.fromKey`: the hand-written mapping must agree with it.
const nullish = <S extends Schema.Schema.Any>(schema: S) => Schema.optional(Schema.NullOr(schema))
const ReferenceCamera = Schema.Struct({
  position: Schema.String,
  cameraType: nullish(Schema.String).pipe(Schema.fromKey("camera_type")),
  status: nullish(RecallStatus),
  downloadUrl: nullish(Schema.String).pipe(Schema.fromKey("download_url")),
  expiresAt: nullish(Schema.String).pipe(Schema.fromKey("expires_at")),
  sizeBytes: nullish(Schema.Number).pipe(Schema.fromKey("size_bytes"))
})
const Reference = Schema.Struct({
  id: RecallIdFromAny,
  status: RecallStatus,
  primaryEntity: nullish(Schema.String).pipe(Schema.fromKey("primary_entity")),
  vehicle: nullish(VehicleRef),
  asset: nullish(AssetRef),
  startTime: nullish(Schema.String).pipe(Schema.fromKey("start_time")),
  endTime: nullish(Schema.String).pipe(Schema.fromKey("end_time")),
  recallType: nullish(Schema.String).pipe(Schema.fromKey("recall_type")),
  createdAt: nullish(Schema.String).pipe(Schema.fromKey("created_at")),
  updatedAt: nullish(Schema.String).pipe(Schema.fromKey("updated_at")),
  cameras: Schema.optionalWith(Schema.Array(ReferenceCamera), { default: () => [], nullable: true })
})

// Bodies as Motive might send them: statuses known and unknown, ids as numbers or strings (some not numeric),
// every optional field present, null or absent, and now and then a field of the wrong type.
const maybe = <A>(arb: fc.Arbitrary<A>) => fc.option(arb, { nil: null, freq: 4 })
const status = fc.oneof(fc.constantFrom("pending", "in_progress", "success", "failed"), fc.string(), fc.integer())
const camera = fc.record({
  position: fc.oneof(fc.constantFrom("front_facing", "rear"), fc.constant(7)),
  camera_type: maybe(fc.constantFrom("dashcam", "omnicam")),
  status: maybe(status),
  download_url: maybe(fc.webUrl()),
  expires_at: maybe(fc.string()),
  size_bytes: maybe(fc.oneof(fc.nat(), fc.string()))
}, { requiredKeys: ["position"] })
const body = fc.record({
  id: fc.oneof(
    fc.integer({ min: -2, max: 2 ** 40 }),
    fc.nat().map(String),
    fc.string(),
    fc.constantFrom("1e3", " 12 ", "0x10", "0b11", "+5", "5.", "-0", "", "Infinity", "NaN", "9007199254740992", 1.5)
  ),
  status,
  primary_entity: maybe(fc.constantFrom("vehicle", "asset")),
  vehicle: maybe(Arbitrary.make(VehicleRef)),
  asset: maybe(Arbitrary.make(AssetRef)),
  start_time: maybe(fc.string()),
  end_time: maybe(fc.string()),
  recall_type: maybe(fc.constantFrom("regular", "timelapse")),
  created_at: maybe(fc.string()),
  updated_at: maybe(fc.string()),
  cameras: maybe(fc.array(camera, { maxLength: 6 })),
  unknown_field: fc.anything()
}, { requiredKeys: ["id", "status"] })

// The same bodies with one field (of the body, of a camera or of the vehicle) replaced by anything at all,
// `undefined` included, and values that are not bodies.
const junk = fc.oneof(fc.anything(), fc.constant(undefined), fc.constant(null), fc.string(), fc.double())
const bodyKeys = [
  "id",
  "status",
  "primary_entity",
  "vehicle",
  "asset",
  "start_time",
  "end_time",
  "recall_type",
  "created_at",
  "updated_at",
  "cameras"
] as const
const cameraKeys = ["position", "camera_type", "status", "download_url", "expires_at", "size_bytes"] as const
const anyBody = fc.oneof(
  body,
  fc.tuple(body, fc.constantFrom(...bodyKeys), junk).map(([b, key, value]) => ({ ...b, [key]: value })),
  fc.tuple(body, fc.constantFrom(...cameraKeys), junk).map(([b, key, value]) => ({
    ...b,
    cameras: [{ position: "front_facing", [key]: value }, ...(Array.isArray(b.cameras) ? b.cameras : [])]
  })),
  fc.tuple(body, fc.constantFrom("id", "number"), junk).map(([b, key, value]) => ({
    ...b,
    vehicle: { id: 5, [key]: value }
  })),
  fc.tuple(body, fc.constantFrom("id", "name"), junk).map(([b, key, value]) => ({
    ...b,
    asset: { id: 6, [key]: value }
  })),
  // Every field inherited rather than own, at the top or in the vehicle or a camera.
  body.map((b) => Object.create(b)),
  body.map((b) => ({ ...b, vehicle: Object.create({ id: 3, number: "T" }) })),
  body.map((b) => ({ ...b, cameras: [Object.create({ position: "rear", status: "success" })] })),
  fc.tuple(body, fc.constantFrom(...bodyKeys)).map(([b, key]) => {
    const { [key]: _, ...rest } = b
    return rest
  }),
  junk
)

describe("VideoRecallFromBody", () => {
  it.prop(
    "its fast path decodes every body to the schema's value, keys in the same order, and refuses the same ones",
    [anyBody],
    ([b]) => {
      const fast = videoRecallFromBodyFast(b)
      const schema = Schema.decodeUnknownEither(VideoRecallFromBody)(b)
      if (Either.isLeft(schema)) {
        expect(fast).toBeUndefined()
      } else {
        expect(fast).toBeInstanceOf(VideoRecall)
        expect(fast).toStrictEqual(schema.right)
        expect(JSON.stringify(fast)).toBe(JSON.stringify(schema.right))
      }
    },
    { fastCheck: { numRuns: 2000 } }
  )

  it("carries its fast path as an annotation, which the client's decoding looks for", () => {
    expect(fastDecodeOf(VideoRecallFromBody)).toBe(videoRecallFromBodyFast)
    expect(fastDecodeOf(VideoRecall)).toBeUndefined()
  })

  it.prop(
    "decodes every body exactly as renaming with Schema.fromKey would, and refuses the same ones",
    [body],
    ([b]) => {
      const ours = Schema.decodeUnknownEither(VideoRecallFromBody)(b)
      const reference = Schema.decodeUnknownEither(Reference)(b)
      expect(Either.isRight(ours)).toBe(Either.isRight(reference))
      if (Either.isRight(ours) && Either.isRight(reference)) {
        expect(ours.right).toBeInstanceOf(VideoRecall)
        expect({ ...ours.right }).toEqual(reference.right)
        expect(Schema.encodeSync(VideoRecallFromBody)(ours.right)).toEqual(
          Schema.encodeSync(Reference)(reference.right)
        )
      }
    }
  )

  it("keeps an absent field absent and a null field null", () => {
    const recall = Schema.decodeUnknownSync(VideoRecallFromBody)({
      id: 1,
      status: "pending",
      end_time: null,
      cameras: [{ position: "front_facing", download_url: null }]
    })
    expect(Object.keys(recall)).toEqual(["id", "status", "cameras", "endTime"])
    expect(recall.cameras[0]).toEqual({ position: "front_facing", downloadUrl: null })
    expect("startTime" in recall).toBe(false)
  })

  it("reads an id given as a string only when it is decimal digits, on both paths", () => {
    const read = (id: unknown) => {
      const b = { id, status: "pending" }
      const schema = Schema.decodeUnknownEither(VideoRecallFromBody)(b)
      return [videoRecallFromBodyFast(b)?.id, Either.isRight(schema) ? schema.right.id : undefined]
    }
    expect(read("42")).toEqual([42, 42])
    expect(read(42)).toEqual([42, 42])
    for (const loose of ["0x10", "1e2", " 12 ", "+5", "5.", "0b11"]) expect(read(loose)).toEqual([undefined, undefined])
  })

  it("names the field when a body is refused", () => {
    const result = Schema.decodeUnknownEither(VideoRecallFromBody)({ id: 1, status: "pending", cameras: [{}] })
    expect(Either.isLeft(result) && String(result.left)).toContain("[\"position\"]")
  })
})

describe("footageMissing", () => {
  it("names the cameras asked for (every listed one by default) without footage ready", () => {
    const recall = Schema.decodeUnknownSync(VideoRecallFromBody)({
      id: 7,
      status: "success",
      cameras: [
        { position: "front_facing", status: "success", download_url: "https://m/1" },
        { position: "rear", status: "failed", download_url: null },
        { position: "driver_facing", status: "failed", download_url: "https://m/2" }
      ]
    })
    expect(footageMissing(recall)).toEqual(["rear", "driver_facing"])
    expect(footageMissing(recall, ["front_facing", "side_left", "rear", "rear"])).toEqual(["side_left", "rear"])
    expect(footageMissing(recall, ["front_facing"])).toEqual([])
  })
})

describe("footageReady", () => {
  it("is a camera with a link whose own status is not failed (a recall can succeed with a camera that failed)", () => {
    const decode = Schema.decodeUnknownSync(VideoRecallFromBody)
    const recall = decode({
      id: 5,
      status: "success",
      cameras: [
        { position: "front_facing", status: "success", download_url: "https://media/1" },
        { position: "rear", status: "failed", download_url: "https://media/2" },
        { position: "driver_facing", status: "failed", download_url: null },
        { position: "side_left", download_url: "https://media/3" },
        { position: "side_right", status: "success", download_url: null }
      ]
    })
    expect(recall.cameras.filter(footageReady).map((c) => c.position)).toEqual(["front_facing", "side_left"])
  })
})
