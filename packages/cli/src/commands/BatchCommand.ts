/**
 * `motive batch run | status | report`: footage jobs from a CSV or JSON Lines file, durable across crashes
 * (each row a workflow in a local SQLite journal), completed by webhook or a durable poll.
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import { Effect, Option, type Redacted } from "effect"
import { httpPackage } from "../Client.js"
import { InvalidInput } from "../CliError.js"
import { checkDirectory, checkPrefix } from "../Destinations.js"
import { noteUnusedGlobals, parseDuration, webhookSecret } from "../Flags.js"
import { Output } from "../Output.js"
import { shellWord } from "../Render.js"
import { root } from "../Root.js"
import {
  creatingConcurrency,
  databaseOption,
  databaseUrl,
  downloadConcurrency,
  downloadConcurrencyOption,
  sharedGate
} from "../SharedJobs.js"
import {
  batchReport,
  type BatchRunOptions,
  cancelRows,
  jobsPackage,
  runBatch,
  statusJson,
  statusTable
} from "./BatchRun.js"

const journalOption = Options.text("journal").pipe(
  Options.withDescription(
    "The batch journal (a SQLite file); default: jobs.db in $MOTIVE_STATE_DIR, else $XDG_STATE_HOME/motive, else ~/.local/state/motive"
  ),
  Options.optional
)

/** A file-system failure in the system's words (`ENOENT: no such file or directory, stat 'x'`). */
const systemMessage = (e: { readonly message: string; readonly cause?: unknown }) =>
  e.cause instanceof Error && e.cause.message !== "" ? e.cause.message : e.message

/** The largest batch file read (about 200,000 rows). */
const maxBatchFileBytes = 16 * 1024 * 1024

/** The journal to use: the flag, else `jobs.db` beside the request journal. */
export const journalFile = (flag: Option.Option<string>) =>
  Effect.gen(function*() {
    const path = yield* Path.Path
    if (Option.isSome(flag)) {
      if (flag.value.trim() === "") return yield* new InvalidInput({ message: "--journal is empty: give a file" })
      return path.resolve(flag.value)
    }
    const { RequestJournal } = yield* Effect.promise(() => import("@effect-motive/http"))
    const requests = yield* Effect.orElseSucceed(RequestJournal.defaultFile, () => "./.motive/requests.jsonl")
    return path.join(path.dirname(path.resolve(requests)), "jobs.db")
  })

