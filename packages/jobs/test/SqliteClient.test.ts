import { MessageStorage, ShardId, ShardingConfig, SqlMessageStorage } from "@effect/cluster"
import { SqlClient } from "@effect/sql"
import { LibsqlClient } from "@effect/sql-libsql"
import { describe, expect, it, vi } from "@effect/vitest"
import { createClient, type ResultSet } from "@libsql/client"
import { Context, Effect, Layer } from "effect"
import Database from "libsql"
import { copyFileSync, mkdtempSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Embedded } from "../src/index.js"
import { sameConnectionClient, withPollTimeAsArgument } from "../src/internal/sqliteClient.js"

const withFile = async (f: (file: string) => Promise<void>) => {
  const dir = mkdtempSync(join(tmpdir(), "motive-sqlite-client-"))
  try {
    await f(join(dir, "test.db"))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** What a caller can see of a result: rows by name and by index, counts, the inserted row id. */
const seen = (r: ResultSet) => ({
  columns: r.columns,
  rows: r.rows.map((row) => ({ named: { ...row }, indexed: Array.from(row), keys: Object.keys(row) })),
  rowsAffected: r.rowsAffected,
  lastInsertRowid: r.lastInsertRowid
})

describe("the journal's SQLite client (kept statements, one connection)", () => {
  it("leaves everything in the database file when closed: a copy of that file alone has it", () =>
    withFile(async (file) => {
      const client = sameConnectionClient(file)
      await client.execute("PRAGMA journal_mode=WAL")
      await client.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)")
      // Run twice, so that the insert is one of the kept statements (those defer SQLite's own checkpoint).
      for (const name of ["a", "b", "c"]) await client.execute({ sql: "INSERT INTO t (name) VALUES (?)", args: [name] })
      expect(statSync(`${file}-wal`).size).toBeGreaterThan(0)
      client.close()
      expect(statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0).toBe(0)
      copyFileSync(file, `${file}.copy`)
      const copy = new Database(`${file}.copy`)
      expect(copy.prepare("SELECT COUNT(*) AS n FROM t").get()).toEqual({ n: 3 })
      copy.close()
    }))

  it("answers every statement as @libsql/client does, reusing its prepared statements", () =>
    withFile(async (file) => {
      const ours = sameConnectionClient(file)
      const reference = createClient({ url: `file:${file}.reference`, intMode: "bigint" })
      const statements = [
        "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, big BIGINT, flag INTEGER, data BLOB, at INTEGER)",
        {
          sql: "INSERT INTO t (name, big, flag, data, at) VALUES (?, ?, ?, ?, ?)",
          args: ["a", 254521712442343424n, true, new Uint8Array([1, 2, 3]).buffer, new Date(1_000)]
        },
        { sql: "INSERT INTO t (name, big, flag, data, at) VALUES (?, ?, ?, ?, ?)", args: ["b", 2n, false, null, 5] },
        { sql: "INSERT INTO t (name, big, flag, data, at) VALUES (?, ?, ?, ?, ?)", args: ["c", 3, 1, null, 6] },
        { sql: "UPDATE t SET name = :name WHERE big >= $min", args: { name: "z", $min: 2n } },
        // Twice, so that it is kept (a statement is kept from its second use) before the schema changes.
        "SELECT * FROM t ORDER BY id",
        "SELECT * FROM t ORDER BY id",
        "SELECT id, name AS id FROM t ORDER BY id",
        { sql: "SELECT * FROM t WHERE id = ?", args: [2] },
        { sql: "SELECT * FROM t WHERE id = ?", args: [3] },
        { sql: "SELECT * FROM t WHERE id = ?", args: [1] },
        "ALTER TABLE t ADD COLUMN extra TEXT DEFAULT 'x'",
        "SELECT * FROM t ORDER BY id"
      ]
      for (const statement of statements) {
        expect(seen(await ours.execute(statement))).toEqual(seen(await reference.execute(statement)))
      }
      ours.close()
      reference.close()
    }))

  it("reports SQLite's errors as LibsqlError, and the failed statement works again afterwards", () =>
    withFile(async (file) => {
      const client = sameConnectionClient(file)
      await client.execute("CREATE TABLE u (k TEXT PRIMARY KEY)")
      const insert = { sql: "INSERT INTO u (k) VALUES (?)", args: ["one"] }
      await client.execute(insert)
      await expect(client.execute(insert)).rejects.toMatchObject({ code: "SQLITE_CONSTRAINT_PRIMARYKEY" })
      await client.execute({ sql: "INSERT INTO u (k) VALUES (?)", args: ["two"] })
      expect((await client.execute("SELECT COUNT(*) AS n FROM u")).rows[0]?.n).toBe(2n)
      client.close()
    }))

  it("a kept statement's columns follow schema changes made by another connection", () =>
    withFile(async (file) => {
      const client = sameConnectionClient(file)
      const other = createClient({ url: `file:${file}`, intMode: "bigint" })
      await client.execute("CREATE TABLE w (a INTEGER, b TEXT)")
      await client.execute({ sql: "INSERT INTO w (a, b) VALUES (?, ?)", args: [1, "one"] })
      for (let i = 0; i < 3; i++) await client.execute("SELECT * FROM w")
      await other.execute("ALTER TABLE w RENAME COLUMN b TO name")
      await other.execute("ALTER TABLE w ADD COLUMN extra TEXT DEFAULT 'x'")
      const after = await client.execute("SELECT * FROM w")
      expect(after.columns).toEqual(["a", "name", "extra"])
      expect({ ...after.rows[0] }).toEqual({ a: 1n, name: "one", extra: "x" })
      other.close()
      client.close()
    }))

  it("a COMMIT that fails ends its transaction; one SQLite rolled back itself takes no more statements", () =>
    withFile(async (file) => {
      const client = sameConnectionClient(file)
      await client.execute("PRAGMA foreign_keys=ON")
      await client.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
      await client.execute(
        "CREATE TABLE child (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)"
      )
      const failing = await client.transaction("write")
      await failing.execute({ sql: "INSERT INTO child (id, parent) VALUES (?, ?)", args: [1, 99] })
      await expect(failing.commit()).rejects.toMatchObject({ code: "SQLITE_CONSTRAINT_FOREIGNKEY" })
      const next = await client.transaction("write")
      await next.execute({ sql: "INSERT INTO parent (id) VALUES (?)", args: [1] })
      await next.commit()
      expect((await client.execute("SELECT COUNT(*) AS n FROM child")).rows[0]?.n).toBe(0n)
      expect((await client.execute("SELECT COUNT(*) AS n FROM parent")).rows[0]?.n).toBe(1n)

      await client.execute("CREATE TABLE r (k INTEGER PRIMARY KEY ON CONFLICT ROLLBACK)")
      const rolled = await client.transaction("write")
      await rolled.execute({ sql: "INSERT INTO r (k) VALUES (?)", args: [1] })
      await expect(rolled.execute({ sql: "INSERT INTO r (k) VALUES (?)", args: [1] })).rejects.toMatchObject({
        code: "SQLITE_CONSTRAINT_PRIMARYKEY"
      })
      expect(rolled.closed).toBe(true)
      await expect(rolled.execute({ sql: "INSERT INTO r (k) VALUES (?)", args: [2] })).rejects.toMatchObject({
        code: "TRANSACTION_CLOSED"
      })
      expect((await client.execute("SELECT COUNT(*) AS n FROM r")).rows[0]?.n).toBe(0n)
      client.close()
    }))

  it("runs transactions on its one connection: a rollback undoes, a failed batch leaves nothing", () =>
    withFile(async (file) => {
      const client = sameConnectionClient(file)
      await client.execute("CREATE TABLE v (k INTEGER PRIMARY KEY)")
      const tx = await client.transaction("write")
      await tx.execute({ sql: "INSERT INTO v (k) VALUES (?)", args: [1] })
      await tx.rollback()
      expect(tx.closed).toBe(true)
      await expect(
        client.batch([{ sql: "INSERT INTO v (k) VALUES (?)", args: [2] }, {
          sql: "INSERT INTO v (k) VALUES (?)",
          args: [2]
        }])
      ).rejects.toMatchObject({ code: "SQLITE_CONSTRAINT_PRIMARYKEY" })
      const committed = await client.transaction("write")
      await committed.execute({ sql: "INSERT INTO v (k) VALUES (?)", args: [3] })
      await committed.commit()
      expect((await client.execute("SELECT k FROM v")).rows.map((r) => r.k)).toEqual([3n])
      client.close()
      expect(client.closed).toBe(true)
      await expect(client.execute("SELECT 1")).rejects.toMatchObject({ code: "CLIENT_CLOSED" })
    }))

  it("passes the storage poll's time as an argument, at its place among the others, with the same answers", () =>
    withFile(async (file) => {
      const poll = (now: number) =>
        `SELECT m.id FROM m WHERE m.shard_id IN ('a?','b') AND m.kind = ? ` +
        `AND (m.deliver_at IS NULL OR m.deliver_at <= ${now}) AND m.id > ? ORDER BY m.id`
      expect(withPollTimeAsArgument(poll(1700000000123), [1n, 0n])).toEqual([
        "SELECT m.id FROM m WHERE m.shard_id IN ('a?','b') AND m.kind = ? " +
        "AND (m.deliver_at IS NULL OR m.deliver_at <= ?) AND m.id > ? ORDER BY m.id",
        [1n, 1700000000123n, 0n]
      ])
      // Left alone: no time, numbered or named parameters, a comment, the time inside a quoted string, too few
      // arguments.
      for (
        const sql of [
          "SELECT 1",
          poll(5).replace("m.kind = ?", "m.kind = ?1"),
          poll(5).replace("m.kind = ?", "m.kind = :k"),
          poll(5).replace("m.kind = ?", "m.kind = ? -- ?"),
          poll(5).replace("= ?", "= 'x")
        ]
      ) {
        expect(withPollTimeAsArgument(sql, [1n, 0n])).toEqual([sql, [1n, 0n]])
      }
      expect(withPollTimeAsArgument(poll(5), [])).toEqual([poll(5), []])

      const ours = sameConnectionClient(file)
      const reference = createClient({ url: `file:${file}.reference`, intMode: "bigint" })
      for (const c of [ours, reference]) {
        await c.execute("CREATE TABLE m (id INTEGER PRIMARY KEY, shard_id TEXT, kind INTEGER, deliver_at INTEGER)")
        await c.execute(
          "INSERT INTO m VALUES (1, 'a?', 1, NULL), (2, 'b', 1, 100), (3, 'b', 1, 200), (4, 'b', 2, 50), (5, 'c', 1, 0)"
        )
      }
      for (const now of [0, 99, 100, 150, 200, 1700000000123]) {
        const args = [1, 1]
        const [a, b] = await Promise.all([ours, reference].map((c) => c.execute({ sql: poll(now), args })))
        expect(a!.rows.map((r) => r.id), `now ${now}`).toEqual(b!.rows.map((r) => r.id))
      }
      ours.close()
      reference.close()
    }))

  it("never lets a statement waiting for another process's lock run inside a transaction begun meanwhile", () =>
    withFile(async (file) => {
      const client = sameConnectionClient(file)
      await client.execute("PRAGMA journal_mode=WAL")
      await client.execute("CREATE TABLE t (name TEXT)")
      const other = new Database(file)
      other.exec("BEGIN IMMEDIATE")
      // A write that must wait for the other connection's lock...
      const waiting = client.execute({ sql: "INSERT INTO t (name) VALUES (?)", args: ["kept"] })
      await new Promise((resolve) => setTimeout(resolve, 50))
      other.exec("COMMIT")
      // ...and a transaction asked for meanwhile, rolled back: the write is not its to undo.
      const tx = await client.transaction("write")
      await tx.execute({ sql: "INSERT INTO t (name) VALUES (?)", args: ["undone"] })
      // Long enough for the write's next try.
      await new Promise((resolve) => setTimeout(resolve, 200))
      await tx.rollback()
      expect((await waiting).rowsAffected).toBe(1)
      expect((await client.execute("SELECT name FROM t")).rows.map((r) => r["name"])).toEqual(["kept"])
      other.close()
      client.close()
    }))

  it.live(
    "waits for another process's lock with the event loop free, and a BEGIN that timed out keeps no permit",
    () =>
      Effect.gen(function*() {
        const dir = mkdtempSync(join(tmpdir(), "motive-sqlite-client-"))
        yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
        const file = join(dir, "journal.db")
        const sql = Context.get(yield* Layer.build(Embedded.layerSqlite(file)), SqlClient.SqlClient)
        yield* sql`CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)`
        // Another process writing the same file (another connection: the same locks).
        const other = new Database(file)
        yield* Effect.addFinalizer(() => Effect.sync(() => other.close()))
        const insert = (name: string) => sql.withTransaction(sql`INSERT INTO t (name) VALUES (${name})`)

        // Held for 300 ms, released by a timer of this process: it fires only if the wait leaves the event loop free
        // (SQLite's own wait, synchronous, would hold it until the BEGIN failed).
        other.exec("BEGIN IMMEDIATE")
        setTimeout(() => other.exec("COMMIT"), 300)
        yield* insert("after a short lock")

        // Held past the wait: that transaction fails as busy...
        other.exec("BEGIN IMMEDIATE")
        const refused = yield* Effect.flip(insert("refused"))
        expect(String(refused.cause)).toContain("SQLITE_BUSY")
        other.exec("COMMIT")
        // ...and the next ones run (the client's one permit came back; it waited for ever before).
        yield* insert("after the refusal").pipe(Effect.timeout("5 seconds"))
        expect((yield* sql<{ readonly one: bigint }>`SELECT 1 AS one`.pipe(Effect.timeout("5 seconds")))[0]?.one).toBe(
          1n
        )
        const names = yield* sql<{ readonly name: string }>`SELECT name FROM t ORDER BY id`
        expect(names.map((r) => r.name)).toEqual(["after a short lock", "after the refusal"])
      }).pipe(Effect.scoped),
    30_000
  )

  it.live("the cluster's own storage poll reaches SQLite with the time as an argument, prepared once", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "motive-sqlite-client-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      const prepare = vi.spyOn(Database.prototype, "prepare")
      yield* Effect.addFinalizer(() => Effect.sync(() => prepare.mockRestore()))
      const storage = yield* MessageStorage.MessageStorage.pipe(
        Effect.provide(SqlMessageStorage.layer.pipe(
          Layer.provide(LibsqlClient.layer({ liveClient: sameConnectionClient(join(dir, "journal.db")) }))
        )),
        Effect.provide(ShardingConfig.layer())
      )
      const shards = Array.from({ length: 300 }, (_, i) => ShardId.make("default", i + 1))
      prepare.mockClear()
      for (let i = 0; i < 4; i++) {
        expect(yield* storage.unprocessedMessages(shards)).toEqual([])
        yield* Effect.sleep("3 millis") // a new time in each poll's text
      }
      const polls = prepare.mock.calls.map(([sql]) => String(sql)).filter((sql) => sql.includes("m.deliver_at <="))
      // Kept from its second use (the client's rule for every statement): two preparations for four polls.
      expect(polls.length).toBe(2)
      for (const sql of polls) expect(sql).toContain("(m.deliver_at IS NULL OR m.deliver_at <= ?)")
    }).pipe(Effect.scoped))
})
