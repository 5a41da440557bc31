/**
 * One row of a footage job as a durable workflow: create the recall, await its completion (a webhook, or a
 * durable poll when none comes), download each camera's video. Each step is an activity, so a process killed at
 * any moment resumes where it was: a step whose result was journaled never runs again, and a create that ran
 * again after a crash (between Motive's answer and the journal) meets Motive's duplicate answer naming the
 * recall it already made, never a second recall.
 *
 * Activity, deferred and workflow names are part of the stored state: never rename or reorder them.
 *
 * @since 0.1.0
 */
import {
  CameraPosition,
  footageReady,
  isCameraPosition,
  statusText,
  type VideoRecall,
  VideoRecallRequestBody
} from "@effect-motive/domain"
import {
  describeWait,
  isAmbiguous,
  MediaDownloads,
  MotiveClient,
  type MotiveError,
  RequestJournal
} from "@effect-motive/http"
import { FileSystem } from "@effect/platform"
import { Activity, DurableClock, DurableDeferred, Workflow, type WorkflowEngine } from "@effect/workflow"
import {
  Cause,
  Clock,
  Context,
  Deferred,
  Duration,
  Effect,
  Either,
  Layer,
  Ref,
  Schedule,
  Schema,
  type Scope
} from "effect"
import { resolve as resolvePath } from "node:path"
import { entityOf, requestOf } from "./BatchFile.js"
import { sha256File } from "./internal/sha256.js"
import { JobFile, JobStore, type RowState } from "./JobStore.js"

/**
 * What a row's workflow is given: the exact body to send, where its files go, and (when an earlier run of the
 * row already made it) the recall id.
 *
 * @since 0.1.0
 */
export const FootagePayload = Schema.Struct({
  batchId: Schema.String,
  row: Schema.Number,
  /** Bumped when a row that stopped or waited for quota is sent again by a later run. */
  generation: Schema.Number,
  body: VideoRecallRequestBody,
  smartDashcam: Schema.Boolean,
  /** `<dir>/<ref or row number>`. */
  directory: Schema.String,
  knownRecallId: Schema.optional(Schema.Number)
})

/**
 * How a row's workflow ended.
 *
 * @since 0.1.0
 */
export const FootageOutcome = Schema.Literal("done", "failed", "waiting_for_quota", "stopped")

/**
 * The workflow of one row (one execution per batch, row and generation).
 *
 * @since 0.1.0
 */
export const FootageWorkflow = Workflow.make({
  name: "MotiveFootageRow",
  payload: FootagePayload,
  success: FootageOutcome,
  idempotencyKey: (p) => `${p.batchId}/${p.row}/${p.generation}`
})

/**
 * Resolved by a verified completion webhook with the recall it names; the workflow confirms with one GET.
 *
 * @since 0.1.0
 */
export const Completion = DurableDeferred.make("recall-completed", {
  success: Schema.Struct({
    recallId: Schema.Number,
    /** `webhook`: a verified delivery (confirmed with one GET); `poll`: the poller's GET, which is the check. */
    via: Schema.Literal("webhook", "poll"),
    /** For `poll`: what its GET read (`timeout` once the polls ran out). */
    status: Schema.optional(Schema.String),
    positions: Schema.optional(Schema.Array(CameraPosition)),
    reason: Schema.optional(Schema.String)
  })
})

/**
 * Resolves a row's `Completion`. A resolution that lands while the workflow is between looking for it and
 * suspending wakes nothing (the engine resumes only a workflow already suspended), so the workflow is also
 * resumed a moment later (and again a few seconds later); resuming one that is not suspended does nothing. Those
 * resumes run in the `Scope` given (the jobs layer's), so none outlives the engine: one left behind as a daemon
 * kept a finished program from exiting.
 *
 * @since 0.1.0
 */
export const complete = (
  executionId: string,
  value: typeof Completion.successSchema.Type
): Effect.Effect<void, never, WorkflowEngine.WorkflowEngine | Scope.Scope> =>
  Effect.gen(function*() {
    yield* DurableDeferred.succeed(Completion, {
      token: DurableDeferred.tokenFromExecutionId(Completion, { workflow: FootageWorkflow, executionId }),
      value
    })
    // Twice, the second for a machine so busy that the workflow had not suspended yet after a second.
    yield* Effect.forEach(["1 second", "5 seconds"] as const, (after) =>
      Effect.sleep(after).pipe(Effect.zipRight(FootageWorkflow.resume(executionId))), { discard: true }).pipe(
        Effect.forkScoped
      )
  })

/**
 * What a GET of a recall says for its row: the status, the cameras whose footage is ready, and why it failed.
 *
 * @since 0.1.0
 */
