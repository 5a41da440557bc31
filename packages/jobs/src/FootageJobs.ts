/**
 * Footage jobs as a service: submit a checked batch (after a quota pre-flight), follow its progress, read its
 * status and files, and resolve rows from verified completion webhooks. Usable from any Effect app; the
 * embedded layer runs everything in one process on a SQLite file.
 *
 * @since 0.1.0
 */
import {
  completedRecallId,
  parseTimestamp,
  type VideoRecall,
  type VideoRecallRequestBody,
  type WebhookEvent
} from "@effect-motive/domain"
import { MotiveClient, type MotiveError } from "@effect-motive/http"
import type { WorkflowEngine } from "@effect/workflow"
import {
  Cause,
  Context,
  DateTime,
  Duration,
  Effect,
  Either,
  FiberSet,
  Layer,
  Option,
  Schedule,
  Schema,
  type Scope,
  Stream
} from "effect"
import { type Batch, type BatchFileInvalid, checkBatch } from "./BatchFile.js"
import { complete, FootagePayload, FootageWorkflow, JobSlots } from "./FootageWorkflow.js"
import {
  type JobFile,
  type JobRow,
  JobStore,
  type JobStoreError,
  type RowState,
  RowState as RowStateSchema,
  settledStates,
  type StoredBatch,
  type Tally
} from "./JobStore.js"

/**
 * The quota a batch needs is more than Motive has left: nothing was sent.
 *
 * @since 0.1.0
 */
export class QuotaShort extends Schema.TaggedError<QuotaShort>()("QuotaShort", {
  recallType: Schema.Literal("regular", "timelapse"),
  neededMinutes: Schema.Number,
  /** Motive's remaining minutes this month. */
  remainingMinutes: Schema.Number,
  /** Minutes admitted to other batches and not spent yet (their recalls do not exist yet). */
  reservedMinutes: Schema.optionalWith(Schema.Number, { default: () => 0 }),
  /** The batches those minutes are promised to (ids). */
  heldBy: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [] })
}) {
  override get message(): string {
    const held = this.heldBy.length === 0 ? "" : ` (batch ${this.heldBy.map((id) => id.slice(0, 12)).join(", ")})`
    const reserved = this.reservedMinutes > 0
      ? `, ${Math.min(this.reservedMinutes, this.remainingMinutes)} of them promised to other batches in flight${held}`
      : ""
    return `this batch needs ${this.neededMinutes} minutes of ${this.recallType} recall quota, and Motive has ${this.remainingMinutes} left this month${reserved}: nothing of this batch was sent (to send the rows that fit: rerun with --partial, or submit with partial: true)`
  }
}

/**
 * The batch was started with another destination directory; its files go there.
 *
 * @since 0.1.0
 */
export class DirectoryMismatch extends Schema.TaggedError<DirectoryMismatch>()("DirectoryMismatch", {
  batchId: Schema.String,
  directory: Schema.String,
  given: Schema.String
}) {
  override get message(): string {
    return `batch ${
      this.batchId.slice(0, 12)
    } writes its files to ${this.directory}; resume it with --dir ${this.directory}, or submit with that directory (given: ${this.given})`
  }
}

/**
 * No such batch in the store.
 *
 * @since 0.1.0
 */
export class BatchNotFound extends Schema.TaggedError<BatchNotFound>()("BatchNotFound", {
  batchId: Schema.String,
  /** The batches whose ids start with `batchId`, when more than one does: which one was meant is not known. */
  matches: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [] }),
  /** No batch was named where one must be (a cancel never acts on "the latest"). */
  unnamed: Schema.optionalWith(Schema.Boolean, { default: () => false })
}) {
  override get message(): string {
    if (this.unnamed) return "no batch named: give its id (or its first characters), as batch status shows it"
    if (this.matches.length > 1) {
      return `batch ${this.batchId} is ambiguous: ${
        this.matches.map((id) => id.slice(0, 12)).join(", ")
      } all start with it; give more of the id`
    }
    return this.batchId === "" ? "no batch has run yet" : `no batch ${this.batchId} in this journal`
  }
}

