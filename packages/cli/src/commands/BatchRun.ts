/**
 * Running a batch for the CLI: the embedded engine over the command's client, the completion webhook
 * receiver, the live summary, the final table and the exit code. Also used by `motive demo`.
 *
 * @since 0.1.0
 */
import { recallCompletedAction } from "@effect-motive/domain"
import type {
  MediaDownloads as MediaDownloadsNs,
  MotiveClient as MotiveClientNs,
  RequestGate
} from "@effect-motive/http"
import type { BatchFile, FootageJobs, FootageWorkflow, JobStore } from "@effect-motive/jobs"
import type { Sandbox } from "@effect-motive/sandbox"
import { listenFailure } from "@effect-motive/sandbox/ListenFailure"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import type { WorkflowEngine } from "@effect/workflow"
import { Context, Duration, Effect, Fiber, Layer, Option, Redacted, Stream } from "effect"
import { hostname, tmpdir } from "node:os"
import { httpPackage, type Motive, withClient } from "../Client.js"
import { BatchIncomplete, InvalidInput, JobsDatabaseUnavailable, jobsSetupFailure } from "../CliError.js"
import { bytes, Output, processSinks } from "../Output.js"
import { motiveCommand, shellWord } from "../Render.js"
import type { Globals } from "../Root.js"
import { distributedPackage } from "../SharedJobs.js"

/**
 * The jobs package, loaded when a batch command runs.
 *
 * @since 0.1.0
 */
export const jobsPackage = Effect.promise(() => import("@effect-motive/jobs"))

/**
 * What `batch run` was asked to do.
 *
 * @since 0.1.0
 */
export interface BatchRunOptions {
  /** The file as the user named it (for messages and the resume command). */
  readonly file: string
  readonly directory: string
  /** The journal; none with `--sandbox` and no `--journal` (a temporary one: the sandbox vanishes too). */
  readonly journal: Option.Option<string>
  readonly concurrency: number
  /** Downloads at once (default: the workflows' own, 4 × `concurrency`, at most 32). */
  readonly downloadConcurrency?: number | undefined
  readonly webhook: Option.Option<{ readonly host: string; readonly port: number; readonly secret: Redacted.Redacted }>
  readonly partial: boolean
  readonly pollAfter: Option.Option<Duration.Duration>
  /**
   * The jobs database of several machines: rows are submitted to its workers (which put the files under their
   * own `--dir`), not run here. `directory` is then `""`.
   */
  readonly database: Option.Option<Redacted.Redacted<string>>
  /** With a database: return once the rows are submitted, without following them. */
  readonly detach: boolean
  /**
   * The other flags of this run that the command resuming it repeats (`--webhook-port`, `--poll-after`, …), as
   * words to paste; a secret given as a flag stands as `<SECRET>`, never its value.
   */
  readonly repeat?: ReadonlyArray<string> | undefined
}

const short = (id: string) => id.slice(0, 12)

const pad = (text: string, width: number) => text.length >= width ? text : text + " ".repeat(width - text.length)

/**
 * The status as a table, one row per batch row, and the totals.
 *
 * @since 0.1.0
 */
export const statusTable = (s: FootageJobs.BatchStatus): string => {
  const filesOf = new Map<number, number>()
  for (const f of s.files) filesOf.set(f.row, (filesOf.get(f.row) ?? 0) + 1)
  const header = ["row", "ref", "state", "recall", "files", "reason"]
  const body = s.rows.map((r) => [
    String(r.row),
    r.ref ?? "",
    r.state,
    r.recallId === undefined ? "" : String(r.recallId),
    String(filesOf.get(r.row) ?? 0),
    r.reason ?? ""
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)))
  const line = (cells: ReadonlyArray<string>) =>
    cells.map((c, i) => i === cells.length - 1 ? c : pad(c, widths[i]!)).join("  ").trimEnd()
  const totals = Object.entries(s.counts).filter(([, n]) => n > 0).map(([state, n]) => `${n} ${state}`)
  return [
    `Batch ${short(s.batch.id)} from ${s.batch.file}, files ${
      s.batch.directory === "" ? "under each worker's --dir" : `in ${s.batch.directory}`
    }`,
    line(header),
    ...body.map(line),
    `${totals.join(", ")}; ${s.files.length} file${s.files.length === 1 ? "" : "s"}, ${bytes(s.bytes)}, ${
      quotaSpent(spentByType(s))
    }`
  ].join("\n")
}