const run = Command.make(
  "run",
  {
    file: Args.text({ name: "FILE" }).pipe(Args.withDescription("CSV (with a header row) or JSON Lines")),
    dir: Options.text("dir").pipe(
      Options.withDescription(
        "Where the files go: DIR/<ref or row>/<recall id>-<position>.mp4 (default footage; with --database, each " +
          "worker's --dir)"
      ),
      Options.optional
    ),
    database: databaseOption,
    detach: Options.boolean("detach").pipe(
      Options.withDescription("With --database: return once the rows are with the workers (follow with batch status)")
    ),
    journal: journalOption,
    concurrency: Options.integer("concurrency").pipe(
      Options.withDescription("Rows creating at once (default 8)"),
      Options.withDefault(8)
    ),
    downloadConcurrency: downloadConcurrencyOption,
    webhookPort: Options.integer("webhook-port").pipe(
      Options.withDescription("Receive Motive's completion webhooks on this port (127.0.0.1)"),
      Options.optional
    ),
    webhookHost: Options.text("webhook-host").pipe(
      Options.withDescription("Address the webhook receiver listens on (default 127.0.0.1)"),
      Options.optional
    ),
    webhookSecret: Options.redacted("webhook-secret").pipe(
      Options.withDescription("The webhook's shared secret; default: $MOTIVE_WEBHOOK_SECRET"),
      Options.optional
    ),
    partial: Options.boolean("partial").pipe(
      Options.withDescription("When the quota does not cover every row, send the rows that fit (the rest wait)")
    ),
    pollAfter: Options.text("poll-after").pipe(
      Options.withDescription("First status poll of a recall with no webhook, e.g. 30s (default), then backing off"),
      Options.optional
    )
  },
  (opts) =>
    Effect.gen(function*() {
      const globals = yield* root
      const fs = yield* FileSystem.FileSystem
      const path = yield* Path.Path
      yield* creatingConcurrency(opts.concurrency)
      const downloads = yield* downloadConcurrency(opts.downloadConcurrency)
      if (Option.isSome(opts.webhookPort) && (opts.webhookPort.value < 0 || opts.webhookPort.value > 65535)) {
        return yield* new InvalidInput({ message: `--webhook-port ${opts.webhookPort.value} is not a port (0–65535)` })
      }
      const secret = yield* webhookSecret("--webhook-secret", opts.webhookSecret)
      if (Option.isSome(opts.webhookPort) && Option.isNone(secret)) {
        return yield* new InvalidInput({
          message: "--webhook-port needs the webhook's secret: --webhook-secret S or MOTIVE_WEBHOOK_SECRET"
        })
      }
      // A secret given as a flag without the receiver it is for would change nothing: a mistake to say.
      if (Option.isSome(opts.webhookSecret) && Option.isNone(opts.webhookPort)) {
        return yield* new InvalidInput({
          message:
            "--webhook-secret verifies the webhooks of the receiver --webhook-port starts: give --webhook-port " +
            "too, or leave the secret out"
        })
      }
      // So is an address for a receiver that is not started.
      if (Option.isSome(opts.webhookHost) && Option.isNone(opts.webhookPort)) {
        return yield* new InvalidInput({
          message: "--webhook-host is where the receiver --webhook-port starts listens: give --webhook-port too, or " +
            "leave the host out"
        })
      }
      const webhookHost = Option.getOrElse(opts.webhookHost, () => "127.0.0.1")
      const pollAfter = Option.isSome(opts.pollAfter)
        ? Option.some(yield* parseDuration("--poll-after", opts.pollAfter.value))
        : Option.none()
      // Read whole, so only a regular file of a sane size: a device or a FIFO (/dev/zero) never ends.
      const info = yield* fs.stat(opts.file).pipe(
        Effect.mapError((e) => new InvalidInput({ message: `cannot read ${opts.file}: ${systemMessage(e)}` }))
      )
      if (info.type !== "File") {
        return yield* new InvalidInput({
          message: `${opts.file} is not a regular file (${info.type}): give a CSV or JSON file`
        })
      }
      if (Number(info.size) > maxBatchFileBytes) {
        return yield* new InvalidInput({
          message: `${opts.file} is ${(Number(info.size) / 1024 / 1024).toFixed(1)} MiB; a batch file is at most ${
            maxBatchFileBytes / 1024 / 1024
          } MiB (split it into several batches)`
        })
      }
      // Bytes: the parser decodes them strictly (a Latin-1 file is refused, not sent with its letters replaced).
      const content = yield* fs.readFile(opts.file).pipe(
        Effect.mapError((e) => new InvalidInput({ message: `cannot read ${opts.file}: ${systemMessage(e)}` }))
      )
      const { BatchFile } = yield* jobsPackage
      const batch = yield* BatchFile.parseBatch(opts.file, content).pipe(
        Effect.mapError((e) =>
          new InvalidInput({
            message: `${opts.file}: ${e.problems.length} problem${
              e.problems.length === 1 ? "" : "s"
            }; nothing was sent`,
            violations: e.problems.map((p) => ({
              path: p.row === 0 ? p.field : `row ${p.row} ${p.field}`,
              rule: p.rule,
              message: p.message,
              ...(p.row === 0 ? {} : { row: p.row }),
              field: p.field
            }))
          })
        )
      )
      const database = yield* databaseUrl(opts.database)
      if (Option.isSome(database)) {
        const refused = [
          globals.sandbox ? "--sandbox (point every worker and this command at one `motive sandbox` instead)" : "",
          Option.isSome(opts.dir) ? "--dir (each worker writes under its own --dir)" : "",
          Option.isSome(opts.journal) ? "--journal (the database is the journal)" : ""
        ].filter((r) => r !== "")
        if (refused.length > 0) {
          return yield* new InvalidInput({ message: `with a jobs database, leave out ${refused.join("; ")}` })
        }
      } else if (opts.detach) {
        return yield* new InvalidInput({
          message: "--detach needs --database: without workers, the rows run in this process and stop with it"
        })
      }
      const dir = Option.getOrElse(opts.dir, () => "footage")
      if (Option.isNone(database)) yield* checkDirectory("--dir", dir)
      const options: BatchRunOptions = {
        file: opts.file,
        directory: Option.isSome(database) ? "" : path.resolve(dir),
        database,
        detach: opts.detach,
        journal: Option.isSome(database) || (globals.sandbox && Option.isNone(opts.journal))
          ? Option.none()
          : Option.some(yield* journalFile(opts.journal)),
        concurrency: opts.concurrency,
        downloadConcurrency: downloads,
        webhook: Option.map(opts.webhookPort, (port) => ({
          host: webhookHost,
          port,
          secret: Option.getOrThrow(secret)
        })),
        partial: opts.partial,
        pollAfter,
        // What the command resuming this run must say again for it to run the same way.
        repeat: [
          ...(opts.concurrency === 8 ? [] : [`--concurrency ${opts.concurrency}`]),
          ...Option.toArray(Option.map(opts.downloadConcurrency, (n) => `--download-concurrency ${n}`)),
          ...Option.toArray(Option.map(opts.webhookPort, (port) => `--webhook-port ${port}`)),
          ...(Option.isSome(opts.webhookPort) && webhookHost !== "127.0.0.1"
            ? [`--webhook-host ${shellWord(webhookHost)}`]
            : []),
          // From $MOTIVE_WEBHOOK_SECRET it is found again; given as a flag, it is the user's to give again.
          ...(Option.isSome(opts.webhookPort) && Option.isSome(opts.webhookSecret)
            ? ["--webhook-secret <SECRET>"]
            : []),
          ...(opts.partial ? ["--partial"] : []),
          ...Option.toArray(Option.map(opts.pollAfter, (text) => `--poll-after ${shellWord(text)}`))
        ]
      }
      if (Option.isNone(database)) return yield* runBatch(globals, batch, options)
      return yield* Effect.scoped(
        Effect.flatMap(sharedGate(globals, database.value), (gate) => runBatch(globals, batch, options, gate))
      )
    })
).pipe(Command.withDescription("Run (or resume) a batch of recalls from a CSV or JSON Lines file"))

