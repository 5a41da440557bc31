/**
 * Motive's camera API as an Effect service.
 *
 * @since 0.1.0
 */
import {
  AssetsPage,
  AvailableTimelines,
  CameraPosition,
  type CaptureValidationError,
  encodeImageCaptureBody,
  encodeVideoRecallBody,
  type FleetAsset,
  type FleetVehicle,
  formatTimestamp,
  headers as motiveHeaders,
  ImageCapture,
  type ImageCaptureInput,
  isCameraPosition,
  isTerminalStatus,
  pageSize,
  paths,
  RecallQuota,
  type RecallValidationError,
  statusText,
  validateImageCapture,
  validateVideoRecall,
  VehiclesPage,
  VideoRecall,
  VideoRecallFromBody,
  type VideoRecallInput,
  type VideoRecallOptions,
  Violation
} from "@effect-motive/domain"
import { FileSystem, HttpClient, HttpClientRequest, HttpClientResponse, Path } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import {
  Chunk,
  Clock,
  type ConfigError,
  Context,
  DateTime,
  Duration,
  Effect,
  Layer,
  Option,
  Redacted,
  Ref,
  Schedule,
  Schema,
  Stream
} from "effect"
import { downloadFile, type DownloadProgress as Progress } from "./internal/download.js"
import { decodeBody, errorFromResponse, transportError } from "./internal/transport.js"
import {
  layerHttpClient as MediaTransportLayerHttpClient,
  layerNode as MediaTransportLayerNode,
  MediaTransport
} from "./MediaTransport.js"
import {
  layer as MotiveConfigLayer,
  layerConfig,
  MotiveConfig,
  type MotiveConfigInput,
  type MotiveSettings,
  type PollingOptions
} from "./MotiveConfig.js"
import {
  type DownloadError,
  DownloadFailed,
  fileSystemMessage,
  InvalidRequest,
  isAmbiguous,
  isRetryable,
  type MotiveError,
  NotReady,
  RequestFailed,
  RequestTimeout,
  WaitTimedOut
} from "./MotiveError.js"
import { layer as RequestGateLayer, RequestGate } from "./RequestGate.js"
import { layer as RetryPolicyLayer, RetryPolicy } from "./RetryPolicy.js"
import * as UndiciHttpClient from "./UndiciHttpClient.js"

/**
 * The result of creating a recall: the request, and whether it was found as the duplicate of an earlier
 * attempt of this same call whose answer was lost (`deduplicated`).
 *
 * @since 0.1.0
 */
export interface RecallCreated {
  readonly recall: VideoRecall
  readonly deduplicated: boolean
  /** How many times the create was sent. */
  readonly attempts: number
}

/**
 * Identifies an image capture: the GET path needs the camera type the POST returned.
 *
 * @since 0.1.0
 */
export interface ImageCaptureRef {
  readonly cameraType: string
  readonly requestId: number
}

/**
 * A file written by a download.
 *
 * @since 0.1.0
 */
export interface DownloadedFile {
  readonly position: CameraPosition
  readonly path: string
  readonly bytes: number
}

/**
 * Which footage to ask the timelines endpoint about.
 *
 * @since 0.1.0
 */
export type TimelineQuery =
  & ({ readonly vehicleNumber: string } | { readonly assetName: string })
  & { readonly from: DateTime.DateTime; readonly to: DateTime.DateTime }

/**
 * Options of the waits.
 *
 * @since 0.1.0
 */
export interface WaitOptions {
  /** Time budget of the whole wait (default: the configured polling timeout). */
  readonly timeout?: Duration.DurationInput
  /** Told the status after every poll (`pending`, `in_progress`, …), e.g. to show progress. */
  readonly onStatus?: (status: string) => Effect.Effect<void>
}

/**
 * Progress of one file's download: its final `path`, the bytes on disk so far, and the total when the media
 * server said it. Reported every 200 ms while bytes arrive, and once at the end.
 *
 * @since 0.1.0
 */
export type DownloadProgress = Progress

/**
 * Options of `downloadRecall`.
 *
 * @since 0.1.0
 */
export interface DownloadRecallOptions {
  readonly directory: string
  /** Only these cameras (default: every camera of the recall). */
  readonly positions?: ReadonlyArray<CameraPosition>
  readonly onProgress?: (progress: DownloadProgress) => Effect.Effect<void>
}

