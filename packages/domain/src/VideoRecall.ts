/**
 * The video recall response (`POST /v1/video_recall_requests`, `GET /v1/video_recall_requests/{id}`).
 *
 * The response is the one a client polls, so its decoding is on the hot path. It is written as two plain
 * structs: the body exactly as Motive sends it (snake_case, every field checked once), and the
 * {@link VideoRecall} class the client hands out (camelCase). {@link VideoRecallFromBody} maps one onto the
 * other by hand. Renaming with `Schema.fromKey` instead would check every field again on the type side,
 * once per nesting level: about 34 µs per 6-camera recall against about 10 µs this way. A plain function that
 * accepts exactly what the schema accepts (property-tested against it) decodes a one-camera body in about 2 µs
 * where the schema takes about 8 µs; the schema decodes whatever it refuses, and says what is wrong.
 *
 * @since 0.1.0
 */
import { Predicate, Schema, type Types } from "effect"
import { AssetRef, VehicleRef } from "./Entities.js"
import { withFastDecode } from "./FastDecode.js"
import { RecallId, RecallIdFromAny } from "./Ids.js"
import { KnownRecallStatus, RecallStatus, statusText, UnknownStatus } from "./Status.js"

const nullish = <S extends Schema.Schema.Any>(schema: S) => Schema.optional(Schema.NullOr(schema))

/**
 * One camera's part of a recall body, as Motive sends it [assumed shape, `motive-api.md`]: `download_url` /
 * `expires_at` are absent or null until its footage is ready.
 *
 * @since 0.1.0
 */
export const RecallCameraBody = Schema.Struct({
  position: Schema.String,
  camera_type: nullish(Schema.String),
  status: nullish(RecallStatus),
  download_url: nullish(Schema.String),
  expires_at: nullish(Schema.String),
  size_bytes: nullish(Schema.Number)
})

/**
 * @since 0.1.0
 */
export type RecallCameraBody = typeof RecallCameraBody.Type

/**
 * A video recall body exactly as Motive sends it (seed "Response Parameters"). The `id` is accepted as an
 * integer or a numeric string. Unknown fields are ignored.
 *
 * @since 0.1.0
 */
export const VideoRecallBody = Schema.Struct({
  id: RecallIdFromAny,
  status: RecallStatus,
  primary_entity: nullish(Schema.String),
  vehicle: nullish(VehicleRef),
  asset: nullish(AssetRef),
  start_time: nullish(Schema.String),
  end_time: nullish(Schema.String),
  recall_type: nullish(Schema.String),
  created_at: nullish(Schema.String),
  updated_at: nullish(Schema.String),
  cameras: nullish(Schema.Array(RecallCameraBody))
})

/**
 * @since 0.1.0
 */
export type VideoRecallBody = typeof VideoRecallBody.Type

const Status = Schema.typeSchema(RecallStatus)

/**
 * One camera's part of a recall, as the client reports it.
 *
 * @since 0.1.0
 */
export const RecallCamera = Schema.Struct({
  position: Schema.String,
  cameraType: nullish(Schema.String),
  status: nullish(Status),
  downloadUrl: nullish(Schema.String),
  expiresAt: nullish(Schema.String),
  sizeBytes: nullish(Schema.Number)
})

/**
 * @since 0.1.0
 */
export type RecallCamera = typeof RecallCamera.Type

/**
 * A video recall request as the client reports it: the body's fields in camelCase, `cameras` empty when
 * Motive sent none. Decode a response body with {@link VideoRecallFromBody}.
 *
 * @since 0.1.0
 */
export class VideoRecall extends Schema.Class<VideoRecall>("VideoRecall")({
  id: RecallId,
  status: Status,
  primaryEntity: nullish(Schema.String),
  vehicle: nullish(VehicleRef),
  asset: nullish(AssetRef),
  startTime: nullish(Schema.String),
  endTime: nullish(Schema.String),
  recallType: nullish(Schema.String),
  createdAt: nullish(Schema.String),
  updatedAt: nullish(Schema.String),
  cameras: Schema.Array(RecallCamera)
}) {}

/**
 * Whether a camera's footage can be downloaded: it has a link, and its own status is not `failed` (a recall can
 * succeed with a camera whose footage failed). The one rule the downloads, the CLI and footage jobs share.
 *
 * @since 0.1.0
 */
export const footageReady = (camera: RecallCamera): boolean =>
  camera.downloadUrl != null && (camera.status == null || statusText(camera.status) !== "failed")

/**
 * The cameras a done recall has no footage from: each position of `asked` (the positions the create named; every
 * camera the recall lists when not given) that has no camera with footage ready, because its footage failed, has
 * no link, or the recall does not list it. `downloadRecall` skips these without failing: this says which they are.
 *
 * @since 0.1.0
 */
export const footageMissing = (recall: VideoRecall, asked?: ReadonlyArray<string>): ReadonlyArray<string> => {
  const ready = new Set(recall.cameras.filter(footageReady).map((c) => c.position))
  const positions = asked ?? recall.cameras.map((c) => c.position)
  return [...new Set(positions)].filter((p) => !ready.has(p))
}

