/** The operations the routes call: the emulated API over the sandbox's state, free of HTTP. */
import { Effect } from "effect"
import type { ApiAnswer, MediaAnswer } from "./answers.js"
import type { SandboxStore } from "./store.js"

/**
 * One operation per route of the emulated API.
 */
export interface SandboxApi {
  readonly createCapture: (body: unknown) => Effect.Effect<ApiAnswer>
  readonly getCapture: (cameraType: string, idText: string) => Effect.Effect<ApiAnswer>
  readonly createRecall: (body: unknown) => Effect.Effect<ApiAnswer>
  readonly getRecall: (idText: string) => Effect.Effect<ApiAnswer>
  readonly quota: Effect.Effect<ApiAnswer>
  readonly timelines: (kind: "vehicle" | "asset", query: Readonly<Record<string, string>>) => Effect.Effect<ApiAnswer>
  readonly vehicles: (query: Readonly<Record<string, string>>) => Effect.Effect<ApiAnswer>
  readonly assets: (query: Readonly<Record<string, string>>) => Effect.Effect<ApiAnswer>
  readonly createWebhook: (body: unknown) => Effect.Effect<ApiAnswer>
  readonly listWebhooks: (query: Readonly<Record<string, string>>) => Effect.Effect<ApiAnswer>
  /** The media behind a pre-signed URL, checked like S3 checks it. */
  readonly media: (path: string, query: Readonly<Record<string, string>>) => Effect.Effect<MediaAnswer>
}

const s3Refusal = (status: number, code: string, message: string): MediaAnswer => ({
  _tag: "S3Error",
  status,
  code,
  message
})

/**
 * The API over a store.
 */
export const makeApi = (store: SandboxStore): SandboxApi => ({
  createCapture: (body) => store.createCapture(body),
  getCapture: (cameraType, idText) => Effect.sync(() => store.getCapture(cameraType, idText)),
  createRecall: (body) => store.createRecall(body),
  getRecall: (idText) => Effect.sync(() => store.getRecall(idText)),
  quota: Effect.sync(() => store.quota()),
  timelines: (kind, query) => Effect.sync(() => store.timelines(kind, query)),
  vehicles: (query) => Effect.sync(() => store.vehicles(query)),
  assets: (query) => Effect.sync(() => store.assets(query)),
  createWebhook: (body) => Effect.sync(() => store.createWebhook(body)),
  listWebhooks: (query) => Effect.sync(() => store.listWebhooks(query)),
  media: (path, query) =>
    Effect.sync((): MediaAnswer => {
      const check = store.checkMediaUrl(path, query)
      if (check === "forged") {
        return s3Refusal(403, "SignatureDoesNotMatch", "The request signature we calculated does not match")
      }
      if (check === "expired") return s3Refusal(403, "AccessDenied", "Request has expired")
      const media = store.mediaAt(path)
      if (media === undefined) return s3Refusal(404, "NoSuchKey", "The specified key does not exist.")
      const truncate = store.faults.take("media", (f) => f.kind === "truncate")
      const truncateAfter = truncate?.kind === "truncate" ? { truncateAfter: truncate.afterBytes } : {}
      return media.kind === "image"
        ? { _tag: "Image", key: media.key, ...truncateAfter }
        : { _tag: "Video", key: media.key, video: store.video, ...truncateAfter }
    })
})
