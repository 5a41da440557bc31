import { recallCompletedAction } from "@effect-motive/domain"
import { Webhooks } from "@effect-motive/http"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Redacted, Schedule } from "effect"
import { join } from "node:path"
import { BatchFile, FootageJobs, JobStore } from "../src/index.js"
import { csvRows, jobsFor, requestsTo, sandboxFor, serveCompletions, tempDir, testSettings } from "./support.js"

const secret = Redacted.make("batch-webhook-secret")

const post = (url: string, body: string, signature: string) =>
  Effect.promise(() =>
    fetch(url, {
      method: "POST",
      body,
      headers: { "content-type": "application/json", "x-kt-webhook-signature": signature }
    })
  ).pipe(Effect.map((r) => r.status))

describe("completion by webhook", () => {
  it.scopedLive(
    "needs no status poll before a recall's completion, only one confirming GET after it",
    () =>
      Effect.gen(function*() {
        const sandbox = yield* sandboxFor({ lifecycle: { recallPendingMillis: 200, recallProcessingMillis: 600 } })
        const dir = yield* tempDir("webhook")
        const batch = yield* BatchFile.parseBatch("rows.csv", csvRows(4))
        // Polls would start only after a minute: everything below came by webhook.
        const final = yield* Effect.gen(function*() {
          const url = yield* serveCompletions(secret)
          yield* sandbox.registerWebhook(url, secret, [recallCompletedAction])
          const jobs = yield* FootageJobs.FootageJobs
          yield* jobs.submit(batch, { directory: join(dir, "out") })
          return yield* jobs.awaitSettled(batch.id)
        }).pipe(Effect.provide(jobsFor(sandbox, join(dir, "jobs.db"), testSettings(60_000))))
        expect(final.counts.done).toBe(4)
        const deliveries = yield* sandbox.deliveries
        expect(deliveries.map((d) => d.state)).toEqual(["delivered", "delivered", "delivered", "delivered"])
        const gets = yield* requestsTo(sandbox, "getVideoRecall")
        for (const d of deliveries) {
          const delivered = d.attempts[0]!.at
          const forRecall = gets.filter((g) => g.path.endsWith(`/${d.recallId}`))
          expect(forRecall.filter((g) => g.at < delivered)).toEqual([])
          // One confirmation; the downloads then read fresh URLs (after completion, not polls).
          expect(forRecall.length).toBeGreaterThanOrEqual(1)
        }
      }),
    30_000
  )

  it.scopedLive(
    "still completes by webhook a recall whose id has an event stored already (a journal reused against another server)",
    () =>
      Effect.gen(function*() {
        const sandbox = yield* sandboxFor({ lifecycle: { recallPendingMillis: 200, recallProcessingMillis: 1_500 } })
        const dir = yield* tempDir("stale-event")
        const batch = yield* BatchFile.parseBatch("rows.csv", csvRows(1))
        // Polls would start only after a minute: the row can finish within the test only by its webhook.
        const final = yield* Effect.gen(function*() {
          const store = yield* JobStore.JobStore
          // Recall 1 of a server this journal knew before (the sandbox restarted): its completion is on record.
          yield* store.addEvent(1, recallCompletedAction)
          const url = yield* serveCompletions(secret)
          yield* sandbox.registerWebhook(url, secret, [recallCompletedAction])
          const jobs = yield* FootageJobs.FootageJobs
          yield* jobs.submit(batch, { directory: join(dir, "out") })
          return yield* jobs.awaitSettled(batch.id).pipe(Effect.timeout("15 seconds"))
        }).pipe(Effect.provide(jobsFor(sandbox, join(dir, "jobs.db"), testSettings(60_000))))
        expect(final.rows.map((r) => [r.recallId, r.state])).toEqual([[1, "done"]])
        expect((yield* sandbox.deliveries).map((d) => d.state)).toEqual(["delivered"])
      }),
    30_000
  )

  it.scopedLive(
    "changes nothing for a forged delivery or a signed event naming another recall",
    () =>
      Effect.gen(function*() {
        const sandbox = yield* sandboxFor({ lifecycle: { recallPendingMillis: 300, recallProcessingMillis: 2_500 } })
        const dir = yield* tempDir("forged")
        const batch = yield* BatchFile.parseBatch("rows.csv", csvRows(2))
        yield* Effect.gen(function*() {
          const url = yield* serveCompletions(secret)
          const jobs = yield* FootageJobs.FootageJobs
          const store = yield* JobStore.JobStore
          yield* jobs.submit(batch, { directory: join(dir, "out") })
          // Wait until both recalls exist and are processing.
          yield* Effect.repeat(jobs.status(batch.id), {
            until: (s) => s.rows.every((r) => r.state === "waiting"),
            schedule: Schedule.spaced("20 millis")
          })
          const [first] = (yield* jobs.status(batch.id)).rows
          const event = JSON.stringify({ action: recallCompletedAction, id: first!.recallId })
          // Forged: a wrong signature is refused before anything is read or recorded.
          expect(yield* post(url, event, "0".repeat(40))).toBe(403)
          expect(yield* store.hasEvent(first!.recallId!)).toBe(false)
          // Signed, but too early (or replayed onto a recall that is not done): confirmed against the API, ignored.
          expect(yield* post(url, event, yield* Webhooks.sign(event, secret))).toBe(200)
          const other = JSON.stringify({ action: recallCompletedAction, id: 999_999 })
          expect(yield* post(url, other, yield* Webhooks.sign(other, secret))).toBe(200)
          yield* Effect.sleep("400 millis")
          const status = yield* jobs.status(batch.id)
          expect(status.rows.map((r) => r.state)).toEqual(["waiting", "waiting"])
          expect(status.files).toEqual([])
          expect(yield* requestsTo(sandbox, "media")).toEqual([])
          // The batch still finishes (by polling), with the right files.
          const final = yield* jobs.awaitSettled(batch.id)
          expect(final.counts.done).toBe(2)
        }).pipe(Effect.provide(jobsFor(sandbox, join(dir, "jobs.db"), testSettings(500))))
      }),
    30_000
  )
})
