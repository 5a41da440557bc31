/**
 * The steps `recall create`, `recall wait`, `recall download` and `demo` share.
 *
 * @since 0.1.0
 */
import { footageReady, isCameraPosition, type VideoRecall } from "@effect-motive/domain"
import type { MediaDownloads } from "@effect-motive/http"
import { type Duration, Effect, Option } from "effect"
import { httpPackage, type Motive } from "./Client.js"
import { FootageMissing, InvalidInput } from "./CliError.js"
import { Output } from "./Output.js"
import { downloadProgress, withWaitProgress } from "./Progress.js"

/**
 * A `--timeout` as the client's wait options.
 *
 * @since 0.1.0
 */
export const waitOptions = (timeout: Option.Option<Duration.Duration>) =>
  Option.match(timeout, { onNone: () => ({}), onSome: (t) => ({ timeout: t }) })

/**
 * Waits for a recall with progress; a recall that ends `failed` fails with `RequestFailed` (exit 6).
 *
 * @since 0.1.0
 */
export const awaitRecall = (motive: Motive, id: number, timeout: Option.Option<Duration.Duration>) =>
  Effect.flatMap(httpPackage, ({ Waiting }) =>
    withWaitProgress(
      `waiting for video recall ${id}…`,
      (onStatus) => motive.waiting.awaitVideoRecall(id, { ...waitOptions(timeout), onStatus })
    ).pipe(Waiting.requireSuccess("video recall", id)))

/**
 * Downloads a recall's footage with progress; unknown positions are refused before anything is fetched.
 *
 * @since 0.1.0
 */
export const downloadRecall = (
  motive: Motive,
  recall: VideoRecall,
  directory: string,
  positions: ReadonlyArray<string> | undefined,
  overwrite = false
) =>
  Effect.gen(function*() {
    const output = yield* Output
    const unknown = (positions ?? []).filter((p) => !isCameraPosition(p))
    if (unknown.length > 0) {
      return yield* new InvalidInput({
        message: `--cameras: ${unknown.map((p) => `"${p}"`).join(", ")} is not a camera position`
      })
    }
    return yield* motive.downloads.downloadRecall(recall.id, {
      overwrite,
      directory,
      ...(positions === undefined ? {} : { positions: positions.filter(isCameraPosition) }),
      onProgress: downloadProgress(output)
    }).pipe(Effect.ensuring(output.endProgress))
  })

/**
 * The positions of a recall whose footage can be downloaded (the rule the library and footage jobs use).
 *
 * @since 0.1.0
 */
export const readyPositions = (recall: VideoRecall): ReadonlyArray<string> =>
  recall.cameras.filter(footageReady).map((c) => c.position)

/**
 * Prints a recall and the files its footage went to; when it finished without footage from a camera it asked for
 * (`asked`; any camera when none was named), the table goes to stderr and the run fails with `FootageMissing`
 * (exit 6), as a batch row does.
 *
 * @since 0.1.0
 */
export const reportFootage = (
  recall: VideoRecall,
  asked: ReadonlyArray<string> | undefined,
  files: ReadonlyArray<MediaDownloads.DownloadedFile>,
  result: { readonly text: string; readonly json: Record<string, unknown> }
) =>
  Effect.gen(function*() {
    const output = yield* Output
    const ready = readyPositions(recall)
    const lacking = ready.length === 0
      ? [...(asked ?? ["any camera"])]
      : (asked ?? []).filter((p) => !ready.includes(p))
    if (lacking.length === 0) return yield* output.result(result.text, result.json)
    // Told with --quiet too: it names the files that did arrive (--json's error document carries them).
    if (!output.mode.json) yield* output.told(result.text)
    return yield* new FootageMissing({
      message: `video recall ${recall.id} finished with no footage from ${lacking.join(", ")}${
        files.length === 0 ? "" : ` (${files.length} file${files.length === 1 ? "" : "s"} downloaded)`
      }`,
      id: recall.id,
      summary: result.json
    })
  })
