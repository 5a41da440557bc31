/** The operations the routes call: the emulated API over the sandbox's state, free of HTTP. */
import { parseTimestamp } from "@effect-motive/domain"
import { DateTime, Effect, Either } from "effect"
import { imageKey, videoKey } from "../Media.js"
import { answer, type ApiAnswer, type MediaAnswer, refuse } from "./answers.js"
import {
  assetsBody,
  captureBody,
  type MediaLinks,
  quotaBody,
  recallBody,
  timelinesBody,
  vehiclesBody,
  webhookBody,
  webhooksBody
} from "./bodies.js"
import { availableSpans, findEntity } from "./fleet.js"
import { pageOf } from "./pagination.js"
import { checkMediaUrl, type MediaSigner, type MediaTarget, mediaTargetOf, signedUrl } from "./signedMedia.js"
import { advance, type SandboxState } from "./state.js"
import { registrationOf } from "./webhooks.js"

type Query = Readonly<Record<string, string>>

/**
 * One operation per route of the emulated API.
 */
export interface SandboxApi {
  readonly createCapture: (body: unknown) => Effect.Effect<ApiAnswer>
  readonly getCapture: (cameraType: string, idText: string) => Effect.Effect<ApiAnswer>
  readonly createRecall: (body: unknown) => Effect.Effect<ApiAnswer>
  readonly getRecall: (idText: string) => Effect.Effect<ApiAnswer>
  readonly quota: Effect.Effect<ApiAnswer>
  readonly timelines: (kind: "vehicle" | "asset", query: Query) => Effect.Effect<ApiAnswer>
  readonly vehicles: (query: Query) => Effect.Effect<ApiAnswer>
  readonly assets: (query: Query) => Effect.Effect<ApiAnswer>
  readonly createWebhook: (body: unknown) => Effect.Effect<ApiAnswer>
  readonly listWebhooks: (query: Query) => Effect.Effect<ApiAnswer>
  /** The media behind a pre-signed URL, checked as S3 checks it. */
  readonly media: (path: string, query: Query) => Effect.Effect<MediaAnswer>
}

const idOf = (text: string): number | undefined => /^\d+$/.test(text) ? Number(text) : undefined

const linksAt = (signer: MediaSigner, now: number, ttlMillis: number): MediaLinks => {
  const expiresAt = now + ttlMillis
  return { expiresAt, sign: (path) => signedUrl(signer, path, expiresAt) }
}

const s3Refusal = (status: number, code: string, message: string): MediaAnswer => ({
  _tag: "S3Error",
  status,
  code,
  message
})

const boundOf = (query: Query, field: "start_time" | "end_time", fallback: number): Either.Either<number, string> => {
  const raw = query[field]
  if (raw === undefined) return Either.right(fallback)
  return Either.match(parseTimestamp(raw), {
    onLeft: () => Either.left(`${field} "${raw}" is not an ISO 8601 timestamp with an offset`),
    onRight: (dt) => Either.right(DateTime.toEpochMillis(dt))
  })
}

/**
 * The API over a sandbox's state.
 */
