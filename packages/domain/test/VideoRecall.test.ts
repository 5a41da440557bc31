import { describe, expect, it } from "@effect/vitest"
import { Arbitrary, Either, FastCheck as fc, Schema } from "effect"
import { AssetRef, RecallIdFromAny, RecallStatus, VehicleRef, VideoRecall, VideoRecallFromBody } from "../src/index.js"

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
  id: fc.oneof(fc.integer({ min: -2, max: 2 ** 40 }), fc.nat().map(String), fc.string()),
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

describe("VideoRecallFromBody", () => {
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

  it("names the field when a body is refused", () => {
    const result = Schema.decodeUnknownEither(VideoRecallFromBody)({ id: 1, status: "pending", cameras: [{}] })
    expect(Either.isLeft(result) && String(result.left)).toContain("[\"position\"]")
  })
})