/**
 * The operations.
 *
 * @since 0.1.0
 */
export interface MotiveClientService {
  /** Validates, then asks for a still image from one camera. */
  readonly createImageCapture: (input: ImageCaptureInput) => Effect.Effect<ImageCapture, MotiveError>
  readonly getImageCapture: (ref: ImageCaptureRef) => Effect.Effect<ImageCapture, MotiveError>
  /** Polls until the capture is `success` or `failed`. */
  readonly awaitImageCapture: (
    ref: ImageCaptureRef,
    options?: WaitOptions
  ) => Effect.Effect<ImageCapture, MotiveError | WaitTimedOut>
  /** Validates, then asks for a video recall; survives a lost answer without creating two. */
  readonly createVideoRecall: (
    input: VideoRecallInput,
    options?: VideoRecallOptions
  ) => Effect.Effect<RecallCreated, MotiveError>
  readonly getVideoRecall: (id: number) => Effect.Effect<VideoRecall, MotiveError>
  /** Polls until the recall is `success` or `failed`. */
  readonly awaitVideoRecall: (
    id: number,
    options?: WaitOptions
  ) => Effect.Effect<VideoRecall, MotiveError | WaitTimedOut>
  /** The recall each time its status or cameras change, ending at a terminal status. */
  readonly watchVideoRecall: (id: number) => Stream.Stream<VideoRecall, MotiveError>
  readonly getRecallQuota: Effect.Effect<RecallQuota, MotiveError>
  readonly availableTimelines: (query: TimelineQuery) => Effect.Effect<AvailableTimelines, MotiveError>
  /** Every vehicle, page by page. */
  readonly vehicles: Stream.Stream<FleetVehicle, MotiveError>
  /** Every asset, page by page. */
  readonly assets: Stream.Stream<FleetAsset, MotiveError>
  /** Writes a captured image to `path`, or to `<directory>/<request-id>-<position>.jpg`. */
  readonly downloadImage: (
    ref: ImageCaptureRef,
    options: { readonly directory: string } | { readonly path: string }
  ) => Effect.Effect<DownloadedFile, DownloadError>
  /**
   * Writes each camera's video to `<directory>/<recall-id>-<position>.mp4`, two cameras at a time. Cameras
   * asked for in `positions` that have no footage ready fail the call before anything is downloaded.
   */
  readonly downloadRecall: (
    id: number,
    options: DownloadRecallOptions
  ) => Effect.Effect<ReadonlyArray<DownloadedFile>, DownloadError>
}

/**
 * The Motive client.
 *
 * @since 0.1.0
 */
export class MotiveClient
  extends Context.Tag("@effect-motive/http/MotiveClient")<MotiveClient, MotiveClientService>()
{}

const validationToInvalid = (error: RecallValidationError | CaptureValidationError) =>
  new InvalidRequest({ message: error.message, source: "client", violations: error.violations })

/**
 * Whether the `HttpClient` enforces the request timeout itself (`UndiciHttpClient` does, with undici's own
 * timers). When it does not — any client you provide — every exchange, body included, is bounded by an
 * Effect timeout instead.
 *
 * @since 0.1.0
 */
export class TransportTimeouts extends Context.Reference<TransportTimeouts>()(
  "@effect-motive/http/TransportTimeouts",
  { defaultValue: () => false }
) {}

/** The polling schedule: from `initialInterval`, growing by half each time, capped at `maxInterval`. */
export const pollSchedule = (polling: PollingOptions) =>
  Schedule.exponential(polling.initialInterval, 1.5).pipe(Schedule.union(Schedule.spaced(polling.maxInterval)))

/**
 * Builds the client from an `HttpClient` (for Motive's API), a `MediaTransport` (for media files), its
 * settings, a retry policy and a request gate.
 *
 * @since 0.1.0
 */
export const make: Effect.Effect<
  MotiveClientService,
  never,
  HttpClient.HttpClient | MediaTransport | MotiveConfig | RetryPolicy | RequestGate | FileSystem.FileSystem | Path.Path