const cameraFromBody = (c: RecallCameraBody): RecallCamera => {
  const camera: Types.Mutable<RecallCamera> = { position: c.position }
  if (c.camera_type !== undefined) camera.cameraType = c.camera_type
  if (c.status !== undefined) camera.status = c.status
  if (c.download_url !== undefined) camera.downloadUrl = c.download_url
  if (c.expires_at !== undefined) camera.expiresAt = c.expires_at
  if (c.size_bytes !== undefined) camera.sizeBytes = c.size_bytes
  return camera
}

const cameraToBody = (c: RecallCamera): RecallCameraBody => {
  const camera: Types.Mutable<RecallCameraBody> = { position: c.position }
  if (c.cameraType !== undefined) camera.camera_type = c.cameraType
  if (c.status !== undefined) camera.status = c.status
  if (c.downloadUrl !== undefined) camera.download_url = c.downloadUrl
  if (c.expiresAt !== undefined) camera.expires_at = c.expiresAt
  if (c.sizeBytes !== undefined) camera.size_bytes = c.sizeBytes
  return camera
}

const recallFromBody = (b: VideoRecallBody): VideoRecall => {
  const fields: Types.Mutable<typeof VideoRecall.Type> = {
    id: b.id,
    status: b.status,
    cameras: b.cameras === undefined || b.cameras === null ? [] : b.cameras.map(cameraFromBody)
  }
  if (b.primary_entity !== undefined) fields.primaryEntity = b.primary_entity
  if (b.vehicle !== undefined) fields.vehicle = b.vehicle
  if (b.asset !== undefined) fields.asset = b.asset
  if (b.start_time !== undefined) fields.startTime = b.start_time
  if (b.end_time !== undefined) fields.endTime = b.end_time
  if (b.recall_type !== undefined) fields.recallType = b.recall_type
  if (b.created_at !== undefined) fields.createdAt = b.created_at
  if (b.updated_at !== undefined) fields.updatedAt = b.updated_at
  return new VideoRecall(fields, true)
}

const recallToBody = (r: VideoRecall): VideoRecallBody => {
  const body: Types.Mutable<VideoRecallBody> = { id: r.id, status: r.status, cameras: r.cameras.map(cameraToBody) }
  if (r.primaryEntity !== undefined) body.primary_entity = r.primaryEntity
  if (r.vehicle !== undefined) body.vehicle = r.vehicle
  if (r.asset !== undefined) body.asset = r.asset
  if (r.startTime !== undefined) body.start_time = r.startTime
  if (r.endTime !== undefined) body.end_time = r.endTime
  if (r.recallType !== undefined) body.recall_type = r.recallType
  if (r.createdAt !== undefined) body.created_at = r.createdAt
  if (r.updatedAt !== undefined) body.updated_at = r.updatedAt
  return body
}

// The fast path: each check below is the schema's own rule for that field (see `FastDecode`); an object is what
// the schema's struct decoder takes for one, `Predicate.isRecord`.
type Nullish<A> = A | null | undefined

/** Marks input the fast path does not accept. */
const refused: unique symbol = Symbol("refused")

const has = (o: object, key: string) => Object.prototype.hasOwnProperty.call(o, key)

/**
 * An optional property as the schema reads it: absent (an inherited one counts as absent for an optional key),
 * `undefined`, `null`, or what `check` accepts.
 */
const nullishField = <A>(
  o: Readonly<Record<string, unknown>>,
  key: string,
  check: (u: unknown) => A | typeof refused
): Nullish<A> | typeof refused => {
  if (!has(o, key)) return undefined
  const u = o[key]
  return u === undefined || u === null ? u : check(u)
}

/** A required property, checked: the schema reads it even when it is inherited, and so does this. */
const requiredField = <A>(
  o: Readonly<Record<string, unknown>>,
  key: string,
  check: (u: unknown) => A | typeof refused
) => check(o[key])

const string = (u: unknown): string | typeof refused => typeof u === "string" ? u : refused
const number = (u: unknown): number | typeof refused => typeof u === "number" ? u : refused
const int = (u: unknown): number | typeof refused => typeof u === "number" && Number.isSafeInteger(u) ? u : refused
const knownStatuses: ReadonlySet<unknown> = new Set(KnownRecallStatus.literals)

/** `RecallStatus`: a known status, or any other string kept as `UnknownStatus`. */
const status = (u: unknown): RecallStatus | typeof refused =>
  typeof u !== "string"
    ? refused
    : knownStatuses.has(u)
    ? u as typeof KnownRecallStatus.Type
    : UnknownStatus.make({ value: u })

/** `RecallIdFromAny`: a positive safe integer, or a string of decimal digits that reads as one. */
const recallId = (u: unknown): RecallId | typeof refused => {
  const n = typeof u === "number" ? u : typeof u === "string" && /^\d+$/.test(u) ? Number(u) : Number.NaN
  return Number.isSafeInteger(n) && n > 0 ? RecallId.make(n, { disableValidation: true }) : refused
}

