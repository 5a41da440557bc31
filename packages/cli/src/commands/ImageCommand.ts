/**
 * `motive image capture` and `motive image get`.
 *
 * @since 0.1.0
 */
import {
  type CameraType,
  cameraTypeOf,
  captureEntityFields,
  encodeImageCaptureBody,
  type ImageCapture,
  isTerminalStatus,
  paths,
  validateImageCapture
} from "@effect-motive/domain"
import type { CreateUncertain as CreateUncertainError, MediaDownloads, MotiveClient } from "@effect-motive/http"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as FileSystem from "@effect/platform/FileSystem"
import { type Duration, Effect, Option } from "effect"
import { httpPackage, type Motive, withClient } from "../Client.js"
import { AfterRequest, InvalidInput } from "../CliError.js"
import { checkFile } from "../Destinations.js"
import { forceOption, idArgument, noteUnusedFlags, optionalDuration, timeoutOption } from "../Flags.js"
import { assetIdOf, vehicleIdOf } from "../Fleet.js"
import { Output } from "../Output.js"
import { withWaitProgress } from "../Progress.js"
import { waitOptions } from "../RecallSteps.js"
import { captureJson, captureText, motiveCommand, sandboxGone, shellWord, withNext } from "../Render.js"
import { type Globals, root } from "../Root.js"
import { imageList } from "./ListCommand.js"

/** Waits for a capture with progress; one that ends `failed` fails with `RequestFailed` (exit 6). */
const awaitCapture = (motive: Motive, ref: MotiveClient.ImageCaptureRef, timeout: Option.Option<Duration.Duration>) =>
  Effect.flatMap(httpPackage, ({ Waiting }) =>
    withWaitProgress(
      `waiting for image capture ${ref.requestId}…`,
      (onStatus) => motive.waiting.awaitImageCapture(ref, { ...waitOptions(timeout), onStatus })
    ).pipe(Waiting.requireSuccess("image capture", ref.requestId)))

/** Prints a capture, the file its image went to, if any, and the command that follows, if any. */
const printCapture = (
  capture: ImageCapture,
  file: Option.Option<MediaDownloads.DownloadedFile>,
  next: string | undefined
) =>
  Effect.flatMap(Output, (output) =>
    output.result(
      withNext(
        captureText(
          capture,
          Option.match(file, {
            onNone: () => [],
            // As recall files are: a file found complete already is said to be.
            onSome: (f) => [["file", f.alreadyThere ? `${f.path} (already there)` : f.path] as const]
          })
        ),
        next
      ),
      {
        capture: captureJson(capture),
        ...Option.match(file, { onNone: () => ({}), onSome: (f) => ({ file: f }) }),
        ...(next === undefined ? {} : { next })
      }
    ))

/** The entity flags of a capture: one of them names the vehicle or asset. */
const entityFlags = {
  vehicleNumber: Options.text("vehicle-number").pipe(
    Options.withDescription("The vehicle's number, e.g. TRK-101 (its id is looked up in the fleet)"),
    Options.optional
  ),
  assetName: Options.text("asset-name").pipe(
    Options.withDescription("The asset's name, e.g. TRAILER-7 (its id is looked up in the fleet)"),
    Options.optional
  ),
  vehicleId: Options.text("vehicle-id").pipe(
    Options.withDescription("The vehicle's numeric id instead"),
    Options.optional
  ),
  assetId: Options.text("asset-id").pipe(Options.withDescription("The asset's numeric id instead"), Options.optional)
}

/** What a capture is asked about: an id to send as is, or a name to look up first. */
type Entity =
  | { readonly _tag: "Id"; readonly vehicleId?: string; readonly assetId?: string }
  | { readonly _tag: "Vehicle"; readonly number: string }
  | { readonly _tag: "Asset"; readonly name: string }

const entityOf = (opts: {
  readonly vehicleNumber: Option.Option<string>
  readonly assetName: Option.Option<string>
  readonly vehicleId: Option.Option<string>
  readonly assetId: Option.Option<string>
}): Effect.Effect<Entity, InvalidInput> => {
  const named = [opts.vehicleNumber, opts.assetName].filter(Option.isSome).length
  const ids = [opts.vehicleId, opts.assetId].filter(Option.isSome).length
  if (named + ids > 1 && named > 0) {
    return Effect.fail(
      new InvalidInput({
        message: "give exactly one of --vehicle-number, --asset-name, --vehicle-id or --asset-id"
      })
    )
  }
  if (Option.isSome(opts.vehicleNumber)) return Effect.succeed({ _tag: "Vehicle", number: opts.vehicleNumber.value })
  if (Option.isSome(opts.assetName)) return Effect.succeed({ _tag: "Asset", name: opts.assetName.value })
  // Ids (or none): the domain's rules judge them, with every other rule, at once.
  return Effect.succeed({
    _tag: "Id",
    ...Option.match(opts.vehicleId, { onNone: () => ({}), onSome: (vehicleId) => ({ vehicleId }) }),
    ...Option.match(opts.assetId, { onNone: () => ({}), onSome: (assetId) => ({ assetId }) })
  })
}

