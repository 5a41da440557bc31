/**
 * A libsql client for a local SQLite file: one connection, on which transactions run, and prepared statements
 * kept for reuse.
 *
 * @libsql/client opens a new connection for every transaction (and drops the old one), which costs a file open,
 * the connection's default pragmas (a full sync per commit) and cold statement caches: measured here, the
 * workflow engine's ~27 transactions per batch row made SQLite the largest cost of a batch. `@effect/sql-libsql`
 * already runs one statement or transaction at a time (a semaphore of one), so the transaction can use the same
 * connection: `BEGIN IMMEDIATE` … `COMMIT` on it.
 *
 * It also prepares every statement anew and, for each statement that returns no rows, finds that out by catching
 * an exception: in a CPU profile of a 500-row batch, preparing (and asking each statement for its columns and
 * its kind) was about half of the time spent in SQLite. The engine runs the same few dozen statements over and
 * over, so this client keeps each prepared statement used twice, with its kind, keyed by its text (the least
 * recently used goes first). SQLite prepares a kept statement again itself when the schema changes, and the
 * columns of a result are read after each run, so they are always current.
 */
import {
  type Client,
  type InArgs,
  type InStatement,
  LibsqlError,
  type ResultSet,
  type Row,
  type Transaction,
  type TransactionMode,
  type Value
} from "@libsql/client"
import Database from "libsql"

/** A prepared statement and whether it returns rows (which no schema change alters). */
interface Prepared {
  readonly statement: Database.Statement
  readonly reader: boolean
}

/** How many prepared statements are kept (the engine and the store use a few dozen). */
const keep = 256

/**
 * How many statement texts seen once are remembered. A statement is kept from its second use: the engine writes
 * some values into its texts (the ids of the requests whose replies it reads), and such a statement, new each
 * time, would only push the others out.
 */
const remember = 1024

const minInteger = -9223372036854775808n
const maxInteger = 9223372036854775807n

/** An argument as SQLite takes it, integers as bigint (as @libsql/client does with `intMode: "bigint"`). */
const toSql = (value: unknown): unknown => {
  if (typeof value === "number") {
    if (!Number.isFinite(value)) {
      throw new RangeError("Only finite numbers (not Infinity or NaN) can be passed as arguments")
    }
    return value
  }
  if (typeof value === "bigint") {
    if (value < minInteger || value > maxInteger) {
      throw new RangeError("bigint is too large to be represented as a 64-bit integer and passed as argument")
    }
    return value
  }
  if (typeof value === "boolean") return value ? 1n : 0n
  if (value instanceof ArrayBuffer) return Buffer.from(value)
  if (value instanceof Date) return value.valueOf()
  if (value === undefined) throw new TypeError("undefined cannot be passed as argument to the database")
  return value
}

/** A value as @libsql/client gives it: blobs as an `ArrayBuffer` of their own. */
const fromSql = (value: unknown): Value => {
  if (value === null || typeof value === "string" || typeof value === "number" || typeof value === "bigint") {
    return value
  }
  if (Buffer.isBuffer(value)) return new Uint8Array(value).buffer
  throw new TypeError(`SQLite returned a value of an unknown kind (${typeof value})`)
}

const argsOf = (args: InArgs | undefined): unknown =>
  args === undefined
    ? []
    : Array.isArray(args)
    ? args.map(toSql)
    : Object.fromEntries(
      Object.entries(args).map((
        [name, value]
      ) => [name[0] === "@" || name[0] === "$" || name[0] === ":" ? name.substring(1) : name, toSql(value)])
    )

/** A row as @libsql/client makes it: the values by column name (enumerable) and by index (not). */
const rowOf = (values: ReadonlyArray<unknown>, columns: ReadonlyArray<string>): Row => {
  const row: Row = { length: values.length }
  Object.defineProperty(row, "length", { enumerable: false })
  for (let i = 0; i < values.length; i++) {
    const value = fromSql(values[i])
    Object.defineProperty(row, i, { value })
    const column = columns[i]
    if (column !== undefined && !Object.hasOwn(row, column)) {
      Object.defineProperty(row, column, { value, enumerable: true, configurable: true, writable: true })
    }
  }
  return row
}

const resultSet = (
  columns: ReadonlyArray<string>,
  columnTypes: ReadonlyArray<string>,
  rows: Array<Row>,
  rowsAffected: number,
  lastInsertRowid: bigint | undefined
): ResultSet => ({
  columns: [...columns],
  columnTypes: [...columnTypes],
  rows,
  rowsAffected,
  lastInsertRowid,
  toJSON: () => ({
    columns,
    columnTypes,
    rows: rows.map((row) => Array.from(row)),
    rowsAffected,
    lastInsertRowid: lastInsertRowid === undefined ? null : `${lastInsertRowid}`
  })
})