> = Effect.gen(function*() {
  const config: MotiveSettings = yield* MotiveConfig
  const policy = yield* RetryPolicy
  const gate = yield* RequestGate
  const http = yield* HttpClient.HttpClient
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  const mediaContext = Context.make(MediaTransport, yield* MediaTransport).pipe(Context.add(FileSystem.FileSystem, fs))

  const fixedHeaders: Record<string, string> = {
    accept: "application/json",
    "user-agent": config.userAgent,
    ...(config.credentials._tag === "ApiKey"
      ? { [motiveHeaders.apiKey]: Redacted.value(config.credentials.apiKey) }
      : { authorization: `Bearer ${Redacted.value(config.credentials.token)}` }),
    ...Option.match(config.timeZone, { onNone: () => ({}), onSome: (zone) => ({ [motiveHeaders.timeZone]: zone }) })
  }
  const api = http.pipe(
    HttpClient.mapRequest((request) =>
      request.pipe(HttpClientRequest.prependUrl(config.baseUrl), HttpClientRequest.setHeaders(fixedHeaders))
    )
  )

  const transportTimesOut = yield* TransportTimeouts

  /** One exchange: through the gate, timed out, answer decoded or mapped to its error. */
  const exchange = <A, I>(
    request: HttpClientRequest.HttpClientRequest,
    schema: Schema.Schema<A, I>
  ): Effect.Effect<A, MotiveError> =>
    gate.admit(
      api.execute(request).pipe(
        Effect.mapError((e) => transportError(e, config.requestTimeout)),
        Effect.flatMap(
          HttpClientResponse.matchStatus({
            "2xx": (response) => decodeBody(schema, config.requestTimeout)(response),
            orElse: errorFromResponse
          })
        ),
        // The whole exchange, body included, within the request timeout — unless the transport enforces it.
        (exchange) =>
          transportTimesOut ? exchange : Effect.timeoutFail(exchange, {
            duration: config.requestTimeout,
            onTimeout: () =>
              new RequestTimeout({
                message: `Motive did not answer within ${Duration.format(config.requestTimeout)}`,
                timeoutMillis: Duration.toMillis(config.requestTimeout)
              })
          })
      )
    ).pipe(
      Effect.tapError((error) =>
        error._tag === "RateLimited"
          ? gate.pause(Duration.min(error.retryAfter ?? config.retry.defaultRetryAfter, config.retry.maxRetryAfter))
          : Effect.void
      )
    )

  /**
   * The pre-signed URL of a camera or image already fetched, when it is not about to expire (30 s to spare);
   * otherwise `undefined`, and the download asks Motive for a fresh one.
   */
  const usableUrl = (
    url: string | null | undefined,
    expiresAt: string | null | undefined
  ): Effect.Effect<string | undefined> =>
    Effect.map(Clock.currentTimeMillis, (now) => {
      if (url == null) return undefined
      const expires = expiresAt == null ? NaN : Date.parse(expiresAt)
      return Number.isNaN(expires) || expires - now > 30_000 ? url : undefined
    })

  /** An exchange retried by the policy while the error is retryable for this kind of call. */
  const call = <A, I>(
    request: HttpClientRequest.HttpClientRequest,
    schema: Schema.Schema<A, I>,
    repeatable: boolean
  ) => retrying(exchange(request, schema), (e) => isRetryable(e, { repeatable }))

  /**
   * `Effect.retry` with the policy, entered only after a first retryable failure (most calls succeed at once,
   * and a schedule driver per call is measurable). The first failure is replayed into the schedule, so the
   * policy sees every failure and counts every attempt exactly as a plain `Effect.retry` would.
   */
  const retrying = <A, E extends MotiveError, R>(
    attempt: Effect.Effect<A, E, R>,
    retryable: (e: E) => boolean
  ): Effect.Effect<A, E, R> =>
    Effect.catchIf(attempt, retryable, (first) => {
      let replayed = false
      const again = Effect.suspend(() => {
        if (replayed) return attempt
        replayed = true
        return Effect.fail(first)
      })
      return Effect.retry(again, { schedule: policy.schedule, while: retryable })
    })

  const getVideoRecall = (id: number) =>
    call(HttpClientRequest.get(paths.videoRecall(id)), VideoRecallFromBody, true).pipe(
      Effect.withSpan("motive.getVideoRecall", { captureStackTrace: false, attributes: { "motive.recall_id": id } })
    )

  const getImageCapture = (ref: ImageCaptureRef) =>
    call(HttpClientRequest.get(paths.imageCapture(ref.cameraType, ref.requestId)), ImageCapture, true).pipe(
      Effect.withSpan("motive.getImageCapture", {
        captureStackTrace: false,
        attributes: { "motive.request_id": ref.requestId, "motive.camera_type": ref.cameraType }
      })
    )

  /** Polls `poll` until a terminal status, within the time budget. */
  const awaitTerminal = <A extends { readonly status: VideoRecall["status"] }>(
    poll: Effect.Effect<A, MotiveError>,
    options: WaitOptions | undefined
  ) =>
    Effect.gen(function*() {
      const budget = Duration.decode(options?.timeout ?? config.polling.timeout)
      const started = yield* Clock.currentTimeMillis
      const last = yield* Ref.make<Option.Option<A>>(Option.none())
      const interval: Schedule.Schedule<unknown, A> = pollSchedule(config.polling)
      return yield* poll.pipe(
        Effect.tap((a) =>
          options?.onStatus === undefined
            ? Ref.set(last, Option.some(a))
            : Effect.zipRight(Ref.set(last, Option.some(a)), options.onStatus(statusText(a.status)))
        ),
        Effect.repeat({
          schedule: Schedule.passthrough(interval),
          until: (a) => isTerminalStatus(a.status)
        }),
        Effect.timeout(budget),
        Effect.catchTag("TimeoutException", () =>
          Effect.gen(function*() {
            const seen = yield* Ref.get(last)
            const now = yield* Clock.currentTimeMillis
            const lastStatus = Option.match(seen, { onNone: () => "unknown", onSome: (a) => statusText(a.status) })
            return yield* new WaitTimedOut({
              message: Option.isNone(seen)
                ? `no status from Motive within ${Duration.format(budget)}`
                : `still ${lastStatus} after ${Duration.format(budget)}`,
              lastStatus,
              elapsedMillis: now - started
            })
          }))
      )
    })

  const pages = <P, I, A>(
    url: string,
    schema: Schema.Schema<P, I>,
    items: (page: P) => ReadonlyArray<A>,
    total: (page: P) => number
  ): Stream.Stream<A, MotiveError> =>
    Stream.paginateChunkEffect(1, (pageNo) =>
      call(
        HttpClientRequest.get(url).pipe(
          HttpClientRequest.setUrlParams({ per_page: String(pageSize.max), page_no: String(pageNo) })
        ),
        schema,
        true
      ).pipe(
        Effect.map((page) => {
          const got = items(page)
          const more = got.length > 0 && pageNo * pageSize.max < total(page)
          return [Chunk.fromIterable(got), more ? Option.some(pageNo + 1) : Option.none()] as const
        })
      ))

  // Level by level rather than `recursive: true`: Node's recursive mkdir can spin forever under /proc.
  const ensureDirectory = (directory: string): Effect.Effect<void, DownloadFailed> =>
    fs.stat(directory).pipe(
      Effect.flatMap((info) =>
        info.type === "Directory"
          ? Effect.void
          : new DownloadFailed({ message: `${directory} is not a directory`, path: directory, local: true })
      ),
      Effect.catchTag("SystemError", (e) =>
        e.reason !== "NotFound"
          ? new DownloadFailed({
            message: `could not use the directory: ${fileSystemMessage(e)}`,
            path: directory,
            local: true
          })
          : path.dirname(directory) === directory
          ? new DownloadFailed({ message: `no such directory: ${directory}`, path: directory, local: true })
          : ensureDirectory(path.dirname(directory)).pipe(
            Effect.zipRight(
              fs.makeDirectory(directory).pipe(
                Effect.catchTag("SystemError", (e2) => e2.reason === "AlreadyExists" ? Effect.void : Effect.fail(e2))
              )
            ),
            Effect.mapError((e2) =>
              e2._tag === "DownloadFailed"
                ? e2
                : new DownloadFailed({
                  message: `could not create the directory: ${fileSystemMessage(e2)}`,
                  path: directory,
                  local: true
                })
            )
          )),
      Effect.catchTag("BadArgument", (e) => new DownloadFailed({ message: e.message, path: directory, local: true }))
    )

  const service: MotiveClientService = {
    createImageCapture: (input) =>
      Effect.gen(function*() {
        const request = yield* Effect.mapError(validateImageCapture(input), validationToInvalid)
        // Captures have no duplicate detection: re-send only when Motive surely did not take the request.
        return yield* call(
          HttpClientRequest.post(paths.imageCaptures).pipe(
            HttpClientRequest.bodyUnsafeJson(encodeImageCaptureBody(request))
          ),
          ImageCapture,
          false
        )
      }).pipe(
        Effect.withSpan("motive.createImageCapture", {
          captureStackTrace: false,
          attributes: { "motive.position": String(input.position) }
        })
      ),

    getImageCapture,

    awaitImageCapture: (ref, options) =>
      awaitTerminal(getImageCapture(ref), options).pipe(
        Effect.withSpan("motive.awaitImageCapture", {
          captureStackTrace: false,
          attributes: { "motive.request_id": ref.requestId }
        })
      ),

    createVideoRecall: (input, options) =>
      Effect.gen(function*() {
        const request = yield* Effect.mapError(validateVideoRecall(input, options), validationToInvalid)
        const post = HttpClientRequest.post(paths.videoRecalls).pipe(
          HttpClientRequest.bodyUnsafeJson(encodeVideoRecallBody(request))
        )
        const attempts = yield* Ref.make(0)
        const ambiguous = yield* Ref.make(false)
        return yield* Ref.update(attempts, (n) => n + 1).pipe(
          Effect.zipRight(exchange(post, VideoRecallFromBody)),
          Effect.tapError((e) => isAmbiguous(e) ? Ref.set(ambiguous, true) : Effect.void),
          // Motive detects duplicates, so an ambiguous failure may be re-sent: a 409 then names the original.
          (create) => retrying(create, (e) => isRetryable(e, { repeatable: true })),
          Effect.flatMap((recall) =>
            Effect.map(Ref.get(attempts), (n): RecallCreated => ({ recall, deduplicated: false, attempts: n }))
          ),
          Effect.catchTag("DuplicateRequest", (duplicate) =>
            Effect.gen(function*() {
              const wasAmbiguous = yield* Ref.get(ambiguous)
              if (!wasAmbiguous || duplicate.existingId === undefined) return yield* duplicate
              const recall = yield* getVideoRecall(duplicate.existingId)
              return { recall, deduplicated: true, attempts: yield* Ref.get(attempts) }
            }))
        )
      }).pipe(Effect.withSpan("motive.createVideoRecall", {
        captureStackTrace: false,
        attributes: {
          "motive.entity": input.vehicleNumber === undefined ? "asset" : "vehicle",
          "motive.duration": String(input.duration),
          "motive.recall_type": input.recallType ?? "regular"
        }
      })),

    getVideoRecall,

    awaitVideoRecall: (id, options) =>
      awaitTerminal(getVideoRecall(id), options).pipe(
        Effect.withSpan("motive.awaitVideoRecall", { captureStackTrace: false, attributes: { "motive.recall_id": id } })
      ),

    watchVideoRecall: (id) =>
      Stream.repeatEffectWithSchedule(getVideoRecall(id), pollSchedule(config.polling)).pipe(
        Stream.changesWith((a, b) =>
          statusText(a.status) === statusText(b.status) && a.cameras.length === b.cameras.length &&
          a.cameras.every((c, i) => c.status === b.cameras[i]?.status)
        ),
        Stream.takeUntil((recall) => isTerminalStatus(recall.status))
      ),

    getRecallQuota: call(HttpClientRequest.get(paths.recallQuota), RecallQuota, true).pipe(
      Effect.withSpan("motive.getRecallQuota", { captureStackTrace: false })
    ),

    availableTimelines: (query) => {
      const entity = "vehicleNumber" in query ? "vehicle" as const : "asset" as const
      if (DateTime.lessThan(query.to, query.from)) {
        return Effect.fail(
          new InvalidRequest({
            message: "the window ends before it starts; nothing was sent",
            source: "client",
            violations: [
              new Violation({
                path: "end_time",
                rule: "window.end_before_start",
                message: `end_time ${formatTimestamp(DateTime.toUtc(query.to))} is before start_time ${
                  formatTimestamp(DateTime.toUtc(query.from))
                }`
              })
            ]
          })
        )
      }
      return call(
        HttpClientRequest.get(paths.availableTimelines(entity)).pipe(
          HttpClientRequest.setUrlParams({
            ...("vehicleNumber" in query ? { vehicle_number: query.vehicleNumber } : { asset_name: query.assetName }),
            start_time: formatTimestamp(DateTime.toUtc(query.from)),
            end_time: formatTimestamp(DateTime.toUtc(query.to))
          })
        ),
        AvailableTimelines,
        true
      ).pipe(
        Effect.withSpan("motive.availableTimelines", {
          captureStackTrace: false,
          attributes: { "motive.entity": entity }
        })
      )
    },

    vehicles: pages(paths.vehicles, VehiclesPage, (p) => p.vehicles.map((v) => v.vehicle), (p) => p.pagination.total),
    assets: pages(paths.assets, AssetsPage, (p) => p.assets.map((a) => a.asset), (p) => p.pagination.total),

    downloadImage: (ref, options) =>
      Effect.gen(function*() {
        const capture = yield* getImageCapture(ref)
        const status = statusText(capture.status)
        if (status === "failed") {
          return yield* new RequestFailed({ message: `image capture ${ref.requestId} failed`, id: ref.requestId })
        }
        const position = capture.position
        if (status !== "success" || !isCameraPosition(position)) {
          return yield* new NotReady({
            message: `image capture ${ref.requestId} is ${status}: wait for it first`,
            id: ref.requestId,
            status
          })
        }
        const freshUrl = Effect.flatMap(getImageCapture(ref), (c) => {
          const url = c.images?.[position]?.url
          return url === undefined
            ? new NotReady({ message: `image capture ${ref.requestId} has no image URL`, id: ref.requestId, status })
            : Effect.succeed(url)
        })
        const file = "path" in options
          ? options.path
          : path.join(options.directory, `${ref.requestId}-${position}.jpg`)
        yield* ensureDirectory(path.dirname(file))
        const written = yield* downloadFile({
          url: yield* usableUrl(capture.images?.[position]?.url, capture.images?.[position]?.expiresAt),
          freshUrl,
          path: file,
          attempts: config.downloadAttempts
        }).pipe(
          Effect.provide(mediaContext)
        )
        return { position, path: written.path, bytes: written.bytes }
      }).pipe(
        Effect.withSpan("motive.downloadImage", {
          captureStackTrace: false,
          attributes: { "motive.request_id": ref.requestId }
        })
      ),

    downloadRecall: (id, options) =>
      Effect.gen(function*() {
        const recall = yield* getVideoRecall(id)
        const status = statusText(recall.status)
        if (status === "failed") {
          return yield* new RequestFailed({ message: `video recall ${id} failed at Motive`, id })
        }
        if (status !== "success") {
          return yield* new NotReady({ message: `video recall ${id} is ${status}: wait for it first`, id, status })
        }
        // Only cameras whose footage is ready; a camera that failed has nothing to download.
        const ready = recall.cameras.filter((c) =>
          c.downloadUrl != null && (c.status == null || statusText(c.status) !== "failed")
        )
        const wanted = ready.flatMap((camera) => {
          const position = camera.position
          return isCameraPosition(position) && (options.positions === undefined || options.positions.includes(position))
            ? [{ ...camera, position }]
            : []
        })
        const missing = (options.positions ?? []).filter((p) => !wanted.some((c) => c.position === p))
        if (missing.length > 0) {
          return yield* new InvalidRequest({
            message: `video recall ${id} has no footage ready from ${missing.join(", ")} (ready: ${
              ready.map((c) => c.position).join(", ") || "none"
            })`,
            source: "client",
            violations: []
          })
        }
        yield* ensureDirectory(options.directory)
        const freshUrl = (position: CameraPosition) =>
          Effect.flatMap(getVideoRecall(id), (r) => {
            const url = r.cameras.find((c) => c.position === position)?.downloadUrl
            return url === undefined || url === null
              ? new NotReady({ message: `recall ${id} has no URL for ${position}`, id, status: statusText(r.status) })
              : Effect.succeed(url)
          })
        return yield* Effect.forEach(
          wanted,
          ({ downloadUrl, expiresAt, position }) =>
            usableUrl(downloadUrl, expiresAt).pipe(
              Effect.flatMap((url) =>
                downloadFile({
                  url,
                  freshUrl: freshUrl(position),
                  path: path.join(options.directory, `${id}-${position}.mp4`),
                  attempts: config.downloadAttempts,
                  ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress })
                })
              ),
              Effect.provide(mediaContext),
              Effect.map((written): DownloadedFile => ({ position, path: written.path, bytes: written.bytes }))
            ),
          { concurrency: 2 }
        )
      }).pipe(
        Effect.withSpan("motive.downloadRecall", { captureStackTrace: false, attributes: { "motive.recall_id": id } })
      )
  }
  return service
})

