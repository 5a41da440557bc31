import { PgClient } from "@effect/sql-pg"
import { Effect, Redacted } from "effect"
import { inject } from "vitest"

let counter = 0

/** A new, empty database on the test run's Postgres: its URL, `Redacted`. */
export const freshDatabase = (prefix: string) =>
  Effect.gen(function*() {
    const base = inject("postgresUrl")
    const name = `${prefix}_${process.pid}_${++counter}_${Date.now()}`.toLowerCase().replace(/[^a-z0-9_]/g, "_")
    yield* Effect.flatMap(PgClient.PgClient, (sql) => sql.unsafe(`CREATE DATABASE ${name}`)).pipe(
      Effect.provide(PgClient.layer({ url: Redacted.make(`${base}/postgres`), maxConnections: 1 })),
      Effect.orDie
    )
    return Redacted.make(`${base}/${name}`)
  })
