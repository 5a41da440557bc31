/**
 * The durable polling fallback: rows waiting for a completion that no webhook announced are asked about at
 * Motive on a schedule kept in the store (first after `firstPoll`, then 1.5 times longer each time up to
 * `maxPollInterval`, at most `maxPolls` times). A GET that finds the recall finished resolves the row's
 * `Completion` (the GET is the check: no second one), so a row's workflow waits suspended, without a timer of its
 * own. The schedule is in the store, so a restarted process picks it up where it was.
 *
 * @since 0.1.0
 */
import { MotiveClient, RequestJournal } from "@effect-motive/http"
import type { WorkflowEngine } from "@effect/workflow"
import { Clock, Duration, Effect, Layer, Schedule } from "effect"
import {
  complete,
  type Completion,
  type FootageSettings,
  FreshRecalls,
  JobSettings,
  pollDelays,
  rememberRecall,
  statusOf
} from "./FootageWorkflow.js"
import { type DuePoll, JobStore } from "./JobStore.js"

/** How long a resolved row may stay `waiting` before its completion is sent again. */
const resendMillis = 15_000

/**
 * One look at the due rows.
 *
 * @since 0.1.0
 */
export const sweep = (settings: FootageSettings) =>
  Effect.gen(function*() {
    const store = yield* JobStore
    const client = yield* MotiveClient.MotiveClient
    const journal = yield* Effect.serviceOption(RequestJournal.RequestJournal)
    const delays = pollDelays(settings)
    const now = yield* Clock.currentTimeMillis
    const due = yield* store.duePolls(now, 64)
    const resolve = (d: DuePoll, value: Omit<typeof Completion.successSchema.Type, "recallId" | "via">) =>
      Effect.flatMap(Clock.currentTimeMillis, (at) =>
        Effect.zipRight(
          // The workflow takes it from here, and its row leaves `waiting`. Should the row still be `waiting` when
          // this comes due again, the completion is sent again (and the workflow resumed): a safeguard from before
          // the stalls after a runner died were traced to the cluster (see internal/messageClaims.ts).
          store.schedulePoll(d.batchId, d.row, at + resendMillis, d.polls + 1),
          complete(d.executionId, { recallId: d.recallId, via: "poll", ...value })
        ))
    yield* Effect.forEach(due, (d) =>
      Effect.gen(function*() {
        const recall = yield* Effect.option(client.getVideoRecall(d.recallId))
        if (recall._tag === "Some") {
          yield* RequestJournal.recordIn(journal)(RequestJournal.recallEntry(recall.value))
          const status = statusOf(recall.value)
          if (status.status === "success" || status.status === "failed") {
            yield* rememberRecall(recall.value)
            return yield* resolve(d, status)
          }
        }
        const polls = d.polls + 1
        if (polls >= delays.length) return yield* resolve(d, { status: "timeout" })
        const next = yield* Clock.currentTimeMillis
        yield* store.schedulePoll(d.batchId, d.row, next + Duration.toMillis(delays[polls]!), polls)
      }), { concurrency: 4, discard: true })
  })

/**
 * The poller, running for the layer's life: it looks at the due rows every second (or every `firstPoll`, when
 * shorter). A failed look is logged and tried again at the next.
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<
  never,
  never,
  JobStore | MotiveClient.MotiveClient | JobSettings | FreshRecalls | WorkflowEngine.WorkflowEngine
> = Layer.scopedDiscard(
  Effect.gen(function*() {
    const settings = yield* JobSettings
    // At least 20 ms apart: a `firstPoll` of zero (or less) would look again at once, for ever, starving the
    // process of its CPU (a synchronous SQLite file in a tight loop).
    const every = Duration.max(Duration.min(settings.firstPoll, Duration.seconds(1)), Duration.millis(20))
    yield* sweep(settings).pipe(
      Effect.catchAll((e) => Effect.logWarning(`polling for completions: ${e.message}`)),
      Effect.repeat(Schedule.spaced(every)),
      Effect.forkScoped
    )
  })
)