/**
 * The outcome of a submission.
 *
 * @since 0.1.0
 */
export interface Submitted {
  readonly batch: StoredBatch
  /** Whether these rows are new: none of them ran before (else an earlier run of them is resumed). */
  readonly isNew: boolean
  /** Rows handed to their workflows by this call (where they run in this process, some of them as room is made). */
  readonly sent: ReadonlyArray<number>
  /** Rows not sent because the quota does not cover them (`partial` only). */
  readonly heldForQuota: ReadonlyArray<number>
  /**
   * Rows that took over the recall another batch of the store made for the very same request (Motive confirmed
   * it): they spend no quota.
   */
  readonly reused: ReadonlyArray<{ readonly row: number; readonly recallId: number }>
  /** Quota minutes needed and left (Motive's remaining less what other batches in flight will spend), per type. */
  readonly quota: {
    readonly regular: { readonly needed: number; readonly remaining: number }
    readonly timelapse: { readonly needed: number; readonly remaining: number }
  }
}

/**
 * A batch's state: its rows, how many are in each state, its files, and whether every row has settled.
 *
 * @since 0.1.0
 */
export interface BatchStatus {
  readonly batch: StoredBatch
  readonly rows: ReadonlyArray<JobRow>
  readonly counts: Readonly<Record<RowState, number>>
  readonly files: ReadonlyArray<JobFile>
  readonly bytes: number
  /** Quota minutes spent by the recalls this batch made. */
  readonly minutesSpent: number
  /** Every row done, failed, waiting for quota, or stopped. */
  readonly settled: boolean
}

/** How often a batch whose rows are handed over a few at a time looks for room. */
const handOverPause = Duration.millis(50)

/**
 * A batch's progress: its tally, and whether nothing of it is in flight.
 *
 * @since 0.1.0
 */
export interface BatchProgress extends Tally {
  /**
   * No row is being worked on: every row settled, or never handed to its workflow (a batch refused for quota,
   * whose rows wait for it to be submitted again).
   */
  readonly settled: boolean
}

/**
 * The footage-job operations.
 *
 * @since 0.1.0
 */
export interface FootageJobsService {
  /**
   * Records the batch (or finds it, when the same rows ran before) and hands every row that is not finished to
   * its workflow. Rows that stopped or waited for quota in an earlier run are sent again (a recall already made
   * is reused, never made twice). Before sending, the minutes the rows still need are checked against Motive's
   * remaining quota: `QuotaShort`, nothing sent, unless `partial`, which sends the rows that fit in order.
   * `directory` is kept as given: a relative one is resolved where the files are written (the working directory
   * of the process, or each worker's `root`), so give an absolute one to resume from anywhere; another
   * directory than the batch's first is refused (`DirectoryMismatch`). A batch built in code is checked first as
   * `BatchFile.checkBatch` does (`BatchFileInvalid`, nothing recorded). Where the workflows run in this process
   * (`Embedded.layer`, a runner), rows are handed over `JobSlots.rowsAtOnce` at a time: the first before this
   * returns, the rest as those wait for their recalls or end (`stopCreating` stops the rest, unsent).
   */
  readonly submit: (
    batch: Batch,
    options: { readonly directory: string; readonly partial?: boolean }
  ) => Effect.Effect<Submitted, BatchFileInvalid | QuotaShort | DirectoryMismatch | JobStoreError | MotiveError>
  readonly status: (batchId: string) => Effect.Effect<BatchStatus, BatchNotFound | JobStoreError>
  /** The batch that last ran (a batch resumed is more recent than one refused since), if any. */
  readonly latest: Effect.Effect<Option.Option<StoredBatch>, JobStoreError>
  /**
   * The batch's tally (rows per state, files, bytes, quota minutes) every `every` (default 250 ms) while it
   * changes, ending once nothing of it is in flight. Cheap: one aggregate query per look. `batchId` as `status`
   * takes it (its first characters will do); `BatchNotFound` when it names no one batch.
   */
  readonly progress: (
    batchId: string,
    every?: Duration.DurationInput
  ) => Stream.Stream<BatchProgress, BatchNotFound | JobStoreError>
  /**
   * Waits until nothing of the batch is in flight (every row settled, or never sent: a batch refused for quota
   * ends at once); its status then.
   */
  readonly awaitSettled: (batchId: string) => Effect.Effect<BatchStatus, BatchNotFound | JobStoreError>
  /**
   * Resolves the rows waiting for the recall a verified completion event names (the webhook's signature must
   * have been checked by the caller). Returns how many rows it woke. Events of other actions or recalls change
   * nothing; the workflow confirms with one GET anyway.
   */
  readonly resolveFromWebhook: (event: WebhookEvent) => Effect.Effect<number, JobStoreError>
  /**
   * Stops sending creates from this process (on Ctrl-C, before reporting): a row whose turn comes after this, or
   * whose create is waiting (for the rate limit, a retry), stops (`stopped`; running the batch again sends it,
   * never making a recall twice); a create on the wire is answered first. Succeeds once every create has ended,
   * so that the status then names every recall made. Rows whose recall exists go on. It is for the end of the
   * layer's life and cannot be undone: every batch submitted to this layer afterwards stops at once, unsent (to
   * stop one batch and keep the layer, use `cancelBatch`).
   */
  readonly stopCreating: Effect.Effect<void>
  /**
   * Cancels what is left to send of one batch, as {@link cancelBatch} does (rows without a recall stop, never sent,
   * and free the quota they held; rows whose recall exists go on; a row being created is left to its create).
   */
  readonly cancel: (batchId: string) => Effect.Effect<CancelledRows, BatchNotFound | JobStoreError>
}

