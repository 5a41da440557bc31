import { MotiveClient } from "@effect-motive/http"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Stream } from "effect"
import { mkdirSync, utimesSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { BatchFile, FootageJobs, JobStore } from "../src/index.js"
import { ago, csvRows, jobsFor, quick, requestsTo, sandboxFor, tempDir, testSettings } from "./support.js"

const runToEnd = (batch: BatchFile.Batch, directory: string, options: { readonly partial?: boolean } = {}) =>
  Effect.gen(function*() {
    const jobs = yield* FootageJobs.FootageJobs
    const submitted = yield* jobs.submit(batch, { directory, ...options })
    const final = yield* jobs.awaitSettled(batch.id)
    return { submitted, final }
  })

/** A batch of `n` rows, and the same rows in a changed file (a blank line after the header: another batch). */
const sameRowsChanged = (n: number) =>
  Effect.gen(function*() {
    const text = csvRows(n)
    const [header, ...rest] = text.split("\n")
    const batch = yield* BatchFile.parseBatch("incidents.csv", text)
    const changed = yield* BatchFile.parseBatch("incidents.csv", [header, "", ...rest].join("\n"))
    expect(changed.id).not.toBe(batch.id)
    return { batch, changed }
  })

describe("a batch under faults", () => {
  it.scopedLive(
    "makes one recall per row through lost answers, resets, 503s and a 429 storm",
    () =>
      Effect.gen(function*() {
        const sandbox = yield* sandboxFor({ rateLimit: { requestsPerSecond: 20, burst: 3 } })
        yield* sandbox.injectFault("createVideoRecall", { kind: "commit_then_drop" }, 2)
        yield* sandbox.injectFault("createVideoRecall", { kind: "reset" }, 1)
        yield* sandbox.injectFault("createVideoRecall", { kind: "status", status: 503 }, 2)
        yield* sandbox.injectFault("createVideoRecall", { kind: "status", status: 502 }, 1)
        const dir = yield* tempDir("faults")
        const batch = yield* BatchFile.parseBatch("rows.csv", csvRows(8))
        const { final } = yield* runToEnd(batch, join(dir, "out")).pipe(
          Effect.provide(jobsFor(sandbox, join(dir, "jobs.db"), testSettings(200)))
        )
        expect(final.rows.filter((r) => r.state !== "done").map((r) => `${r.row} ${r.state} ${r.reason}`)).toEqual([])
        expect(final.counts.done).toBe(8)
        expect(yield* Effect.map(sandbox.recalls, (rs) => rs.length)).toBe(8)
        expect(new Set(final.rows.map((r) => r.recallId)).size).toBe(8)
        const answered = yield* requestsTo(sandbox, "createVideoRecall")
        expect(answered.filter((r) => r.status === 429).length).toBeGreaterThan(0)
      }),
    60_000
  )
})

describe("lost creates not re-sent (resendLostCreates: false)", () => {
  it.scopedLive("a row whose create's answer was lost stops, saying its recall may exist, and no run sends it again", () =>
    Effect.gen(function*() {
      // A Motive that makes duplicates: a create sent again after a lost answer would make a second recall.
      const sandbox = yield* sandboxFor({ rejectDuplicates: false })
      yield* sandbox.injectFault("createVideoRecall", { kind: "commit_then_drop" }, 1)
      const dir = yield* tempDir("no-resend")
      const batch = yield* BatchFile.parseBatch("incidents.csv", csvRows(3))
      // Set on the client only: the jobs follow it.
      const careful = jobsFor(sandbox, join(dir, "jobs.db"), testSettings(200), {
        retry: { ...quick.retry, resendLostCreates: false }
      })
      const { final } = yield* runToEnd(batch, join(dir, "out")).pipe(Effect.provide(careful))
      const stopped = final.rows.filter((r) => r.state !== "done")
      expect(stopped.map((r) => [r.state, r.recallId])).toEqual([["stopped", undefined]])
      expect(stopped[0]!.reason).toContain("Motive may have created the recall")
      expect(yield* Effect.map(sandbox.recalls, (rs) => rs.length)).toBe(3)
      expect(yield* requestsTo(sandbox, "createVideoRecall")).toHaveLength(3)
      // Run again: that row is still not sent.
      const again = yield* runToEnd(batch, join(dir, "out")).pipe(Effect.provide(careful))
      const still = again.final.rows.find((r) => r.row === stopped[0]!.row)!
      expect(still.state).toBe("stopped")
      expect(still.reason).toMatch(
        /^not sent again: .* Motive may hold its recall; a run with MOTIVE_RESEND_LOST_CREATES=true sends it again/
      )
      expect(yield* requestsTo(sandbox, "createVideoRecall")).toHaveLength(3)
      expect(yield* Effect.map(sandbox.recalls, (rs) => rs.length)).toBe(3)
    }))
})

describe("lost creates not re-sent, set in the jobs' settings only", () => {
  it.scopedLive("the client's own retries within the call follow it too: one create, the row stopped", () =>
    Effect.gen(function*() {
      const sandbox = yield* sandboxFor({ rejectDuplicates: false })
      yield* sandbox.injectFault("createVideoRecall", { kind: "commit_then_drop" }, 1)
      const dir = yield* tempDir("no-resend-settings")
      const batch = yield* BatchFile.parseBatch("incidents.csv", csvRows(1))
      const { final } = yield* runToEnd(batch, join(dir, "out")).pipe(
        Effect.provide(jobsFor(sandbox, join(dir, "jobs.db"), { ...testSettings(200), resendLostCreates: false }))
      )
      expect(final.rows.map((r) => r.state)).toEqual(["stopped"])
      expect(yield* requestsTo(sandbox, "createVideoRecall")).toHaveLength(1)
      expect(yield* Effect.map(sandbox.recalls, (rs) => rs.length)).toBe(1)
    }))
})

describe("a 429 asking for a long wait", () => {
  it.scopedLive("stops the row at once, saying when to come back, instead of asking again every minute", () =>
    Effect.gen(function*() {
      // One request an hour: the quota check takes it, and the create's 429 asks for about an hour.
      const sandbox = yield* sandboxFor({
        rateLimit: { requestsPerSecond: 1 / 3600, burst: 1, retryAfter: "seconds" }
      })
      const dir = yield* tempDir("long-429")
      const batch = yield* BatchFile.parseBatch("incidents.csv", csvRows(1))
      const { final } = yield* runToEnd(batch, join(dir, "out")).pipe(
        Effect.provide(jobsFor(sandbox, join(dir, "jobs.db"), testSettings(200))),
        Effect.timeout("15 seconds")
      )
      expect(final.rows[0]).toMatchObject({ state: "stopped" })
      expect(final.rows[0]!.reason).toMatch(/Motive asks to come back in (59m 59s|1h): run the batch again then$/)
      // Asked once: the job's own retries (every 50 ms, then more, for 20 s) used to ask again and again.
      expect((yield* requestsTo(sandbox, "createVideoRecall")).length).toBe(1)
    }))
})

describe("a 429 asking for a long wait, met by one row of many", () => {
  it.scopedLive("stops the rows whose turn comes after it unsent, rather than each meeting its own 429", () =>
    Effect.gen(function*() {
      const sandbox = yield* sandboxFor({
        rateLimit: { requestsPerSecond: 1 / 3600, burst: 1, retryAfter: "seconds" }
      })
      const dir = yield* tempDir("long-429-many")
      const batch = yield* BatchFile.parseBatch("incidents.csv", csvRows(6))
      // The client's pause after a 429 cut to 1 s: each round of creates used to meet its own 429 a second apart.
      const { final } = yield* runToEnd(batch, join(dir, "out")).pipe(
        Effect.provide(
          jobsFor(sandbox, join(dir, "jobs.db"), { ...testSettings(200), concurrency: 2 }, {
            retry: { ...quick.retry, maxRetryAfter: Duration.seconds(1) }
          })
        ),
        Effect.timeout("20 seconds")
      )
      expect(final.counts.stopped).toBe(6)
      // The first round's creates (two at once) went out; the others were not sent, and say why.
      expect((yield* requestsTo(sandbox, "createVideoRecall")).length).toBeLessThanOrEqual(2)
      expect(
        final.rows.filter((r) => r.reason?.startsWith("not sent: Motive asked this run's creates to come back at"))
      )
        .toHaveLength(6 - (yield* requestsTo(sandbox, "createVideoRecall")).length)
    }))
})

describe("a file another machine's worker is downloading (a shared directory)", () => {
  it.scopedLive(
    "is tried again, not stopped: once that lock is stale the row takes it over and is done",
    () =>
      Effect.gen(function*() {
        const sandbox = yield* sandboxFor()
        const dir = yield* tempDir("busy")
        const out = join(dir, "out")
        const batch = yield* BatchFile.parseBatch("rows.csv", csvRows(1))
        // Recall 1's front camera, as the row will name it, locked by a live download elsewhere.
        const lock = join(out, "INC-1", "1-front_facing.mp4.part.lock")
        mkdirSync(join(out, "INC-1"), { recursive: true })
        writeFileSync(lock, "2147483646 1 worker-elsewhere")
        const final = yield* Effect.gen(function*() {
          const jobs = yield* FootageJobs.FootageJobs
          yield* jobs.submit(batch, { directory: out })
          // The row meets the lock, and tries again rather than stopping.
          const downloading = Effect.gen(function*() {
            for (;;) {
              const state = (yield* jobs.status(batch.id)).rows[0]?.state
              if (state !== "validated" && state !== "creating" && state !== "waiting") return state
              yield* Effect.sleep("50 millis")
            }
          })
          expect(yield* Effect.timeout(downloading, "20 seconds")).toBe("downloading")
          yield* Effect.sleep("1 second")
          expect((yield* jobs.status(batch.id)).rows.map((r) => r.state)).toEqual(["downloading"])
          // That worker is gone: its lock was last refreshed eleven minutes ago.
          const old = new Date(Date.now() - 11 * 60_000)
          utimesSync(lock, old, old)
          return yield* jobs.awaitSettled(batch.id)
        }).pipe(Effect.provide(jobsFor(sandbox, join(dir, "jobs.db"), testSettings(200))))
        expect(final.rows.map((r) => `${r.state} ${r.reason ?? ""}`)).toEqual(["done "])
        expect(final.files.length).toBe(2)
      }),
    60_000
  )
})

describe("a download slot", () => {
  it.scopedLive(
    "is not held between tries of a file another machine is downloading: other rows download meanwhile",
    () =>
      Effect.gen(function*() {
        const sandbox = yield* sandboxFor()
        const dir = yield* tempDir("slot")
        const out = join(dir, "out")
        const batch = yield* BatchFile.parseBatch("rows.csv", csvRows(2))
        // Recall 1 (the first row's, created first: one create at a time) has its front camera locked elsewhere.
        const lock = join(out, "INC-1", "1-front_facing.mp4.part.lock")
        mkdirSync(join(out, "INC-1"), { recursive: true })
        writeFileSync(lock, "2147483646 1 worker-elsewhere")
        const settings = { ...testSettings(200), concurrency: 1, downloadConcurrency: 1 }
        const [meanwhile, final] = yield* Effect.gen(function*() {
          const jobs = yield* FootageJobs.FootageJobs
          yield* jobs.submit(batch, { directory: out })
          // With a single download slot, the second row finishes while the first still waits for that lock.
          const secondDone = Effect.gen(function*() {
            for (;;) {
              const rows = (yield* jobs.status(batch.id)).rows
              if (rows[1]?.state === "done") return rows.map((r) => r.state)
              yield* Effect.sleep("50 millis")
            }
          })
          const meanwhile = yield* Effect.timeout(secondDone, "10 seconds")
          const old = new Date(Date.now() - 11 * 60_000)
          utimesSync(lock, old, old)
          return [meanwhile, yield* jobs.awaitSettled(batch.id)] as const
        }).pipe(Effect.provide(jobsFor(sandbox, join(dir, "jobs.db"), settings)))
        expect(meanwhile).toEqual(["downloading", "done"])
        expect(final.rows.map((r) => r.state)).toEqual(["done", "done"])
      }),
    60_000
  )
})

describe("the monthly quota", () => {
  it.scopedLive("refuses a batch it does not cover before anything is sent", () =>
    Effect.gen(function*() {
      const sandbox = yield* sandboxFor({ quota: { regularMinutes: 2 } })
      const dir = yield* tempDir("quota")
      const batch = yield* BatchFile.parseBatch("rows.csv", csvRows(3))
      const [error, waited, unknown] = yield* Effect.gen(function*() {
        const jobs = yield* FootageJobs.FootageJobs
        const error = yield* Effect.flip(jobs.submit(batch, { directory: join(dir, "out") }))
        // Nothing of the refused batch is in flight: waiting for it ends at once (it waited for ever), by a prefix
        // of its id too; an id of no batch is said so, not an empty batch that has settled.
        const waited = yield* jobs.awaitSettled(batch.id.slice(0, 8))
        const unknown = yield* Effect.flip(Stream.runDrain(jobs.progress("0000ffff")))
        return [error, waited, unknown] as const
      }).pipe(Effect.provide(jobsFor(sandbox, join(dir, "jobs.db"), testSettings(200))))
      expect(waited.counts.validated).toBe(3)
      expect(unknown._tag).toBe("BatchNotFound")
      expect(error._tag).toBe("QuotaShort")
      expect(error.message).toContain("needs 3 minutes of regular recall quota, and Motive has 2 left")
      expect(yield* requestsTo(sandbox, "createVideoRecall")).toEqual([])
      // With more quota the same rows run, as new: the refusal ran none of them.
      yield* sandbox.configure({ quota: { regularMinutes: 100 } })
      const { final, submitted } = yield* runToEnd(batch, join(dir, "out")).pipe(
        Effect.provide(jobsFor(sandbox, join(dir, "jobs.db"), testSettings(200)))
      )
      expect(submitted.isNew).toBe(true)
      expect(final.counts.done).toBe(3)
    }), 30_000)

  it.scopedLive(
    "counts what batches in flight will spend: a second batch is not admitted against it",
    () =>
      Effect.gen(function*() {
        const sandbox = yield* sandboxFor({ quota: { regularMinutes: 5 } })
        // The first batch's creates are slow: its 3 minutes are promised but not yet spent at Motive.
        yield* sandbox.injectFault("createVideoRecall", { kind: "slow", delayMillis: 1500 }, 3)
        const dir = yield* tempDir("ledger")
        const first = yield* BatchFile.parseBatch("first.csv", csvRows(3))
        const second = yield* BatchFile.parseBatch("second.csv", csvRows(3, "\n"))
        expect(second.id).not.toBe(first.id)
        yield* Effect.gen(function*() {
          const jobs = yield* FootageJobs.FootageJobs
          expect((yield* jobs.submit(first, { directory: join(dir, "first") })).sent).toEqual([2, 3, 4])
          const error = yield* Effect.flip(jobs.submit(second, { directory: join(dir, "second") }))
          expect(error._tag).toBe("QuotaShort")
          expect(error._tag === "QuotaShort" && error.heldBy).toEqual([first.id])
          expect(error.message).toContain(`(batch ${first.id.slice(0, 12)})`)
          expect(error.message).toContain(
            "needs 3 minutes of regular recall quota, and Motive has 5 left this month, 3 of them promised to other " +
              "batches in flight"
          )
          // Once the first batch's recalls exist, Motive's own count has them: the second gets the 2 minutes left.
          yield* jobs.awaitSettled(first.id)
          const partial = yield* jobs.submit(second, { directory: join(dir, "second"), partial: true })
          expect(partial.sent).toEqual([2, 3])
          expect(partial.heldForQuota).toEqual([4])
          yield* jobs.awaitSettled(second.id)
        }).pipe(Effect.provide(jobsFor(sandbox, join(dir, "jobs.db"), testSettings(200))))
        expect((yield* sandbox.recalls).length).toBe(5)
      }),
    30_000
  )

  it.scopedLive(
    "with partial, sends the rows that fit and holds the rest for quota, which a cancel stops",
    () =>
      Effect.gen(function*() {
        const sandbox = yield* sandboxFor({ quota: { regularMinutes: 2 } })
        const dir = yield* tempDir("partial")
        const batch = yield* BatchFile.parseBatch("rows.csv", csvRows(3))
        const jobs = jobsFor(sandbox, join(dir, "jobs.db"), testSettings(200))
        const { final, submitted } = yield* runToEnd(batch, join(dir, "out"), { partial: true }).pipe(
          Effect.provide(jobs)
        )
        expect(submitted.heldForQuota).toEqual([4])
        expect(final.rows.map((r) => r.state)).toEqual(["done", "done", "waiting_for_quota"])
        expect((yield* requestsTo(sandbox, "createVideoRecall")).length).toBe(2)
        const { cancelled, maybeSent } = yield* FootageJobs.cancelBatch(batch.id).pipe(Effect.provide(jobs))
        expect([cancelled, maybeSent]).toEqual([[4], []])
      }),
    30_000
  )

  it.scopedLive(
    "leaves the rest waiting when it runs out mid-batch, and a later run with more quota finishes them",
    () =>
      Effect.gen(function*() {
        const sandbox = yield* sandboxFor()
        // The first create is slow, so that the quota shrinks after the pre-flight and before most creates.
        yield* sandbox.injectFault("createVideoRecall", { kind: "slow", delayMillis: 300 }, 1)
        const dir = yield* tempDir("midway")
        const batch = yield* BatchFile.parseBatch("rows.csv", csvRows(4))
        const settings = { ...testSettings(200), concurrency: 1 }
        const first = yield* Effect.gen(function*() {
          const jobs = yield* FootageJobs.FootageJobs
          yield* jobs.submit(batch, { directory: join(dir, "out") })
          yield* sandbox.configure({ quota: { regularMinutes: 2 } })
          return yield* jobs.awaitSettled(batch.id)
        }).pipe(Effect.scoped, Effect.provide(jobsFor(sandbox, join(dir, "jobs.db"), settings)))
        const states = first.rows.map((r) => r.state)
        expect(states).toEqual(["done", "done", "waiting_for_quota", "waiting_for_quota"])
        // Next month (more quota): the same batch resumes, and only the waiting rows are sent.
        yield* sandbox.configure({ quota: { regularMinutes: 100 } })
        const { final, submitted } = yield* runToEnd(batch, join(dir, "out")).pipe(
          Effect.provide(jobsFor(sandbox, join(dir, "jobs.db"), settings))
        )
        expect(submitted.isNew).toBe(false)
        expect(submitted.sent).toEqual([4, 5])
        expect(final.counts.done).toBe(4)
        expect(final.rows.map((r) => r.generation)).toEqual([0, 0, 1, 1])
        expect(yield* Effect.map(sandbox.recalls, (rs) => rs.length)).toBe(4)
      }),
    30_000
  )
})

describe("the camera feature turned off", () => {
  it.scopedLive(
    "stops the rows it refuses, and a later run, once it is on again, finishes them",
    () =>
      Effect.gen(function*() {
        const sandbox = yield* sandboxFor()
        yield* sandbox.injectFault("createVideoRecall", { kind: "slow", delayMillis: 300 }, 1)
        const dir = yield* tempDir("feature")
        const batch = yield* BatchFile.parseBatch("rows.csv", csvRows(3))
        // Few polls: a recall made before the switch cannot be read while it is off either.
        const settings = { ...testSettings(100), concurrency: 1, maxPolls: 3 }
        const first = yield* Effect.gen(function*() {
          const jobs = yield* FootageJobs.FootageJobs
          yield* jobs.submit(batch, { directory: join(dir, "out") })
          yield* sandbox.configure({ videoMonitoring: false })
          return yield* jobs.awaitSettled(batch.id)
        }).pipe(Effect.scoped, Effect.provide(jobsFor(sandbox, join(dir, "jobs.db"), settings)))
        const refused = first.rows.filter((r) => r.state !== "done")
        expect(refused.length).toBeGreaterThan(0)
        expect(refused.map((r) => r.state)).toEqual(refused.map(() => "stopped"))
        expect(refused.some((r) => r.reason?.includes("video_monitoring"))).toBe(true)
        yield* sandbox.configure({ videoMonitoring: true })
        const { final } = yield* runToEnd(batch, join(dir, "out")).pipe(
          Effect.provide(jobsFor(sandbox, join(dir, "jobs.db"), settings))
        )
        expect(final.counts.done).toBe(3)
        expect(yield* Effect.map(sandbox.recalls, (rs) => rs.length)).toBe(3)
      }),
    30_000
  )
})

describe("a batch taken up by the next process", () => {
  it.scopedLive(
    "asks at once about every waiting recall: polls the last process had put off do not hold it",
    () =>
      Effect.gen(function*() {
        const sandbox = yield* sandboxFor()
        const dir = yield* tempDir("restart")
        const batch = yield* BatchFile.parseBatch("incidents.csv", csvRows(2))
        const journal = join(dir, "jobs.db")
        // The first process puts its first polls a minute off (as a killed poller's claims do), then goes away.
        yield* Effect.gen(function*() {
          const jobs = yield* FootageJobs.FootageJobs
          yield* jobs.submit(batch, { directory: join(dir, "out") })
          yield* jobs.progress(batch.id).pipe(
            Stream.takeUntil((p) => p.counts.waiting === 2),
            Stream.runDrain
          )
        }).pipe(Effect.scoped, Effect.provide(jobsFor(sandbox, journal, testSettings(60_000))))
        const final = yield* runToEnd(batch, join(dir, "out")).pipe(
          Effect.map((r) => r.final),
          Effect.timeout("15 seconds"),
          Effect.provide(jobsFor(sandbox, journal, testSettings(200)))
        )
        expect(final.counts.done).toBe(2)
        expect((yield* requestsTo(sandbox, "createVideoRecall")).length).toBe(2)
      }),
    40_000
  )
})

describe("the same rows in a changed file", () => {
  it.scopedLive(
    "reuse the recalls the first batch made: no quota is asked for or counted, none is made again",
    () =>
      Effect.gen(function*() {
        const sandbox = yield* sandboxFor({ quota: { regularMinutes: 4 } })
        const dir = yield* tempDir("changed")
        const { batch: first, changed } = yield* sameRowsChanged(3)
        const { again, before } = yield* Effect.gen(function*() {
          const before = yield* runToEnd(first, join(dir, "first"))
          // 1 minute is left: the changed batch needs none, since Motive holds its 3 recalls.
          const again = yield* runToEnd(changed, join(dir, "changed"))
          // The progress figures (a tally in SQL) agree.
          expect((yield* (yield* JobStore.JobStore).tally(changed.id)).minutesSpent).toBe(0)
          return { before, again }
        }).pipe(Effect.provide(jobsFor(sandbox, join(dir, "jobs.db"), testSettings(200))))
        expect(before.final.minutesSpent).toBe(3)
        expect(again.submitted.quota.regular.needed).toBe(0)
        expect(again.submitted.heldForQuota).toEqual([])
        // The submission says which rows took over which recall: the changed file's rows are one line lower.
        const firstRecalls = new Map(before.final.rows.map((r) => [r.row, r.recallId]))
        expect(again.submitted.reused).toEqual(
          [2, 3, 4].map((row) => ({ row: row + 1, recallId: firstRecalls.get(row) }))
        )
        expect(again.final.counts.done).toBe(3)
        expect(again.final.minutesSpent).toBe(0)
        expect(again.final.rows.map((r) => r.recallId).sort()).toEqual(before.final.rows.map((r) => r.recallId).sort())
        expect((yield* requestsTo(sandbox, "createVideoRecall")).length).toBe(3)
      }),
    40_000
  )
})

describe("the same rows in a changed file, on another server", () => {
  it.scopedLive(
    "do not take over the recalls the journal holds: those ids name other recalls there",
    () =>
      Effect.gen(function*() {
        const first = yield* sandboxFor()
        const other = yield* sandboxFor()
        const dir = yield* tempDir("other-server")
        const journal = join(dir, "jobs.db")
        const { batch, changed } = yield* sameRowsChanged(2)
        yield* runToEnd(batch, join(dir, "a")).pipe(Effect.provide(jobsFor(first, journal, testSettings(200))))
        const again = yield* Effect.gen(function*() {
          // The other server's recalls 1 and 2 are another entity's.
          const client = yield* MotiveClient.MotiveClient
          for (const minutes of [100, 110]) {
            yield* client.createVideoRecall({ assetName: "TRAILER-7", startTime: ago(minutes), duration: 1 })
          }
          return yield* runToEnd(changed, join(dir, "b"))
        }).pipe(Effect.provide(jobsFor(other, journal, testSettings(200))))
        expect(again.submitted.quota.regular.needed).toBe(2)
        expect(again.final.counts.done).toBe(2)
        expect(again.final.minutesSpent).toBe(2)
        expect(again.final.rows.map((r) => r.recallId).sort()).toEqual([3, 4])
        expect(again.final.files.every((f) => !f.path.includes("rear"))).toBe(true)
      }),
    40_000
  )
})

describe("a recall someone else made", () => {
  it.scopedLive(
    "is reused when Motive names it (409), and its minutes are not the batch's",
    () =>
      Effect.gen(function*() {
        const sandbox = yield* sandboxFor()
        const dir = yield* tempDir("someone-else")
        const batch = yield* BatchFile.parseBatch("incidents.csv", csvRows(2))
        // Another journal (another machine, a colleague) made these recalls first.
        const theirs = yield* runToEnd(batch, join(dir, "theirs")).pipe(
          Effect.provide(jobsFor(sandbox, join(dir, "theirs.db"), testSettings(200)))
        )
        expect(theirs.final.minutesSpent).toBe(2)
        const ours = yield* runToEnd(batch, join(dir, "ours")).pipe(
          Effect.provide(jobsFor(sandbox, join(dir, "ours.db"), testSettings(200)))
        )
        expect(ours.final.counts.done).toBe(2)
        expect(ours.final.rows.every((r) => r.reused)).toBe(true)
        expect(ours.final.minutesSpent).toBe(0)
        expect((yield* sandbox.recalls).length).toBe(2)
      }),
    40_000
  )
})

describe("a recall someone else made, met after a 429", () => {
  it.scopedLive(
    "is still reused: a create answered 429 was not taken, so the 409 after names someone else's recall",
    () =>
      Effect.gen(function*() {
        const sandbox = yield* sandboxFor()
        const dir = yield* tempDir("429-then-theirs")
        const batch = yield* BatchFile.parseBatch("incidents.csv", csvRows(2))
        yield* runToEnd(batch, join(dir, "theirs")).pipe(
          Effect.provide(jobsFor(sandbox, join(dir, "theirs.db"), testSettings(200)))
        )
        const before = (yield* requestsTo(sandbox, "createVideoRecall")).length
        // One request a second: our creates meet 429s, which the client gives back at once (one attempt a call).
        yield* sandbox.configure({ rateLimit: { requestsPerSecond: 1, burst: 1 } })
        const ours = yield* runToEnd(batch, join(dir, "ours")).pipe(
          Effect.provide(
            jobsFor(sandbox, join(dir, "ours.db"), testSettings(200), { retry: { ...quick.retry, maxAttempts: 1 } })
          )
        )
        const creates = (yield* requestsTo(sandbox, "createVideoRecall")).slice(before)
        expect(creates.some((r) => r.status === 429)).toBe(true)
        expect(ours.final.counts.done).toBe(2)
        expect(ours.final.rows.map((r) => r.reused)).toEqual([true, true])
        expect(ours.final.minutesSpent).toBe(0)
        expect((yield* sandbox.recalls).length).toBe(2)
      }),
    40_000
  )
})

describe("a create refused with a 429, waiting to try again", () => {
  it.scopedLive(
    "leaves no mark of a create that may have made a recall: a process killed then strands nothing",
    () =>
      Effect.gen(function*() {
        // One request every 5 s: the quota's GET takes it, and the create's 429 asks to come back in about 5 s.
        const sandbox = yield* sandboxFor({ rateLimit: { requestsPerSecond: 0.2, burst: 1 } })
        const dir = yield* tempDir("429-wait")
        const batch = yield* BatchFile.parseBatch("incidents.csv", csvRows(1))
        const mark = yield* Effect.gen(function*() {
          const jobs = yield* FootageJobs.FootageJobs
          const store = yield* JobStore.JobStore
          yield* jobs.submit(batch, { directory: join(dir, "out") })
          while (!(yield* requestsTo(sandbox, "createVideoRecall")).some((r) => r.status === 429)) {
            yield* Effect.sleep("10 millis")
          }
          yield* Effect.sleep("200 millis")
          // Read while the client waits out the Retry-After (a kill -9 here leaves the store as it is).
          return (yield* store.row(batch.id, 2))!
        }).pipe(Effect.provide(jobsFor(sandbox, join(dir, "jobs.db"), testSettings(200), { rateLimit: false })))
        expect([mark.state, mark.createClaimed]).toEqual(["creating", false])
      }),
    30_000
  )
})

describe("a row stopped while its create waited for the rate limit", () => {
  it.scopedLive(
    "sent nothing: it says so, and the next run takes the recall Motive names (409) for someone else's",
    () =>
      Effect.gen(function*() {
        const sandbox = yield* sandboxFor()
        const dir = yield* tempDir("stopped-at-gate")
        const batch = yield* BatchFile.parseBatch("incidents.csv", csvRows(2))
        // Another journal makes both rows' recalls first.
        yield* runToEnd(batch, join(dir, "theirs")).pipe(
          Effect.provide(jobsFor(sandbox, join(dir, "theirs.db"), testSettings(200)))
        )
        const theirs = (yield* requestsTo(sandbox, "createVideoRecall")).length
        // One request every 2 s: the quota's GET, then row 2's create; row 3's waits at the client's gate.
        const slow = jobsFor(sandbox, join(dir, "ours.db"), testSettings(200), {
          rateLimit: { requestsPerSecond: 0.5, burst: 1 }
        })
        const stopped = yield* Effect.gen(function*() {
          const jobs = yield* FootageJobs.FootageJobs
          yield* jobs.submit(batch, { directory: join(dir, "ours") })
          while ((yield* requestsTo(sandbox, "createVideoRecall")).length === theirs) yield* Effect.sleep("10 millis")
          yield* jobs.stopCreating
          return yield* jobs.awaitSettled(batch.id)
        }).pipe(Effect.provide(slow))
        expect((yield* requestsTo(sandbox, "createVideoRecall")).length).toBe(theirs + 1)
        const row3 = stopped.rows.find((r) => r.row === 3)!
        expect([row3.state, row3.createClaimed]).toEqual(["stopped", false])
        expect(row3.reason).toContain("not sent: the run was stopped before this row's create went out")
        const { final } = yield* runToEnd(batch, join(dir, "ours")).pipe(
          Effect.provide(jobsFor(sandbox, join(dir, "ours.db"), testSettings(200)))
        )
        expect(final.counts.done).toBe(2)
        expect(final.rows.map((r) => r.reused)).toEqual([true, true])
        expect(final.minutesSpent).toBe(0)
        expect((yield* sandbox.recalls).length).toBe(2)
      }),
    40_000
  )
})

describe("a row held for quota, whose recall someone else made meanwhile", () => {
  it.scopedLive(
    "reuses it when sent: never sent before, the 409 names someone else's recall",
    () =>
      Effect.gen(function*() {
        const sandbox = yield* sandboxFor({ quota: { regularMinutes: 1 } })
        const dir = yield* tempDir("held-then-theirs")
        const batch = yield* BatchFile.parseBatch("incidents.csv", csvRows(2))
        const ours = jobsFor(sandbox, join(dir, "ours.db"), testSettings(200))
        const held = yield* runToEnd(batch, join(dir, "ours"), { partial: true }).pipe(Effect.provide(ours))
        expect(held.submitted.heldForQuota).toEqual([3])
        yield* sandbox.configure({ quota: { regularMinutes: 10 } })
        // Another journal makes row 3's recall (row 2's is ours: a 409 there).
        yield* runToEnd(batch, join(dir, "theirs")).pipe(
          Effect.provide(jobsFor(sandbox, join(dir, "theirs.db"), testSettings(200)))
        )
        const { final } = yield* runToEnd(batch, join(dir, "ours")).pipe(Effect.provide(ours))
        expect(final.counts.done).toBe(2)
        expect(final.rows.map((r) => r.reused)).toEqual([false, true])
        expect(final.minutesSpent).toBe(1)
        expect((yield* sandbox.recalls).length).toBe(2)
      }),
    40_000
  )
})

describe("a create whose answers were all lost", () => {
  it.scopedLive(
    "makes the row's own recall, counted as the batch's, when the try after names it (409)",
    () =>
      Effect.gen(function*() {
        const sandbox = yield* sandboxFor()
        // Made, then the connection cut, 3 times: the client gives up ("may have been created"), the job tries again.
        yield* sandbox.injectFault("createVideoRecall", { kind: "commit_then_drop" }, 3)
        const dir = yield* tempDir("lost-answers")
        const batch = yield* BatchFile.parseBatch("incidents.csv", csvRows(1))
        const { final } = yield* runToEnd(batch, join(dir, "out")).pipe(
          Effect.provide(
            jobsFor(sandbox, join(dir, "jobs.db"), testSettings(200), { retry: { ...quick.retry, maxAttempts: 3 } })
          )
        )
        expect(final.counts.done).toBe(1)
        expect((yield* sandbox.recalls).length).toBe(1)
        expect(final.rows[0]!.reused).toBe(false)
        expect(final.minutesSpent).toBe(1)
      }),
    40_000
  )
})

describe("the latest batch", () => {
  it.scopedLive("is the one that last ran: a batch resumed after another was refused", () =>
    Effect.gen(function*() {
      const sandbox = yield* sandboxFor({ quota: { regularMinutes: 2 } })
      const dir = yield* tempDir("latest")
      const first = yield* BatchFile.parseBatch("first.csv", csvRows(3))
      const second = yield* BatchFile.parseBatch("second.csv", csvRows(2, "\n"))
      yield* Effect.gen(function*() {
        const jobs = yield* FootageJobs.FootageJobs
        const latest = Effect.map(jobs.latest, (b) => b._tag === "Some" ? b.value.id : undefined)
        expect((yield* runToEnd(first, join(dir, "first"), { partial: true })).submitted.heldForQuota).toEqual([4])
        expect((yield* Effect.flip(jobs.submit(second, { directory: join(dir, "second") })))._tag).toBe("QuotaShort")
        expect(yield* latest).toBe(second.id)
        yield* sandbox.configure({ quota: { regularMinutes: 10 } })
        expect((yield* runToEnd(first, join(dir, "first"))).final.counts.done).toBe(3)
        expect(yield* latest).toBe(first.id)
      }).pipe(Effect.provide(jobsFor(sandbox, join(dir, "jobs.db"), testSettings(200))))
    }), 40_000)
})

describe("a cancelled batch", () => {
  it.scopedLive(
    "sends none of its rows without a recall and frees their quota; running it again sends them",
    () =>
      Effect.gen(function*() {
        const sandbox = yield* sandboxFor({ quota: { regularMinutes: 3 } })
        // One create at a time, each slow: row 2's is on the wire while rows 3 and 4 wait their turn.
        yield* sandbox.injectFault("createVideoRecall", { kind: "slow", delayMillis: 1000 }, 1)
        const dir = yield* tempDir("cancel")
        const first = yield* BatchFile.parseBatch("first.csv", csvRows(3))
        const second = yield* BatchFile.parseBatch("second.csv", csvRows(2, "\n"))
        yield* Effect.gen(function*() {
          const jobs = yield* FootageJobs.FootageJobs
          yield* jobs.submit(first, { directory: join(dir, "first") })
          yield* jobs.progress(first.id).pipe(Stream.takeUntil((p) => p.counts.creating === 1), Stream.runDrain)
          // The 3 minutes are promised to the first batch: the second does not fit, until the first is cancelled.
          expect((yield* Effect.flip(jobs.submit(second, { directory: join(dir, "second") })))._tag).toBe("QuotaShort")
          const { cancelled } = yield* FootageJobs.cancelBatch(first.id.slice(0, 8))
          // Row 2 is creating (its create is on the wire): left to it.
          expect(cancelled).toEqual([3, 4])
          expect((yield* runToEnd(second, join(dir, "second"))).final.counts.done).toBe(2)
          // Row 2's create was on the wire: its recall exists, and the row goes on to the end.
          const after = yield* jobs.awaitSettled(first.id)
          expect(after.rows.map((r) => `${r.row} ${r.state}`)).toEqual(["2 done", "3 stopped", "4 stopped"])
          expect(after.rows[1]!.reason).toContain("cancelled (motive batch cancel)")
          expect((yield* requestsTo(sandbox, "createVideoRecall")).length).toBe(3)
          // Run again (with more quota), it sends what was cancelled.
          yield* sandbox.configure({ quota: { regularMinutes: 10 } })
          expect((yield* runToEnd(first, join(dir, "first"))).final.counts.done).toBe(3)
        }).pipe(Effect.provide(jobsFor(sandbox, join(dir, "jobs.db"), { ...testSettings(200), concurrency: 1 })))
      }),
    40_000
  )
})
