import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import Database from "libsql"
import { join } from "node:path"
import { Embedded, FootageJobs, JobStore } from "../src/index.js"
import { tempDir } from "./support.js"

const body = (minutesAgo: number) =>
  JSON.stringify({
    vehicle_number: "TRK-101",
    start_time: new Date(Date.UTC(2026, 11, 1, 12, 0) - minutesAgo * 60_000).toISOString(),
    duration: 2
  })

/** A journal file with the store's tables and no batch, and its store layer. */
const emptyJournal = (prefix: string) =>
  Effect.gen(function*() {
    const file = join(yield* tempDir(prefix), "jobs.db")
    const store = Embedded.layerStore(file).pipe(Layer.provide(NodeContext.layer))
    // A file first: the store opens only a journal that exists.
    const db = new Database(file)
    db.exec("CREATE TABLE seed (x)")
    db.close()
    yield* Effect.provide(Effect.ignore(FootageJobs.readStatus("none")), store)
    return { file, store }
  })

/**
 * A journal as the release before left it (the tables as this release makes them, then without the `reused`
 * column), holding batch `a` (made first, `rowsOfA` rows) and batch `b`, and `rows` (batch, row, body, recall),
 * each done. `extra` runs on it before it is closed. Its file and store layer.
 */
const journalWithoutReused = (
  prefix: string,
  rowsOfA: number,
  rowsOfB: number,
  rows: ReadonlyArray<readonly [string, number, string, number]>,
  extra = ""
) =>
  Effect.gen(function*() {
    const { file, store } = yield* emptyJournal(prefix)
    const old = new Database(file)
    old.exec("ALTER TABLE motive_jobs DROP COLUMN reused")
    const batch = old.prepare(
      "INSERT INTO motive_batches (id, file, directory, row_count, created_at) VALUES (?, ?, ?, ?, ?)"
    )
    batch.run("a".repeat(32), "first.csv", "/tmp/a", rowsOfA, "2026-12-01T10:00:00.000Z")
    batch.run("b".repeat(32), "second.csv", "/tmp/b", rowsOfB, "2026-12-01T11:00:00.000Z")
    const row = old.prepare(
      `INSERT INTO motive_jobs (batch_id, row_number, body, smart_dashcam, minutes, generation, state, recall_id,
        updated_at) VALUES (?, ?, ?, 0, 2, 0, 'done', ?, '2026-12-01T11:00:00.000Z')`
    )
    for (const [batchId, number, rowBody, recall] of rows) row.run(batchId.repeat(32), number, rowBody, recall)
    if (extra !== "") old.exec(extra)
    old.close()
    return { file, store }
  })

describe("the job store of a journal from the release before", () => {
  it.scoped("gets the reused column, filled as that release counted: a recall an earlier batch holds was its", () =>
    Effect.gen(function*() {
      const { store } = yield* journalWithoutReused("old-journal", 2, 3, [
        ["a", 2, body(30), 1],
        ["a", 3, body(40), 2],
        ["b", 2, body(30), 1],
        ["b", 3, body(40), 2],
        ["b", 4, body(50), 3]
      ])
      const [first, second] = yield* Effect.provide(
        Effect.all([FootageJobs.readStatus("a".repeat(32)), FootageJobs.readStatus("b".repeat(32))]),
        store
      )
      expect(first.minutesSpent).toBe(4)
      expect(second.minutesSpent).toBe(2)
      expect(second.rows.map((r) => r.reused)).toEqual([true, true, false])
    }))
})

