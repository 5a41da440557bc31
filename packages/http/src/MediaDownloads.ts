/**
 * Downloading a finished request's media to files: the captured image, or each camera of a recall.
 *
 * @since 0.1.0
 */
import {
  type CameraPosition,
  footageReady,
  ImageCapture,
  isCameraPosition,
  statusText,
  type VideoRecall,
  Violation
} from "@effect-motive/domain"
import { FileSystem, Path } from "@effect/platform"
import { Array as Arr, Clock, Context, Effect, Layer, Option } from "effect"
import { captureRefProblem, idProblem, listProblem, optionsProblem, pathProblem } from "./internal/callerInput.js"
import { downloadFile, type DownloadProgress as Progress, partialSuffixLength } from "./internal/download.js"
import { MediaTransport } from "./MediaTransport.js"
import { type ImageCaptureRef, MotiveClient } from "./MotiveClient.js"
import { MotiveConfig } from "./MotiveConfig.js"
import {
  type DownloadError,
  DownloadFailed,
  fileSystemMessage,
  InvalidRequest,
  NotReady,
  RequestFailed
} from "./MotiveError.js"
import * as RetryPolicy from "./RetryPolicy.js"

/**
 * A file written by a download.
 *
 * @since 0.1.0
 */
export interface DownloadedFile {
  readonly position: CameraPosition
  readonly path: string
  readonly bytes: number
  /** The complete file was already there (its size and last 64 KiB are the media's): it was not transferred again. */
  readonly alreadyThere: boolean
}

/**
 * Progress of one file's download: its final `path`, the bytes on disk so far, and the total when the media
 * server said it. Reported every 200 ms while bytes arrive, and once at the end.
 *
 * @since 0.1.0
 */
export type DownloadProgress = Progress

/**
 * The file a recall camera's video is written to, in the chosen directory.
 *
 * @since 0.1.0
 */
export const recallFileName = (id: number, position: CameraPosition): string => `${id}-${position}.mp4`

/**
 * The file a captured image is written to, when a directory is given.
 *
 * @since 0.1.0
 */
export const imageFileName = (requestId: number, position: CameraPosition): string => `${requestId}-${position}.jpg`

/**
 * How many characters the partial files beside a download add to its name (`.part.lock`), for checking
 * that a destination's names fit the file system before anything is requested.
 *
 * @since 0.1.0
 */
export const partialFileSuffixLength: number = partialSuffixLength

/**
 * Options of `downloadRecall`.
 *
 * @since 0.1.0
 */
export interface DownloadRecallOptions {
  readonly directory: string
  /** Only these cameras (default: every camera of the recall); `[]` is refused as `InvalidRequest`. */
  readonly positions?: ReadonlyArray<CameraPosition>
  readonly onProgress?: (progress: DownloadProgress) => Effect.Effect<void>
  /** Replace a different file found at a destination (default: refuse, keeping it). */
  readonly overwrite?: boolean
  /**
   * The recall as the caller just fetched it (saves a GET): used when it is this recall; its URLs are refreshed
   * when they are about to expire, as always.
   */
  readonly recall?: VideoRecall | undefined
}

/**
 * The downloads.
 *
 * @since 0.1.0
 */
export interface MediaDownloadsService {
  /**
   * Writes a captured image to `path`, or to `<directory>/<request-id>-<position>.jpg`. A complete copy already
   * there is kept (only the media's last 64 KiB are fetched, to compare); a different file is refused unless
   * `overwrite`. Given the finished `ImageCapture` itself (what a wait returns), its image link is used as it is
   * (a fresh one is fetched when it expires within 30 s): Motive is not asked for the capture again.
   */
  readonly downloadImage: (
    ref: ImageCaptureRef,
    options: ({ readonly directory: string } | { readonly path: string }) & { readonly overwrite?: boolean }
  ) => Effect.Effect<DownloadedFile, DownloadError>
  /**
   * Writes each camera's video to `<directory>/<recall-id>-<position>.mp4`, two cameras at a time. Cameras
   * asked for in `positions` that have no footage ready fail the call before anything is downloaded. Files
   * already complete are kept (`alreadyThere`), partial files of an earlier run resumed, a different file at a
   * destination refused unless `overwrite`.
   */
  readonly downloadRecall: (
    id: number,
    options: DownloadRecallOptions
  ) => Effect.Effect<ReadonlyArray<DownloadedFile>, DownloadError>
}