/** The minutes a batch's own recalls spent, per recall type (Motive keeps a quota for each). */
const spentByType = (s: FootageJobs.BatchStatus) => {
  const spent = { regular: 0, timelapse: 0 }
  for (const r of s.rows) if (r.recallId !== undefined && !r.reused) spent[r.recallType] += r.minutes
  return spent
}

/** `3 quota minutes`, or per type when timelapse minutes were spent: the two quotas are counted apart. */
const quotaSpent = (spent: { readonly regular: number; readonly timelapse: number }) => {
  const minutes = (n: number, kind: string) => `${n} ${kind}quota minute${n === 1 ? "" : "s"}`
  return spent.timelapse === 0
    ? minutes(spent.regular, "")
    : spent.regular === 0
    ? minutes(spent.timelapse, "timelapse ")
    : `${spent.regular} regular + ${minutes(spent.timelapse, "timelapse ")}`
}

/**
 * The status as JSON.
 *
 * @since 0.1.0
 */
export const statusJson = (s: FootageJobs.BatchStatus) => ({
  batch: { id: s.batch.id, file: s.batch.file, directory: s.batch.directory, createdAt: s.batch.createdAt },
  settled: s.settled,
  counts: s.counts,
  bytes: s.bytes,
  minutesSpent: s.minutesSpent,
  minutesSpentByType: spentByType(s),
  rows: s.rows.map((r) => ({
    row: r.row,
    ...(r.ref === undefined ? {} : { ref: r.ref }),
    state: r.state,
    ...(r.recallId === undefined ? {} : { recallId: r.recallId }),
    ...(r.reason === undefined ? {} : { reason: r.reason }),
    files: s.files.filter((f) => f.row === r.row).map((f) => ({
      camera: f.position,
      path: f.path,
      bytes: f.bytes,
      sha256: f.sha256,
      worker: f.worker,
      downloadedAt: f.downloadedAt
    }))
  }))
})

/** One line for the terminal: rows per state, bytes, quota minutes and an estimate of the time left. */
const summaryLine = (p: FootageJobs.BatchProgress, started: number, settledAtStart: number) => {
  const settled = p.counts.done + p.counts.failed + p.counts.waiting_for_quota + p.counts.stopped
  const states = (["creating", "waiting", "downloading", "failed", "stopped"] as const)
    .filter((k) => p.counts[k] > 0)
    .map((k) => `${p.counts[k]} ${k}`)
  const elapsed = Date.now() - started
  const gained = settled - settledAtStart
  const eta = gained > 0 && settled < p.rows
    ? `, about ${Math.ceil((elapsed / gained) * (p.rows - settled) / 1000)}s left`
    : ""
  return `${p.counts.done}/${p.rows} done${states.length === 0 ? "" : `, ${states.join(", ")}`}; ${
    bytes(p.bytes)
  }, ${p.minutesSpent} quota min${eta}`
}

/**
 * The command that resumes this run; none with `--sandbox`, whose emulator (and its recalls) end with the run.
 */
const resumeCommand = (globals: Globals, options: BatchRunOptions): string | undefined =>
  globals.sandbox ? undefined : motiveCommand(
    globals,
    [
      "batch run",
      shellWord(options.file),
      ...(Option.isSome(options.database)
        // The URL may hold a password: never printed.
        ? ["--database <URL>"]
        : [`--dir ${shellWord(options.directory)}`]),
      ...Option.toArray(Option.map(options.journal, (j) => `--journal ${shellWord(j)}`)),
      ...(options.repeat ?? [])
    ].join(" ")
  )

/**
 * Serves footage jobs' completion-webhook route (the hardened receiver) on `host:port` for the jobs in
 * `context`, for the scope; its URL.
 *
 * @since 0.1.0
 */
export const serveCompletions = (
  context: Context.Context<FootageJobs.FootageJobs>,
  options: { readonly host: string; readonly port: number; readonly secret: Redacted.Redacted }
) =>
  Effect.gen(function*() {
    const { host, port, secret } = options
    const { CompletionWebhooks } = yield* jobsPackage
    const { NodeHttpServer, createReceiverServer } = yield* Effect.promise(() => import("./WebhookServer.js"))
    const app = yield* CompletionWebhooks.makeApp({ secret }).pipe(
      Effect.provide(context),
      Effect.mapError((e) => new InvalidInput({ message: e.message }))
    )
    const server = yield* NodeHttpServer.make(createReceiverServer, { host, port }).pipe(
      Effect.mapError((e) =>
        new InvalidInput({ message: `could not listen: ${listenFailure({ host, port }, e.cause)}` })
      )
    )
    yield* server.serve(app)
    const bound = server.address._tag === "TcpAddress" ? server.address.port : port
    return `http://${host.includes(":") ? `[${host}]` : host}:${bound}/`
  })