/**
 * The client over whatever `HttpClient`, `MediaTransport`, `RetryPolicy` and `RequestGate` the caller provides.
 *
 * @since 0.1.0
 */
export const layerWithoutDefaults: Layer.Layer<
  MotiveClient,
  never,
  HttpClient.HttpClient | MediaTransport | MotiveConfig | RetryPolicy | RequestGate | FileSystem.FileSystem | Path.Path
> = Layer.effect(MotiveClient, make)

/** Media through the `HttpClient` in context, silent for at most the request timeout. */
const mediaOverHttpClient: Layer.Layer<MediaTransport, never, HttpClient.HttpClient | MotiveConfig> = Layer
  .unwrapEffect(
    Effect.map(MotiveConfig, (config) => MediaTransportLayerHttpClient({ idleTimeout: config.requestTimeout }))
  )

/**
 * The client with the default retry policy and request gate over the `HttpClient` and file system the caller
 * provides, each exchange bounded by the request timeout. Media files come through the same `HttpClient`.
 * Replace any piece by providing its layer to {@link layerWithoutDefaults} instead.
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<
  MotiveClient,
  never,
  HttpClient.HttpClient | MotiveConfig | FileSystem.FileSystem | Path.Path
> = layerWithoutDefaults.pipe(
  Layer.provide(Layer.mergeAll(RetryPolicyLayer, RequestGateLayer, mediaOverHttpClient))
)

/**
 * The client with defaults over `UndiciHttpClient` and the Node media reader, whose timeouts come from the
 * settings.
 */
