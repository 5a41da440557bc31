/**
 * A libsql client for a local SQLite file whose transactions run on its one connection.
 *
 * @libsql/client opens a new connection for every transaction (and drops the old one), which costs a file open,
 * the connection's default pragmas (a full sync per commit) and cold statement caches: measured here, the
 * workflow engine's ~27 transactions per batch row made SQLite the largest cost of a batch. `@effect/sql-libsql`
 * already runs one statement or transaction at a time (a semaphore of one), so the transaction can use the same
 * connection: `BEGIN IMMEDIATE` … `COMMIT` on it.
 */
import { type Client, createClient, type InStatement, type ResultSet, type Transaction } from "@libsql/client"

/** The client for `file` (a path), integers as bigint (the engine's ids exceed 2^53). */
export const sameConnectionClient = (file: string): Client => {
  const base = createClient({ url: `file:${file}`, intMode: "bigint" })
  const sequentially = async (stmts: Array<InStatement>): Promise<Array<ResultSet>> => {
    const results: Array<ResultSet> = []
    for (const stmt of stmts) results.push(await base.execute(stmt))
    return results
  }
  const transaction = async (): Promise<Transaction> => {
    await base.execute("BEGIN IMMEDIATE")
    let closed = false
    const end = (sql: string) => async () => {
      if (closed) return
      closed = true
      await base.execute(sql)
    }
    return {
      execute: (stmt) => base.execute(stmt),
      batch: sequentially,
      executeMultiple: (sql) => base.executeMultiple(sql),
      commit: end("COMMIT"),
      rollback: end("ROLLBACK"),
      close: () => {
        void end("ROLLBACK")().catch(() => undefined)
      },
      get closed() {
        return closed
      }
    }
  }
  return {
    execute: (stmt) => base.execute(stmt),
    batch: (stmts, mode) => base.batch(stmts, mode),
    migrate: (stmts) => base.migrate(stmts),
    transaction,
    executeMultiple: (sql) => base.executeMultiple(sql),
    sync: () => base.sync(),
    close: () => base.close(),
    get closed() {
      return base.closed
    },
    get protocol() {
      return base.protocol
    }
  }
}
