/**
 * `motive demo`: the main job end to end. On the built-in sandbox when no Motive credentials are given;
 * against Motive when they are, for a vehicle the caller names (it spends one minute of recall quota).
 *
 * @since 0.1.0
 */
import { formatTimestamp, statusText } from "@effect-motive/domain"
import { Command, Options } from "@effect/cli"
import { Chunk, DateTime, Effect, Option, Stream } from "effect"
import { httpPackage, inProcessSandbox, type Motive, settingsFrom, withMotive } from "../Client.js"
import { InvalidInput } from "../CliError.js"
import { checkDirectory } from "../Destinations.js"
import { bytes, Output } from "../Output.js"
import { withWaitProgress } from "../Progress.js"
import { awaitRecall, downloadRecall } from "../RecallSteps.js"
import { captureJson, recallJson } from "../Render.js"
import { root } from "../Root.js"

/** Capture one image and recall one minute from one vehicle, downloading everything into `dir`. */
const run = (motive: Motive, vehicleNumber: string, dir: string, where: string) =>
  Effect.gen(function*() {
    const output = yield* Output
    const { client, downloads, waiting } = motive
    const { Waiting } = yield* httpPackage
    const vehicle = yield* client.vehicles.pipe(
      Stream.filter((v) => v.number === vehicleNumber),
      Stream.take(1),
      Stream.runCollect,
      Effect.map(Chunk.head)
    )
    if (Option.isNone(vehicle)) {
      return yield* new InvalidInput({ message: `no vehicle numbered "${vehicleNumber}" in the fleet at ${where}` })
    }

    // 1. A still image from the road-facing camera.
    const requested = yield* client.createImageCapture({ vehicleId: vehicle.value.id, position: "front_facing" })
    yield* output.note(`Image capture ${requested.requestId} requested from ${vehicleNumber} front_facing`)
    const capture = yield* withWaitProgress(
      "waiting for the image…",
      (onStatus) => waiting.awaitImageCapture(requested, { onStatus })
    ).pipe(Waiting.requireSuccess("image capture", requested.requestId))
    const image = yield* downloads.downloadImage(capture, { directory: dir })

    // 2. One minute of road-facing and driver-facing video, from five minutes ago (whole minutes). One minute is
    // what every dashcam allows: smart dashcams refuse longer recalls.
    const now = yield* DateTime.now
    const start = formatTimestamp(
      DateTime.unsafeMake(Math.floor(DateTime.toEpochMillis(now) / 60_000) * 60_000 - 5 * 60_000)
    )
    const created = yield* client.createVideoRecall({
      vehicleNumber,
      startTime: start,
      duration: 1,
      cameraPositions: ["front_facing", "driver_facing"]
    })
    yield* output.note(`Video recall ${created.recall.id} requested: ${vehicleNumber}, 1 minute from ${start}`)
    const recall = yield* awaitRecall(motive, created.recall.id, Option.none())
    const files = yield* downloadRecall(motive, recall, dir, undefined)

    yield* output.result(
      [
        `Demo done against ${where}.`,
        `1. Image capture ${capture.requestId}, ${vehicleNumber} front_facing: ${statusText(capture.status)}`,
        `   ${image.path} (${bytes(image.bytes)})`,
        `2. Video recall ${recall.id}, ${vehicleNumber}, ${recall.startTime} → ${recall.endTime}: ${
          statusText(recall.status)
        }`,
        ...files.map((f) => `   ${f.path} (${bytes(f.bytes)})`),
        "",
        "Next: `motive sandbox` runs the emulator for your own code; `motive --help` lists every command."
      ].join("\n"),
      { where, image: { capture: captureJson(capture), file: image }, recall: recallJson(recall), files }
    )
  })

/**
 * `motive demo [--dir DIR] [--vehicle-number N]`
 *
 * @since 0.1.0
 */
export const demoCommand = Command.make(
  "demo",
  {
    dir: Options.text("dir").pipe(
      Options.withDescription("Where to write the files"),
      Options.withDefault("motive-demo")
    ),
    vehicleNumber: Options.text("vehicle-number").pipe(
      Options.withDescription("With real credentials: the vehicle to use (spends 1 minute of recall quota)"),
      Options.optional
    )
  },
  (opts) =>
    Effect.gen(function*() {
      const globals = yield* root
      const output = yield* Output
      // Where the files go is checked before anything is requested, as every other command does.
      yield* checkDirectory("--dir", opts.dir)
      // No credentials at all: the sandbox. Contradictory ones: refused, as by every other command.
      const settings = globals.sandbox ? Option.none() : yield* settingsFrom(globals).pipe(
        Effect.map(Option.some),
        Effect.catchTag("MissingCredentials", () => Effect.succeed(Option.none()))
      )
      if (Option.isSome(settings)) {
        // Real credentials: the main job against Motive, on a vehicle the caller names.
        if (Option.isNone(opts.vehicleNumber)) {
          return yield* new InvalidInput({
            message:
              "with Motive credentials the demo runs against your fleet: name a vehicle with --vehicle-number N " +
              "(it spends 1 minute of regular recall quota), or add --sandbox to use the built-in emulator"
          })
        }
        const vehicleNumber = opts.vehicleNumber.value
        const where = settings.value.baseUrl
        return yield* withMotive(settings.value, (motive) => run(motive, vehicleNumber, opts.dir, where))
      }
      const sandbox = yield* inProcessSandbox()
      yield* output.note(`No Motive credentials given: using the built-in sandbox at ${sandbox.baseUrl}`)
      return yield* withMotive(
        { credentials: { _tag: "ApiKey", apiKey: sandbox.apiKey }, baseUrl: sandbox.baseUrl },
        (motive) =>
          run(
            motive,
            Option.getOrElse(opts.vehicleNumber, () => "TRK-101"),
            opts.dir,
            `the built-in sandbox (${sandbox.baseUrl})`
          )
      )
    }).pipe(Effect.scoped)
).pipe(
  Command.withDescription(
    "The main job end to end: capture an image, recall a minute of video, wait, download. Uses the built-in sandbox unless Motive credentials are given."
  )
)