const vehicleRef = (u: unknown): VehicleRef | typeof refused => {
  if (!Predicate.isRecord(u)) return refused
  const id = requiredField(u, "id", int)
  const number = nullishField(u, "number", string)
  if (id === refused || number === refused) return refused
  return has(u, "number") ? { id, number } : { id }
}

const assetRef = (u: unknown): AssetRef | typeof refused => {
  if (!Predicate.isRecord(u)) return refused
  const id = requiredField(u, "id", int)
  const name = nullishField(u, "name", string)
  if (id === refused || name === refused) return refused
  return has(u, "name") ? { id, name } : { id }
}

const fastCamera = (u: unknown): RecallCamera | typeof refused => {
  if (!Predicate.isRecord(u)) return refused
  const position = requiredField(u, "position", string)
  const cameraType = nullishField(u, "camera_type", string)
  const cameraStatus = nullishField(u, "status", status)
  const downloadUrl = nullishField(u, "download_url", string)
  const expiresAt = nullishField(u, "expires_at", string)
  const sizeBytes = nullishField(u, "size_bytes", number)
  if (
    position === refused || cameraType === refused || cameraStatus === refused || downloadUrl === refused ||
    expiresAt === refused || sizeBytes === refused
  ) return refused
  // Built as `cameraFromBody` builds it, in the same order.
  const camera: Types.Mutable<RecallCamera> = { position }
  if (cameraType !== undefined) camera.cameraType = cameraType
  if (cameraStatus !== undefined) camera.status = cameraStatus
  if (downloadUrl !== undefined) camera.downloadUrl = downloadUrl
  if (expiresAt !== undefined) camera.expiresAt = expiresAt
  if (sizeBytes !== undefined) camera.sizeBytes = sizeBytes
  return camera
}

const fastCameras = (u: unknown): Array<RecallCamera> | typeof refused => {
  if (!Array.isArray(u)) return refused
  const cameras: Array<RecallCamera> = []
  for (const c of u) {
    const camera = fastCamera(c)
    if (camera === refused) return refused
    cameras.push(camera)
  }
  return cameras
}

/**
 * Decodes a video recall body exactly as {@link VideoRecallFromBody} does, without Schema's interpreter;
 * `undefined` for anything the schema would refuse.
 *
 * @since 0.1.0
 */
export const videoRecallFromBodyFast = (u: unknown): VideoRecall | undefined => {
  if (!Predicate.isRecord(u)) return undefined
  const id = requiredField(u, "id", recallId)
  const recallStatus = requiredField(u, "status", status)
  const primaryEntity = nullishField(u, "primary_entity", string)
  const vehicle = nullishField(u, "vehicle", vehicleRef)
  const asset = nullishField(u, "asset", assetRef)
  const startTime = nullishField(u, "start_time", string)
  const endTime = nullishField(u, "end_time", string)
  const recallType = nullishField(u, "recall_type", string)
  const createdAt = nullishField(u, "created_at", string)
  const updatedAt = nullishField(u, "updated_at", string)
  const cameras = nullishField(u, "cameras", fastCameras)
  if (
    id === refused || recallStatus === refused || primaryEntity === refused || vehicle === refused ||
    asset === refused || startTime === refused || endTime === refused || recallType === refused ||
    createdAt === refused || updatedAt === refused || cameras === refused
  ) return undefined
  // Built as `recallFromBody` builds it, in the same order.
  const fields: Types.Mutable<typeof VideoRecall.Type> = {
    id,
    status: recallStatus,
    cameras: cameras === undefined || cameras === null ? [] : cameras
  }
  if (primaryEntity !== undefined) fields.primaryEntity = primaryEntity
  if (vehicle !== undefined) fields.vehicle = vehicle
  if (asset !== undefined) fields.asset = asset
  if (startTime !== undefined) fields.startTime = startTime
  if (endTime !== undefined) fields.endTime = endTime
  if (recallType !== undefined) fields.recallType = recallType
  if (createdAt !== undefined) fields.createdAt = createdAt
  if (updatedAt !== undefined) fields.updatedAt = updatedAt
  return new VideoRecall(fields, true)
}

/**
 * A video recall response body decoded into a {@link VideoRecall}, and encoded back to the body's shape.
 * Every field is checked once, on the body side; the renaming is typed, so the result needs no second check.
 * Carries {@link videoRecallFromBodyFast} as its fast path.
 *
 * @since 0.1.0
 */
export const VideoRecallFromBody: Schema.Schema<VideoRecall, typeof VideoRecallBody.Encoded> = withFastDecode(
  Schema.transform(
    VideoRecallBody,
    Schema.instanceOf(VideoRecall),
    { strict: true, decode: recallFromBody, encode: recallToBody }
  ).annotations({ identifier: "VideoRecallFromBody" }),
  videoRecallFromBodyFast
)