/**
 * Where the built-in sandbox posts to a receiver serving at `url`: a receiver listening on every address
 * (`0.0.0.0`, `::`) is reached on 127.0.0.1; the sandbox posts to loopback addresses only.
 */
const sandboxDeliveryUrl = (url: string): string => {
  const u = new URL(url)
  if (u.hostname === "0.0.0.0" || u.hostname === "[::]") u.hostname = "127.0.0.1"
  return u.href
}

/**
 * Runs (or resumes) a batch and follows it until every row has settled.
 *
 * @since 0.1.0
 */
/**
 * Runs (or resumes) a batch with the command's services and follows it until every row has settled; the final
 * status. With an in-process `sandbox`, its completion webhooks are posted to a receiver started here.
 *
 * @since 0.1.0
 */
export const executeBatch = (
  motive: Motive,
  sandbox: Option.Option<Sandbox.SandboxService>,
  batch: BatchFile.Batch,
  options: BatchRunOptions,
  resume: string | undefined
) =>
  Effect.scoped(Effect.gen(function*() {
    const output = yield* Output
    const { Embedded, FootageJobs, FootageWorkflow, JobStore } = yield* jobsPackage
    const { MediaDownloads, MotiveClient } = yield* httpPackage
    const platform = yield* Effect.context<FileSystem.FileSystem | Path.Path>()
    const fs = yield* FileSystem.FileSystem
    for (const d of batch.duplicates) {
      yield* output.note(`row ${d.row} asks for the same recall as row ${d.sameAs}: left out (sent once)`)
    }
    const journal = Option.isSome(options.journal)
      ? options.journal.value
      : Option.isSome(options.database)
      ? ""
      : `${yield* fs.makeTempDirectoryScoped({ directory: tmpdir(), prefix: "motive-batch-" })}/jobs.db`
    const settings: FootageWorkflow.FootageSettings = {
      ...FootageWorkflow.defaultSettings(`${hostname()}:${process.pid}`),
      concurrency: options.concurrency,
      downloadConcurrency: options.downloadConcurrency,
      firstPoll: Option.getOrElse(
        options.pollAfter,
        () => Option.isSome(sandbox) ? Duration.seconds(3) : Duration.seconds(30)
      )
    }
    const engine: Layer.Layer<
      FootageJobs.FootageJobs | JobStore.JobStore | WorkflowEngine.WorkflowEngine,
      { readonly message: string },
      MotiveClientNs.MotiveClient | MediaDownloadsNs.MediaDownloads | FileSystem.FileSystem | Path.Path
    > = Option.isSome(options.database)
      ? Layer.unwrapEffect(
        Effect.map(distributedPackage, ({ Distributed }) =>
          Distributed.layerClient({ database: options.database.pipe(Option.getOrThrow) }))
      )
      : Embedded.layer({ file: journal, settings })
    const context = yield* Layer.build(
      engine.pipe(
        Layer.provide(Layer.succeed(MotiveClient.MotiveClient, motive.client)),
        Layer.provide(Layer.succeed(MediaDownloads.MediaDownloads, motive.downloads)),
        Layer.provide(Layer.succeedContext(platform))
      )
    ).pipe(Effect.mapError(jobsSetupFailure))
    const jobs = Context.get(context, FootageJobs.FootageJobs)
    // The jobs database lost while the batch is followed is unavailable (exit 5), not a defect: the workers go on with
    // what was sent, and the batch can be followed again. A journal of this process's own failing is a defect.
    const storeLost = (e: { readonly _tag: string; readonly message: string }) =>
      Option.isSome(options.database)
        ? Effect.fail(
          new JobsDatabaseUnavailable({
            message: `lost the jobs database while following batch ${short(batch.id)}: ${e.message}; the workers go ` +
              `on with what was sent: follow it with motive batch status ${short(batch.id)} --database <URL>`
          })
        )
        : Effect.die(e)
    const cancelCommand = (id: string) =>
      `motive batch cancel ${short(id)}${
        Option.isSome(options.database)
          ? " --database <URL>"
          : Option.isSome(options.journal)
          ? ` --journal ${shellWord(options.journal.value)}`
          : ""
      }`
    // The journal's other unfinished batches went on as it opened (their workflows resume wherever it is opened):
    // said, so that what they send is not taken for this batch's, and with how to stop one no longer wanted.
    if (Option.isNone(options.database)) {
      const store = Context.get(context, JobStore.JobStore)
      const others = (yield* Effect.orDie(store.batches)).filter((b) =>
        b.id !== batch.id
      )
      for (const other of others) {
        // The store's tally first: a settled batch (most of a long-used journal's) is not read row by row.
        const { counts } = yield* Effect.orDie(store.tally(other.id))
        if (counts.validated + counts.creating + counts.waiting + counts.downloading === 0) continue
        // Rows handed to their workflows (refused or never-submitted rows have none) resume; those without a
        // recall yet are the ones a cancel stops.
        const going = (yield* Effect.orDie(store.rows(other.id))).filter((r) =>
          r.executionId !== undefined &&
          (r.state === "validated" || r.state === "creating" || r.state === "waiting" || r.state === "downloading")
        )
        if (going.length === 0) continue
        const unsent = going.filter((r) => r.recallId === undefined).length
        yield* output.note(
          `Batch ${short(other.id)} (${other.file}) of this journal is unfinished: its ${going.length} row${
            going.length === 1 ? "" : "s"
          } left go${going.length === 1 ? "es" : ""} on in this run${
            unsent === 0
              ? " (their recalls exist)"
              : `, ${unsent} not sent yet (${cancelCommand(other.id)} stops ${unsent === 1 ? "it" : "those"})`
          }`
        )
      }
    }

    // The completion webhooks: on the given port, or (in-process sandbox) on a free one the sandbox posts to.
    // node:crypto is loaded here, not at start-up, where it costs every command a few milliseconds.
    const { randomBytes } = yield* Effect.promise(() => import("node:crypto"))
    const webhook = Option.isSome(options.webhook)
      ? Option.some(options.webhook.value)
      : Option.map(sandbox, () => ({
        host: "127.0.0.1",
        port: 0,
        secret: Redacted.make(randomBytes(16).toString("hex"))
      }))
    if (Option.isSome(webhook)) {
      const url = yield* serveCompletions(context, webhook.value)
      if (Option.isSome(sandbox)) {
        yield* Effect.mapError(
          sandbox.value.registerWebhook(sandboxDeliveryUrl(url), webhook.value.secret, [recallCompletedAction]),
          (e) =>
            new InvalidInput({ message: `--webhook-host: the built-in sandbox cannot post to ${url}: ${e.message}` })
        )
      }
      yield* output.note(`Receiving completion webhooks on ${url}`)
    }

    // From the submission on (its workflows start as it records them), an interruption stops the sending first.
    const interrupted = Effect.gen(function*() {
      if (resume === undefined) {
        yield* jobs.stopCreating
        processSinks.stderr("interrupted (the built-in sandbox ends with this run: there is nothing to resume)\n")
        return
      }
      // Nothing more is sent (rows whose turn had not come stop, for the next run), and the creates under way end
      // first: every recall a row made and the run has not finished with is then in the status. The interruption's
      // report names each (with --json, in its one error document) with the command that picks it up again, and the
      // rows whose create went out but whose answer did not come back (Motive may hold their recalls).
      let databaseSilent = false
      if (Option.isSome(options.database)) {
        // The workers send the rows, not this process: what they have not sent yet is cancelled (as batch cancel
        // does), so that no quota is spent after the interruption but by the creates they have under way.
        // Bounded, and not waiting for its interruption (a transaction rolled back on a silent database): a database
        // gone silent must not hold Ctrl-C.
        const silent = { message: "the jobs database did not answer within 10 s" }
        const cancelled = yield* Effect.either(
          Effect.timeoutFail(Effect.disconnect(jobs.cancel(batch.id)), {
            duration: "10 seconds",
            onTimeout: () => silent
          })
        )
        if (cancelled._tag === "Left") {
          databaseSilent = cancelled.left === silent
          processSinks.stderr(
            `interrupted: could not cancel the rows not sent yet (${cancelled.left.message}): the workers may still ` +
              `send them; stop them with: motive batch cancel ${short(batch.id)} --database <URL>\n`
          )
        } else {
          const { cancelled: rows, maybeSent } = cancelled.right
          const many = rows.length !== 1
          processSinks.stderr(
            `interrupted: ${
              rows.length === 0
                ? "no row was left to send"
                : `row${many ? "s" : ""} ${rows.join(", ")} not sent yet ${many ? "are" : "is"} cancelled${
                  maybeSent.length === 0 ? ` (${many ? "their" : "its"} quota is free)` : ""
                }`
            }; the workers finish the creates they have under way\n`
          )
        }
      } else {
        const slow = yield* Effect.forkDaemon(
          Effect.zipRight(
            Effect.sleep("1 second"),
            Effect.sync(() =>
              processSinks.stderr("interrupted: stopping; a create already on the wire is answered first\n")
            )
          )
        )
        yield* jobs.stopCreating
        yield* Fiber.interrupt(slow)
      }
      // Bounded too: a database gone silent must not hold Ctrl-C (the batch is then named without its recalls), and
      // one that did not answer the cancel is not asked again.
      const now = databaseSilent
        ? Option.none()
        : yield* Effect.option(Effect.timeout(Effect.disconnect(jobs.status(batch.id)), "10 seconds"))
      const rows = Option.isSome(now) ? now.value.rows : []
      for (const row of rows) {
        if (row.recallId !== undefined && row.state !== "done" && row.state !== "failed") {
          yield* output.learned({ kind: "video_recall", id: row.recallId, resume })
        }
      }
      const unanswered = rows.filter((r) => r.recallId === undefined && r.createClaimed && r.state === "stopped")
      if (unanswered.length > 0) {
        processSinks.stderr(
          `interrupted: row${unanswered.length === 1 ? "" : "s"} ${
            unanswered.map((r) => r.row).join(", ")
          } sent a create whose answer was lost (in this run or an earlier one): Motive may hold ${
            unanswered.length === 1 ? "its recall" : "their recalls"
          }, which the resume finds (never making one twice)\n`
        )
      }
      processSinks.stderr(`interrupted: every recall made is in the journal; resume with: ${resume}\n`)
    })
    return yield* Effect.gen(function*() {
      const submitted = yield* jobs.submit(batch, { directory: options.directory, partial: options.partial }).pipe(
        Effect.catchTags({
          QuotaShort: (e) =>
            new BatchIncomplete({
              message: e.reservedMinutes > 0
                ? `${e.message}; a batch you no longer want frees what it holds with: ${
                  e.heldBy.map(cancelCommand).join(" or ") || "motive batch cancel BATCH"
                }`
                : e.message,
              code: 4,
              // The numbers, for scripts (--json's summary), as well as in words.
              summary: {
                quota: {
                  recallType: e.recallType,
                  neededMinutes: e.neededMinutes,
                  remainingMinutes: e.remainingMinutes,
                  reservedMinutes: e.reservedMinutes,
                  heldBy: e.heldBy
                }
              }
            }),
          DirectoryMismatch: (e) => new InvalidInput({ message: e.message }),
          JobStoreError: (e) =>
            Option.isSome(options.database)
              ? new JobsDatabaseUnavailable({ message: `could not use the jobs database: ${e.message}` })
              : Effect.die(e)
        })
      )
      const before = yield* jobs.status(batch.id).pipe(Effect.catchAll(storeLost))
      yield* output.note(
        submitted.isNew
          ? `Batch ${short(batch.id)}: ${batch.rows.length} row${
            batch.rows.length === 1 ? "" : "s"
          } from ${options.file}, ${
            Option.isSome(options.database)
              ? "sent to the workers (files under each worker's --dir)"
              : `files into ${options.directory}`
          }`
          : `Batch ${short(batch.id)} resumed (the same rows ran before): ${before.counts.done} done, ${
            // Sent rows that finished between the submission and this look are counted once, as done.
            submitted.sent.filter((row) => before.rows.find((r) => r.row === row)?.state !== "done").length} to go${
            // Rows held back are neither: said here too, so that "0 to go" does not read as the whole batch.
            submitted.heldForQuota.length > 0 ? `, ${submitted.heldForQuota.length} not sent (quota)` : ""}`
      )
      if (submitted.reused.length > 0) {
        const rows = submitted.reused
        const many = rows.length > 1
        yield* output.note(
          `row${many ? "s" : ""} ${rows.map((r) => r.row).join(", ")} reuse${many ? "" : "s"} recall${
            many ? "s" : ""
          } ${rows.map((r) => r.recallId).join(", ")}, made by an earlier batch for the very same request${
            many ? "s" : ""
          } (no quota spent)`
        )
      }
      if (submitted.heldForQuota.length > 0) {
        yield* output.note(
          `not sent (the quota does not cover them): row${submitted.heldForQuota.length === 1 ? "" : "s"} ${
            submitted.heldForQuota.join(", ")
          }`
        )
      }
      if (options.detach) return before
      const started = Date.now()
      const settledAtStart = before.rows.filter((r) => r.state === "done" || r.state === "failed").length
      yield* Stream.runForEach(
        jobs.progress(batch.id, "500 millis"),
        (p) => output.progress(summaryLine(p, started, settledAtStart))
      )
        .pipe(
          Effect.ensuring(output.endProgress),
          Effect.catchAll(storeLost)
        )
      return yield* jobs.status(batch.id).pipe(Effect.catchAll(storeLost))
    }).pipe(
      // In a fiber of its own, interruptible: an interrupted fiber's handler runs uninterruptibly, where a timeout
      // cannot end what it bounds (it waits for it), so a database gone silent held Ctrl-C for ever.
      Effect.onInterrupt(() => Effect.flatMap(Effect.forkDaemon(Effect.interruptible(interrupted)), Fiber.join))
    )
  }))