export const statusOf = (recall: VideoRecall): typeof StatusCheck.Type => ({
  status: statusText(recall.status),
  positions: recall.cameras.flatMap((c) => footageReady(c) && isCameraPosition(c.position) ? [c.position] : []),
  ...(statusText(recall.status) === "failed" ? { reason: `video recall ${recall.id} failed at Motive` } : {})
})

/**
 * How the workflows wait and work: the durable poll (first after `firstPoll`, then 1.5 times longer each time up
 * to `maxPollInterval`, at most `maxPolls` polls before the row is `stopped`), how many rows create at once and how
 * many download at once, and the name recorded as the writer of each file.
 *
 * @since 0.1.0
 */
export interface FootageSettings {
  readonly firstPoll: Duration.Duration
  readonly maxPollInterval: Duration.Duration
  readonly maxPolls: number
  /** Rows creating at once. */
  readonly concurrency: number
  /**
   * Downloads at once; default four times `concurrency`, at most 32 (and never fewer than `concurrency`). A
   * download of a small file is a chain of short waits (file checks, the lock, the request, the rename, the
   * checksum), so it takes longer than its bytes suggest, and rows whose footage is ready must not pile up behind
   * it: each waiting row holds its workflow in memory. Media downloads do not count against the API's rate limit.
   */
  readonly downloadConcurrency?: number | undefined
  readonly worker: string
  /**
   * Where a row's relative directory is resolved: the worker's `--dir` when rows are submitted without one
   * (several machines). Rows submitted with an absolute directory (one process) ignore it.
   */
  readonly root?: string | undefined
  /**
   * A create or download that failed after the client's own retries for a reason that may pass (rate limit,
   * 5xx, a lost connection, a lost answer) is tried again after `retryBase`, doubling up to a minute, for at most
   * `retryFor`, before the row is `stopped` (for the next run).
   */
  readonly retryBase: Duration.Duration
  readonly retryFor: Duration.Duration
  /**
   * `false`: a row whose create may have reached Motive (its answer lost, in this run or an earlier one) is never
   * sent again, not even by the next run: it stops, saying that Motive may hold its recall. `true`: such a row is
   * sent again, and Motive's 409 names the recall it made (its docs say duplicates "may be rejected"). Unset (the
   * default): as the client does, its `retry.resendLostCreates` (`MOTIVE_RESEND_LOST_CREATES`).
   */
  readonly resendLostCreates?: boolean | undefined
}

/**
 * The default settings: first poll after 30 s, at most every 10 minutes, 30 polls (about 4 hours), 8 rows creating
 * at once (and 32 downloads).
 *
 * @since 0.1.0
 */
export const defaultSettings = (worker: string): FootageSettings => ({
  firstPoll: Duration.seconds(30),
  maxPollInterval: Duration.minutes(10),
  maxPolls: 30,
  concurrency: 8,
  worker,
  retryBase: Duration.seconds(2),
  retryFor: Duration.minutes(15)
})

/**
 * The poll delays of `settings`, in order.
 *
 * @since 0.1.0
 */
export const pollDelays = (settings: FootageSettings): ReadonlyArray<Duration.Duration> =>
  Array.from(
    { length: settings.maxPolls },
    (_, i) => Duration.min(Duration.times(settings.firstPoll, 1.5 ** i), settings.maxPollInterval)
  )

const Created = Schema.TaggedStruct("Created", { recallId: Schema.Number })
const NotCreated = Schema.TaggedStruct("NotCreated", {
  state: Schema.Literal("failed", "waiting_for_quota", "stopped"),
  reason: Schema.String
})
const CreateResult = Schema.Union(Created, NotCreated)

/**
 * What one GET of a recall says for its row.
 *
 * @since 0.1.0
 */
export const StatusCheck = Schema.Struct({
  /** `success`, `failed`, or anything else (still in progress, or unknown after a failed GET). */
  status: Schema.String,
  positions: Schema.Array(CameraPosition),
  reason: Schema.optional(Schema.String)
})
type StatusCheck = typeof StatusCheck.Type

const DownloadResult = Schema.Union(
  Schema.TaggedStruct("Downloaded", { bytes: Schema.Number, sha256: Schema.String }),
  Schema.TaggedStruct("NotDownloaded", { reason: Schema.String })
)

type Payload = typeof FootagePayload.Type

/**
 * Whether a create that failed so may have made a recall all the same: its answer was lost (a timeout, a 5xx, a
 * broken connection), or it was a 2xx whose body could not be read.
 *
 * @since 0.1.0
 */
export const mayHaveMade = (e: MotiveError): boolean => isAmbiguous(e) || e._tag === "ResponseDecodeError"

/**
 * What a create failure means for the row: spent quota waits for more, a failure that may pass stops the row
 * for the next run (which resumes it safely: a recall Motive made is found by its duplicate answer), anything
 * else is Motive's refusal of this row.
 *
 * @since 0.1.0
 */
