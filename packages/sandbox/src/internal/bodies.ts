/**
 * Motive's JSON bodies, built as the domain's typed values and encoded with the domain's schemas. The few
 * bodies the domain has no schema for are composed or written here, in {@link CompanyWebhookAnswer},
 * {@link CompanyWebhooksPage} and {@link recallCompletedEvent}.
 */
import {
  AssetsPage,
  AvailableTimelines,
  cameraPositionInfo,
  CompanyWebhook,
  formatTimestamp,
  ImageCapture,
  ImageCaptureId,
  Pagination,
  type QuotaInfo,
  recallCompletedAction,
  RecallId,
  RecallQuota,
  VehiclesPage,
  VideoRecall,
  VideoRecallFromBody
} from "@effect-motive/domain"
import { DateTime, Schema } from "effect"
import type { SandboxAsset, SandboxVehicle } from "../Fleet.js"
import type { StoredCapture, StoredEntity, StoredRecall, StoredWebhook } from "../Records.js"
import { isDone } from "./lifecycle.js"
import { mediaPaths } from "./signedMedia.js"

/**
 * An instant as Motive writes it.
 */
export const iso = (ms: number): string => formatTimestamp(DateTime.unsafeMake(ms))

/**
 * What a body with download links needs: when the links expire, and how to sign a media path.
 */
export interface MediaLinks {
  readonly expiresAt: number
  readonly sign: (path: string) => string
}

const encodeRecall = Schema.encodeSync(VideoRecallFromBody)
const encodeCapture = Schema.encodeSync(ImageCapture)
const encodeQuota = Schema.encodeSync(RecallQuota)
const encodeTimelines = Schema.encodeSync(AvailableTimelines)
const encodeVehicles = Schema.encodeSync(VehiclesPage)
const encodeAssets = Schema.encodeSync(AssetsPage)

const vehicleRef = (entity: StoredEntity) => entity.kind === "vehicle" ? { id: entity.id, number: entity.number } : null
const assetRef = (entity: StoredEntity) => entity.kind === "asset" ? { id: entity.id, name: entity.name } : null

type RecallBody = typeof VideoRecallFromBody.Encoded

const encodeRecallOnce = (recall: StoredRecall, videoSize: number): RecallBody => {
  const ready = recall.status === "success"
  const cameraStatus = isDone(recall.status) ? recall.status : "in_progress"
  return encodeRecall(
    new VideoRecall({
      id: RecallId.make(recall.id),
      status: recall.status,
      primaryEntity: recall.entity.kind,
      vehicle: vehicleRef(recall.entity),
      asset: assetRef(recall.entity),
      startTime: iso(recall.startTime),
      endTime: iso(recall.startTime + recall.durationMinutes * 60_000),
      recallType: recall.recallType,
      createdAt: iso(recall.createdAt),
      updatedAt: iso(recall.updatedAt),
      cameras: recall.status === "pending" ? [] : recall.cameras.map((position) => {
        const lost = ready && recall.failedCameras.includes(position)
        return {
          position,
          cameraType: cameraPositionInfo[position].cameraType,
          status: lost ? "failed" : cameraStatus,
          // Set on every answer (below): a link is signed for the moment it is handed out.
          downloadUrl: null,
          expiresAt: null,
          sizeBytes: ready && !lost ? videoSize : null
        }
      })
    }, true) // checked once, by the encoder
  )
}

// Polling a recall is the sandbox's hot path. A stored recall is an immutable value, replaced when its status
// moves, so its body is encoded once per status; only the download links, fresh on every answer, are set
// on the encoded body (in the fields the encoder wrote).
const encodedRecalls = new WeakMap<StoredRecall, { readonly videoSize: number; readonly body: RecallBody }>()

/**
 * A video recall body: cameras appear once processing starts, with download links once it succeeded.
 */
export const recallBody = (recall: StoredRecall, links: MediaLinks, videoSize: number): RecallBody => {
  const cached = encodedRecalls.get(recall)
  const body = cached !== undefined && cached.videoSize === videoSize
    ? cached.body
    : encodeRecallOnce(recall, videoSize)
  if (cached?.body !== body) encodedRecalls.set(recall, { videoSize, body })
  if (recall.status !== "success" || body.cameras == null) return body
  const expiresAt = iso(links.expiresAt)
  return {
    ...body,
    cameras: body.cameras.map((camera) =>
      camera.status === "failed" ? camera : {
        ...camera,
        download_url: links.sign(mediaPaths.video(recall.id, camera.position)),
        expires_at: expiresAt
      }
    )
  }
}