const batchIdArg = Args.text({ name: "BATCH" }).pipe(
  Args.withDescription("The batch id (or its first characters); default: the latest batch"),
  Args.optional
)

/** Where a batch is read from: the database when given (flag or `MOTIVE_DATABASE_URL`), else the journal. */
const storeOf = (journal: Option.Option<string>, database: Option.Option<Redacted.Redacted<string>>) =>
  Effect.gen(function*() {
    const url = yield* databaseUrl(database)
    if (Option.isSome(url) && Option.isSome(journal)) {
      return yield* new InvalidInput({ message: "give --journal or --database, not both" })
    }
    return Option.isSome(url) ? url.value : yield* journalFile(journal)
  })

const status = Command.make(
  "status",
  { batch: batchIdArg, journal: journalOption, database: databaseOption },
  (opts) =>
    Effect.gen(function*() {
      const output = yield* Output
      yield* noteUnusedGlobals("motive batch status", yield* root, "which reads the journal or database only")
      const file = yield* storeOf(opts.journal, opts.database)
      const s = yield* batchReport(file, opts.batch, (s) => Effect.succeed(s))
      const settled = s.settled
        ? ""
        : s.rows.every((r) => r.executionId === undefined)
        ? " (nothing sent yet: refused for quota, or stopped before sending; run it again to send it)"
        : " (still running, or stopped before it finished: run it again to resume)"
      yield* output.result(`${statusTable(s)}${settled}`, statusJson(s))
    })
).pipe(Command.withDescription("Show each row of a batch: its state, recall id, files and reason"))