/**
 * Media downloads, as a service.
 *
 * @since 0.1.0
 */
export class MediaDownloads
  extends Context.Tag("@effect-motive/http/MediaDownloads")<MediaDownloads, MediaDownloadsService>()
{}

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

/**
 * Builds the downloads from the client (for fresh URLs), a `MediaTransport` (for the bytes), the file system
 * and the settings. The media retry schedule is the provided `RetryPolicy`'s, or the settings' default.
 *
 * @since 0.1.0
 */
export const make: Effect.Effect<
  MediaDownloadsService,
  never,
  MotiveClient | MotiveConfig | MediaTransport | FileSystem.FileSystem | Path.Path
> = Effect.gen(function*() {
  const client = yield* MotiveClient
  const config = yield* MotiveConfig
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  const policy = Option.getOrElse(yield* Effect.serviceOption(RetryPolicy.RetryPolicy), () => RetryPolicy.make(config))
  const mediaContext = Context.make(MediaTransport, yield* MediaTransport).pipe(
    Context.add(FileSystem.FileSystem, fs)
  )

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

  const downloadImage: MediaDownloadsService["downloadImage"] = (ref, options) => {
    // What a JavaScript caller got wrong is refused before anything is sent or written.
    const problem = captureRefProblem("ref", ref) ?? optionsProblem("options", options) ??
      ("path" in options
        ? pathProblem("options.path", options.path)
        : pathProblem("options.directory", options.directory))
    if (problem !== undefined) return Effect.fail(problem)
    return Effect.gen(function*() {
      // A finished capture given whole (what a wait returns) is not asked for again.
      const capture = ref instanceof ImageCapture && statusText(ref.status) === "success"
        ? ref
        : yield* client.getImageCapture(ref)
      const status = statusText(capture.status)
      if (status === "failed") {
        return yield* new RequestFailed({ message: `image capture ${ref.requestId} failed`, id: ref.requestId })
      }
      const position = capture.position
      if (status !== "success") {
        return yield* new NotReady({
          message: `image capture ${ref.requestId} is ${status}: wait for it first`,
          id: ref.requestId,
          status
        })
      }
      if (!isCameraPosition(position)) {
        return yield* new NotReady({
          message: `image capture ${ref.requestId} is done, but its camera position (${
            JSON.stringify(position).slice(0, 40)
          }) is not one this client knows: its image cannot be named`,
          id: ref.requestId,
          status
        })
      }
      const freshUrl = Effect.flatMap(client.getImageCapture(ref), (c) => {
        const url = c.images?.[position]?.url
        return url === undefined || url === null
          ? new NotReady({ message: `image capture ${ref.requestId} has no image URL`, id: ref.requestId, status })
          : Effect.succeed(url)
      })
      const file = "path" in options
        ? options.path
        : path.join(options.directory, imageFileName(ref.requestId, position))
      yield* ensureDirectory(path.dirname(file))
      const written = yield* downloadFile({
        url: yield* usableUrl(capture.images?.[position]?.url, capture.images?.[position]?.expiresAt),
        freshUrl,
        path: file,
        schedule: policy.media,
        overwrite: options.overwrite,
        media: `image_capture ${ref.requestId} ${position}`
      }).pipe(Effect.scoped, Effect.provide(mediaContext))
      return { position, ...written }
    }).pipe(
      Effect.withSpan("motive.downloadImage", {
        captureStackTrace: false,
        attributes: { "motive.request_id": ref.requestId }
      })
    )
  }

  const downloadRecall: MediaDownloadsService["downloadRecall"] = (id, options) => {
    // What a JavaScript caller got wrong is refused before anything is sent or written.
    const problem = idProblem("id", id) ?? optionsProblem("options", options) ??
      pathProblem("options.directory", options.directory) ?? listProblem("options.positions", options.positions)
    if (problem !== undefined) return Effect.fail(problem)
    return Effect.gen(function*() {
      // A value of the list that is no camera position at all (from an untyped caller) is named as such, before
      // anything is sent.
      const unknown = (options.positions ?? []).flatMap((p, i) =>
        isCameraPosition(p) ? [] : [
          new Violation({
            path: `positions[${i}]`,
            rule: "camera_positions.unknown",
            message: `${typeof p === "string" ? JSON.stringify(p) : typeof p} is not a camera position`
          })
        ]
      )
      if (Arr.isNonEmptyArray(unknown)) {
        return yield* new InvalidRequest({
          message: `positions: ${unknown.map((v) => v.message).join("; ")}; nothing was sent`,
          source: "client",
          violations: unknown
        })
      }
      if (options.positions !== undefined && options.positions.length === 0) {
        // Nothing to download is a mistake to say, not a success to return: checked before anything is sent.
        return yield* new InvalidRequest({
          message: "positions is empty: name at least one camera, or leave it out to download every camera",
          source: "client",
          violations: [
            new Violation({
              path: "positions",
              rule: "camera_positions.empty",
              message: "name at least one camera, or leave it out to download every camera"
            })
          ]
        })
      }
      const recall = options.recall !== undefined && options.recall.id === id
        ? options.recall
        : yield* client.getVideoRecall(id)
      const status = statusText(recall.status)
      if (status === "failed") {
        return yield* new RequestFailed({ message: `video recall ${id} failed at Motive`, id })
      }
      if (status !== "success") {
        return yield* new NotReady({ message: `video recall ${id} is ${status}: wait for it first`, id, status })
      }
      // Only cameras whose footage is ready; a camera that failed has nothing to download.
      const ready = recall.cameras.filter(footageReady)
      const wanted = ready.flatMap((camera) => {
        const position = camera.position
        return isCameraPosition(position) && (options.positions === undefined || options.positions.includes(position))
          ? [{ ...camera, position }]
          : []
      })
      const missing = (options.positions ?? []).filter((p) => !wanted.some((c) => c.position === p))
      if (missing.length > 0) {
        const readyText = ready.map((c) => c.position).join(", ") || "none"
        return yield* new InvalidRequest({
          message: `video recall ${id} has no footage ready from ${missing.join(", ")} (ready: ${readyText})`,
          source: "client",
          violations: []
        })
      }
      yield* ensureDirectory(options.directory)
      const freshUrl = (position: CameraPosition) =>
        Effect.flatMap(client.getVideoRecall(id), (r) => {
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
                path: path.join(options.directory, recallFileName(id, position)),
                schedule: policy.media,
                overwrite: options.overwrite,
                media: `video_recall ${id} ${position}`,
                ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress })
              })
            ),
            Effect.scoped,
            Effect.provide(mediaContext),
            Effect.map((written): DownloadedFile => ({ position, ...written }))
          ),
        { concurrency: 2 }
      )
    }).pipe(
      Effect.withSpan("motive.downloadRecall", { captureStackTrace: false, attributes: { "motive.recall_id": id } })
    )
  }

  return MediaDownloads.of({ downloadImage, downloadRecall })
})

/**
 * The downloads, as a layer.
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<
  MediaDownloads,
  never,
  MotiveClient | MotiveConfig | MediaTransport | FileSystem.FileSystem | Path.Path
> = Layer.effect(MediaDownloads, make)
