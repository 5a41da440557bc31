/** Streams one media file to disk: temporary file, resume with Range, restart, fresh URL on expiry, rename. */
import { FileSystem } from "@effect/platform"
import { Duration, Effect, Fiber, Random, Schedule } from "effect"
import { MediaTransport } from "../MediaTransport.js"
import { DownloadFailed, fileSystemMessage, MediaExpired, type MotiveError } from "../MotiveError.js"
import type { MediaRetry } from "../RetryPolicy.js"

/** Where a pre-signed URL points, without its signature. */
export const locationOf = (url: string): string => {
  try {
    const u = new URL(url)
    return `${u.origin}${u.pathname}`
  } catch {
    return "(invalid URL)"
  }
}

/** What one attempt achieved. */
type Attempt =
  | { readonly _tag: "Complete" }
  | { readonly _tag: "Cut"; readonly reason: string }
  | { readonly _tag: "Expired" }
  | { readonly _tag: "Restart"; readonly reason: string }

/** Progress of one download, for display. */
export interface DownloadProgress {
  readonly path: string
  readonly bytes: number
  readonly total: number | undefined
}

/** Options of {@link downloadFile}. */
export interface DownloadFileOptions<E> {
  /** A pre-signed URL already in hand, used first; without one the download starts from {@link freshUrl}. */
  readonly url?: string | undefined
  /** A fresh pre-signed URL (called at the start when no `url` was given, and whenever the URL has expired). */
  readonly freshUrl: Effect.Effect<string, E>
  readonly path: string
  /** When to try again after an attempt that did not finish the file (and how many attempts in all). */
  readonly schedule: Schedule.Schedule<unknown, MediaRetry>
  readonly onProgress?: (progress: DownloadProgress) => Effect.Effect<void>
}

const contentRangeTotal = (header: string | undefined): number | undefined => {
  const m = header === undefined ? null : /\/(\d+)\s*$/.exec(header)
  return m === null ? undefined : Number(m[1])
}

const contentRangeStart = (header: string | undefined): number | undefined => {
  const m = header === undefined ? null : /^bytes\s+(\d+)-/.exec(header)
  return m === null ? undefined : Number(m[1])
}

/** An attempt that did not finish the file, and whether to back off before the next. */
class Retry implements MediaRetry {
  constructor(readonly reason: string, readonly backoff: boolean) {}
}

const isRetry = (u: unknown): u is Retry => u instanceof Retry

/** What a partial file's name adds to the final one: `.<12 hex digits>.part`. */
export const partialSuffixLength = ".000000000000.part".length

const randomHex = Effect.map(
  Effect.all([Random.nextIntBetween(0, 0x1000000), Random.nextIntBetween(0, 0x1000000)]),
  ([a, b]) => `${a.toString(16).padStart(6, "0")}${b.toString(16).padStart(6, "0")}`
)

/**
 * Downloads to `path` through a temporary `path.<random>.part`, renamed only when every byte promised arrived.
 * On failure nothing is left behind.
 */
export const downloadFile = <E>(
  options: DownloadFileOptions<E>
): Effect.Effect<
  { readonly path: string; readonly bytes: number },
  E | MediaExpired | DownloadFailed | MotiveError,
  FileSystem.FileSystem | MediaTransport
> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const media = yield* MediaTransport
    // A name of its own, so two downloads of the same file never touch each other's partial bytes.
    const tmp = `${options.path}.${yield* randomHex}.part`
    const fsFailed = (what: string) => (e: { readonly message: string; readonly cause?: unknown }) =>
      new DownloadFailed({ message: `${what}: ${fileSystemMessage(e)}`, path: options.path, local: true })
    const sizeOnDisk = fs.stat(tmp).pipe(
      Effect.map((info) => Number(info.size)),
      Effect.orElseSucceed(() => 0)
    )
    const state: { url: string; etag: string | undefined; total: number | undefined; refreshes: number } = {
      url: options.url ?? (yield* options.freshUrl),
      etag: undefined,
      total: undefined,
      refreshes: 0
    }

    const attempt = (written: number): Effect.Effect<Attempt, DownloadFailed> =>
      Effect.gen(function*() {
        const resume = written > 0 && state.etag !== undefined
        const response = yield* media.get(
          state.url,
          resume ? { range: `bytes=${written}-`, "if-range": state.etag! } : {}
        )
          .pipe(Effect.either)
        if (response._tag === "Left") {
          const failure = response.left
          return {
            _tag: "Cut",
            reason: failure.timedOut
              ? failure.message // it names the wait the transport applied
              : failure.requestSent
              ? `the connection to the media server broke (${failure.message})`
              : `could not connect to the media server (${failure.message})`
          } as const
        }
        const res = response.right
        if (res.status === 403) return { _tag: "Expired" } as const
        if (res.status === 416) {
          return state.total !== undefined && written === state.total
            ? { _tag: "Complete" } as const
            : { _tag: "Restart", reason: "the server refused the range" } as const
        }
        let append: boolean
        if (res.status === 206) {
          const start = contentRangeStart(res.headers["content-range"])
          if (!resume || start !== written) {
            return { _tag: "Restart", reason: "the server resumed at the wrong offset" } as const
          }
          state.total = contentRangeTotal(res.headers["content-range"]) ?? state.total
          append = true
        } else if (res.status === 200) {
          const length = Number(res.headers["content-length"])
          state.total = Number.isFinite(length) && res.headers["content-length"] !== undefined ? length : undefined
          state.etag = res.headers["etag"]
          append = false
        } else if (res.status === 429 || res.status >= 500) {
          // The storage is busy or failing: back off and try again (resuming if we can).
          return { _tag: "Cut", reason: `the media server answered ${res.status}` } as const
        } else {
          return yield* new DownloadFailed({
            message: `the media server answered ${res.status} for ${locationOf(state.url)}`,
            path: options.path,
            local: false
          })
        }
        const start = append ? written : 0
        // Progress is drawn from a counter every 200 ms, not reported per read.
        let received = 0
        const report = options.onProgress === undefined
          ? Effect.void
          : Effect.suspend(() =>
            options.onProgress!({ path: options.path, bytes: start + received, total: state.total })
          )
        const ticker = yield* Effect.fork(Effect.repeat(report, Schedule.spaced(Duration.millis(200))))
        const saved = yield* res.saveTo(tmp, {
          append,
          onBytes: (n) => {
            received = n
          }
        }).pipe(Effect.ensuring(Fiber.interrupt(ticker)), Effect.either)
        yield* report
        if (saved._tag === "Left" && saved.left.local) {
          return yield* fsFailed("could not write the file")({ message: saved.left.message })
        }
        const onDisk = yield* sizeOnDisk
        if (saved._tag === "Left") return { _tag: "Cut", reason: saved.left.message } as const
        if (state.total !== undefined && onDisk < state.total) {
          return { _tag: "Cut", reason: `the body ended after ${onDisk} of ${state.total} bytes` } as const
        }
        if (state.total !== undefined && onDisk > state.total) {
          return { _tag: "Restart", reason: `received ${onDisk} bytes, more than the ${state.total} promised` } as const
        }
        return { _tag: "Complete" } as const
      }).pipe(Effect.scoped)

    // Only a regular file (or nothing) at the destination is ever replaced: never a link, a device or a FIFO.
    const destinationReplaceable = Effect.gen(function*() {
      const refuse = (what: string) =>
        new DownloadFailed({
          message: `${options.path} is ${what}, not a regular file: it is not replaced`,
          path: options.path,
          local: true
        })
      if ((yield* Effect.either(fs.readLink(options.path)))._tag === "Right") return yield* refuse("a symbolic link")
      const info = yield* Effect.either(fs.stat(options.path))
      if (info._tag === "Right" && info.right.type !== "File") {
        return yield* refuse(`a ${info.right.type.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase()}`)
      }
    })

    let attempts = 0
    const once = Effect.gen(function*() {
      attempts++
      const outcome = yield* attempt(yield* sizeOnDisk)
      switch (outcome._tag) {
        case "Complete": {
          const bytes = yield* sizeOnDisk
          yield* destinationReplaceable
          yield* fs.rename(tmp, options.path).pipe(Effect.mapError(fsFailed("could not move the file into place")))
          return { path: options.path, bytes }
        }
        case "Expired": {
          if (state.refreshes >= 2) {
            return yield* new MediaExpired({
              message: `could not download ${options.path}: the media URL expired and fresh URLs kept expiring`,
              location: locationOf(state.url)
            })
          }
          state.refreshes++
          state.url = yield* options.freshUrl
          return yield* Effect.fail(new Retry("the URL had expired", false))
        }
        case "Restart": {
          yield* fs.remove(tmp, { force: true }).pipe(Effect.mapError(fsFailed("could not restart")))
          state.etag = undefined
          return yield* Effect.fail(new Retry(outcome.reason, false))
        }
        case "Cut": {
          if (state.etag === undefined) yield* fs.remove(tmp, { force: true }).pipe(Effect.ignore)
          return yield* Effect.fail(new Retry(outcome.reason, true))
        }
      }
    })

    const run = destinationReplaceable.pipe(
      Effect.zipRight(fs.remove(tmp, { force: true })),
      Effect.mapError((e) => e._tag === "DownloadFailed" ? e : fsFailed("could not clear a stale partial file")(e)),
      // Only `Retry` failures reach the schedule (`while`); the others end the download as they are.
      Effect.zipRight(Effect.retry(once, {
        schedule: Schedule.mapInput(
          options.schedule,
          (e: unknown): MediaRetry => isRetry(e) ? e : { reason: String(e), backoff: true }
        ),
        while: isRetry
      })),
      Effect.catchIf(isRetry, (last) =>
        new DownloadFailed({
          message: `could not download ${options.path}: gave up after ${attempts} attempt${
            attempts === 1 ? "" : "s"
          }: ${last.reason}`,
          path: options.path,
          local: false
        }))
    )

    return yield* run.pipe(
      Effect.onError(() => fs.remove(tmp, { force: true }).pipe(Effect.ignore)),
      Effect.onInterrupt(() => fs.remove(tmp, { force: true }).pipe(Effect.ignore))
    )
  })