describe("a migration of the job store", () => {
  it.scoped("stopped half-way leaves the journal as it was, and the next start completes it", () =>
    Effect.gen(function*() {
      // The step that fills the new column fails, as a kill between the two steps would leave it.
      const { file, store } = yield* journalWithoutReused(
        "stopped-migration",
        1,
        1,
        [["a", 2, body(30), 1], ["b", 2, body(30), 1]],
        "CREATE TRIGGER stop BEFORE UPDATE ON motive_jobs BEGIN SELECT RAISE(ABORT, 'stopped'); END"
      )
      const columns = () => {
        const db = new Database(file)
        const names = (db.prepare("SELECT name FROM pragma_table_info('motive_jobs')").all() as Array<
          { readonly name: string }
        >).map((c) => c.name)
        db.close()
        return names
      }
      const failure = yield* Effect.flip(Effect.provide(FootageJobs.readStatus("b".repeat(32)), store))
      expect(String(failure)).toContain("stopped")
      expect(columns()).not.toContain("reused")
      const fixed = new Database(file)
      fixed.exec("DROP TRIGGER stop")
      fixed.close()
      const second = yield* Effect.provide(FootageJobs.readStatus("b".repeat(32)), store)
      expect(columns()).toContain("reused")
      expect(second.rows.map((r) => r.reused)).toEqual([true])
      expect(second.minutesSpent).toBe(0)
    }))
})

describe("a batch named by the start of its id", () => {
  it.scoped("is found when one batch's id starts so, and refused naming them when several do", () =>
    Effect.gen(function*() {
      const { file, store } = yield* emptyJournal("prefix")
      const db = new Database(file)
      const batch = db.prepare(
        "INSERT INTO motive_batches (id, file, directory, row_count, created_at) VALUES (?, ?, ?, 0, ?)"
      )
      batch.run(`63077d68${"0".repeat(24)}`, "pa.csv", "/tmp/a", "2026-12-01T10:00:00.000Z")
      batch.run(`63bb3162${"0".repeat(24)}`, "pb.csv", "/tmp/b", "2026-12-01T11:00:00.000Z")
      db.close()
      const ambiguous = yield* Effect.flip(Effect.provide(FootageJobs.readStatus("63"), store))
      expect(ambiguous.message).toBe(
        "batch 63 is ambiguous: 63bb31620000, 63077d680000 all start with it; give more of the id"
      )
      const one = yield* Effect.provide(FootageJobs.readStatus("630"), store)
      expect(one.batch.file).toBe("pa.csv")
      const none = yield* Effect.flip(Effect.provide(FootageJobs.readStatus("64"), store))
      expect(none.message).toBe("no batch 64 in this journal")
    }))
})

describe("the rows recorded as submitted that no workflow has taken", () => {
  it.scoped("are found across batches in one read: validated with an execution id, none other", () =>
    Effect.gen(function*() {
      const { file, store } = yield* emptyJournal("unsent")
      const db = new Database(file)
      const batch = db.prepare(
        "INSERT INTO motive_batches (id, file, directory, row_count, created_at) VALUES (?, ?, ?, 3, ?)"
      )
      batch.run("a".repeat(32), "a.csv", "/tmp/a", "2026-12-01T10:00:00.000Z")
      batch.run("b".repeat(32), "b.csv", "/tmp/b", "2026-12-01T11:00:00.000Z")
      const row = db.prepare(
        `INSERT INTO motive_jobs (batch_id, row_number, body, smart_dashcam, minutes, generation, state,
          execution_id, updated_at) VALUES (?, ?, ?, 0, 2, 1, ?, ?, '2026-12-01T11:00:00.000Z')`
      )
      row.run("b".repeat(32), 2, body(10), "validated", "exec-b2")
      row.run("a".repeat(32), 3, body(20), "validated", "exec-a3")
      // Validated but never submitted, taken by a workflow, or settled: not waiting to be handed over.
      row.run("a".repeat(32), 1, body(30), "validated", null)
      row.run("a".repeat(32), 2, body(40), "creating", "exec-a2")
      row.run("b".repeat(32), 1, body(50), "stopped", "exec-b1")
      db.close()
      const unsent = yield* Effect.provide(Effect.flatMap(JobStore.JobStore, (s) => s.unsentRows), store)
      expect(unsent.map((r) => [r.batchId[0], r.row, r.executionId])).toEqual([
        ["a", 3, "exec-a3"],
        ["b", 2, "exec-b2"]
      ])
    }))
})
