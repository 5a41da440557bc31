/**
 * `motive recall …`: create, get, wait, download, quota, timelines.
 *
 * @since 0.1.0
 */
import {
  cameraSelection,
  encodeVideoRecallBody,
  formatTimestamp,
  isTerminalStatus,
  parseTimestamp,
  paths,
  statusText,
  validateVideoRecall
} from "@effect-motive/domain"
import type { CreateUncertain } from "@effect-motive/http"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { DateTime, Effect, Either, Option } from "effect"
import { withClient } from "../Client.js"
import { AfterRequest, InvalidInput } from "../CliError.js"
import { checkDirectory } from "../Destinations.js"
import {
  forceOption,
  idArgument,
  noteUnusedFlags,
  optionalDuration,
  positionList,
  recallMinutes,
  resolveTime,
  timeoutOption
} from "../Flags.js"
import { Output } from "../Output.js"
import { fileRows } from "../Progress.js"
import { awaitRecall, downloadRecall, readyPositions, reportFootage } from "../RecallSteps.js"
import {
  motiveCommand,
  quotaJson,
  quotaText,
  recallJson,
  recallText,
  sandboxGone,
  shellWord,
  timelinesText,
  withNext
} from "../Render.js"
import { type Globals, root } from "../Root.js"
import { recallList } from "./ListCommand.js"

const entityOptions = {
  vehicleNumber: Options.text("vehicle-number").pipe(
    Options.withDescription("The vehicle's number, e.g. TRK-101"),
    Options.optional
  ),
  assetName: Options.text("asset-name").pipe(
    Options.withDescription("The asset's name, e.g. TRAILER-7"),
    Options.optional
  )
}

const camerasOption = Options.text("cameras").pipe(
  Options.withDescription(
    "Comma-separated positions: front_facing, driver_facing, front_narrow_facing, side_left, side_right, rear"
  ),
  Options.optional
)

/** How to pick a recall up again after `recall create` stopped short. */
const resumeRecall = (id: number, download: Option.Option<string>, globals: Globals) =>
  globals.sandbox
    ? sandboxGone
    : motiveCommand(
      globals,
      Option.isSome(download) ? `recall wait ${id} --download ${shellWord(download.value)}` : `recall wait ${id}`
    )

