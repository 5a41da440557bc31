import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import Database from "libsql"
import { join } from "node:path"
import { BatchFile, FootageJobs } from "../src/index.js"
import { csvRows, jobsFor, sandboxFor, tempDir, testSettings } from "./support.js"

/** One create and one download at a time: 8 rows are handed to their workflows at once (`rowsAtOnce`). */
const oneAtATime = { ...testSettings(100), concurrency: 1, downloadConcurrency: 1 }

/**
 * A sandbox whose first `slowTimes` creates each take `delayMillis` (rows handed over wait for the one create slot,
 * each a workflow alive in memory), a journal file, and a batch of `rows` rows.
 */
const slowCreates = (
  name: string,
  rows: number,
  delayMillis: number,
  slowTimes = 1000,
  lifecycle?: { readonly recallPendingMillis: number; readonly recallProcessingMillis: number }
) =>
  Effect.gen(function*() {
    const sandbox = yield* sandboxFor({
      ...(lifecycle === undefined ? {} : { lifecycle }),
      rateLimit: { requestsPerSecond: 1000, burst: 1000 }
    })
    yield* sandbox.injectFault("createVideoRecall", { kind: "slow", delayMillis }, slowTimes)
    const dir = yield* tempDir(name)
    const batch = yield* BatchFile.parseBatch("incidents.csv", csvRows(rows))
    return { sandbox, file: join(dir, "jobs.db"), out: join(dir, "out"), batch }
  })

/** How many workflows were handed over (their run messages in the journal `file`), read as often as asked. */
const handedOver = (file: string) =>
  Effect.map(
    Effect.acquireRelease(
      Effect.sync(() => new Database(file, { readonly: true })),
      (journal) => Effect.sync(() => journal.close())
    ),
    (journal) => {
      const count = journal.prepare("SELECT COUNT(*) AS n FROM cluster_messages WHERE tag = 'run'")
      return () => Number((count.get() as { readonly n: number }).n)
    }
  )

describe("the rows of a big batch run in one process", () => {
  it.scopedLive(
    "are handed to their workflows a few at a time while creates are slow, and every one is done",
    () =>
      Effect.gen(function*() {
        // Creates are slow: rows handed over wait for the one create slot, each a workflow alive in memory.
        const { batch, file, out, sandbox } = yield* slowCreates("hand-over", 30, 40, 1000, {
          recallPendingMillis: 0,
          recallProcessingMillis: 0
        })
        const [final, busiest] = yield* Effect.gen(function*() {
          const jobs = yield* FootageJobs.FootageJobs
          yield* jobs.submit(batch, { directory: out })
          // The workflows handed over less the recalls made.
          const runs = yield* handedOver(file)
          let busiest = 0
          const watch = yield* Effect.fork(Effect.forever(Effect.gen(function*() {
            busiest = Math.max(busiest, runs() - (yield* sandbox.recalls).length)
            yield* Effect.sleep("10 millis")
          })))
          const final = yield* jobs.awaitSettled(batch.id)
          yield* Fiber.interrupt(watch)
          return [final, busiest] as const
        }).pipe(Effect.provide(jobsFor(sandbox, file, oneAtATime)))
        expect(final.counts.done).toBe(30)
        // All 30 were handed over at once before: 29 waited for the create slot, 30 workflows alive.
        expect(busiest).toBeLessThanOrEqual(8 + 1)
        expect(busiest).toBeGreaterThan(1)
        expect((yield* sandbox.recalls).length).toBe(30)
      }),
    60_000
  )

  it.scopedLive(
    "cancelled while some wait to be handed over are not handed over (nor kept in memory to be refused)",
    () =>
      Effect.gen(function*() {
        const { batch, file, out, sandbox } = yield* slowCreates("hand-over-cancel", 40, 100)
        const final = yield* Effect.gen(function*() {
          const jobs = yield* FootageJobs.FootageJobs
          yield* jobs.submit(batch, { directory: out })
          yield* Effect.sleep("400 millis")
          yield* jobs.cancel(batch.id)
          return yield* jobs.awaitSettled(batch.id)
        }).pipe(Effect.provide(jobsFor(sandbox, file, oneAtATime)))
        const runs = yield* handedOver(file)
        expect(final.settled).toBe(true)
        // Handed over less recalls made, as in the first test: every row cancelled used to be handed over at once,
        // each a workflow alive only to be refused (40 handed over for 4 recalls).
        expect(runs() - (yield* sandbox.recalls).length).toBeLessThanOrEqual(8 + 1)
        expect(final.counts.stopped).toBeGreaterThan(20)
      }),
    60_000
  )

  it.scopedLive(
    "left submitted by a process that ended are handed over by the next one as it starts",
    () =>
      Effect.gen(function*() {
        const { batch, file, out, sandbox } = yield* slowCreates("hand-over-next", 30, 100, 20)
        // The first process ends (as if killed) with rows recorded as submitted but not handed over.
        const left = yield* Effect.gen(function*() {
          const jobs = yield* FootageJobs.FootageJobs
          yield* jobs.submit(batch, { directory: out })
          yield* Effect.sleep("300 millis")
          return (yield* jobs.status(batch.id)).counts.validated
        }).pipe(Effect.provide(jobsFor(sandbox, file, oneAtATime)))
        expect(left).toBeGreaterThan(8)
        // The next one runs no submit of this batch (another batch's run, say): they go on all the same. They used to
        // wait, holding their quota, until this very batch ran again.
        const final = yield* Effect.gen(function*() {
          const jobs = yield* FootageJobs.FootageJobs
          return yield* jobs.awaitSettled(batch.id)
        }).pipe(Effect.provide(jobsFor(sandbox, file, oneAtATime)), Effect.timeout("40 seconds"))
        expect(final.counts.done).toBe(30)
        expect((yield* sandbox.recalls).length).toBe(30)
      }),
    60_000
  )

  it.scopedLive(
    "stop unsent when the process stops (Ctrl-C): none is left looking submitted",
    () =>
      Effect.gen(function*() {
        const { batch, file, out, sandbox } = yield* slowCreates("hand-over-stop", 24, 100)
        const status = yield* Effect.gen(function*() {
          const jobs = yield* FootageJobs.FootageJobs
          yield* jobs.submit(batch, { directory: out })
          yield* Effect.sleep("500 millis")
          yield* jobs.stopCreating
          return yield* jobs.status(batch.id)
        }).pipe(Effect.provide(jobsFor(sandbox, file, oneAtATime)))
        expect(status.counts.validated).toBe(0)
        const unsent = status.rows.filter((r) =>
          r.state === "stopped" && r.reason?.startsWith("not sent: the run was stopped before this row's turn")
        )
        // The rows whose creates went out have their recalls; the others were never sent, and say so.
        expect(unsent.length).toBeGreaterThan(8)
        expect((yield* sandbox.recalls).length).toBe(24 - unsent.length)
      }),
    60_000
  )
})