/**
 * Runs (or resumes) a batch and follows it until every row has settled: the status table as the result when
 * every row is done, else `BatchIncomplete` with the exit code the outcome calls for.
 *
 * @since 0.1.0
 */
export const runBatch = (
  globals: Globals,
  batch: BatchFile.Batch,
  options: BatchRunOptions,
  gate?: Layer.Layer<RequestGate.RequestGate>
) =>
  withClient(globals, (motive, sandbox) =>
    Effect.gen(function*() {
      const output = yield* Output
      const last = yield* executeBatch(motive, sandbox, batch, options, resumeCommand(globals, options))
      if (options.detach) {
        const follow = motiveCommand(globals, `batch status ${short(last.batch.id)} --database <URL>`)
        // Rows the quota does not cover (--partial) are not the workers': the submission is short of the batch.
        const held = last.rows.filter((r) => r.state === "waiting_for_quota")
        if (held.length > 0) {
          // Rows settled in an earlier run of the same file are not handed to anyone.
          const handed = last.rows.filter((r) =>
            r.state === "validated" || r.state === "creating" || r.state === "waiting" || r.state === "downloading"
          ).length
          const resume = resumeCommand(globals, options)
          return yield* new BatchIncomplete({
            message: `Batch ${short(last.batch.id)}: ${
              handed === 0 ? "nothing was sent" : `${handed} row${handed === 1 ? "" : "s"} for the workers`
            }; ${held.length} row${held.length === 1 ? "" : "s"} not sent, the quota does not cover them: ${
              held.map((r) =>
                r.row
              ).join(", ")
            }${resume === undefined ? "" : ` (resume with more quota: ${resume})`}; follow it with: ${follow}`,
            code: 4,
            summary: { ...statusJson(last), detached: true, next: follow }
          })
        }
        return yield* output.result(
          `Batch ${short(last.batch.id)} submitted: ${last.rows.length} row${
            last.rows.length === 1 ? "" : "s"
          } for the workers; follow it with: ${follow}`,
          { ...statusJson(last), detached: true, next: follow }
        )
      }
      const table = statusTable(last)
      const failed = last.rows.filter((r) => r.state === "failed")
      const quota = last.rows.filter((r) => r.state === "waiting_for_quota")
      const stopped = last.rows.filter((r) => r.state === "stopped")
      if (failed.length + quota.length + stopped.length === 0) {
        return yield* output.result(table, statusJson(last))
      }
      yield* output.note(table)
      const list = (rs: ReadonlyArray<FootageJobs.BatchStatus["rows"][number]>) =>
        rs.map((r) =>
          `row ${r.row}${r.ref === undefined ? "" : ` (${r.ref})`}${r.reason === undefined ? "" : `: ${r.reason}`}`
        )
          .join("; ")
      const parts = [
        failed.length > 0
          ? `${failed.length} row${failed.length === 1 ? "" : "s"} failed at Motive: ${list(failed)}`
          : "",
        quota.length > 0
          ? `${quota.length} row${
            quota.length === 1 ? "" : "s"
          } waiting for quota (resume with more quota or next month): ${quota.map((r) => r.row).join(", ")}`
          : "",
        stopped.length > 0 ? `${stopped.length} row${stopped.length === 1 ? "" : "s"} stopped: ${list(stopped)}` : ""
      ].filter((p) => p !== "")
      const resume = resumeCommand(globals, options)
      const resumable = quota.length + stopped.length > 0 && resume !== undefined ? `; resume with: ${resume}` : ""
      return yield* new BatchIncomplete({
        message: `${parts.join("; ")}${resumable}`,
        code: failed.length > 0 ? 6 : quota.length > 0 ? 4 : 5,
        summary: statusJson(last)
      })
    }), gate)

