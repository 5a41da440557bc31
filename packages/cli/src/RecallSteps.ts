/**
 * The steps `recall create`, `recall wait`, `recall download` and `demo` share.
 *
 * @since 0.1.0
 */
import { isCameraPosition, statusText, type VideoRecall } from "@effect-motive/domain"
import type { MotiveClient } from "@effect-motive/http"
import { RequestFailed } from "@effect-motive/http/MotiveError"
import { type Duration, Effect, Option } from "effect"
import { InvalidInput } from "./CliError.js"
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
export const awaitRecall = (
  client: MotiveClient.MotiveClientService,
  id: number,
  timeout: Option.Option<Duration.Duration>
) =>
  Effect.gen(function*() {
    const recall = yield* withWaitProgress(
      `waiting for video recall ${id}…`,
      (onStatus) => client.awaitVideoRecall(id, { ...waitOptions(timeout), onStatus })
    )
    if (statusText(recall.status) === "failed") {
      return yield* new RequestFailed({ message: `video recall ${id} ended in failed at Motive`, id })
    }
    return recall
  })

/**
 * Downloads a recall's footage with progress; unknown positions are refused before anything is fetched.
 *
 * @since 0.1.0
 */
export const downloadRecall = (
  client: MotiveClient.MotiveClientService,
  recall: VideoRecall,
  directory: string,
  positions: ReadonlyArray<string> | undefined
) =>
  Effect.gen(function*() {
    const output = yield* Output
    const unknown = (positions ?? []).filter((p) => !isCameraPosition(p))
    if (unknown.length > 0) {
      return yield* new InvalidInput({
        message: `--cameras: ${unknown.map((p) => `"${p}"`).join(", ")} is not a camera position`
      })
    }
    return yield* client.downloadRecall(recall.id, {
      directory,
      ...(positions === undefined ? {} : { positions: positions.filter(isCameraPosition) }),
      onProgress: downloadProgress(output)
    }).pipe(Effect.ensuring(output.endProgress))
  })
