import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { createHash } from "node:crypto"
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { BatchFile, FootageJobs } from "../src/index.js"
import { ago, csvRows, jobsFor, sandboxFor, tempDir, testSettings } from "./support.js"

const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex")

describe("a batch run in one process", () => {
  it.scopedLive("cancels what is left of one batch through the service, the layer going on", () =>
    Effect.gen(function*() {
      const sandbox = yield* sandboxFor({ quota: { regularMinutes: 2 } })
      const dir = yield* tempDir("cancel")
      const batch = yield* BatchFile.parseBatch("incidents.csv", csvRows(3))
      const [cancelled, status] = yield* Effect.gen(function*() {
        const jobs = yield* FootageJobs.FootageJobs
        expect((yield* Effect.flip(jobs.submit(batch, { directory: join(dir, "out") })))._tag).toBe("QuotaShort")
        // A blank id (an unset shell variable) cancels nothing: never "the latest".
        for (const blank of ["", "  "]) {
          const unnamed = yield* Effect.flip(jobs.cancel(blank))
          expect(unnamed).toMatchObject({ _tag: "BatchNotFound", unnamed: true })
          expect(unnamed.message).toContain("no batch named")
        }
        expect((yield* jobs.status(batch.id)).counts.stopped).toBe(0)
        const cancelled = yield* jobs.cancel(batch.id.slice(0, 8))
        return [cancelled, yield* jobs.status(batch.id)] as const
      }).pipe(Effect.provide(jobsFor(sandbox, join(dir, "jobs.db"), testSettings(200))))
      expect([cancelled.batch.id, cancelled.cancelled, cancelled.maybeSent]).toEqual([batch.id, [2, 3, 4], []])
      expect(status.counts.stopped).toBe(3)
    }))

  it.scopedLive("runs with a first poll of zero: the poller still looks at most every 20 ms, never in a busy loop", () =>
    Effect.gen(function*() {
      const sandbox = yield* sandboxFor()
      const dir = yield* tempDir("zero")
      const batch = yield* BatchFile.parseBatch("incidents.csv", csvRows(1))
      const final = yield* Effect.gen(function*() {
        const jobs = yield* FootageJobs.FootageJobs
        yield* jobs.submit(batch, { directory: join(dir, "out") })
        return yield* jobs.awaitSettled(batch.id)
      }).pipe(Effect.provide(jobsFor(sandbox, join(dir, "jobs.db"), testSettings(0))))
      expect(final.counts.done).toBe(1)
    }))

  it.scopedLive("refuses a batch built in code whose rows could never be sent, recording nothing, naming each", () =>
    Effect.gen(function*() {
      const sandbox = yield* sandboxFor()
      const dir = yield* tempDir("built")
      const row = (row: number, body: Record<string, unknown>, ref?: string) =>
        new BatchFile.BatchRow({
          row,
          smartDashcam: false,
          ...(ref === undefined ? {} : { ref }),
          body: { vehicle_number: "TRK-101", start_time: ago(30), duration: 1, ...body }
        }, { disableValidation: true })
      const rows = [
        row(1, { start_time: "yesterday" }),
        row(2, { duration: 0 }),
        row(2, {}),
        row(3, {}, "../../elsewhere")
      ]
      const batch = { id: yield* BatchFile.batchIdOf(rows), file: "built in code", rows, duplicates: [] }
      const refused = yield* Effect.gen(function*() {
        const jobs = yield* FootageJobs.FootageJobs
        const error = yield* Effect.flip(jobs.submit(batch, { directory: join(dir, "out") }))
        expect(yield* Effect.flip(jobs.status(batch.id))).toMatchObject({ _tag: "BatchNotFound" })
        return error
      }).pipe(Effect.provide(jobsFor(sandbox, join(dir, "jobs.db"), testSettings(200))))
      expect(refused._tag).toBe("BatchFileInvalid")
      expect(refused._tag === "BatchFileInvalid" && refused.problems.map((p) => `${p.row} ${p.field} ${p.rule}`))
        .toEqual(["1 body body.invalid", "2 body body.invalid", "2 row row.repeated", "3 ref ref.not_a_folder_name"])
      expect(yield* Effect.map(sandbox.recalls, (rs) => rs.length)).toBe(0)
    }))

  it.scopedLive("keeps the journal this user's alone: its folders made 0700, the file and its WAL 0600", () =>
    Effect.gen(function*() {
      const sandbox = yield* sandboxFor()
      const dir = yield* tempDir("modes")
      const file = join(dir, "state", "motive", "jobs.db")
      const batch = yield* BatchFile.parseBatch("incidents.csv", csvRows(1))
      yield* Effect.gen(function*() {
        const jobs = yield* FootageJobs.FootageJobs
        yield* jobs.submit(batch, { directory: join(dir, "out") })
        yield* jobs.awaitSettled(batch.id)
        const mode = (p: string) => statSync(p).mode & 0o777
        expect([mode(join(dir, "state")), mode(join(dir, "state", "motive"))]).toEqual([0o700, 0o700])
        expect(mode(file)).toBe(0o600)
        expect(mode(`${file}-wal`)).toBe(0o600)
      }).pipe(Effect.provide(jobsFor(sandbox, file, testSettings(200))))
    }))

  it.scopedLive(
    "creates one recall per row, waits by polling, downloads every camera and records each file",
    () =>
      Effect.gen(function*() {
        const sandbox = yield* sandboxFor()
        const dir = yield* tempDir("poll")
        const batch = yield* BatchFile.parseBatch("incidents.csv", csvRows(3))
        const status = yield* Effect.gen(function*() {
          const jobs = yield* FootageJobs.FootageJobs
          const submitted = yield* jobs.submit(batch, { directory: join(dir, "out") })
          expect(submitted.isNew).toBe(true)
          expect(submitted.sent).toEqual([2, 3, 4])
          expect(submitted.quota.regular.needed).toBe(3)
          return yield* jobs.awaitSettled(batch.id)
        }).pipe(Effect.provide(jobsFor(sandbox, join(dir, "jobs.db"), testSettings(200))))
        const final = status
        expect(final?.settled).toBe(true)
        expect(final?.counts.done).toBe(3)
        expect(yield* Effect.map(sandbox.recalls, (rs) => rs.length)).toBe(3)
        expect(final?.files.length).toBe(6)
        for (const f of final?.files ?? []) {
          expect(existsSync(f.path)).toBe(true)
          expect(f.sha256).toBe(sha256(f.path))
          expect(f.path).toMatch(new RegExp(`/out/INC-\\d/${f.recallId}-${f.position}\\.mp4$`))
        }
        expect(readdirSync(join(dir, "out", "INC-1")).sort()).toHaveLength(2)
      }),
    30_000
  )

  it.scopedLive(
    "a row whose recall succeeds without a camera it asked for is failed, naming it, with what did arrive kept",
    () =>
      Effect.gen(function*() {
        const sandbox = yield* sandboxFor({ lifecycle: { failCameras: ["driver_facing"] } })
        const dir = yield* tempDir("lacking")
        const batch = yield* BatchFile.parseBatch("incidents.csv", csvRows(1))
        const final = yield* Effect.gen(function*() {
          const jobs = yield* FootageJobs.FootageJobs
          yield* jobs.submit(batch, { directory: join(dir, "out") })
          return yield* jobs.awaitSettled(batch.id)
        }).pipe(Effect.provide(jobsFor(sandbox, join(dir, "jobs.db"), testSettings(200))))
        expect(final.rows.map((r) => [r.state, r.reason])).toEqual([
          ["failed", `video recall ${final.rows[0]!.recallId} finished with no footage from driver_facing`]
        ])
        expect(final.files.map((f) => f.position)).toEqual(["front_facing"])
        expect(readdirSync(join(dir, "out", "INC-1"))).toEqual([`${final.rows[0]!.recallId}-front_facing.mp4`])
      }),
    30_000
  )

  it.scopedLive(
    "a row stopped after its polls ran out polls afresh when run again, and finishes",
    () =>
      Effect.gen(function*() {
        // Pending for 7 s; four polls (0.5, 0.75, 1.1 and 1.7 s apart: 4.1 s, and up to 2 s more on a busy machine,
        // whose poller looks every 0.5 s) see it pending in the first run.
        const sandbox = yield* sandboxFor({ lifecycle: { recallPendingMillis: 7_000, recallProcessingMillis: 300 } })
        const dir = yield* tempDir("again")
        const batch = yield* BatchFile.parseBatch("incidents.csv", csvRows(1))
        const settings = { ...testSettings(500), maxPolls: 4 }
        const run = Effect.gen(function*() {
          const jobs = yield* FootageJobs.FootageJobs
          yield* jobs.submit(batch, { directory: join(dir, "out") })
          return yield* jobs.awaitSettled(batch.id)
        }).pipe(Effect.scoped, Effect.provide(jobsFor(sandbox, join(dir, "jobs.db"), settings)))
        const first = yield* run
        expect(first.rows.map((r) => r.state)).toEqual(["stopped"])
        expect(first.rows[0]!.reason).toContain("still not finished after 4 polls")
        // The next run polls on its own schedule from its start: not where the first one's ran out (a poll only
        // after the 15 s safeguard, then stopped again).
        const started = Date.now()
        const second = yield* run
        expect(second.rows.map((r) => r.state)).toEqual(["done"])
        expect(Date.now() - started).toBeLessThan(10_000)
        expect((yield* sandbox.recalls).length).toBe(1)
      }),
    30_000
  )

  it.scopedLive(
    "resumes the same rows as the same batch and sends nothing for rows already done",
    () =>
      Effect.gen(function*() {
        const sandbox = yield* sandboxFor()
        const dir = yield* tempDir("again")
        const text = csvRows(2)
        const run = Effect.gen(function*() {
          const batch = yield* BatchFile.parseBatch("incidents.csv", text)
          const jobs = yield* FootageJobs.FootageJobs
          const submitted = yield* jobs.submit(batch, { directory: join(dir, "out") })
          yield* jobs.awaitSettled(batch.id)
          return submitted
        }).pipe(Effect.scoped, Effect.provide(jobsFor(sandbox, join(dir, "jobs.db"), testSettings(200))))
        const first = yield* run
        const creates = (yield* sandbox.requests).filter((r) => r.route === "createVideoRecall").length
        const second = yield* run
        expect(first.isNew).toBe(true)
        expect(second.isNew).toBe(false)
        expect(second.sent).toEqual([])
        expect((yield* sandbox.requests).filter((r) => r.route === "createVideoRecall").length).toBe(creates)
        expect(yield* Effect.map(sandbox.recalls, (rs) => rs.length)).toBe(2)
      }),
    30_000
  )
})