/** The store of a journal (no lock, no engine: another process may be running it) or a jobs database. */
const storeAt = (journal: string | Redacted.Redacted<string>) =>
  Effect.gen(function*() {
    const { Embedded } = yield* jobsPackage
    const platform = yield* Effect.context<FileSystem.FileSystem>()
    const { Distributed } = yield* distributedPackage
    const store: Layer.Layer<JobStore.JobStore, { readonly _tag: string; readonly message: string }> =
      typeof journal === "string"
        ? Embedded.layerStore(journal).pipe(Layer.provide(Layer.succeedContext(platform)))
        : Distributed.layerStore(journal)
    const where = typeof journal === "string" ? `journal: ${journal}` : Distributed.describeDatabase(journal)
    /** Runs `effect` on the store; a batch not found names where it was looked for. */
    return <A>(effect: Effect.Effect<A, { readonly _tag: string; readonly message: string }, JobStore.JobStore>) =>
      effect.pipe(
        Effect.provide(store),
        Effect.mapError((e) =>
          e._tag === "BatchNotFound"
            ? new InvalidInput({ message: `${e.message} (${where})` })
            : jobsSetupFailure(e)
        )
      )
  })

/**
 * Opens a journal read-only (no lock: another process may be running it) and applies `f` to a batch's status:
 * `batch` (or its first characters), else the one that last ran.
 *
 * @since 0.1.0
 */