const create = Command.make(
  "create",
  {
    ...entityOptions,
    start: Options.text("start").pipe(
      Options.withDescription("Start of the window: now, -15m, -2h, -1d or ISO 8601 with an offset"),
      Options.optional
    ),
    duration: Options.text("duration").pipe(
      Options.withDescription("Length of the window: regular 1m, 2m or 3m; timelapse 5m, 10m, 15m, 30m, 45m or 1h"),
      Options.optional
    ),
    type: Options.text("type").pipe(Options.withDescription("regular (default) or timelapse"), Options.optional),
    cameras: camerasOption,
    smartDashcam: Options.boolean("smart-dashcam").pipe(
      Options.withDescription("The vehicle has a smart dashcam: check its limits before sending")
    ),
    dryRun: Options.boolean("dry-run").pipe(
      Options.withDescription("Check the request and print the exact body that would be sent; send nothing")
    ),
    wait: Options.boolean("wait").pipe(Options.withDescription("Wait until the recall is done")),
    download: Options.text("download").pipe(
      Options.withDescription("Download the footage into this directory (implies --wait)"),
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
      yield* noteUnusedFlags({
        timeout: Option.isSome(opts.timeout),
        force: opts.force,
        waits: opts.wait || Option.isSome(opts.download),
        writes: Option.isSome(opts.download),
        waitFlags: ["--wait", "--download"],
        writeFlag: "--download"
      })
      // Blank is "not given" to the rules (a CSV's empty cell); a flag given blank is a mistake, as for every flag.
      if (Option.isSome(opts.type) && opts.type.value.trim() === "") {
        return yield* new InvalidInput({ message: "--type is empty: give regular or timelapse (or leave it out)" })
      }
      const input = {
        vehicleNumber: Option.getOrUndefined(opts.vehicleNumber),
        assetName: Option.getOrUndefined(opts.assetName),
        startTime: Option.isSome(opts.start) ? yield* resolveTime("--start", opts.start.value) : undefined,
        duration: Option.isSome(opts.duration) ? yield* recallMinutes("--duration", opts.duration.value) : undefined,
        recallType: Option.getOrUndefined(opts.type),
        cameraPositions: Option.isSome(opts.cameras) ? yield* positionList("--cameras", opts.cameras.value) : undefined
      }
      const options = opts.smartDashcam ? { dashcam: "smart" as const } : {}
      // The rules first: a bad request fails here, before credentials are looked at and before anything is sent.
      const request = yield* validateVideoRecall(input, options).pipe(
        Effect.mapError((e) => {
          // The domain speaks of the API's fields; the flags take more forms than the API does.
          const hint = "; --start also takes now, -15m, -2h or -1d"
          const violations = e.violations.map((v) =>
            v.rule === "start_time.invalid" ? { ...v, message: `${v.message}${hint}` } : v
          )
          return new InvalidInput({
            message: e.violations.reduce(
              (m, v) => v.rule === "start_time.invalid" ? m.replace(v.message, `${v.message}${hint}`) : m,
              e.message
            ),
            violations
          })
        })
      )
      if (Option.isSome(opts.download)) yield* checkDirectory("--download", opts.download.value)
      if (opts.dryRun && (opts.wait || Option.isSome(opts.download))) {
        return yield* new InvalidInput({
          message: "--dry-run sends nothing, so there is nothing to --wait for or --download: drop one or the other"
        })
      }
      if (opts.dryRun) {
        const body = encodeVideoRecallBody(request)
        const selection = cameraSelection(request.cameraPositions)
        return yield* output.result(
          [
            "Dry run: the request is valid and nothing was sent.",
            `POST ${paths.videoRecalls}`,
            JSON.stringify(body, null, 2),
            `camera selection: ${selection.mode}${selection.roadFacingOnly ? " (road-facing only)" : ""}`
          ].join("\n"),
          { dryRun: true, method: "POST", path: paths.videoRecalls, body, cameraSelection: selection }
        )
      }
      return yield* withClient(globals, (motive) =>
        Effect.gen(function*() {
          const following = opts.wait || Option.isSome(opts.download)
          const afterRequest = (id: number) => (failure: unknown) =>
            new AfterRequest({
              kind: "video_recall",
              id,
              resume: resumeRecall(id, opts.download, globals),
              failure
            })
          // Told the moment Motive answers, even when Ctrl-C came meanwhile: the id is never lost.
          const onCreated = (created: { readonly id: number }) =>
            Effect.zipRight(
              output.note(`Video recall ${created.id} requested`),
              output.learned({
                kind: "video_recall",
                id: created.id,
                resume: resumeRecall(created.id, opts.download, globals)
              })
            )
          const created = yield* motive.client.createVideoRecall(request, { onCreated }).pipe(
            // Motive named the recall but it could not be read back: it exists, so say how to pick it up.
            Effect.catchTag("CreateUncertain", (uncertain) =>
              Effect.fail<CreateUncertain | AfterRequest>(
                uncertain.recallId === undefined ? uncertain : afterRequest(uncertain.recallId)(uncertain)
              ))
          )
          let recall = created.recall
          // A recall Motive already held (409 naming it) is the answer: with --wait or --download, the one followed.
          const duplicateOf = created.deduplicated && !created.afterLostAnswer ? recall.id : undefined
          if (duplicateOf !== undefined) {
            yield* output.note(
              `Motive already has this recall as video recall ${duplicateOf} (409 duplicate)${
                following ? ": following it" : ""
              }`
            )
            yield* output.learned({
              kind: "video_recall",
              id: duplicateOf,
              resume: resumeRecall(duplicateOf, opts.download, globals)
            })
          }
          if (created.afterLostAnswer) {
            yield* output.note(
              "(found after a lost answer: Motive made it once, and named it when the create was sent again)"
            )
          }
          const id = recall.id
          // From here on the recall exists (quota is spent): a failure reports its id and how to resume.
          return yield* Effect.gen(function*() {
            if (opts.wait || Option.isSome(opts.download)) recall = yield* awaitRecall(motive, id, timeout)
            const files = Option.isSome(opts.download)
              ? yield* downloadRecall(motive, recall, opts.download.value, undefined, opts.force)
              : []
            // No command picks up a request of the built-in sandbox: it ended with this run.
            const next = following || globals.sandbox ? undefined : motiveCommand(globals, `recall wait ${id}`)
            const text = withNext(recallText(recall, fileRows(files)), next)
            const json = {
              recall: recallJson(recall),
              deduplicated: created.deduplicated,
              ...(duplicateOf === undefined ? {} : { duplicateOf }),
              ...(created.earlierMayExist ? { earlierMayExist: true } : {}),
              ...(Option.isSome(opts.download) ? { files } : {}),
              ...(next === undefined ? {} : { next })
            }
            // Footage was asked for: a camera without it fails the run (exit 6), what arrived is kept.
            yield* Option.isSome(opts.download)
              ? reportFootage(recall, request.cameraPositions, files, { text, json })
              : output.result(text, json)
          }).pipe(
            Effect.mapError((cause) =>
              // A recall that ended failed, or without footage asked for, is over: there is nothing to resume.
              cause._tag === "RequestFailed" || cause._tag === "FootageMissing" ? cause : afterRequest(id)(cause)
            )
          )
        }))
    })
).pipe(Command.withDescription("Recall video for a time window (validated before anything is sent)"))