const report = Command.make(
  "report",
  {
    batch: batchIdArg,
    journal: journalOption,
    database: databaseOption,
    out: Options.text("out").pipe(
      Options.withDescription(
        "Write PREFIX.csv and PREFIX.json; default: DIR/manifest-<batch> (with --database: ./manifest-<batch>)"
      ),
      Options.optional
    )
  },
  (opts) =>
    Effect.gen(function*() {
      const output = yield* Output
      yield* noteUnusedGlobals("motive batch report", yield* root, "which reads the journal or database only")
      if (Option.isSome(opts.out)) yield* checkPrefix("--out", opts.out.value)
      const file = yield* storeOf(opts.journal, opts.database)
      const written = yield* batchReport(file, opts.batch, (s) =>
        Effect.gen(function*() {
          const { Manifest } = yield* jobsPackage
          // Several machines: no one directory; the manifest goes here.
          const base = s.batch.directory === "" ? "." : s.batch.directory
          const prefix = Option.getOrElse(opts.out, () => `${base}/manifest-${s.batch.id.slice(0, 12)}`)
          // Its folder may not exist yet (a batch with nothing downloaded so far): made, as downloads make it (level
          // by level: a recursive mkdir spins for ever under /proc); a failure is the write's to say.
          const { Directories } = yield* httpPackage
          const path = yield* Path.Path
          yield* Effect.ignore(Directories.makeDirectories(path.dirname(prefix)))
          return yield* Manifest.write(s, prefix).pipe(
            Effect.mapError((e) => new InvalidInput({ message: `cannot write the manifest: ${e.message}` }))
          )
        }))
      yield* output.result(
        `Manifest of ${written.files} file${written.files === 1 ? "" : "s"}: ${written.csv} and ${written.json}`,
        written
      )
    })
).pipe(Command.withDescription("Write the batch's manifest (CSV and JSON): rows, recalls, files, bytes, sha256, times"))

/**
 * `motive batch …`
 *
 * @since 0.1.0
 */
const cancel = Command.make(
  "cancel",
  {
    // Named, never the latest: the latest may be the batch just refused, not the one holding the quota.
    batch: Args.text({ name: "BATCH" }).pipe(
      Args.withDescription("The batch id (or its first characters), as the quota refusal or batch status names it")
    ),
    journal: journalOption,
    database: databaseOption
  },
  (opts) =>
    Effect.gen(function*() {
      const output = yield* Output
      yield* noteUnusedGlobals("motive batch cancel", yield* root, "which changes the journal or database only")
      const file = yield* storeOf(opts.journal, opts.database)
      const { batch, cancelled, maybeSent, runner } = yield* cancelRows(file, opts.batch)
      const unsent = cancelled.filter((row) => !maybeSent.includes(row))
      const rows = (n: ReadonlyArray<number>) => `${n.length === 1 ? "row" : "rows"} ${n.join(", ")}`
      // A row whose create was sent before (a run killed while creating, a failure) may have its recall at Motive.
      const what = [
        ...(unsent.length > 0 ? [`${rows(unsent)} (never sent; their quota is free)`] : []),
        ...(maybeSent.length > 0
          ? [
            `${rows(maybeSent)} (a create was sent before: Motive may hold ${
              maybeSent.length === 1 ? "its recall" : "their recalls"
            } and have spent the minutes; running the batch again finds ${
              maybeSent.length === 1 ? "it" : "them"
            }, never making one twice)`
          ]
          : [])
      ].join(" and ")
      // Rows being created are left to the process creating them: a running batch, or the workers of a database.
      const leftToRunner = runner !== undefined
        ? `; rows being created are left to the process running the journal (pid ${runner})`
        : typeof file === "string"
        ? ""
        : "; rows being created are left to the workers"
      yield* output.result(
        cancelled.length === 0
          ? `Batch ${batch.id.slice(0, 12)} from ${batch.file}: nothing left to cancel${leftToRunner}`
          : `Batch ${
            batch.id.slice(0, 12)
          } from ${batch.file}: cancelled ${what}${leftToRunner}. Rows whose recall exists go on; run the batch again to send the cancelled ones`,
        { batch: batch.id, file: batch.file, cancelled, maybeSent, ...(runner === undefined ? {} : { runner }) }
      )
    })
).pipe(
  Command.withDescription(
    "Stop sending a batch's rows that have no recall yet, freeing the quota they hold (run the batch again to send them)"
  )
)

/**
 * `motive batch`: run, status, report and cancel.
 *
 * @since 0.1.0
 */
export const batchCommand = Command.make("batch").pipe(
  Command.withDescription("Many recalls from a file, crash-proof: run, status, report, cancel"),
  Command.withSubcommands([run, status, report, cancel])
)