/** SQLite's errors as @libsql/client reports them. */
const libsqlError = (e: unknown): unknown =>
  e instanceof Database.SqliteError ? new LibsqlError(e.message, e.code, e.rawCode, e) : e

/**
 * How long a statement waits for another connection's lock (another process writing the same file) before it
 * fails with SQLITE_BUSY. The driver is synchronous: SQLite's own wait (`busy_timeout`) would stop the whole
 * process for it (a webhook then answered in 5 s rather than Motive's 3), so SQLite is left only a moment, and the
 * rest of the wait is spent here between tries, with the event loop free.
 */
const busyWaitMillis = 5_000

/** Statements that write (and may run in a transaction): outside one, each runs in one of its own. */
const writes = /^\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b/i

/** SQLite's own wait on each try (`PRAGMA busy_timeout`). */
const busyTimeoutMillis = 10

const isBusy = (e: unknown): boolean =>
  e instanceof LibsqlError && (e.code === "SQLITE_BUSY" || e.code.startsWith("SQLITE_BUSY_"))

const pause = (millis: number) => new Promise<void>((resolve) => setTimeout(resolve, millis))

/** `f`, tried again while it fails SQLITE_BUSY, for up to {@link busyWaitMillis} in all. */
const whileBusy = async <A>(f: () => A): Promise<A> => {
  const deadline = Date.now() + busyWaitMillis
  for (let tries = 0;; tries++) {
    try {
      return f()
    } catch (e) {
      if (!isBusy(e) || Date.now() >= deadline) throw e
    }
    await pause(Math.min(5 * 2 ** tries, 100, Math.max(1, deadline - Date.now())))
  }
}

const begin: Record<TransactionMode, string> = {
  write: "BEGIN IMMEDIATE",
  read: "BEGIN TRANSACTION READONLY",
  deferred: "BEGIN DEFERRED"
}

/**
 * The engine's storage poll (`@effect/cluster`'s query for unprocessed messages) writes the current time into its
 * text, so every poll (thousands in a batch) would be a new statement for SQLite to parse and plan, with the list
 * of the runner's 300 shards in it. The time is passed as an argument instead: the statement is prepared once.
 */
const pollTime = /\(m\.deliver_at IS NULL OR m\.deliver_at <= (\d{1,16})\)/

/**
 * How many `?` parameters `text` holds outside quoted strings; undefined when it cannot tell for sure: numbered or
 * named parameters (`?1`, `:a`, `@a`, `$a`), comments, quoted identifiers, or an open quote at its end.
 */
const parametersIn = (text: string): number | undefined => {
  let count = 0
  let quote: string | undefined
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (quote !== undefined) {
      if (c === quote) quote = undefined
    } else if (c === "'" || c === "\"") {
      quote = c
    } else if (c === "?") {
      if (/[0-9]/.test(text[i + 1] ?? "")) return undefined
      count++
    } else if (":@$`[".includes(c) || (c === "-" && text[i + 1] === "-") || (c === "/" && text[i + 1] === "*")) {
      return undefined
    }
  }
  return quote === undefined ? count : undefined
}

/** `sql` and `args` with the storage poll's time as an argument (anything else as it is). */
export const withPollTimeAsArgument = (sql: string, args: unknown): [string, unknown] => {
  const match = pollTime.exec(sql)
  if (match === null || !Array.isArray(args)) return [sql, args]
  const position = parametersIn(sql.slice(0, match.index))
  if (position === undefined || position > args.length) return [sql, args]
  return [
    `${sql.slice(0, match.index)}(m.deliver_at IS NULL OR m.deliver_at <= ?)${
      sql.slice(match.index + match[0].length)
    }`,
    [...args.slice(0, position), BigInt(match[1]!), ...args.slice(position)]
  ]
}

