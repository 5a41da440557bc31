/**
 * Progress on stderr while something takes time: elapsed seconds while waiting, bytes while downloading.
 *
 * @since 0.1.0
 */
import type { MediaDownloads } from "@effect-motive/http"
import { Duration, Effect, Fiber, Schedule } from "effect"
import { bytes, Output } from "./Output.js"

/**
 * Runs a wait, showing `label`, the last status the wait reported and the seconds elapsed:
 * `waiting for video recall 5… in_progress, 12s`.
 *
 * @since 0.1.0
 */
export const withWaitProgress = <A, E, R>(
  label: string,
  wait: (onStatus: (status: string) => Effect.Effect<void>) => Effect.Effect<A, E, R>
) =>
  Effect.gen(function*() {
    const output = yield* Output
    const started = Date.now()
    let status = ""
    const draw = Effect.suspend(() =>
      output.progress(`${label} ${status === "" ? "" : `${status}, `}${((Date.now() - started) / 1000).toFixed(0)}s`)
    )
    const ticker = yield* Effect.fork(Effect.repeat(draw, Schedule.spaced(Duration.millis(250))))
    const onStatus = (next: string) =>
      Effect.suspend(() => {
        status = next
        return draw
      })
    return yield* wait(onStatus).pipe(Effect.ensuring(Effect.zipRight(Fiber.interrupt(ticker), output.endProgress)))
  })

/**
 * A download progress callback that draws `file: 12.0 MiB of 256.0 MiB (4%)`.
 *
 * @since 0.1.0
 */
export const downloadProgress =
  (output: Output["Type"]) =>
  (progress: { readonly path: string; readonly bytes: number; readonly total: number | undefined }) => {
    const name = progress.path.split(/[\\/]/).at(-1) ?? progress.path
    const of = progress.total === undefined
      ? ""
      : ` of ${bytes(progress.total)} (${Math.floor((100 * progress.bytes) / Math.max(1, progress.total))}%)`
    return output.progress(`downloading ${name}: ${bytes(progress.bytes)}${of}`)
  }

/**
 * Lines describing written files.
 *
 * @since 0.1.0
 */
export const fileRows = (files: ReadonlyArray<MediaDownloads.DownloadedFile>): Array<readonly [string, string]> =>
  files.map((f, i) =>
    [i === 0 ? "files" : "", `${f.path} (${bytes(f.bytes)}${f.alreadyThere ? ", already there" : ""})`] as const
  )