const idArg = idArgument("id", "The recall's id")

const get = Command.make("get", { id: idArg }, ({ id }) =>
  Effect.gen(function*() {
    const globals = yield* root
    const output = yield* Output
    return yield* withClient(globals, ({ client, seen }) =>
      Effect.flatMap(
        Effect.tap(client.getVideoRecall(id), (recall) => seen({ recall })),
        (recall) => {
          const next = isTerminalStatus(recall.status) ? undefined : motiveCommand(globals, `recall wait ${id}`)
          return output.result(withNext(recallText(recall), next), {
            recall: recallJson(recall),
            ...(next === undefined ? {} : { next })
          })
        }
      ))
  })).pipe(Command.withDescription("Show a recall's status and cameras"))

const wait = Command.make(
  "wait",
  {
    id: idArg,
    download: Options.text("download").pipe(
      Options.withDescription("Then download into this directory"),
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
      yield* noteUnusedFlags({
        timeout: false,
        force: opts.force,
        waits: true,
        writes: Option.isSome(opts.download),
        waitFlags: [],
        writeFlag: "--download"
      })
      if (Option.isSome(opts.download)) yield* checkDirectory("--download", opts.download.value)
      // Ctrl-C names the recall and the command that goes on (a download's partial files are resumed by it).
      yield* output.learned({
        kind: "video_recall",
        id: opts.id,
        resume: resumeRecall(opts.id, opts.download, globals)
      })
      return yield* withClient(globals, (motive) =>
        Effect.gen(function*() {
          const recall = yield* awaitRecall(motive, opts.id, timeout)
          const files = Option.isSome(opts.download)
            ? yield* downloadRecall(motive, recall, opts.download.value, undefined, opts.force)
            : []
          const text = recallText(recall, fileRows(files))
          yield* Option.isSome(opts.download)
            ? reportFootage(recall, undefined, files, { text, json: { recall: recallJson(recall), files } })
            : output.result(text, { recall: recallJson(recall) })
        }))
    })
).pipe(Command.withDescription("Wait until a recall is done (exit 6 if it failed)"))

const downloadCommand = Command.make(
  "download",
  {
    id: idArg,
    dir: Options.text("dir").pipe(Options.withDescription("Directory to write <id>-<position>.mp4 files into")),
    cameras: camerasOption,
    force: forceOption
  },
  (opts) =>
    Effect.gen(function*() {
      const globals = yield* root
      yield* checkDirectory("--dir", opts.dir)
      const cameras = Option.isSome(opts.cameras)
        ? Option.some(yield* positionList("--cameras", opts.cameras.value))
        : Option.none()
      if (Option.isSome(cameras) && cameras.value.length === 0) {
        return yield* new InvalidInput({ message: "--cameras is empty: omit it to download every camera" })
      }
      // Ctrl-C names the command that resumes the partial files.
      yield* Effect.flatMap(Output, (output) =>
        output.learned({
          kind: "video_recall",
          id: opts.id,
          resume: globals.sandbox ?
            sandboxGone :
            motiveCommand(
              globals,
              `recall download ${opts.id} --dir ${shellWord(opts.dir)}${
                Option.isSome(opts.cameras) ? ` --cameras ${shellWord(opts.cameras.value)}` : ""
              }`
            )
        }))
      return yield* withClient(globals, (motive) =>
        Effect.gen(function*() {
          const recall = yield* motive.client.getVideoRecall(opts.id)
          const asked = Option.getOrUndefined(cameras)
          // Of a recall that succeeded, the cameras asked for whose footage failed are not downloaded but reported
          // (exit 6, as with recall create --download); the others are downloaded.
          const ready = readyPositions(recall)
          const wanted = asked === undefined || statusText(recall.status) !== "success"
            ? asked
            : asked.filter((p) => ready.includes(p) || !recall.cameras.some((c) => c.position === p))
          const files = wanted !== undefined && wanted.length === 0
            ? []
            : yield* downloadRecall(motive, recall, opts.dir, wanted, opts.force)
          yield* reportFootage(recall, asked, files, {
            text: recallText(recall, fileRows(files)),
            json: { recall: recallJson(recall), files }
          })
        }))
    })
).pipe(Command.withDescription("Download a finished recall's footage"))