export const batchReport = <A, E, R>(
  journal: string | Redacted.Redacted<string>,
  batch: Option.Option<string>,
  f: (status: FootageJobs.BatchStatus) => Effect.Effect<A, E, R>
) =>
  Effect.gen(function*() {
    const { FootageJobs } = yield* jobsPackage
    const onStore = yield* storeAt(journal)
    const status = yield* onStore(FootageJobs.readStatus(Option.getOrElse(batch, () => "")))
    return yield* f(status)
  })

/**
 * Cancels what is left to send of a batch (`batch`, or its first characters): its rows without a recall stop, and
 * the quota they held is free. A journal no process runs is taken under its lock, so that rows a killed run left
 * `creating` stop too; while a process runs it (`runner`: its pid), rows being created are left to that process.
 * A jobs database is shared by running workers: rows being created are left to them.
 *
 * @since 0.1.0
 */
export const cancelRows = (journal: string | Redacted.Redacted<string>, batch: string) =>
  Effect.gen(function*() {
    const { Embedded, FootageJobs } = yield* jobsPackage
    if (typeof journal === "string") {
      const platform = yield* Effect.context<FileSystem.FileSystem | Path.Path>()
      const locked = yield* FootageJobs.cancelBatch(batch, { creating: true }).pipe(
        Effect.provide(Embedded.layerStoreLocked(journal).pipe(Layer.provide(Layer.succeedContext(platform)))),
        Effect.map((done) => ({ ...done, runner: undefined as number | undefined })),
        Effect.catchTag("JournalBusy", (busy) =>
          busy.holder === undefined ? Effect.fail(busy) : Effect.succeed({ busy: busy.holder })),
        Effect.mapError((e) =>
          new InvalidInput({ message: e._tag === "BatchNotFound" ? `${e.message} (journal: ${journal})` : e.message })
        )
      )
      if (!("busy" in locked)) {
        return locked
      }
      const onStore = yield* storeAt(journal)
      return { ...(yield* onStore(FootageJobs.cancelBatch(batch))), runner: locked.busy }
    }
    const onStore = yield* storeAt(journal)
    return { ...(yield* onStore(FootageJobs.cancelBatch(batch))), runner: undefined as number | undefined }
  })