/**
 * What a cancel stopped: the batch, its rows cancelled, and of those the rows a create of which was sent before (a
 * run killed, a failure): Motive may hold their recalls.
 *
 * @since 0.1.0
 */
export interface CancelledRows {
  readonly batch: StoredBatch
  readonly cancelled: ReadonlyArray<number>
  readonly maybeSent: ReadonlyArray<number>
}

/**
 * The footage jobs.
 *
 * @since 0.1.0
 */
export class FootageJobs extends Context.Tag("@effect-motive/jobs/FootageJobs")<FootageJobs, FootageJobsService>() {}

const emptyCounts = (): Record<RowState, number> =>
  Object.fromEntries(RowStateSchema.literals.map((s) => [s, 0])) as Record<RowState, number>

/**
 * A batch's status, read from the store alone (no engine needed: `motive batch status` reads it while another
 * process runs the batch). `batchId` may be the first characters of the id; `""` means the one that last ran.
 *
 * @since 0.1.0
 */
export const readStatus = (batchId: string): Effect.Effect<BatchStatus, BatchNotFound | JobStoreError, JobStore> =>
  Effect.gen(function*() {
    const store = yield* JobStore
    const exact = batchId === "" ? undefined : yield* store.batch(batchId)
    const candidates = exact !== undefined ? [exact] : yield* Effect.map(
      store.batches,
      (bs) => batchId === "" ? bs.slice(0, 1) : bs.filter((b) => b.id.startsWith(batchId.toLowerCase()))
    )
    // A prefix two batches share names neither: acting on the newest (as cancel would) may be the wrong one.
    const batch = candidates.length === 1 ? candidates[0] : undefined
    if (batch === undefined) return yield* new BatchNotFound({ batchId, matches: candidates.map((b) => b.id) })
    const rows = yield* store.rows(batch.id)
    const files = yield* store.files(batch.id)
    const counts = emptyCounts()
    for (const r of rows) counts[r.state]++
    return {
      batch,
      rows,
      counts,
      files,
      bytes: files.reduce((n, f) => n + f.bytes, 0),
      // A recall made before (by another batch, or someone else) spent none of this batch's minutes.
      minutesSpent: rows.reduce((n, r) => n + (r.recallId === undefined || r.reused ? 0 : r.minutes), 0),
      settled: rows.every((r) => settledStates.has(r.state))
    }
  })

