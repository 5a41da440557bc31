/**
 * One rate limit for every process that uses a company's Motive key: a `RequestGate` whose schedule lives in
 * Postgres. Each request reserves its start time with one atomic statement (GCRA: the schedule is a single
 * "next free instant" per gate), timed by the database's clock so that machines whose clocks differ still
 * agree. After a 429 the whole company pauses for its `Retry-After`. Not a per-process limit multiplied by the
 * number of processes: 3 workers at a 20 requests/s limit send at most 20 requests in any second together.
 *
 * @since 0.1.0
 */
import { RequestGate } from "@effect-motive/http"
import { SqlClient } from "@effect/sql"
import { Duration, Effect, Layer, Ref, Schema } from "effect"
import { serialized } from "./JobStore.js"

/**
 * The shared gate's settings.
 *
 * @since 0.1.0
 */
export interface SharedGateOptions {
  /** Gates of one name share one schedule; default `"motive"` (one per company key). */
  readonly name?: string | undefined
  /** The company-wide limit. */
  readonly requestsPerSecond: number
  /** Requests of this process in flight at once; default 16. */
  readonly maxConcurrency?: number | undefined
  /**
   * Headroom for the network: requests are spaced so that any `1 s + jitter` holds at most the limit, so that a
   * request delayed by up to `jitter` on its way (or by a busy process) never puts more than the limit into one
   * of Motive's seconds. Default 100 ms (the gate then sends at 1/1.1 of the limit).
   */
  readonly jitter?: Duration.Duration | undefined
}

/**
 * The rate limit is not a positive number of requests per second.
 *
 * @since 0.1.0
 */
export class InvalidRateLimit extends Schema.TaggedError<InvalidRateLimit>()("InvalidRateLimit", {
  requestsPerSecond: Schema.Number
}) {
  override get message(): string {
    return `the shared rate limit must be more than 0 requests per second (got ${this.requestsPerSecond})`
  }
}

/** Milliseconds since the epoch on the database's clock, as a double. */
const dbNow = "(extract(epoch FROM clock_timestamp()) * 1000)::double precision"

/**
 * The gate over the Postgres `SqlClient` in context; its table is created when missing.
 *
 * @since 0.1.0
 */
export const make = (options: SharedGateOptions) =>
  Effect.gen(function*() {
    if (!(options.requestsPerSecond > 0) || !Number.isFinite(options.requestsPerSecond)) {
      return yield* new InvalidRateLimit({ requestsPerSecond: options.requestsPerSecond })
    }
    const sql = yield* SqlClient.SqlClient
    const name = options.name ?? "motive"
    const interval = (1000 + Duration.toMillis(options.jitter ?? Duration.millis(100))) / options.requestsPerSecond
    yield* serialized(
      sql,
      Effect.zipRight(
        sql`CREATE TABLE IF NOT EXISTS motive_request_gate (
          name TEXT PRIMARY KEY,
          next_at DOUBLE PRECISION NOT NULL,
          paused_until DOUBLE PRECISION NOT NULL
        )`,
        sql`INSERT INTO motive_request_gate (name, next_at, paused_until) VALUES (${name}, 0, 0)
          ON CONFLICT (name) DO NOTHING`
      )
    )
    const semaphore = yield* Effect.makeSemaphore(options.maxConcurrency ?? 16)
    // This process's own latest pause: a request that reserved its slot before a 429 and wakes inside the
    // pause reserves again.
    const pausedUntil = yield* Ref.make(0)

    /** Reserves the next slot; how long to wait for it and the instant it starts (database time). */
    const reserve = Effect.map(
      sql<{ readonly at: number; readonly now: number }>`UPDATE motive_request_gate g
        SET next_at = GREATEST(g.next_at, n.now, g.paused_until) + ${interval}
        FROM (SELECT ${sql.literal(dbNow)} AS now) n
        WHERE g.name = ${name}
        RETURNING g.next_at - ${interval} AS at, n.now AS now`,
      (rows) => {
        const row = rows[0]!
        return { at: Number(row.at), wait: Math.max(0, Number(row.at) - Number(row.now)) }
      }
    )

    // A slot is used only when the request leaves on time: one that wakes more than a quarter of the headroom late
    // (a busy process, a slow answer from the database) would land among the next slots, so it takes a new one.
    const lateness = Duration.toMillis(options.jitter ?? Duration.millis(100)) / 4
    const acquire: Effect.Effect<void> = Effect.gen(function*() {
      for (;;) {
        const asked = performance.now()
        const slot = yield* Effect.orDie(reserve)
        if (slot.wait > 0) yield* Effect.sleep(Duration.millis(slot.wait))
        if (slot.at < (yield* Ref.get(pausedUntil))) continue
        if (performance.now() - (asked + slot.wait) <= lateness) return
      }
    })

    return RequestGate.RequestGate.of({
      admit: (request) => semaphore.withPermits(1)(Effect.zipRight(acquire, request)),
      pause: (duration) =>
        Effect.orDie(Effect.flatMap(
          sql<{ readonly until: number }>`UPDATE motive_request_gate
            SET paused_until = GREATEST(paused_until, ${sql.literal(dbNow)} + ${Duration.toMillis(duration)}),
              next_at = GREATEST(next_at, ${sql.literal(dbNow)} + ${Duration.toMillis(duration)})
            WHERE name = ${name} RETURNING paused_until AS until`,
          (rows) => Ref.update(pausedUntil, (u) => Math.max(u, Number(rows[0]?.until ?? 0)))
        ))
    })
  })

/**
 * The gate as a layer, to provide to the Motive client of every process on the database.
 *
 * @since 0.1.0
 */
export const layer = (options: SharedGateOptions) => Layer.effect(RequestGate.RequestGate, make(options))