/** The client for `file` (a path), integers as bigint (the engine's ids exceed 2^53). */
export const sameConnectionClient = (file: string): Client => {
  const db = new Database(file)
  const kept = new Map<string, Prepared>()
  const seenOnce = new Set<string>()
  let closed = false

  const prepare = (sql: string): Prepared => {
    const found = kept.get(sql)
    if (found !== undefined) {
      // Most recently used last: the least recently used goes first when the cache is full.
      kept.delete(sql)
      kept.set(sql, found)
      return found
    }
    const statement = db.prepare(sql)
    statement.safeIntegers(true)
    const reader = statement.reader
    if (reader) statement.raw(true)
    const prepared: Prepared = { statement, reader }
    if (!seenOnce.delete(sql)) {
      if (seenOnce.size >= remember) seenOnce.clear()
      seenOnce.add(sql)
      return prepared
    }
    keepStatement(sql, prepared)
    return prepared
  }
  const keepStatement = (sql: string, prepared: Prepared) => {
    seenOnce.delete(sql)
    if (kept.size >= keep) {
      const oldest = kept.keys().next()
      if (oldest.done !== true) kept.delete(oldest.value)
    }
    kept.set(sql, prepared)
  }

  const checkOpen = () => {
    if (closed) throw new LibsqlError("The client is closed", "CLIENT_CLOSED")
  }

  const run = (stmt: InStatement): ResultSet => {
    checkOpen()
    const [sql, args] = withPollTimeAsArgument(
      typeof stmt === "string" ? stmt : stmt.sql,
      typeof stmt === "string" ? [] : argsOf(stmt.args)
    )
    let prepared: Prepared | undefined
    try {
      prepared = prepare(sql)
      const { reader, statement } = prepared
      if (reader) {
        // Raw mode: each row is an array of values. The columns are read after running: SQLite prepares a kept
        // statement again when the schema changed (in this connection or another), and its names with it.
        const values = statement.all(args)
        const described = statement.columns()
        const columns = described.map((c) => c.name)
        const rows = values.map((row) => rowOf(Array.isArray(row) ? row : [], columns))
        return resultSet(columns, described.map((c) => c.type ?? ""), rows, 0, undefined)
      }
      const info = statement.run(args)
      return resultSet([], [], [], info.changes, BigInt(info.lastInsertRowid))
    } catch (e) {
      // A failed statement is kept (one seen once too): libsql resets a statement only before running it, and until
      // then the transaction SQLite opened for it stays open, with whatever later statements write (measured: a
      // write that failed SQLITE_BUSY, then another statement's write, both undone by the next ROLLBACK). Run again,
      // as a retry runs it, it is reset.
      if (prepared !== undefined && kept.get(sql) !== prepared) keepStatement(sql, prepared)
      throw libsqlError(e)
    }
  }

  /** Statements in one transaction begun with `opening`; rolled back if one fails. */
  const inTransaction = (opening: string, stmts: ReadonlyArray<InStatement>): Array<ResultSet> => {
    // Not a kept statement: one that failed (SQLITE_BUSY) stays in progress until run again, and SQLite refuses to
    // commit any later transaction while it is.
    exec(opening)
    try {
      const results = stmts.map((stmt) => {
        if (!db.inTransaction) throw new LibsqlError("The transaction has been rolled back", "TRANSACTION_CLOSED")
        return run(stmt)
      })
      run("COMMIT")
      return results
    } catch (e) {
      if (db.inTransaction) run("ROLLBACK")
      throw e
    }
  }

  const exec = (sql: string): void => {
    checkOpen()
    try {
      db.exec(sql)
    } catch (e) {
      throw libsqlError(e)
    }
  }

  /**
   * The connection's turns: one caller at a time, a transaction from its BEGIN to its end. A statement waiting
   * between tries (SQLITE_BUSY) leaves the event loop free, and @effect/sql-libsql holds its permit only while it
   * hands the connection out, so without turns a transaction begun meanwhile by another fiber would take the
   * waiting statement in (and roll it back with itself).
   */
  let turns: Promise<void> = Promise.resolve()
  /** Waits for this caller's turn; the function given back ends it. */
  const takeTurn = (): Promise<() => void> => {
    let release: () => void = () => {}
    const mine = new Promise<void>((resolve) => {
      release = resolve
    })
    const before = turns
    turns = before.then(() => mine)
    return before.then(() => release)
  }
  const inTurn = async <A>(f: () => A | Promise<A>): Promise<A> => {
    const release = await takeTurn()
    try {
      return await f()
    } finally {
      release()
    }
  }

  /**
   * A write outside a transaction, in one of its own: the lock is waited for at its BEGIN (run by `exec`, which
   * leaves nothing behind when it fails), so the write itself never fails SQLITE_BUSY half-begun.
   */
  const runAlone = (stmt: InStatement): ResultSet => {
    exec(begin.write)
    try {
      const result = run(stmt)
      run("COMMIT")
      return result
    } catch (e) {
      if (db.inTransaction) run("ROLLBACK")
      throw e
    }
  }

  /** Outside a transaction, a script may not leave one open. */
  const executeMultiple = (sql: string): Promise<void> =>
    inTurn(() => {
      try {
        exec(sql)
      } finally {
        if (db.inTransaction) run("ROLLBACK")
      }
    })

  const transaction = async (): Promise<Transaction> => {
    const endTurn = await takeTurn()
    let turnEnded = false
    /** The connection's turn goes on once the transaction is over: ended here, or rolled back by SQLite itself. */
    const release = () => {
      if (turnEnded) return
      turnEnded = true
      endTurn()
    }
    // A write transaction: the only kind @effect/sql-libsql asks for.
    try {
      await whileBusy(() => exec(begin.write)) // not a kept statement: see `inTransaction`
    } catch (e) {
      release()
      // Told at its first statement, not here: @effect/sql-libsql (0.42) takes its one connection's permit before
      // beginning and gives it back only with a transaction, so a BEGIN that failed (the file still locked by
      // another process) kept it, and every later statement of this process waited for ever.
      return notBegun(e)
    }
    let ended = false
    /** Statements run only while the transaction is open: SQLite itself may have rolled it back. */
    const within = (stmt: InStatement): ResultSet => {
      if (ended || !db.inTransaction) {
        release()
        throw new LibsqlError("The transaction is closed", "TRANSACTION_CLOSED")
      }
      try {
        return run(stmt)
      } finally {
        if (!db.inTransaction) release()
      }
    }
    const end = (sql: string) => async () => {
      if (ended) return
      ended = true
      try {
        if (!db.inTransaction) return
        run(sql)
      } catch (e) {
        // A COMMIT that failed (a deferred constraint, a full disk) leaves the transaction open: end it, or every
        // later write on this connection would join it and never be committed.
        if (db.inTransaction) run("ROLLBACK")
        throw e
      } finally {
        release()
      }
    }
    return {
      execute: async (stmt) => within(stmt),
      batch: async (stmts) => stmts.map(within),
      executeMultiple: async (sql) => exec(sql),
      commit: end("COMMIT"),
      rollback: end("ROLLBACK"),
      close: () => {
        void end("ROLLBACK")().catch(() => undefined)
      },
      get closed() {
        return ended || !db.inTransaction
      }
    }
  }

  /** A transaction whose BEGIN failed with `error`: its statements and its commit fail with it; nothing was begun. */
  const notBegun = (error: unknown): Transaction => {
    const fail = async (): Promise<never> => {
      throw error
    }
    return {
      execute: fail,
      batch: fail,
      executeMultiple: fail,
      commit: fail,
      rollback: async () => {},
      close: () => {},
      closed: true
    }
  }

  run("SELECT 1 AS checkThatTheDatabaseCanBeOpened")
  run(`PRAGMA busy_timeout=${busyTimeoutMillis}`)
  return {
    // Outside a transaction (statements in one run on it), so each is retried whole when the file is locked.
    execute: (stmt: InStatement | string, args?: InArgs) =>
      inTurn(() => {
        const statement = typeof stmt === "string" ? { sql: stmt, args: args ?? [] } : stmt
        return whileBusy(() => (writes.test(statement.sql) ? runAlone : run)(statement))
      }),
    batch: (stmts, mode = "deferred") => inTurn(() => whileBusy(() => inTransaction(begin[mode], stmts))),
    migrate: (stmts) =>
      inTurn(async () => {
        run("PRAGMA foreign_keys=off")
        try {
          return await whileBusy(() => inTransaction(begin.deferred, stmts))
        } finally {
          run("PRAGMA foreign_keys=on")
        }
      }),
    transaction,
    executeMultiple,
    sync: async () => {
      const replicated = db.sync()
      return { frames_synced: replicated.frames_synced, frame_no: replicated.frame_no }
    },
    close: () => {
      closed = true
      // The kept statements are never finalized (libsql leaves that to the garbage collector), so the close is
      // deferred and SQLite's own checkpoint at close never came: the journal's content stayed in `-wal`, and a
      // copy of the database file alone was empty. Checkpointed here, the WAL emptied. Without waiting: another
      // process using the journal at that moment (`batch status` beside a run) makes it a partial checkpoint.
      try {
        db.exec("PRAGMA busy_timeout=0")
        db.exec("PRAGMA wal_checkpoint(TRUNCATE)")
      } catch {
        // A journal that cannot be checkpointed now is checkpointed by the next process that opens it.
      }
      kept.clear()
      seenOnce.clear()
      db.close()
    },
    get closed() {
      return closed
    },
    protocol: "file"
  }
}