export const afterCreateFailure = (e: MotiveError): typeof NotCreated.Type => {
  const named = waitNamed(e)
  const reason = named === undefined || Duration.isZero(named)
    ? e.message
    : `${e.message}; Motive asks to come back in ${describeWait(named)}: run the batch again then`
  switch (e._tag) {
    case "QuotaExhausted":
      return { _tag: "NotCreated", state: "waiting_for_quota", reason }
    case "RateLimited":
    case "ServerError":
    case "TransportError":
    case "RequestTimeout":
    case "CreateUncertain":
    // A 2xx whose body could not be read: the recall exists; the next run finds it (409).
    case "ResponseDecodeError":
    case "Unauthorized":
    // Company-wide and fixed by an administrator: the next run, once it is on, goes on.
    case "FeatureDisabled":
      return { _tag: "NotCreated", state: "stopped", reason }
    default:
      return isAmbiguous(e)
        ? { _tag: "NotCreated", state: "stopped", reason }
        : { _tag: "NotCreated", state: "failed", reason: `Motive refused: ${reason}` }
  }
}

/** Failures that may pass: worth another try by the job, after the client's own retries gave up. */
const passing = (e: { readonly _tag: string; readonly local?: boolean; readonly busy?: boolean }): boolean =>
  e._tag === "RateLimited" || e._tag === "ServerError" || e._tag === "TransportError" ||
  e._tag === "RequestTimeout" || e._tag === "CreateUncertain" || e._tag === "MediaExpired" ||
  // Another process (a worker on another machine sharing the directory, or one gone whose lock is not stale yet)
  // downloading the same file: once it is done, or its lock stale, the next try finds the file or takes over.
  (e._tag === "DownloadFailed" && (e.local !== true || e.busy === true))

/**
 * The reason of a row not sent because Motive asked this run's creates to come back at `comeBackAt` (epoch ms). A
 * wait past a year (a `Retry-After` of 10^20 seconds, past what a date can hold) is told as a wait, not a date.
 *
 * @since 0.1.0
 */
export const notSentUntil = (comeBackAt: number, now: number): string =>
  `not sent: Motive asked this run's creates to come back ${
    comeBackAt - now > 365 * 86_400_000 ? "in more than a year" : `at ${new Date(comeBackAt).toISOString()}`
  }; running the batch again then sends it`

/** The wait a 429 named (its `Retry-After`), if any. */
const waitNamed = (e: { readonly _tag: string }): Duration.Duration | undefined =>
  e._tag === "RateLimited" && "retryAfter" in e && Duration.isDuration(e.retryAfter) ? e.retryAfter : undefined

/**
 * Retries `effect` while it fails with a failure that may pass, on the settings' schedule. A 429 is tried again no
 * sooner than its `Retry-After`, and not at all when that is longer than `retryFor` (the row stops, its reason
 * saying when Motive asks to come back, rather than asking again every minute meanwhile).
 */