/**
 * An image capture body: the image's link once it succeeded.
 */
export const captureBody = (capture: StoredCapture, links: MediaLinks): unknown => {
  const { entity } = capture
  return encodeCapture(
    new ImageCapture({
      requestId: ImageCaptureId.make(capture.requestId),
      cameraType: capture.cameraType,
      position: capture.position,
      // A capture is never stored in_progress (it is pending until it ends): said as Motive names it regardless.
      status: capture.status === "in_progress" ? "pending" : capture.status,
      ...(entity.kind === "vehicle"
        ? { vehicle: { id: entity.id, number: entity.number } }
        : { asset: { id: entity.id, name: entity.name } }),
      createdAt: iso(capture.createdAt),
      ...(capture.status === "success"
        ? {
          images: {
            [capture.position]: {
              url: links.sign(mediaPaths.image(capture.requestId, capture.position)),
              expiresAt: iso(links.expiresAt)
            }
          }
        }
        : {})
    }, true) // checked once, by the encoder
  )
}

/**
 * The quota body.
 */
export const quotaBody = (quotaInfo: QuotaInfo): unknown => encodeQuota({ quotaInfo })

/**
 * The available-timelines body.
 */
export const timelinesBody = (
  entity: StoredEntity,
  spans: ReadonlyArray<readonly [number, number]>,
  quotaInfo: QuotaInfo
): unknown =>
  encodeTimelines({
    primaryEntity: entity.kind,
    vehicle: vehicleRef(entity),
    asset: assetRef(entity),
    availableTimelines: spans.map(([a, b]) => ({ startTime: iso(a), endTime: iso(b) })),
    quotaInfo
  })

/**
 * One page of a list, and where it sits.
 */
export interface Page<A> {
  readonly items: ReadonlyArray<A>
  readonly pagination: Pagination
}

/**
 * A page of `GET /v1/vehicles`.
 */
export const vehiclesBody = ({ items, pagination }: Page<SandboxVehicle>): unknown =>
  encodeVehicles({
    vehicles: items.map((v) => ({
      vehicle: { id: v.id, number: v.number, make: v.make, model: v.model, status: "active" }
    })),
    pagination
  })

/**
 * A page of `GET /v1/assets`.
 */
export const assetsBody = ({ items, pagination }: Page<SandboxAsset>): unknown =>
  encodeAssets({
    assets: items.map((a) => ({ asset: { id: a.id, name: a.name, type: a.type, status: "active" } })),
    pagination
  })

// The domain reads one registered webhook (`CompanyWebhook`); the envelopes around it are the sandbox's.

/**
 * `POST /v1/company_webhooks`'s answer: `{ company_webhook }`.
 */
export const CompanyWebhookAnswer = Schema.Struct({ company_webhook: CompanyWebhook })

/**
 * A page of `GET /v1/company_webhooks`.
 */
export const CompanyWebhooksPage = Schema.Struct({
  company_webhooks: Schema.Array(CompanyWebhookAnswer),
  pagination: Pagination
})

const encodeWebhook = Schema.encodeSync(CompanyWebhookAnswer)
const encodeWebhooks = Schema.encodeSync(CompanyWebhooksPage)

const companyWebhook = (w: StoredWebhook) => ({
  company_webhook: { id: w.id, url: w.url, format: w.format, actions: w.actions, enabled: w.enabled }
})

/**
 * A registered webhook, its secret left out.
 */
export const webhookBody = (webhook: StoredWebhook): unknown => encodeWebhook(companyWebhook(webhook))

/**
 * A page of registered webhooks.
 */
export const webhooksBody = ({ items, pagination }: Page<StoredWebhook>): unknown =>
  encodeWebhooks({ company_webhooks: items.map(companyWebhook), pagination })

/**
 * The event posted when a recall completes [assumed, `motive-api.md`]. The domain reads only `action` and
 * `id` (`WebhookEvent`); the other fields are the sandbox's, so the body is written by hand.
 */
export const recallCompletedEvent = (recall: StoredRecall): string =>
  JSON.stringify({
    action: recallCompletedAction,
    id: recall.id,
    status: recall.status,
    primary_entity: recall.entity.kind,
    trigger: "video_recall_request",
    occurred_at: iso(recall.updatedAt)
  })