/** Whether `recall` is the one Motive made for `body`: the same entity, window and recall type. */
const holdsRequest = (recall: VideoRecall, body: VideoRecallRequestBody): boolean => {
  const instant = (text: string | null | undefined) =>
    text == null ? undefined : Either.getOrUndefined(Either.map(parseTimestamp(text), DateTime.toEpochMillis))
  const start = instant(body.start_time)
  const entity = body.vehicle_number !== undefined
    ? recall.vehicle?.number === body.vehicle_number
    : recall.asset?.name === body.asset_name
  return entity && start !== undefined && instant(recall.startTime) === start &&
    instant(recall.endTime) === start + body.duration * 60_000 &&
    (recall.recallType ?? "regular") === (body.recall_type ?? "regular")
}

/**
 * Cancels what is left to send of a batch (`motive batch cancel`; `batchId` as for {@link readStatus}, but never
 * `""`: a cancel names its batch, and a blank id is `BatchNotFound` with `unnamed`): its rows
 * without a recall stop, `stopped` with a reason saying so, never sent, and the quota they held for it is free for
 * other batches. Rows whose recall exists go on (waiting, downloading), and so do rows being created, unless
 * `creating` (for a caller that holds the journal's lock, `Embedded.layerStoreLocked`: then no create of theirs is
 * on the wire). Running the batch again sends the cancelled rows. Needs only the store.
 *
 * @since 0.1.0
 */
export const cancelBatch = (
  batchId: string,
  options: {
    /** Rows being created too: for a caller holding the journal's lock, so that no create of the batch is on the wire. */
    readonly creating?: boolean
  } = {}
): Effect.Effect<CancelledRows, BatchNotFound | JobStoreError, JobStore> =>
  Effect.gen(function*() {
    // Named, never the latest: an empty id (an unset shell variable) must not stop whichever batch ran last.
    if (batchId.trim() === "") return yield* new BatchNotFound({ batchId, unnamed: true })
    const store = yield* JobStore
    const { batch } = yield* readStatus(batchId)
    const rows = yield* store.cancelUnsent(
      batch.id,
      {
        unsent: "cancelled (motive batch cancel) before it was sent: run the batch again to send it",
        maybeSent: "cancelled (motive batch cancel) after its create was sent: Motive may hold its recall (and have " +
          "spent its minutes); running the batch again finds it, never making it twice"
      },
      options
    )
    return { batch, cancelled: rows.map((r) => r.row), maybeSent: rows.filter((r) => r.maybeSent).map((r) => r.row) }
  })

/**
 * Builds the service from the engine, the store and the client in context.
 *
 * @since 0.1.0
 */
export const make: Effect.Effect<
  FootageJobsService,
  never,
  WorkflowEngine.WorkflowEngine | JobStore | MotiveClient.MotiveClient | Scope.Scope
