/**
 * `motive image capture` and `motive image get`.
 *
 * @since 0.1.0
 */
import { type ImageCapture, validateImageCapture } from "@effect-motive/domain"
import type { MediaDownloads, MotiveClient } from "@effect-motive/http"
import { Command, Options } from "@effect/cli"
import { type Duration, Effect, Option } from "effect"
import { httpPackage, type Motive, withClient } from "../Client.js"
import { AfterRequest, InvalidInput } from "../CliError.js"
import { checkFile } from "../Destinations.js"
import { forceOption, idOption, optionalDuration, timeoutOption } from "../Flags.js"
import { Output } from "../Output.js"
import { withWaitProgress } from "../Progress.js"
import { waitOptions } from "../RecallSteps.js"
import { captureJson, captureText } from "../Render.js"
import { root } from "../Root.js"
import { imageList } from "./ListCommand.js"

/** Waits for a capture with progress; one that ends `failed` fails with `RequestFailed` (exit 6). */
const awaitCapture = (motive: Motive, ref: MotiveClient.ImageCaptureRef, timeout: Option.Option<Duration.Duration>) =>
  Effect.flatMap(httpPackage, ({ Waiting }) =>
    withWaitProgress(
      `waiting for image capture ${ref.requestId}…`,
      (onStatus) => motive.waiting.awaitImageCapture(ref, { ...waitOptions(timeout), onStatus })
    ).pipe(Waiting.requireSuccess("image capture", ref.requestId)))

/** Prints a capture and the file its image went to, if any. */
const printCapture = (capture: ImageCapture, file: Option.Option<MediaDownloads.DownloadedFile>) =>
  Effect.flatMap(Output, (output) =>
    output.result(
      captureText(capture, Option.match(file, { onNone: () => [], onSome: (f) => [["file", f.path] as const] })),
      { capture: captureJson(capture), ...Option.match(file, { onNone: () => ({}), onSome: (f) => ({ file: f }) }) }
    ))

const capture = Command.make(
  "capture",
  {
    vehicleId: Options.text("vehicle-id").pipe(Options.withDescription("Vehicle id (vehicles only)"), Options.optional),
    assetId: Options.text("asset-id").pipe(Options.withDescription("Asset id (assets only)"), Options.optional),
    position: Options.text("position").pipe(
      Options.withDescription("front_facing, driver_facing, side_left, side_right or rear"),
      Options.optional
    ),
    wait: Options.boolean("wait").pipe(Options.withDescription("Wait until the image is ready")),
    out: Options.text("out").pipe(
      Options.withDescription("Write the image to this file (implies --wait)"),
      Options.optional
    ),
    timeout: timeoutOption,
    force: forceOption
  },
  (opts) =>
    Effect.gen(function*() {
      const globals = yield* root
      const output = yield* Output
      const timeout = yield* optionalDuration("--timeout", opts.timeout)
      const input = {
        vehicleId: Option.getOrUndefined(opts.vehicleId),
        assetId: Option.getOrUndefined(opts.assetId),
        position: Option.getOrUndefined(opts.position)
      }
      // The rules first: a bad request fails here, before credentials are even looked at.
      const request = yield* validateImageCapture(input).pipe(
        Effect.mapError((e) => new InvalidInput({ message: e.message, violations: e.violations }))
      )
      if (Option.isSome(opts.out)) yield* checkFile("--out", opts.out.value)
      return yield* withClient(globals, (motive) =>
        Effect.gen(function*() {
          const resume = (capture: ImageCapture) =>
            `motive image get --camera-type ${capture.cameraType} --id ${capture.requestId} --wait${
              Option.isSome(opts.out) ? ` --out ${opts.out.value}` : ""
            }`
          // Told the moment Motive answers, even when Ctrl-C came meanwhile: the id is never lost.
          const created = yield* motive.client.createImageCapture(request, {
            onCreated: (c) =>
              Effect.zipRight(
                output.note(`Image capture ${c.requestId} requested (${c.cameraType} ${c.position})`),
                output.learned({ kind: "image_capture", id: c.requestId, resume: resume(c) })
              )
          })
          // From here on the capture exists: a failure reports its id and how to pick it up again.
          return yield* Effect.gen(function*() {
            const result = opts.wait || Option.isSome(opts.out)
              ? yield* awaitCapture(motive, created, timeout)
              : created
            const file = Option.isSome(opts.out)
              ? Option.some(
                yield* motive.downloads.downloadImage(result, { path: opts.out.value, overwrite: opts.force })
              )
              : Option.none()
            yield* printCapture(result, file)
          }).pipe(Effect.mapError((cause) =>
            // A capture that ended failed is over: there is nothing to resume.
            cause._tag === "RequestFailed"
              ? cause
              : new AfterRequest({
                kind: "image_capture",
                id: created.requestId,
                resume: resume(created),
                failure: cause
              })
          ))
        }))
    })
).pipe(Command.withDescription("Ask one camera for a still image now"))

const get = Command.make(
  "get",
  {
    cameraType: Options.choice("camera-type", ["dashcam", "omnicam"]).pipe(
      Options.withDescription("dashcam or omnicam, as the capture returned")
    ),
    id: idOption("id", "The capture's request_id"),
    wait: Options.boolean("wait").pipe(Options.withDescription("Wait until the image is ready")),
    out: Options.text("out").pipe(Options.withDescription("Write the image to this file"), Options.optional),
    timeout: timeoutOption,
    force: forceOption
  },
  (opts) =>
    Effect.gen(function*() {
      const globals = yield* root
      const timeout = yield* optionalDuration("--timeout", opts.timeout)
      if (Option.isSome(opts.out)) yield* checkFile("--out", opts.out.value)
      return yield* withClient(globals, (motive) =>
        Effect.gen(function*() {
          const ref = { cameraType: opts.cameraType, requestId: opts.id }
          const result = opts.wait
            ? yield* awaitCapture(motive, ref, timeout)
            : yield* motive.client.getImageCapture(ref)
          const file = Option.isSome(opts.out)
            ? Option.some(yield* motive.downloads.downloadImage(ref, { path: opts.out.value, overwrite: opts.force }))
            : Option.none()
          yield* printCapture(result, file)
        }))
    })
).pipe(Command.withDescription("Show an image capture, and optionally save its image"))

/**
 * `motive image …`
 *
 * @since 0.1.0
 */
export const imageCommand = Command.make("image").pipe(
  Command.withDescription("Still images from one camera"),
  Command.withSubcommands([capture, get, imageList])
)
