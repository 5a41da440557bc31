/** The README's first library snippet, verbatim between the markers; `Readme.test.ts` compiles and runs it. */
// README:begin
import { MediaDownloads, MotiveClient, Waiting } from "@effect-motive/http"
import { NodeMotive } from "@effect-motive/http/node"
import { DateTime, Effect } from "effect"

/** Two minutes of TRK-101's road and cab cameras from half an hour ago, as files in `directory`. */
const fetchIncident = (directory: string) =>
  Effect.gen(function*() {
    const motive = yield* MotiveClient.MotiveClient
    const waiting = yield* Waiting.Waiting
    const downloads = yield* MediaDownloads.MediaDownloads
    const { recall } = yield* motive.createVideoRecall({
      vehicleNumber: "TRK-101",
      startTime: DateTime.formatIso(DateTime.subtract(yield* DateTime.now, { minutes: 30 })), // or "…-05:00"
      duration: 2,
      cameraPositions: ["front_facing", "driver_facing"]
    })
    yield* waiting.awaitVideoRecall(recall.id).pipe(Waiting.requireSuccess("video recall", recall.id))
    return yield* downloads.downloadRecall(recall.id, { directory })
  })

// MOTIVE_API_KEY or MOTIVE_OAUTH_TOKEN, MOTIVE_BASE_URL, MOTIVE_TIME_ZONE, MOTIVE_MAX_ATTEMPTS from the
// environment; then Effect.runPromise(main), or NodeRuntime.runMain(main).
const main = fetchIncident("./incident").pipe(Effect.provide(NodeMotive.layerConfig()))
// README:end

export { fetchIncident, main }
