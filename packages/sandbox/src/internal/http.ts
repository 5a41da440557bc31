/** The sandbox's HTTP face: routing, credentials, limits, faults, media serving and request recording. */
import { headers as motiveHeaders } from "@effect-motive/domain"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import type { HttpApp } from "@effect/platform"
import { NodeHttpServerRequest } from "@effect/platform-node"
import { Effect, Option, Stream } from "effect"
import type { Fault, RouteKey } from "../Faults.js"
import { jpegImage } from "../Media.js"
import type { RecordedRequest } from "../Records.js"
import type { ApiAnswer, SandboxStore } from "./store.js"

const json = (store: SandboxStore, a: ApiAnswer) =>
  HttpServerResponse.unsafeJson(a.body, {
    status: a.status,
    headers: { ...a.headers, [motiveHeaders.requestId]: store.requestSerial() }
  })

const s3Error = (status: number, code: string, message: string) =>
  HttpServerResponse.text(
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`,
    { status, contentType: "application/xml" }
  )

/** Which route a method and path address (faults and records are keyed by it). */
export const routeKeyOf = (method: string, path: string): RouteKey | undefined => {
  if (path.startsWith("/media/")) return "media"
  if (path === "/v1/image_captures") return method === "POST" ? "createImageCapture" : undefined
  if (path.startsWith("/v1/image_captures/")) return "getImageCapture"
  if (path === "/v1/video_recall_requests") return method === "POST" ? "createVideoRecall" : undefined
  if (path === "/v1/video_recall_requests/quota") return "recallQuota"
  if (path.endsWith("/available_timelines")) return "availableTimelines"
  if (path.startsWith("/v1/video_recall_requests/")) return "getVideoRecall"
  if (path === "/v1/vehicles") return "vehicles"
  if (path === "/v1/assets") return "assets"
  if (path === "/v1/company_webhooks") return "companyWebhooks"
  return undefined
}

const cameraRoutes: ReadonlyArray<RouteKey> = [
  "createImageCapture",
  "getImageCapture",
  "createVideoRecall",
  "getVideoRecall",
  "recallQuota",
  "availableTimelines"
]

const maskHeaders = (headers: Readonly<Record<string, string | undefined>>): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue
    out[k] = k === "x-api-key" ? "***" : k === "authorization" ? v.replace(/^(\S+\s+).*$/, "$1***") : v
  }
  return out
}

const socketOf = (request: HttpServerRequest.HttpServerRequest) =>
  NodeHttpServerRequest.toIncomingMessage(request).socket

/** Cuts the connection: a TCP reset when the platform offers it, otherwise a plain destroy. */
const cut = (request: HttpServerRequest.HttpServerRequest, reset: boolean) =>
  Effect.sync(() => {
    const socket = socketOf(request)
    if (reset && typeof socket.resetAndDestroy === "function") socket.resetAndDestroy()
    else socket.destroy()
  })

const queryOf = (url: URL): Record<string, string> => Object.fromEntries(url.searchParams.entries())

const urlOf = (request: HttpServerRequest.HttpServerRequest) => new URL(request.url, "http://sandbox.invalid")

type Handler = Effect.Effect<
  HttpServerResponse.HttpServerResponse,
  never,
  HttpServerRequest.HttpServerRequest | HttpRouter.RouteContext
>

const bodyJson = (request: HttpServerRequest.HttpServerRequest): Effect.Effect<Option.Option<unknown>> =>
  request.text.pipe(
    Effect.map((text) => {
      try {
        return Option.some<unknown>(JSON.parse(text))
      } catch {
        return Option.none()
      }
    }),
    Effect.orElseSucceed(() => Option.none())
  )

const withJsonBody = (
  store: SandboxStore,
  f: (body: unknown) => Effect.Effect<ApiAnswer>
): Handler =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const body = yield* bodyJson(request)
    if (Option.isNone(body)) {
      return json(store, { status: 400, body: { error_message: "The request body is not valid JSON" } })
    }
    return json(store, yield* f(body.value))
  })

const param = (name: string) => Effect.map(HttpRouter.params, (p) => p[name] ?? "")

const CHUNK = 256 * 1024

/** How many received requests the sandbox remembers for inspection. */
const maxRecordedRequests = 10_000

/** Parses a single `Range: bytes=…` header against `size`. */
export const parseRange = (
  header: string | undefined,
  size: number
): { readonly start: number; readonly end: number } | "unsatisfiable" | undefined => {
  if (header === undefined) return undefined
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (m === null || (m[1] === "" && m[2] === "")) return undefined
  if (m[1] === "") {
    const suffix = Number(m[2])
    return suffix === 0 || size === 0 ? "unsatisfiable" : { start: Math.max(0, size - suffix), end: size - 1 }
  }
  const start = Number(m[1])
  const end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1)
  return start >= size || end < start ? "unsatisfiable" : { start, end }
}

const serveBytes = (
  request: HttpServerRequest.HttpServerRequest,
  options: {
    readonly size: number
    readonly etag: string
    readonly contentType: string
    readonly slice: (start: number, end: number) => Uint8Array
    readonly truncate: Fault | undefined
  }
) => {
  const { etag, size } = options
  const ifRange = request.headers["if-range"]
  const range = ifRange !== undefined && ifRange !== etag ? undefined : parseRange(request.headers["range"], size)
  if (range === "unsatisfiable") {
    return HttpServerResponse.empty({ status: 416, headers: { "content-range": `bytes */${size}` } })
  }
  const start = range?.start ?? 0
  const endExclusive = range === undefined ? size : range.end + 1
  const cutAt = options.truncate?.kind === "truncate"
    ? Math.min(endExclusive, start + options.truncate.afterBytes)
    : endExclusive
  const body = Stream.unfold(start, (offset) =>
    offset >= cutAt
      ? Option.none()
      : Option.some([options.slice(offset, Math.min(offset + CHUNK, cutAt)), offset + CHUNK] as const))
  const stream = cutAt < endExclusive
    ? Stream.concat(
      body,
      Stream.drain(Stream.fromEffect(Effect.zipRight(Effect.sleep("50 millis"), cut(request, false))))
    )
    : body
  return HttpServerResponse.stream(stream, {
    status: range === undefined ? 200 : 206,
    contentType: options.contentType,
    contentLength: endExclusive - start,
    headers: {
      "accept-ranges": "bytes",
      etag,
      ...(range === undefined ? {} : { "content-range": `bytes ${start}-${range.end}/${size}` })
    }
  })
}

const mediaHandler = (store: SandboxStore): Handler =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const url = urlOf(request)
    const check = store.checkMediaUrl(url.pathname, queryOf(url))
    if (check === "forged") {
      return s3Error(403, "SignatureDoesNotMatch", "The request signature we calculated does not match")
    }
    if (check === "expired") return s3Error(403, "AccessDenied", "Request has expired")
    const media = store.mediaAt(url.pathname)
    if (media === undefined) return s3Error(404, "NoSuchKey", "The specified key does not exist.")
    const truncate = store.faults.take("media", (f) => f.kind === "truncate")
    if (media.kind === "image") {
      const bytes = jpegImage(media.key)
      return serveBytes(request, {
        size: bytes.length,
        etag: `"img-${bytes.length}-${media.key.length}"`,
        contentType: "image/jpeg",
        slice: (a, b) => bytes.subarray(a, b),
        truncate
      })
    }
    const video = store.video
    return serveBytes(request, {
      size: video.size,
      etag: video.etag(media.key),
      contentType: "video/mp4",
      slice: (a, b) => video.slice(media.key, a, b),
      truncate
    })
  })

/** The routes of the emulated API. */
export const makeRouter = (store: SandboxStore) =>
  HttpRouter.empty.pipe(
    HttpRouter.post("/v1/image_captures", withJsonBody(store, (body) => store.createCapture(body))),
    HttpRouter.get(
      "/v1/image_captures/:camera_type/:request_id",
      Effect.gen(function*() {
        return json(store, store.getCapture(yield* param("camera_type"), yield* param("request_id")))
      })
    ),
    HttpRouter.post("/v1/video_recall_requests", withJsonBody(store, (body) => store.createRecall(body))),
    HttpRouter.get("/v1/video_recall_requests/quota", Effect.sync(() => json(store, store.quota()))),
    HttpRouter.get(
      "/v1/video_recall_requests/vehicles/available_timelines",
      Effect.map(HttpServerRequest.HttpServerRequest, (r) => json(store, store.timelines("vehicle", queryOf(urlOf(r)))))
    ),
    HttpRouter.get(
      "/v1/video_recall_requests/assets/available_timelines",
      Effect.map(HttpServerRequest.HttpServerRequest, (r) => json(store, store.timelines("asset", queryOf(urlOf(r)))))
    ),
    HttpRouter.get(
      "/v1/video_recall_requests/:id",
      Effect.map(param("id"), (id) => json(store, store.getRecall(id)))
    ),
    HttpRouter.get(
      "/v1/vehicles",
      Effect.map(HttpServerRequest.HttpServerRequest, (r) => json(store, store.vehicles(queryOf(urlOf(r)))))
    ),
    HttpRouter.get(
      "/v1/assets",
      Effect.map(HttpServerRequest.HttpServerRequest, (r) => json(store, store.assets(queryOf(urlOf(r)))))
    ),
    HttpRouter.post("/v1/company_webhooks", withJsonBody(store, (body) => Effect.succeed(store.createWebhook(body)))),
    HttpRouter.get(
      "/v1/company_webhooks",
      Effect.map(HttpServerRequest.HttpServerRequest, (r) => json(store, store.listWebhooks(queryOf(urlOf(r)))))
    ),
    HttpRouter.get("/media/recalls/:id/:file", mediaHandler(store)),
    HttpRouter.get("/media/images/:id/:file", mediaHandler(store)),
    HttpRouter.get("/_sandbox/health", Effect.succeed(HttpServerResponse.unsafeJson({ ok: true })))
  )

/**
 * Wraps the router: records each request, applies faults, credentials, the rate limit and the
 * `video_monitoring` switch, in that order, and answers unknown routes with 404.
 */
export const makeApp = (store: SandboxStore): HttpApp.Default =>
  Effect.gen(function*() {
    const router = makeRouter(store).pipe(
      Effect.catchTag("RouteNotFound", () =>
        Effect.succeed(json(store, { status: 404, body: { error_message: "Not found" } })))
    )
    const request = yield* HttpServerRequest.HttpServerRequest
    const url = urlOf(request)
    const route = routeKeyOf(request.method, url.pathname)
    const body = request.method === "POST" || request.method === "PUT"
      ? yield* Effect.map(
        bodyJson(request),
        Option.getOrElse(() =>
          undefined
        )
      )
      : undefined
    // A webhook registration carries its shared secret: the record keeps the rest.
    if (route === "companyWebhooks" && typeof body === "object" && body !== null && "secret" in body) {
      Object.assign(body, { secret: "***" })
    }
    const record: { -readonly [K in keyof RecordedRequest]: RecordedRequest[K] } = {
      at: store.now(),
      method: request.method,
      path: url.pathname,
      query: queryOf(url),
      route,
      headers: maskHeaders(request.headers),
      body,
      status: undefined
    }
    store.requests.push(record)
    // A sandbox left running keeps the most recent requests only.
    if (store.requests.length > maxRecordedRequests) {
      store.requests.splice(0, store.requests.length - maxRecordedRequests)
    }
    const respond = (response: HttpServerResponse.HttpServerResponse) => {
      record.status = response.status
      return response
    }

    const fault = route === undefined
      ? undefined
      : store.faults.take(
        route,
        (f) => route === "media" ? f.kind !== "commit_then_drop" && f.kind !== "truncate" : f.kind !== "truncate"
      )
    if (fault?.kind === "reset") {
      yield* cut(request, true)
      return HttpServerResponse.empty({ status: 499 })
    }
    if (fault?.kind === "status") {
      return respond(json(store, { status: fault.status, body: { error_message: `Injected ${fault.status}` } }))
    }
    if (fault?.kind === "slow") yield* store.pause(fault.delayMillis)

    if (route !== undefined && route !== "media") {
      const credential = store.credentialOf(request.headers)
      if (credential === undefined) {
        return respond(json(store, {
          status: 401,
          body: { error_message: "Unauthorized: send a valid X-Api-Key or Authorization: Bearer token" }
        }))
      }
      const limited = store.takeToken(credential)
      if (limited !== undefined) return respond(json(store, limited))
      if (!store.settings.videoMonitoring && cameraRoutes.includes(route)) {
        return respond(json(store, {
          status: 403,
          body: {
            error_message:
              "The video_monitoring feature is not enabled for this company (Admin > Safety > Cameras > Capture Trip Images)"
          }
        }))
      }
    }

    const response = yield* router
    if (fault?.kind === "commit_then_drop") {
      yield* cut(request, false)
      return HttpServerResponse.empty({ status: 499 })
    }
    return respond(response)
  })
