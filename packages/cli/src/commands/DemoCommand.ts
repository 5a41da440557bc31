/**
 * `motive demo`: the main job end to end on an in-process sandbox.
 *
 * @since 0.1.0
 */
import { formatTimestamp, statusText } from "@effect-motive/domain"
import { RequestFailed } from "@effect-motive/http/MotiveError"
import { Command, Options } from "@effect/cli"
import { DateTime, Effect, Option } from "effect"
import { httpPackage, inProcessSandbox } from "../Client.js"
import { bytes, Output } from "../Output.js"
import { withElapsed } from "../Progress.js"
import { awaitRecall, downloadRecall } from "../RecallSteps.js"
import { captureJson, recallJson } from "../Render.js"

/**
 * `motive demo [--dir DIR]`
 *
 * @since 0.1.0
 */
export const demoCommand = Command.make(
  "demo",
  {
    dir: Options.text("dir").pipe(
      Options.withDescription("Where to write the files"),
      Options.withDefault("motive-demo")
    )
  },
  (opts) =>
    Effect.gen(function*() {
      const output = yield* Output
      const sandbox = yield* inProcessSandbox()
      const { MotiveClient } = yield* httpPackage
      yield* output.note(`Started the built-in sandbox at ${sandbox.baseUrl}`)
      const layer = MotiveClient.layerNode({
        credentials: { _tag: "ApiKey", apiKey: sandbox.apiKey },
        baseUrl: sandbox.baseUrl
      })
      return yield* Effect.gen(function*() {
        const client = yield* MotiveClient.MotiveClient

        // 1. A still image from TRK-101's road-facing camera.
        const requested = yield* client.createImageCapture({ vehicleId: 101, position: "front_facing" })
        yield* output.note(`Image capture ${requested.requestId} requested from TRK-101 front_facing`)
        const capture = yield* withElapsed("waiting for the image…", client.awaitImageCapture(requested))
        if (statusText(capture.status) !== "success") {
          return yield* new RequestFailed({
            message: `image capture ${capture.requestId} failed`,
            id: capture.requestId
          })
        }
        const image = yield* client.downloadImage(capture, { directory: opts.dir })

        // 2. Two minutes of road-facing and driver-facing video, from five minutes ago (whole minutes).
        const now = yield* DateTime.now
        const start = formatTimestamp(
          DateTime.unsafeMake(Math.floor(DateTime.toEpochMillis(now) / 60_000) * 60_000 - 5 * 60_000)
        )
        const created = yield* client.createVideoRecall({
          vehicleNumber: "TRK-101",
          startTime: start,
          duration: 2,
          cameraPositions: ["front_facing", "driver_facing"]
        })
        yield* output.note(`Video recall ${created.recall.id} requested: TRK-101, 2 minutes from ${start}`)
        const recall = yield* awaitRecall(client, created.recall.id, Option.none())
        const files = yield* downloadRecall(client, recall, opts.dir, undefined)

        yield* output.result(
          [
            `Demo done against the built-in sandbox (${sandbox.baseUrl}).`,
            `1. Image capture ${capture.requestId}, TRK-101 front_facing: ${statusText(capture.status)}`,
            `   ${image.path} (${bytes(image.bytes)})`,
            `2. Video recall ${recall.id}, TRK-101, ${recall.startTime} → ${recall.endTime}: ${
              statusText(recall.status)
            }`,
            ...files.map((f) => `   ${f.path} (${bytes(f.bytes)})`),
            "",
            "Next: `motive sandbox` runs the emulator for your own code; `motive --help` lists every command."
          ].join("\n"),
          {
            sandbox: sandbox.baseUrl,
            image: { capture: captureJson(capture), file: image },
            recall: recallJson(recall),
            files
          }
        )
      }).pipe(Effect.provide(layer))
    }).pipe(Effect.scoped)
).pipe(Command.withDescription("Capture an image and recall two minutes of video on the built-in sandbox, end to end"))