> = Effect.gen(function*() {
  const store = yield* JobStore
  const client = yield* MotiveClient.MotiveClient
  // The workflows' slots, when they run in this process (FootageWorkflow.layerWith): their creates stop there.
  const slots = yield* Effect.serviceOption(JobSlots)
  // The engine, and the scope in which a webhook's completions resume their workflows (they end with it).
  const context = yield* Effect.context<WorkflowEngine.WorkflowEngine | Scope.Scope>()

  // The rows of each batch still to hand over (see `handInTurn`): they end with the layer.
  const handing = yield* FiberSet.make<void>()

  /** Starts a row's workflow (an execution the engine has already is left as it is). */
  const handOver = (payload: typeof FootagePayload.Type) =>
    FootageWorkflow.execute(payload, { discard: true }).pipe(Effect.provide(context))

  /**
   * Hands `payloads` (rows of `batchId` already recorded as submitted) to their workflows as room is made: while
   * fewer than `rowsAtOnce` rows of the batch are about to create, creating or downloading (rows waiting for their
   * recall hold nothing). Once this process stops (Ctrl-C), or the engine fails, the rows not handed over stop,
   * unsent: running the batch again sends them. A process killed (or the layer closed) leaves them submitted: the
   * next process to run the workflows on the store hands them over as it starts.
   */
  const handInTurn = (
    batchId: string,
    payloads: ReadonlyArray<typeof FootagePayload.Type>,
    slots: typeof JobSlots.Service
  ) => {
    let next = 0
    // A row whose recall exists (an earlier run made it) was not sent again: it is that recall that waits.
    const stopRest = (why: string) =>
      Effect.forEach(payloads.slice(next), (p) =>
        store.setState(batchId, p.row, "stopped", {
          reason: p.knownRecallId === undefined
            ? `not sent: ${why}; running the batch again sends it`
            : `not followed: ${why}; running the batch again waits for its video recall ${p.knownRecallId}`
        }), { discard: true })
    const loop = Effect.gen(function*() {
      while (next < payloads.length) {
        if (yield* slots.stopping) {
          return yield* stopRest("the run was stopped before this row's turn")
        }
        const { counts } = yield* store.tally(batchId)
        // Rows recorded as submitted but not handed over yet are `validated` too.
        const alive = counts.validated - (payloads.length - next) + counts.creating + counts.downloading
        const room = Math.min(slots.rowsAtOnce - Math.max(0, alive), payloads.length - next)
        if (room <= 0) {
          yield* Effect.race(Effect.sleep(handOverPause), slots.whenStopping)
          continue
        }
        for (let i = 0; i < room; i++) {
          const payload = payloads[next]!
          // A row cancelled meanwhile (`batch cancel`) has settled: it is not sent, nor kept in memory to be refused.
          const now = yield* store.row(batchId, payload.row)
          if (now === undefined || !settledStates.has(now.state)) yield* handOver(payload)
          next++
        }
      }
    })
    return loop.pipe(
      // Whatever ended it (the engine, the store, a defect), the rows left are said to be unsent, never left looking
      // submitted with nothing to send them.
      Effect.catchAllCause((cause) => {
        // The layer closing: the rows stay submitted, and the next process to run the workflows hands them over.
        if (Cause.isInterruptedOnly(cause)) return Effect.void
        const e = Cause.squash(cause)
        return Effect.zipRight(
          Effect.logWarning("footage jobs: rows could not be handed to their workflows", cause),
          stopRest(typeof e === "object" && e !== null && "message" in e ? String(e.message) : String(e))
        )
      }),
      Effect.ignore
    )
  }

  /** A row recorded as submitted, as its workflow's payload (the same execution: batch, row and generation). */
  const payloadOf = (stored: StoredBatch, r: JobRow, generation: number, knownRecallId: number | undefined) => ({
    batchId: stored.id,
    row: r.row,
    generation,
    body: r.body,
    smartDashcam: r.smartDashcam,
    // No directory: each worker puts the row's folder under its own root.
    directory: stored.directory === "" ? r.folder : `${stored.directory.replace(/\/+$/, "")}/${r.folder}`,
    ...(knownRecallId === undefined ? {} : { knownRecallId })
  })

  // A process that runs the workflows hands over, as it starts, the rows an earlier one recorded as submitted but
  // was killed before handing over: they would wait for a run of their own batch (holding their quota) while a run
  // of another batch said they go on.
  if (Option.isSome(slots)) {
    yield* FiberSet.run(
      handing,
      Effect.gen(function*() {
        // One query for them all: a journal's other rows (every batch it ever ran) are not read to find them.
        const unsent = yield* store.unsentRows
        for (const batchId of new Set(unsent.map((r) => r.batchId))) {
          const stored = yield* store.batch(batchId)
          if (stored === undefined) continue
          const stranded = unsent.filter((r) => r.batchId === batchId)
          yield* FiberSet.run(
            handing,
            handInTurn(stored.id, stranded.map((r) => payloadOf(stored, r, r.generation, r.recallId)), slots.value)
          )
        }
      }).pipe(Effect.ignore)
    )
  }

  const submit: FootageJobsService["submit"] = (batch, options) =>
    Effect.gen(function*() {
      // A batch built in code is checked as a parsed one was: nothing of a bad one is recorded (its rows would
      // never settle, holding their quota).
      yield* checkBatch(batch)
      const { batch: stored, isNew } = yield* store.addBatch(batch, options.directory)
      if (stored.directory !== options.directory) {
        return yield* new DirectoryMismatch({
          batchId: stored.id,
          directory: stored.directory,
          given: options.directory
        })
      }
      // The same request may have a recall already, made by another batch of this journal (the same rows in a
      // changed file): taken over, it needs no quota. Each is confirmed with Motive first, since the journal may
      // hold recalls of another account or server (a sandbox), whose ids name other recalls here.
      const candidates = yield* store.knownRecalls(stored.id)
      const confirmed = new Map<number, number>()
      if (candidates.size > 0) {
        const bodies = new Map((yield* store.rows(stored.id)).map((r) => [r.row, r.body]))
        yield* Effect.forEach(candidates, ([row, recallId]) =>
          Effect.map(Effect.option(client.getVideoRecall(recallId)), (recall) => {
            const body = bodies.get(row)
            if (recall._tag === "Some" && body !== undefined && holdsRequest(recall.value, body)) {
              confirmed.set(row, recallId)
            }
          }), { concurrency: 8, discard: true })
      }
      // The admission runs alone across every process on the store: the ledger (minutes admitted to other
      // batches and not spent yet) is read first, then Motive's quota, and the admitted rows are recorded before
      // the next admission may start. Two batches at once cannot both be admitted against the same minutes.
      const admitted = yield* store.admitting(Effect.gen(function*() {
        const recallOf = (r: JobRow) =>
          r.recallId ?? confirmed.get(r.row)
        const all = yield* store.rows(stored.id)
        const rows = all.filter((r) =>
          r.state !== "done" && r.state !== "failed"
        )
        const needsCreate = rows.filter((r) => recallOf(r) === undefined)
        const reserved = yield* store.reservedMinutes(stored.id)
        const quota = yield* client.getRecallQuota
        const remaining = {
          regular: Math.max(0, quota.quotaInfo.regular.remainingMinutes - reserved.regular),
          timelapse: Math.max(0, quota.quotaInfo.timelapse.remainingMinutes - reserved.timelapse)
        }
        const needed = { regular: 0, timelapse: 0 }
        for (const r of needsCreate) needed[r.recallType] += r.minutes
        if (options.partial !== true) {
          for (const type of ["regular", "timelapse"] as const) {
            if (needed[type] > remaining[type]) {
              return yield* new QuotaShort({
                recallType: type,
                neededMinutes: needed[type],
                remainingMinutes: quota.quotaInfo[type].remainingMinutes,
                reservedMinutes: reserved[type],
                heldBy: reserved.batches[type]
              })
            }
          }
        }
        const left = { ...remaining }
        const held: Array<number> = []
        const reused: Array<{ readonly row: number; readonly recallId: number }> = []
        const send: Array<{ readonly payload: typeof FootagePayload.Type; readonly again: boolean }> = []
        for (const r of rows) {
          const recallId = recallOf(r)
          if (recallId === undefined) {
            if (left[r.recallType] < r.minutes) {
              held.push(r.row)
              continue
            }
            left[r.recallType] -= r.minutes
          }
          const again = r.state === "waiting_for_quota" || r.state === "stopped"
          send.push({ again, payload: payloadOf(stored, r, again ? r.generation + 1 : r.generation, recallId) })
        }
        for (const row of held) {
          yield* store.setState(stored.id, row, "waiting_for_quota", {
            reason: "not sent: the monthly quota does not cover it"
          })
        }
        for (const { again, payload } of send) {
          const executionId = yield* FootageWorkflow.executionId(payload)
          // Recorded before the workflow starts: a crash in between re-sends the same execution, never a new one.
          // A submitted row without a recall is in the ledger until its recall exists or it settles.
          yield* store.submitted(stored.id, payload.row, payload.generation, executionId)
          if (again) yield* store.setState(stored.id, payload.row, "validated")
          const adopted = confirmed.get(payload.row)
          if (adopted !== undefined) {
            yield* store.adoptRecall(stored.id, payload.row, adopted)
            reused.push({ row: payload.row, recallId: adopted })
          }
        }
        // A batch refused before (the quota) is recorded, but none of its rows ever ran: still new to the caller.
        const neverSent = all.every((r) => r.executionId === undefined)
        return { held, needed, remaining, neverSent, reused, send: send.map((s) => s.payload) }
      }))
      const { held, needed, neverSent, remaining, reused, send } = admitted
      if (Option.isSome(slots) && send.length > slots.value.rowsAtOnce) {
        // Where the rows run in this process, a few at a time: the first ones now (a failure of the engine is the
        // caller's), the rest as those move on.
        const first = slots.value.rowsAtOnce
        for (const payload of send.slice(0, first)) yield* handOver(payload)
        yield* FiberSet.run(handing, handInTurn(stored.id, send.slice(first), slots.value))
      } else {
        for (const payload of send) yield* handOver(payload)
      }
      return {
        batch: stored,
        isNew: isNew || neverSent,
        sent: send.map((p) => p.row),
        heldForQuota: held,
        reused,
        quota: {
          regular: { needed: needed.regular, remaining: remaining.regular },
          timelapse: { needed: needed.timelapse, remaining: remaining.timelapse }
        }
      }
    })

  const status: FootageJobsService["status"] = (batchId) => Effect.provideService(readStatus(batchId), JobStore, store)

  const progress: FootageJobsService["progress"] = (batchId, every = "250 millis") =>
    Stream.unwrap(Effect.map(
      // The batch named once (a prefix, or an id no batch has, as `status` reads it), then looked at by its id.
      Effect.flatMap(store.batch(batchId), (exact) =>
        exact === undefined ? Effect.map(status(batchId), (s) => s.batch.id) : Effect.succeed(exact.id)),
      (id) =>
        Stream.repeatEffectWithSchedule(
          Effect.map(store.tally(id), (t): BatchProgress => ({ ...t, settled: t.inFlight === 0 })),
          Schedule.spaced(every)
        ).pipe(
          Stream.changesWith((a, b) =>
            JSON.stringify(a) === JSON.stringify(b)
          ),
          Stream.takeUntil((p) => p.settled)
        )
    ))

  const resolveFromWebhook: FootageJobsService["resolveFromWebhook"] = (event) =>
    Effect.gen(function*() {
      const recallId = completedRecallId(event)
      if (recallId === undefined) return 0
      yield* store.addEvent(recallId, event.action)
      const waiting = (yield* store.rowsOfRecall(recallId)).filter((r) =>
        r.executionId !== undefined && !settledStates.has(r.state)
      )
      for (const r of waiting) {
        yield* complete(r.executionId!, { recallId, via: "webhook" }).pipe(
          Effect.provide(context)
        )
      }
      return waiting.length
    })

  return FootageJobs.of({
    submit,
    status,
    latest: Effect.map(store.batches, (bs) => Option.fromNullable(bs[0])),
    progress,
    awaitSettled: (batchId) => Effect.zipRight(Stream.runDrain(progress(batchId)), status(batchId)),
    resolveFromWebhook,
    // The rows still to hand over stop too, before this says that creates have ended.
    stopCreating: Option.match(slots, {
      onNone: () => Effect.void,
      onSome: (s) => Effect.zipRight(s.stopCreates, FiberSet.awaitEmpty(handing))
    }),
    cancel: (batchId) => Effect.provideService(cancelBatch(batchId), JobStore, store)
  })
})

/**
 * The service as a layer.
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<
  FootageJobs,
  never,
  WorkflowEngine.WorkflowEngine | JobStore | MotiveClient.MotiveClient
> = Layer.scoped(FootageJobs, make)