/** The command that picks a capture up again. */
const resumeCapture = (requestId: number, out: Option.Option<string>, globals: Globals) =>
  globals.sandbox
    ? sandboxGone
    : motiveCommand(
      globals,
      `image get ${requestId} --wait${Option.isSome(out) ? ` --out ${shellWord(out.value)}` : ""}`
    )

const capture = Command.make(
  "capture",
  {
    ...entityFlags,
    position: Options.text("position").pipe(
      Options.withDescription("front_facing, driver_facing, side_left, side_right or rear"),
      Options.optional
    ),
    dryRun: Options.boolean("dry-run").pipe(
      Options.withDescription("Check the request and print the body and camera type it would send; send nothing")
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
      const entity = yield* entityOf(opts)
      // A name is looked up only when sending: the other rules are checked with a stand-in id.
      const input = {
        vehicleId: entity._tag === "Vehicle" ? 1 : entity._tag === "Id" ? entity.vehicleId : undefined,
        assetId: entity._tag === "Asset" ? 1 : entity._tag === "Id" ? entity.assetId : undefined,
        position: Option.getOrUndefined(opts.position)
      }
      // The rules first: a bad request fails here, before credentials are even looked at.
      const checked = yield* validateImageCapture(input).pipe(
        Effect.mapError((e) => new InvalidInput({ message: e.message, violations: e.violations }))
      )
      if (opts.dryRun && (opts.wait || Option.isSome(opts.out))) {
        return yield* new InvalidInput({
          message: "--dry-run sends nothing, so there is nothing to --wait for or write to --out: drop one or the other"
        })
      }
      yield* noteUnusedFlags({
        timeout: Option.isSome(opts.timeout),
        force: opts.force,
        waits: opts.wait || Option.isSome(opts.out),
        writes: Option.isSome(opts.out),
        waitFlags: ["--wait", "--out"],
        writeFlag: "--out"
      })
      if (Option.isSome(opts.out)) {
        yield* checkFile("--out", opts.out.value)
        // A capture not made yet cannot already be at --out: a file there is someone else's, refused before sending.
        const fs = yield* FileSystem.FileSystem
        if (!opts.force && (yield* fs.exists(opts.out.value).pipe(Effect.orElseSucceed(() => false)))) {
          return yield* new InvalidInput({
            message: `--out: ${opts.out.value} already exists; nothing was sent (--force replaces it)`
          })
        }
      }
      const cameraType = cameraTypeOf(checked.position)
      if (opts.dryRun) {
        const body: Record<string, unknown> = { ...encodeImageCaptureBody(checked) }
        if (entity._tag === "Vehicle") {
          body[captureEntityFields.vehicle] = `<id of vehicle ${entity.number}, looked up when sent>`
        }
        if (entity._tag === "Asset") {
          body[captureEntityFields.asset] = `<id of asset ${entity.name}, looked up when sent>`
        }
        return yield* output.result(
          [
            "Dry run: the request is valid and nothing was sent.",
            `POST ${paths.imageCaptures}`,
            JSON.stringify(body, null, 2),
            `camera type: ${cameraType}`
          ].join("\n"),
          { dryRun: true, method: "POST", path: paths.imageCaptures, body, cameraType }
        )
      }
      return yield* withClient(globals, (motive) =>
        Effect.gen(function*() {
          const request = entity._tag === "Vehicle"
            ? yield* validateImageCapture({ ...input, vehicleId: yield* vehicleIdOf(motive, entity.number) })
            : entity._tag === "Asset"
            ? yield* validateImageCapture({ ...input, assetId: yield* assetIdOf(motive, entity.name) })
            : checked
          // Told the moment Motive answers, even when Ctrl-C came meanwhile: the id is never lost.
          const created = yield* motive.client.createImageCapture(request, {
            onCreated: (c) =>
              Effect.zipRight(
                output.note(`Image capture ${c.requestId} requested (${c.cameraType} ${c.position})`),
                output.learned({
                  kind: "image_capture",
                  id: c.requestId,
                  resume: resumeCapture(c.requestId, opts.out, globals)
                })
              )
          }).pipe(
            // A capture is never sent twice (Motive does not catch duplicates of it): one whose answer was lost may
            // exist all the same. Said as the failure it is (CreateUncertain, as a recall's), so that --json says it.
            Effect.catchAll((e) =>
              Effect.flatMap(httpPackage, ({ CreateUncertain, isAmbiguous }): Effect.Effect<
                never,
                typeof e | CreateUncertainError
              > =>
                isAmbiguous(e)
                  ? Effect.fail(
                    new CreateUncertain({
                      message:
                        `${e.message}; the capture's answer was lost: Motive may have taken it, and it is not sent again (a capture has no duplicate check)`,
                      failure: e,
                      afterLostAnswer: true
                    })
                  )
                  // Motive took it (a 2xx), but what it said could not be read: the capture exists, its id unknown.
                  : e._tag === "ResponseDecodeError" && e.status >= 200 && e.status < 300
                  ? Effect.fail(
                    new CreateUncertain({
                      message:
                        `Motive took the capture (HTTP ${e.status}) but its answer could not be read (${e.message}): it is not sent again (a capture has no duplicate check)`,
                      failure: e,
                      afterLostAnswer: true
                    })
                  )
                  : Effect.fail(e))
            )
          )
          const following = opts.wait || Option.isSome(opts.out)
          // From here on the capture exists: a failure reports its id and how to pick it up again.
          return yield* Effect.gen(function*() {
            const result = following ? yield* awaitCapture(motive, created, timeout) : created
            const file = Option.isSome(opts.out)
              ? Option.some(
                yield* motive.downloads.downloadImage(result, { path: opts.out.value, overwrite: opts.force })
              )
              : Option.none()
            yield* printCapture(
              result,
              file,
              following || globals.sandbox ? undefined : `motive image get ${created.requestId} --wait`
            )
          }).pipe(Effect.mapError((cause) =>
            // A capture that ended failed is over: there is nothing to resume.
            cause._tag === "RequestFailed"
              ? cause
              : new AfterRequest({
                kind: "image_capture",
                id: created.requestId,
                resume: resumeCapture(created.requestId, opts.out, globals),
                failure: cause
              })
          ))
        }).pipe(
          Effect.mapError((e) =>
            e._tag === "CaptureValidationError" ? new InvalidInput({ message: e.message, violations: e.violations }) : e
          )
        ))
    })
).pipe(Command.withDescription("Ask one camera for a still image now"))

