/**
 * `motive demo`: the main job end to end. On the built-in sandbox when no Motive credentials are given;
 * against Motive when they are, for a vehicle the caller names (it spends one minute of recall quota).
 *
 * @since 0.1.0
 */
import { formatTimestamp, statusText } from "@effect-motive/domain"
import type { Sandbox } from "@effect-motive/sandbox"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Path from "@effect/platform/Path"
import { Chunk, DateTime, Effect, Option, Stream } from "effect"
import { httpPackage, inProcessSandbox, type Motive, settingsFrom, withMotive } from "../Client.js"
import { InvalidInput } from "../CliError.js"
import { checkDirectory } from "../Destinations.js"
import { bytes, Output } from "../Output.js"
import { withWaitProgress } from "../Progress.js"
import { awaitRecall, downloadRecall } from "../RecallSteps.js"
import { captureJson, recallJson } from "../Render.js"
import { root } from "../Root.js"
import { executeBatch, jobsPackage, statusJson } from "./BatchRun.js"

/** Capture one image and recall one minute from one vehicle, downloading everything into `dir`. */
const run = <E, R>(
  motive: Motive,
  vehicleNumber: string,
  dir: string,
  where: string,
  batchStep: (
    motive: Motive
  ) => Effect.Effect<{ readonly lines: ReadonlyArray<string>; readonly json: unknown }, E, R>
) =>
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

    // 3. A batch: three recalls as durable jobs (sandbox only: with real credentials it would spend more quota).
    const batch = yield* batchStep(motive)

    yield* output.result(
      [
        `Demo done against ${where}.`,
        `1. Image capture ${capture.requestId}, ${vehicleNumber} front_facing: ${statusText(capture.status)}`,
        `   ${image.path} (${bytes(image.bytes)})`,
        `2. Video recall ${recall.id}, ${vehicleNumber}, ${recall.startTime} → ${recall.endTime}: ${
          statusText(recall.status)
        }`,
        ...files.map((f) => `   ${f.path} (${bytes(f.bytes)})`),
        ...batch.lines,
        "",
        "Next: `motive sandbox` runs the emulator for your own code; `motive --help` lists every command."
      ].join("\n"),
      {
        where,
        image: { capture: captureJson(capture), file: image },
        recall: recallJson(recall),
        files,
        batch: batch.json
      }
    )
  })

/** Three rows (two vehicles and an asset) as a batch, completed by the sandbox's webhooks, into `dir/batch`. */
const demoBatch = (motive: Motive, sandbox: Sandbox.SandboxService, dir: string) =>
  Effect.gen(function*() {
    const output = yield* Output
    const path = yield* Path.Path
    const { BatchFile } = yield* jobsPackage
    const now = yield* DateTime.now
    const minute = Math.floor(DateTime.toEpochMillis(now) / 60_000) * 60_000
    const at = (minutesAgo: number) => formatTimestamp(DateTime.unsafeMake(minute - minutesAgo * 60_000))
    const rows = [
      {
        vehicle_number: "TRK-101",
        start_time: at(20),
        duration: 1,
        camera_positions: "front_facing",
        ref: "incident-1"
      },
      { vehicle_number: "TRK-102", start_time: at(25), duration: 2, ref: "incident-2" },
      { asset_name: "TRAILER-7", start_time: at(30), duration: 1, camera_positions: "rear", ref: "incident-3" }
    ]
    const batch = yield* BatchFile.parseBatch("demo.jsonl", rows.map((r) => JSON.stringify(r)).join("\n")).pipe(
      Effect.orDie
    )
    const directory = path.resolve(dir, "batch")
    yield* output.note(`Batch of ${rows.length} recalls (\`motive batch run\`), completed by the sandbox's webhooks`)
    const status = yield* executeBatch(motive, Option.some(sandbox), batch, {
      file: "demo.jsonl",
      directory,
      journal: Option.none(),
      concurrency: 4,
      webhook: Option.none(),
      partial: false,
      pollAfter: Option.none(),
      database: Option.none(),
      detach: false
    }, undefined)
    return {
      lines: [
        `3. Batch ${
          status.batch.id.slice(0, 12)
        }: ${status.counts.done} of ${status.rows.length} rows done, ${status.files.length} files (${
          bytes(status.bytes)
        }) with sha256 in the journal`,
        ...status.rows.map((r) =>
          `   row ${r.row} ${r.ref ?? ""}: ${r.state}${r.recallId === undefined ? "" : `, recall ${r.recallId}`} → ${
            path.join(dir, "batch", r.folder)
          }/`
        )
      ],
      json: statusJson(status)
    }
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
        return yield* withMotive(
          settings.value,
          (motive) => run(motive, vehicleNumber, opts.dir, where, () => Effect.succeed({ lines: [], json: null }))
        )
      }
      const sandbox = yield* inProcessSandbox()
      yield* output.note(
        globals.sandbox
          ? `--sandbox: using the built-in sandbox at ${sandbox.baseUrl}`
          : `No Motive credentials given: using the built-in sandbox at ${sandbox.baseUrl}`
      )
      return yield* withMotive(
        { credentials: { _tag: "ApiKey", apiKey: sandbox.apiKey }, baseUrl: sandbox.baseUrl },
        (motive) =>
          run(
            motive,
            Option.getOrElse(opts.vehicleNumber, () => "TRK-101"),
            opts.dir,
            `the built-in sandbox (${sandbox.baseUrl})`,
            (motive) => demoBatch(motive, sandbox, opts.dir)
          ),
        // The in-process sandbox's requests vanish with it: none goes to this machine's request journal.
        false
      )
    }).pipe(Effect.scoped)
).pipe(
  Command.withDescription(
    "The main job end to end: capture an image, recall a minute of video, wait, download. Uses the built-in sandbox unless Motive credentials are given."
  )
)