export const makeApi = (state: SandboxState): SandboxApi => {
  const { captures, config, recalls, signer } = state

  const links = Effect.map(
    config.settings,
    (settings) => linksAt(signer, settings.clock.now(), settings.media.urlTtlMillis)
  )

  // The hot path of a poll: one read of the configuration, the statuses moved, one lookup.
  const getRecall = (idText: string) =>
    Effect.gen(function*() {
      const id = idOf(idText)
      const { settings, video } = yield* config.current
      const now = settings.clock.now()
      yield* advance(state, now)
      const recall = id === undefined ? undefined : yield* recalls.find(id)
      if (recall === undefined) return refuse(404, `No video recall request with id ${idText}`)
      return answer(200, recallBody(recall, linksAt(signer, now, settings.media.urlTtlMillis), video.size))
    })

  const timelines = (kind: "vehicle" | "asset", query: Query) =>
    Effect.gen(function*() {
      const { fleetSetUpAt, settings } = yield* config.current
      const key = kind === "vehicle" ? "vehicle_number" : "asset_name"
      const name = query[key]
      if (name === undefined || name.trim() === "") return refuse(400, `${key} is required`)
      const found = kind === "vehicle"
        ? findEntity(settings.fleet, { _tag: "vehicle", number: name.trim() })
        : findEntity(settings.fleet, { _tag: "asset", name: name.trim() })
      if (found === undefined) return refuse(404, `No ${kind} with ${key} "${name}"`)
      // Whole seconds: footage boundaries finer than that mean nothing and read badly.
      const now = Math.floor(settings.clock.now() / 1000) * 1000
      const from = boundOf(query, "start_time", now - settings.fleet.retentionMinutes * 60_000)
      const to = boundOf(query, "end_time", now)
      if (Either.isLeft(from)) return refuse(400, from.left)
      if (Either.isLeft(to)) return refuse(400, to.left)
      if (to.right < from.right) {
        return refuse(
          400,
          query.end_time === undefined
            ? "start_time is in the future (end_time defaults to now)"
            : "end_time is before start_time"
        )
      }
      const spans = availableSpans(settings.fleet, found.entity, from.right, to.right, now, fleetSetUpAt)
      return answer(200, timelinesBody(found.entity, spans, yield* state.quota.info(settings.quota, now)))
    })

  // The media key behind a path, once its recall or capture has succeeded.
  const readyMediaKey = (target: MediaTarget): Effect.Effect<string | undefined> =>
    target.kind === "video"
      ? Effect.map(recalls.find(target.recallId), (recall) =>
        recall?.status === "success" && recall.cameras.includes(target.position) &&
          !recall.failedCameras.includes(target.position)
          ? videoKey(recall.id, target.position)
          : undefined)
      : Effect.map(captures.find(target.requestId), (capture) =>
        capture?.status === "success" && capture.position === target.position
          ? imageKey(capture.requestId, capture.position)
          : undefined)

  const media = (path: string, query: Query) =>
    Effect.gen(function*() {
      const { settings, video } = yield* config.current
      const check = checkMediaUrl(signer, path, query, settings.clock.now())
      if (check === "forged") {
        return s3Refusal(403, "SignatureDoesNotMatch", "The request signature we calculated does not match")
      }
      if (check === "expired") return s3Refusal(403, "AccessDenied", "Request has expired")
      yield* advance(state)
      const target = mediaTargetOf(path)
      const key = target === undefined ? undefined : yield* readyMediaKey(target)
      if (target === undefined || key === undefined) {
        return s3Refusal(404, "NoSuchKey", "The specified key does not exist.")
      }
      const truncate = yield* state.faults.take("media", (f) => f.kind === "truncate")
      const truncateAfter = truncate?.kind === "truncate" ? { truncateAfter: truncate.afterBytes } : {}
      return target.kind === "video"
        ? { _tag: "Video" as const, key, video, ...truncateAfter }
        : { _tag: "Image" as const, key, ...truncateAfter }
    })

  return {
    createCapture: (body) =>
      Effect.flatMap(captures.create(body), (created) =>
        Either.isLeft(created)
          ? Effect.succeed(created.left)
          : Effect.map(links, (l) => answer(201, captureBody(created.right, l)))),
    getCapture: (cameraType, idText) =>
      Effect.gen(function*() {
        const id = idOf(idText)
        yield* advance(state)
        const capture = id === undefined ? undefined : yield* captures.find(id)
        if (capture === undefined || capture.cameraType !== cameraType) {
          return refuse(404, `No ${cameraType} image capture request with id ${idText}`)
        }
        return answer(200, captureBody(capture, yield* links))
      }),
    createRecall: (body) =>
      Effect.gen(function*() {
        const created = yield* recalls.create(body)
        if (Either.isLeft(created)) return created.left
        const { video } = yield* config.current
        return answer(201, recallBody(created.right, yield* links, video.size))
      }),
    getRecall,
    quota: Effect.flatMap(
      config.settings,
      (settings) =>
        Effect.map(state.quota.info(settings.quota, settings.clock.now()), (info) => answer(200, quotaBody(info)))
    ),
    timelines,
    vehicles: (query) =>
      Effect.map(config.settings, (settings) => answer(200, vehiclesBody(pageOf(settings.fleet.vehicles, query)))),
    assets: (query) =>
      Effect.map(config.settings, (settings) => answer(200, assetsBody(pageOf(settings.fleet.assets, query)))),
    createWebhook: (body) =>
      Either.match(registrationOf(body), {
        onLeft: (problems) => Effect.succeed(refuse(400, problems)),
        onRight: (registration) =>
          Effect.map(state.webhooks.register(registration), (webhook) => answer(201, webhookBody(webhook)))
      }),
    listWebhooks: (query) =>
      Effect.map(state.webhooks.all, (webhooks) => answer(200, webhooksBody(pageOf(webhooks, query)))),
    media
  }
}