/**
 * The camera type of capture `id`: as given, else as this machine recorded it from Motive's answer (verbatim,
 * whatever Motive called it: the GET path must carry what the POST returned), else asked of Motive, with the
 * capture that answer brought (so that it is not asked for again).
 */
const cameraTypeFor = (motive: Motive, id: number, given: Option.Option<CameraType>) =>
  Effect.gen(function*() {
    if (Option.isSome(given)) return { cameraType: given.value, capture: Option.none<ImageCapture>() }
    const { RequestJournal } = yield* httpPackage
    const journal = yield* Effect.serviceOption(RequestJournal.RequestJournal)
    const entries = Option.isSome(journal)
      ? yield* Effect.orElseSucceed(journal.value.entries, () => [])
      : []
    const known = entries.find((e) => e.kind === "image_capture" && e.id === id)?.cameraType
    if (known !== undefined && known.trim() !== "") return { cameraType: known, capture: Option.none<ImageCapture>() }
    // Not captured from here: the capture is under one of the two types. Not under either, it is said so (not
    // as Motive's answer to the last one tried, which names only that type).
    const { NotFound } = yield* httpPackage
    const found = (capture: ImageCapture) => ({ cameraType: capture.cameraType, capture: Option.some(capture) })
    return yield* motive.client.getImageCapture({ cameraType: "dashcam", requestId: id }).pipe(
      Effect.map(found),
      Effect.catchTag("NotFound", () =>
        motive.client.getImageCapture({ cameraType: "omnicam", requestId: id }).pipe(
          Effect.map(found),
          Effect.catchTag("NotFound", (e) =>
            new NotFound({
              ...(e.requestId === undefined ? {} : { requestId: e.requestId }),
              status: e.status,
              message: `No image capture request with id ${id}, neither a dashcam's nor an omnicam's`
            }))
        ))
    )
  })

const get = Command.make(
  "get",
  {
    id: idArgument("id", "The capture's request_id"),
    cameraType: Options.choice("camera-type", ["dashcam", "omnicam"]).pipe(
      Options.withDescription("dashcam or omnicam (default: as captured from here, else looked up)"),
      Options.optional
    ),
    wait: Options.boolean("wait").pipe(Options.withDescription("Wait until the image is ready")),
    out: Options.text("out").pipe(Options.withDescription("Write the image to this file"), Options.optional),
    timeout: timeoutOption,
    force: forceOption
  },
  (opts) =>
    Effect.gen(function*() {
      const globals = yield* root
      const timeout = yield* optionalDuration("--timeout", opts.timeout)
      yield* noteUnusedFlags({
        timeout: Option.isSome(opts.timeout),
        force: opts.force,
        waits: opts.wait,
        writes: Option.isSome(opts.out),
        waitFlags: ["--wait"],
        writeFlag: "--out"
      })
      if (Option.isSome(opts.out)) yield* checkFile("--out", opts.out.value)
      return yield* withClient(globals, (motive) =>
        Effect.gen(function*() {
          const { cameraType, capture } = yield* cameraTypeFor(motive, opts.id, opts.cameraType)
          const ref = { cameraType, requestId: opts.id }
          const result = opts.wait
            ? yield* awaitCapture(motive, ref, timeout)
            : Option.isSome(capture)
            ? capture.value
            : yield* motive.client.getImageCapture(ref)
          yield* motive.seen({ capture: result })
          const file = Option.isSome(opts.out)
            ? Option.some(
              yield* motive.downloads.downloadImage(result, { path: opts.out.value, overwrite: opts.force })
            )
            : Option.none()
          yield* printCapture(
            result,
            file,
            isTerminalStatus(result.status) ? undefined : `motive image get ${opts.id} --wait`
          )
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