const layerNodeDefaults: Layer.Layer<MotiveClient, never, MotiveConfig | FileSystem.FileSystem | Path.Path> =
  layerWithoutDefaults.pipe(
    Layer.provide(Layer.mergeAll(
      RetryPolicyLayer,
      RequestGateLayer,
      Layer.unwrapEffect(
        Effect.map(
          MotiveConfig,
          (config) =>
            Layer.merge(
              UndiciHttpClient.layerWith({ headersTimeout: config.requestTimeout, bodyTimeout: config.requestTimeout }),
              MediaTransportLayerNode({ idleTimeout: config.requestTimeout })
            )
        )
      )
    )),
    Layer.provide(Layer.succeed(TransportTimeouts, true))
  )

/**
 * Everything on Node: `UndiciHttpClient` for Motive's API (with undici's own timeouts), the Node media reader
 * for files (`MediaTransport.layerNode`), the Node file system, settings from explicit values.
 *
 * @since 0.1.0
 */
export const layerNode = (input: MotiveConfigInput): Layer.Layer<MotiveClient> =>
  layerNodeDefaults.pipe(Layer.provide(Layer.merge(MotiveConfigLayer(input), NodeContext.layer)))

/**
 * Everything on Node, settings from the environment (`MOTIVE_API_KEY` or `MOTIVE_OAUTH_TOKEN`,
 * `MOTIVE_BASE_URL`, `MOTIVE_TIME_ZONE`).
 *
 * @since 0.1.0
 */
export const layerNodeConfig = (
  overrides: Partial<Omit<MotiveConfigInput, "credentials">> = {}
): Layer.Layer<MotiveClient, ConfigError.ConfigError> =>
  layerNodeDefaults.pipe(Layer.provide(Layer.merge(layerConfig(overrides), NodeContext.layer)))
