import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { join } from "node:path"
import * as Embedded from "../src/Embedded.js"
import { BatchFile, FootageJobs } from "../src/index.js"
import { csvRows, jobsFor, sandboxFor, tempDir, testSettings } from "./support.js"

/** Runs `f` on the journal file alone (no engine, no lock). */
const onJournal = <A, E>(file: string, f: (sql: SqlClient.SqlClient) => Effect.Effect<A, E, SqlClient.SqlClient>) =>
  Effect.flatMap(SqlClient.SqlClient, f).pipe(Effect.provide(Embedded.layerSqlite(file)))

describe("the shards of an embedded journal", () => {
  it.scopedLive(
    "a new journal stores its messages under 8 shards and keeps that count; one an earlier version wrote keeps 300",
    () =>
      Effect.gen(function*() {
        const sandbox = yield* sandboxFor()
        const dir = yield* tempDir("shards")
        const file = join(dir, "jobs.db")
        expect(yield* onJournal(file, () => Embedded.journalShards)).toBe(8)
        const batch = yield* BatchFile.parseBatch("incidents.csv", csvRows(6))
        const final = yield* Effect.gen(function*() {
          const jobs = yield* FootageJobs.FootageJobs
          yield* jobs.submit(batch, { directory: join(dir, "out") })
          return yield* jobs.awaitSettled(batch.id)
        }).pipe(Effect.scoped, Effect.provide(jobsFor(sandbox, file, testSettings(200))))
        expect(final.counts.done).toBe(6)
        const shards = yield* onJournal(
          file,
          (sql) => sql<{ shard_id: string }>`SELECT DISTINCT shard_id FROM cluster_messages`
        )
        expect(shards.length).toBeGreaterThan(1)
        for (const { shard_id } of shards) expect(shard_id).toMatch(/^default:[1-8]$/)
        expect(yield* onJournal(file, () => Embedded.journalShards)).toBe(8)
        // A journal an earlier version wrote: the cluster's tables, no record of a count. It keeps 300, for good.
        const older = join(dir, "older.db")
        yield* onJournal(older, (sql) => sql`CREATE TABLE cluster_messages (id INTEGER PRIMARY KEY, shard_id TEXT)`)
        expect(yield* onJournal(older, () => Embedded.journalShards)).toBe(300)
        // Recorded: the count no longer depends on what the tables hold.
        yield* onJournal(older, (sql) => sql`DROP TABLE cluster_messages`)
        expect(yield* onJournal(older, () => Embedded.journalShards)).toBe(300)
      }),
    60_000
  )
})