const quota = Command.make("quota", {}, () =>
  Effect.gen(function*() {
    const globals = yield* root
    const output = yield* Output
    return yield* withClient(globals, ({ client }) =>
      Effect.flatMap(client.getRecallQuota, (q) => output.result(quotaText(q), quotaJson(q))))
  })).pipe(Command.withDescription("Show this month's recall quota"))

const readTime = (flag: string, value: string) =>
  Effect.flatMap(resolveTime(flag, value), (text) =>
    Either.match(parseTimestamp(text), {
      onLeft: (problem) =>
        Effect.fail(
          new InvalidInput({
            message: problem === "no_offset"
              ? `${flag} "${value}" has no UTC offset: add Z or ±hh:mm`
              : `${flag} "${value}" is not a time: use now, -15m, -2h, -1d or ISO 8601 with an offset`
          })
        ),
      onRight: (dt) => Effect.succeed<DateTime.DateTime>(dt)
    }))

const timelines = Command.make(
  "timelines",
  {
    ...entityOptions,
    from: Options.text("from").pipe(Options.withDescription("Start: now, -15m, -2h, -1d or ISO 8601 with an offset")),
    to: Options.text("to").pipe(Options.withDescription("End: now, -15m, -2h, -1d or ISO 8601 with an offset"))
  },
  (opts) =>
    Effect.gen(function*() {
      const globals = yield* root
      const output = yield* Output
      const from = yield* readTime("--from", opts.from)
      const to = yield* readTime("--to", opts.to)
      const vehicle = opts.vehicleNumber, asset = opts.assetName
      if (Option.isSome(vehicle) === Option.isSome(asset)) {
        return yield* new InvalidInput({ message: "give exactly one of --vehicle-number or --asset-name" })
      }
      // Checked here too (the client would refuse it), to speak of the flags rather than the API's fields.
      if (DateTime.lessThan(to, from)) {
        const shown = (flag: string, given: string, time: DateTime.DateTime) => {
          const text = formatTimestamp(DateTime.toUtc(time))
          return given.trim() === text ? `${flag} ${text}` : `${flag} ${given.trim()} (${text})`
        }
        const message = `${shown("--to", opts.to, to)} is before ${shown("--from", opts.from, from)}`
        return yield* new InvalidInput({
          message: `${message}; nothing was sent`,
          violations: [{ path: "--to", rule: "window.end_before_start", message }]
        })
      }
      const query = Option.isSome(vehicle)
        ? { vehicleNumber: vehicle.value, from, to }
        : { assetName: Option.getOrThrow(asset), from, to }
      return yield* withClient(globals, ({ client }) =>
        Effect.flatMap(client.availableTimelines(query), (t) =>
          output.result(timelinesText(t), {
            primary_entity: t.primaryEntity,
            available_timelines: t.availableTimelines.map((s) => ({ start_time: s.startTime, end_time: s.endTime }))
          })))
    })
).pipe(Command.withDescription("When a vehicle or asset has video to recall"))

/**
 * `motive recall …`
 *
 * @since 0.1.0
 */
export const recallCommand = Command.make("recall").pipe(
  Command.withDescription("Video recalls: request, wait, download"),
  Command.withSubcommands([create, get, wait, downloadCommand, quota, timelines, recallList])
)