const persist = (settings: FootageSettings) =>
<A, E extends { readonly _tag: string }, R>(
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> =>
  Effect.retry(effect, {
    while: (e) => {
      const named = waitNamed(e)
      // A create that may have made its recall is not sent again when lost creates are not re-sent.
      if (e._tag === "CreateUncertain" && settings.resendLostCreates === false) return false
      return passing(e) && (named === undefined || Duration.lessThanOrEqualTo(named, settings.retryFor))
    },
    schedule: Schedule.identity<E>().pipe(
      Schedule.intersect(
        Schedule.exponential(settings.retryBase, 2).pipe(Schedule.union(Schedule.spaced(Duration.minutes(1))))
      ),
      Schedule.modifyDelay(([e], delay) => {
        const named = waitNamed(e)
        return named === undefined ? delay : Duration.max(delay, named)
      }),
      Schedule.upTo(settings.retryFor)
    )
  })

/**
 * The in-process limits: rows creating at once (`concurrency`), and downloads at once (`downloadConcurrency`).
 * Two pools, so that a recall whose footage is ready downloads at once instead of queueing behind every row still
 * waiting to create.
 *
 * @since 0.1.0
 */
export class JobSlots extends Context.Tag("@effect-motive/jobs/JobSlots")<JobSlots, {
  readonly creates: Effect.Semaphore
  readonly downloads: Effect.Semaphore
  /**
   * How many rows of a batch submitted here are handed to their workflows at once, not yet waiting for their recall:
   * about to create, creating, or downloading. A row alive in the engine holds memory (its fibers) while it waits
   * for a slot, so the rest are handed over as these move on, rather than thousands at once.
   */
  readonly rowsAtOnce: number
  /**
   * Until when (epoch milliseconds) Motive asked a create of this process to come back, when that was longer than
   * the rows' retries last: rows whose turn comes before then stop unsent, rather than each meeting its own 429.
   */
  readonly comeBackAt: Ref.Ref<number>
  /** Whether this process is stopping: a row whose turn to create comes then is not sent (the next run sends it). */
  readonly stopping: Effect.Effect<boolean>
  /** Succeeds once this process is stopping. */
  readonly whenStopping: Effect.Effect<void>
  /**
   * Stops sending creates: none starts from now on, a create waiting (for the rate limit, a retry) ends, and this
   * succeeds once each create under way has ended (its answer recorded). For a process interrupted: a worker
   * that shuts down without it hands its rows over instead (the engine resumes them elsewhere).
   */
  readonly stopCreates: Effect.Effect<void>
}>() {}

/**
 * The settings the workflows run with.
 *
 * @since 0.1.0
 */
export class JobSettings extends Context.Tag("@effect-motive/jobs/JobSettings")<JobSettings, FootageSettings>() {}

/**
 * Recalls as the last status check of these workflows read them, so that their downloads need no GET of their
 * own. Kept in memory only (pre-signed URLs never reach the journal; after a restart the downloads fetch them),
 * and one per layer: recall ids are a server's, so two runtimes of one process (two companies, two sandboxes)
 * never read each other's.
 *
 * @since 0.1.0
 */
export class FreshRecalls extends Context.Tag("@effect-motive/jobs/FreshRecalls")<
  FreshRecalls,
  Map<number, VideoRecall>
>() {}

/**
 * Keeps a recall as just read (by the poller) for its downloads.
 *
 * @since 0.1.0
 */
export const rememberRecall = (recall: VideoRecall): Effect.Effect<void, never, FreshRecalls> =>
  Effect.map(FreshRecalls, (fresh) => void fresh.set(recall.id, recall))

/**
 * The workflow's implementation, registered with the engine in context.
 *
 * @since 0.1.0
 */
export const layer = FootageWorkflow.toLayer(Effect.fnUntraced(function*(payload: Payload) {
  const client = yield* MotiveClient.MotiveClient
  const downloads = yield* MediaDownloads.MediaDownloads
  const store = yield* JobStore
  const given = yield* JobSettings
  // Lost creates are sent again as the settings say, else as the client does (its `retry.resendLostCreates`).
  const settings = { ...given, resendLostCreates: given.resendLostCreates ?? client.resendLostCreates ?? true }
  const slots = yield* JobSlots
  const freshRecalls = yield* FreshRecalls
  const fs = yield* FileSystem.FileSystem
  const journal = yield* Effect.serviceOption(RequestJournal.RequestJournal)
  const { batchId, row } = payload
  // Read inside the row's guard (a body that reads back as no request stops the row, never leaves it in flight).
  const request = Effect.sync(() => requestOf(payload))
  /** The request journal (`motive recall list`) learns of every recall a row made or found, and its statuses. */
  const journalRecall = (recall: Parameters<typeof RequestJournal.recallEntry>[0]) =>
    RequestJournal.recordIn(journal)(RequestJournal.recallEntry(recall, entityName))
  const entityName = entityOf(payload.body)
  const setState = (
    state: RowState,
    extra?: { readonly recallId?: number; readonly reason?: string; readonly reused?: boolean }
  ) => Effect.orDie(store.setState(batchId, row, state, extra))
  const finish = (state: typeof FootageOutcome.Type, reason?: string) =>
    Activity.make({
      name: "finish",
      execute: setState(state, reason === undefined ? {} : { reason })
    }).pipe(Effect.as(state))

  /** The row waits for its recall: polls from the first, `firstPoll` from now. */
  const waitFor = (recallId: number, reused = false) =>
    Effect.gen(function*() {
      yield* setState("waiting", { recallId, reused })
      const now = yield* Clock.currentTimeMillis
      yield* Effect.orDie(store.schedulePoll(batchId, row, now + Duration.toMillis(settings.firstPoll), 0))
    })

  const create = Activity.make({
    name: "create",
    success: CreateResult,
    execute: Effect.gen(function*() {
      if (payload.knownRecallId !== undefined) {
        // Run again to keep waiting: the polls start afresh, on this run's settings (not where the last run's
        // schedule ran out, nor at a first poll it set).
        yield* waitFor(payload.knownRecallId)
        return Created.make({ recallId: payload.knownRecallId })
      }
      // Not when the process is stopping (Ctrl-C): the row stops unsent, and the next run sends it.
      if (yield* slots.stopping) {
        const reason = "not sent: the run was stopped before this row's turn; running the batch again sends it"
        yield* setState("stopped", { reason })
        return NotCreated.make({ state: "stopped", reason })
      }
      // Nor while Motive asks to come back later than the rows' retries last (a 429 another row met).
      const comeBackAt = yield* Ref.get(slots.comeBackAt)
      if ((yield* Clock.currentTimeMillis) < comeBackAt) {
        const reason = notSentUntil(comeBackAt, yield* Clock.currentTimeMillis)
        yield* setState("stopped", { reason })
        return NotCreated.make({ state: "stopped", reason })
      }
      // Unless the row was cancelled (`motive batch cancel`) or sent again by a later run meanwhile.
      const before = yield* Effect.orDie(store.row(batchId, row))
      if (!(yield* Effect.orDie(store.claimCreate(batchId, row, payload.generation)))) {
        return NotCreated.make({
          state: "stopped",
          reason: before?.reason ?? "not sent: the row was cancelled, or sent again by a later run"
        })
      }
      // This row's create may have reached Motive before, so that a 409 now may name the row's own recall: a create
      // of the row's was claimed before (a crash, an earlier run), or a call below is tried again after one that may
      // have created it (the client's `CreateUncertain` after a lost answer, or any failure it calls ambiguous; not
      // a 409 whose recall, made before, could not be read back).
      const sentBefore = before?.createClaimed === true
      if (sentBefore && settings.resendLostCreates === false) {
        const reason =
          "not sent again: a create of this row's may have reached Motive (its answer was lost), and lost creates are " +
          "not re-sent (MOTIVE_RESEND_LOST_CREATES=false): Motive may hold its recall; a run with " +
          "MOTIVE_RESEND_LOST_CREATES=true sends it again (where Motive rejects duplicates, its 409 names that recall)"
        yield* setState("stopped", { reason })
        return NotCreated.make({ state: "stopped", reason })
      }
      let mayHaveCreated = false
      // The recall Motive made, as soon as its answer arrives (also when the create is then stopped).
      let made: number | undefined
      const onCreated = (recall: { readonly id: number }) =>
        Effect.sync(() => {
          made = recall.id
        })
      // The recall Motive named in a 409, as soon as it is named (before it is read back).
      let named: { readonly id: number; readonly afterLostAnswer: boolean } | undefined
      const onDuplicateOf = (id: number, afterLostAnswer: boolean) =>
        Effect.sync(() => {
          named = { id, afterLostAnswer }
        })
      // Recorded as each create is about to go on the wire (not before: a row stopped or killed while it waits for
      // the rate limit sent nothing, and its next 409 is not its own). An attempt Motive surely refused (a 4xx, a
      // 429) made nothing; one whose answer was lost may have.
      let sent = false
      let lostAnswer = false
      const onSending = () =>
        sent ? Effect.void : Effect.zipRight(
          Effect.orDie(store.markSent(batchId, row, payload.generation, true)),
          Effect.sync(() => {
            sent = true
          })
        )
      const onAttemptFailed = (e: MotiveError) =>
        Effect.suspend(() => {
          if (mayHaveMade(e)) {
            lostAnswer = true
            return Effect.void
          }
          // Refused for sure (a 4xx, a 429): as if it had not gone out, unless an attempt before it (of this run or
          // an earlier one) may have made the recall. Cleared at once, not when the create ends: a process killed
          // while it waits to try again (a 429's Retry-After) leaves no mark of a create that made nothing.
          if (!sent || lostAnswer || sentBefore) return Effect.void
          return Effect.zipRight(
            Effect.orDie(store.markSent(batchId, row, payload.generation, false)),
            Effect.sync(() => {
              sent = false
            })
          )
        })
      const attempt = Effect.either(
        Effect.flatMap(request, (request) =>
          client.createVideoRecall(request, {
            ...(payload.smartDashcam ? { dashcam: "smart" } : {}),
            // The client's own retries within the call follow what the jobs follow.
            resendLostCreates: settings.resendLostCreates,
            onCreated,
            onSending,
            onDuplicateOf,
            onAttemptFailed
          })).pipe(
            Effect.tapError((e) =>
              Effect.sync(() => {
                if (e._tag === "CreateUncertain" ? e.afterLostAnswer : mayHaveMade(e)) mayHaveCreated = true
              })
            ),
            // A create sent again after a lost answer is answered 409 with the recall it made: never two. A recall
            // Motive named but the client could not read back is that recall too (the wait reads it).
            Effect.catchTag(
              "CreateUncertain",
              (e) =>
                e.recallId === undefined
                  ? Effect.fail(e)
                  : Effect.succeed({
                    recall: { id: e.recallId },
                    deduplicated: true,
                    afterLostAnswer: e.afterLostAnswer
                  })
            ),
            persist(settings)
          )
      )
      // Stopping (Ctrl-C) ends a create that is waiting (for the rate limit, a retry): a request on the wire is
      // answered first (the client waits for it), and a recall it made is the row's. Otherwise the row stops; the
      // next run sends it again (a recall an earlier try made is then named by Motive's 409, never made twice).
      const raced = yield* Effect.raceFirst(
        Effect.interruptible(attempt),
        Effect.as(slots.whenStopping, "stopped" as const)
      )
      if (raced === "stopped" && made === undefined && named === undefined) {
        // Every attempt that went out was refused for sure: as if none had.
        if (sent && !lostAnswer && !sentBefore) {
          yield* Effect.orDie(store.markSent(batchId, row, payload.generation, false))
        }
        const reason = lostAnswer
          ? "stopped after a create whose answer was lost: Motive may hold its recall; running the batch again finds it"
          : sent
          ? "stopped before its create was made (Motive had refused the tries so far); running the batch again sends it"
          : "not sent: the run was stopped before this row's create went out; running the batch again sends it"
        yield* setState("stopped", { reason })
        return NotCreated.make({ state: "stopped", reason })
      }
      // Stopped after Motive answered: the recall it made, or the one it named (whose read-back was cut short).
      const result = raced !== "stopped"
        ? raced
        : made !== undefined
        ? Either.right({ recall: { id: made } })
        : Either.right({ recall: { id: named!.id }, deduplicated: true, afterLostAnswer: named!.afterLostAnswer })
      let outcome: typeof CreateResult.Type
      if (result._tag === "Right") {
        outcome = Created.make({ recallId: result.right.recall.id })
      } else {
        const e = result.left
        // A 409 naming a recall (from a client that fails so; this package's answers it as a success, or as
        // CreateUncertain with its id): this create already happened (an earlier run's answer was lost to a crash).
        outcome = e._tag === "DuplicateRequest" && e.existingId !== undefined
          ? Created.make({ recallId: e.existingId })
          : afterCreateFailure(e)
        // A wait longer than the retries last holds for every row of this process: the next ones are not sent.
        const named = waitNamed(e)
        if (named !== undefined && Duration.greaterThan(named, settings.retryFor)) {
          const until = (yield* Clock.currentTimeMillis) + Duration.toMillis(named)
          yield* Ref.update(slots.comeBackAt, (at) => Math.max(at, until))
        }
        // Every create of the row's was refused for sure (a 4xx, the quota, a 429): none may have made a recall.
        if (outcome._tag === "NotCreated" && sent && !sentBefore && !mayHaveCreated && !lostAnswer && !mayHaveMade(e)) {
          yield* Effect.orDie(store.markSent(batchId, row, payload.generation, false))
        }
      }
      if (outcome._tag === "Created" && result._tag === "Left") {
        // Found, not made, by this call (its first answer was lost): the journal learns of it here.
        const existing = yield* Effect.option(client.getVideoRecall(outcome.recallId))
        if (existing._tag === "Some") yield* journalRecall(existing.value)
      }
      if (outcome._tag === "Created") {
        // Motive named a recall made before, neither after a lost answer nor by an earlier try of this row's create
        // (a crash): someone else's minutes.
        yield* waitFor(
          outcome.recallId,
          !sentBefore && !mayHaveCreated && result._tag === "Right" && "deduplicated" in result.right &&
            result.right.deduplicated && !result.right.afterLostAnswer
        )
      } else {
        yield* setState(outcome.state, { reason: outcome.reason })
      }
      return outcome
    }).pipe(slots.creates.withPermits(1))
  })

  /** One GET: the recall's status and the cameras whose footage is ready (a failed GET reads as in progress). */
  const check = (recallId: number, name: string) =>
    Activity.make({
      name,
      success: StatusCheck,
      execute: client.getVideoRecall(recallId).pipe(
        Effect.tap(journalRecall),
        Effect.tap((recall) => Effect.sync(() => freshRecalls.set(recallId, recall))),
        Effect.map(statusOf),
        Effect.catchAll((e) => Effect.succeed<StatusCheck>({ status: "unknown", positions: [], reason: e.message }))
      )
    })

  const terminal = (s: StatusCheck) => s.status === "success" || s.status === "failed"

  /**
   * Waits, suspended, for the recall's completion: a verified webhook (then confirmed with one GET) or the
   * poller's GET (then that is the check). An event that came before the create's answer was recorded is in the
   * store: confirmed with one GET, and when the recall is not done, the row waits as any other (that event was
   * early, or another server's recall of the same id in a reused journal: the real one is still to come). When the
   * API does not confirm a webhook (early, stale or replayed), the row polls on its own durable clocks from there.
   */
  const awaitCompletion = (recallId: number) =>
    Effect.gen(function*() {
      if (yield* Effect.orDie(store.hasEvent(recallId))) {
        const confirmed = yield* check(recallId, "confirm-stored-event")
        if (terminal(confirmed)) return confirmed
      }
      const signal = yield* DurableDeferred.await(Completion)
      if (signal !== undefined && signal.via === "poll" && signal.recallId === recallId) {
        if (signal.status === "timeout") return undefined
        return {
          status: signal.status ?? "unknown",
          positions: signal.positions ?? [],
          ...(signal.reason === undefined ? {} : { reason: signal.reason })
        }
      }
      const confirmed = yield* check(recallId, "confirm")
      if (terminal(confirmed)) return confirmed
      const delays = pollDelays(settings)
      for (let i = 0; i < delays.length; i++) {
        yield* DurableClock.sleep({ name: `poll/${i}`, duration: delays[i]!, inMemoryThreshold: Duration.zero })
        const polled = yield* check(recallId, `status/${i}`)
        if (terminal(polled)) return polled
      }
      return undefined
    })

  const download = (recallId: number, position: CameraPosition, last: boolean) =>
    Activity.make({
      name: `download/${position}`,
      success: DownloadResult,
      execute: Effect.gen(function*() {
        yield* setState("downloading", { recallId })
        // A download slot is held by each try, not across the waits between tries (a file another machine's worker
        // is downloading is waited for, for minutes): rows whose footage is ready meanwhile download.
        const [file] = yield* persist(settings)(
          slots.downloads.withPermits(1)(downloads.downloadRecall(recallId, {
            directory: settings.root === undefined ? payload.directory : resolvePath(settings.root, payload.directory),
            positions: [position],
            recall: freshRecalls.get(recallId)
          }))
        )
        if (file === undefined) return { _tag: "NotDownloaded" as const, reason: `no footage from ${position}` }
        const sha256 = yield* sha256File(file.path).pipe(
          Effect.provideService(FileSystem.FileSystem, fs),
          slots.downloads.withPermits(1)
        )
        yield* Effect.orDie(store.addFile(
          new JobFile({
            batchId,
            row,
            recallId,
            position,
            path: file.path,
            bytes: file.bytes,
            sha256,
            worker: settings.worker,
            downloadedAt: new Date(yield* Effect.clockWith((c) => c.currentTimeMillis)).toISOString()
          })
        ))
        if (last) yield* setState("done", { recallId })
        return { _tag: "Downloaded" as const, bytes: file.bytes, sha256 }
      }).pipe(
        Effect.catchAll((e) => Effect.succeed({ _tag: "NotDownloaded" as const, reason: e.message }))
      )
    })

  const body = Effect.gen(function*() {
    const created = yield* create
    if (created._tag === "NotCreated") return created.state
    const recallId = created.recallId
    const final = yield* awaitCompletion(recallId)
    if (final === undefined) {
      return yield* finish(
        "stopped",
        `video recall ${recallId} still not finished after ${settings.maxPolls} polls: run again to keep waiting`
      )
    }
    if (final.status === "failed") return yield* finish("failed", final.reason ?? `video recall ${recallId} failed`)
    // A recall can succeed without some cameras' footage (a camera off, its footage lost): the row asked for them,
    // so it is not done. What did arrive is downloaded all the same.
    const asked = payload.body.camera_positions
    const lacking = final.positions.length === 0
      ? (asked === undefined ? ["any camera"] : [...asked])
      : (asked ?? []).filter((p) => !final.positions.includes(p))
    for (const [i, position] of final.positions.entries()) {
      // The last camera's download marks the row done in the same step (one step less per row).
      const got = yield* download(recallId, position, lacking.length === 0 && i === final.positions.length - 1)
      if (got._tag === "NotDownloaded") return yield* finish("stopped", got.reason)
    }
    freshRecalls.delete(recallId)
    if (lacking.length > 0) {
      return yield* finish("failed", `video recall ${recallId} finished with no footage from ${lacking.join(", ")}`)
    }
    return "done"
  })

  // A defect (a bug, the database failing) stops the row with its reason instead of leaving it in flight;
  // interruptions (the workflow suspending, the process ending) pass through.
  return yield* body.pipe(
    Effect.catchAllCause((cause) =>
      Cause.isInterruptedOnly(cause)
        ? Effect.failCause(cause)
        : finish("stopped", Cause.pretty(cause).split("\n")[0] ?? "unexpected failure")
    )
  )
}))

/**
 * How many downloads run at once with these settings.
 *
 * @since 0.1.0
 */
export const downloadsAtOnce = (settings: FootageSettings): number =>
  settings.downloadConcurrency ?? Math.max(settings.concurrency, Math.min(4 * settings.concurrency, 32))

/**
 * Rows of a batch handed to their workflows at once in a process that runs them ({@link JobSlots}`.rowsAtOnce`):
 * twice what its slots take, so that every slot has a row ready for it.
 *
 * @since 0.1.0
 */
export const rowsAtOnce = (settings: FootageSettings): number =>
  Math.max(8, 2 * (settings.concurrency + downloadsAtOnce(settings)))

/**
 * Settings a process could not work with (a `concurrency` of 0 would leave every row waiting for ever, a
 * `firstPoll` of `"30 seconds"` is a string, not a `Duration`): `message` names each one with its rule.
 *
 * @since 0.1.0
 */
export class FootageSettingsInvalid extends Schema.TaggedError<FootageSettingsInvalid>()("FootageSettingsInvalid", {
  message: Schema.String
}) {}

/**
 * `settings` when a process can work with them, or every one it could not, named with its rule: whole numbers of at
 * least 1 for the counts, `Duration`s for the waits (`retryBase` above 0; polls after 0 are at once, a `retryFor` of
 * 0 is no retry), a worker name.
 *
 * @since 0.1.0
 */
export const checkSettings = (settings: FootageSettings): Either.Either<FootageSettings, FootageSettingsInvalid> => {
  const problems: Array<string> = []
  const show = (u: unknown): string => {
    if (typeof u === "number" || typeof u === "bigint" || u === undefined) return String(u)
    try {
      return JSON.stringify(u) ?? String(u)
    } catch {
      return String(u)
    }
  }
  const count = (name: string, n: unknown) => {
    if (!(typeof n === "number" && Number.isSafeInteger(n) && n >= 1)) {
      problems.push(`${name} must be a whole number of at least 1, not ${show(n)}`)
    }
  }
  // A `Duration` is never below 0 (`Duration.millis(-1)` is 0).
  const wait = (name: string, d: unknown, zero: "allowed" | "refused") => {
    if (!Duration.isDuration(d)) problems.push(`${name} must be a Duration (Duration.seconds(30)), not ${show(d)}`)
    else if (zero === "refused" && !Duration.greaterThan(d, Duration.zero)) {
      problems.push(`${name} must be longer than 0`)
    }
  }
  // Polls after 0 are polls at once (the poller still looks at most every 20 ms).
  wait("firstPoll", settings.firstPoll, "allowed")
  wait("maxPollInterval", settings.maxPollInterval, "allowed")
  count("maxPolls", settings.maxPolls)
  count("concurrency", settings.concurrency)
  if (settings.downloadConcurrency !== undefined) count("downloadConcurrency", settings.downloadConcurrency)
  const resend: unknown = settings.resendLostCreates
  if (resend !== undefined && typeof resend !== "boolean") {
    problems.push(`resendLostCreates must be true or false, not ${show(resend)}`)
  }
  if (typeof settings.worker !== "string" || settings.worker.trim() === "") {
    problems.push(`worker must name this process (e.g. its host and pid), not ${show(settings.worker)}`)
  }
  if (settings.root !== undefined && (typeof settings.root !== "string" || settings.root === "")) {
    problems.push(`root must be a directory's path, not ${show(settings.root)}`)
  }
  wait("retryBase", settings.retryBase, "refused")
  wait("retryFor", settings.retryFor, "allowed")
  return problems.length === 0
    ? Either.right(settings)
    : Either.left(new FootageSettingsInvalid({ message: `invalid FootageSettings: ${problems.join("; ")}` }))
}

/**
 * `layer`, built only once `settings` pass {@link checkSettings}: settings it could not work with fail before any
 * of it (a database, a listener) is opened.
 *
 * @since 0.1.0
 */
export const withCheckedSettings = <A, E, R>(
  settings: FootageSettings,
  layer: Layer.Layer<A, E, R>
): Layer.Layer<A, E | FootageSettingsInvalid, R> => Layer.unwrapEffect(Effect.as(checkSettings(settings), layer))

/**
 * The two pools of a process, from its settings; settings it could not work with ({@link checkSettings}) fail at
 * once, rather than leave rows waiting for ever.
 *
 * @since 0.1.0
 */
export const layerSlots = (settings: FootageSettings): Layer.Layer<JobSlots, FootageSettingsInvalid> =>
  Layer.effect(
    JobSlots,
    Effect.gen(function*() {
      yield* checkSettings(settings)
      const creates = yield* Effect.makeSemaphore(settings.concurrency)
      const downloads = yield* Effect.makeSemaphore(downloadsAtOnce(settings))
      const stopped = yield* Deferred.make<void>()
      // Every permit taken means that no create holds one: those under way have ended.
      const stopCreates = Effect.zipRight(
        Deferred.succeed(stopped, undefined),
        creates.withPermits(settings.concurrency)(Effect.void)
      )
      return {
        creates,
        downloads,
        rowsAtOnce: rowsAtOnce(settings),
        comeBackAt: yield* Ref.make(0),
        stopping: Deferred.isDone(stopped),
        whenStopping: Deferred.await(stopped),
        stopCreates
      }
    })
  )

/**
 * The workflow with its settings (provided on) and slots.
 *
 * @since 0.1.0
 */
export const layerWith = (settings: FootageSettings) =>
  layer.pipe(
    Layer.provideMerge(layerSlots(settings)),
    Layer.provideMerge(Layer.sync(FreshRecalls, () => new Map())),
    Layer.provideMerge(Layer.succeed(JobSettings, settings))
  )
