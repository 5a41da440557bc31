/**
 * What a footage job knows of its batches, rows and files, in the same SQL database as the workflow engine's
 * own tables (a SQLite file embedded; Postgres across machines). Every write is one idempotent statement, so a
 * step that runs again after a crash writes the same thing again.
 *
 * @since 0.1.0
 */
import { VideoRecallRequestBody } from "@effect-motive/domain"
import { SqlClient, SqlError } from "@effect/sql"
import { Clock, Context, DateTime, Effect, Layer, Schema } from "effect"
import type { BatchRow } from "./BatchFile.js"

/**
 * Where a row is: `validated` (known, not yet sent), `creating`, `waiting` (created, Motive is preparing the
 * footage), `downloading`, `done`, `failed` (at Motive: Motive's reason is kept), `waiting_for_quota` (the
 * monthly quota ran out before it was sent), `stopped` (Motive unreachable or too slow after every retry: the
 * next run resumes it).
 *
 * @since 0.1.0
 */
export const RowState = Schema.Literal(
  "validated",
  "creating",
  "waiting",
  "downloading",
  "done",
  "failed",
  "waiting_for_quota",
  "stopped"
)

/**
 * @since 0.1.0
 */
export type RowState = typeof RowState.Type

/**
 * The states a row stays in until a later run does something about it.
 *
 * @since 0.1.0
 */
export const settledStates: ReadonlySet<RowState> = new Set(["done", "failed", "waiting_for_quota", "stopped"])

/**
 * One row of a batch as stored.
 *
 * @since 0.1.0
 */
export class JobRow extends Schema.Class<JobRow>("JobRow")({
  batchId: Schema.String,
  row: Schema.Number,
  ref: Schema.optional(Schema.String),
  body: VideoRecallRequestBody,
  smartDashcam: Schema.Boolean,
  generation: Schema.Number,
  executionId: Schema.optional(Schema.String),
  state: RowState,
  recallId: Schema.optional(Schema.Number),
  /**
   * The recall was made before, by another batch or someone else (the same request: Motive named it in a 409, or
   * another batch of the journal holds it): its quota minutes are not this row's.
   */
  reused: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  /** A create of this row's was sent (or may have been): a recall Motive names for its request may be its own. */
  createClaimed: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  reason: Schema.optional(Schema.String),
  updatedAt: Schema.String
}) {
  /** The folder of the row's files: its `ref`, else its row number. */
  get folder(): string {
    return this.ref ?? String(this.row)
  }
  /** Quota minutes the row's recall costs. */
  get minutes(): number {
    return this.body.duration
  }
  /** `regular` or `timelapse`. */
  get recallType(): "regular" | "timelapse" {
    return this.body.recall_type ?? "regular"
  }
}

/**
 * One downloaded file: the chain of custody a claims or legal team asks for.
 *
 * @since 0.1.0
 */
export class JobFile extends Schema.Class<JobFile>("JobFile")({
  batchId: Schema.String,
  row: Schema.Number,
  ref: Schema.optional(Schema.String),
  recallId: Schema.Number,
  position: Schema.String,
  path: Schema.String,
  bytes: Schema.Number,
  sha256: Schema.String,
  worker: Schema.String,
  downloadedAt: Schema.String
}) {}

/**
 * A batch as stored.
 *
 * @since 0.1.0
 */
export class StoredBatch extends Schema.Class<StoredBatch>("StoredBatch")({
  id: Schema.String,
  file: Schema.String,
  directory: Schema.String,
  rows: Schema.Number,
  createdAt: Schema.String
}) {}

/**
 * The store failed (the database could not be read or written).
 *
 * @since 0.1.0
 */
export class JobStoreError extends Schema.TaggedError<JobStoreError>()("JobStoreError", {
  message: Schema.String
}) {}

/**
 * The store's operations.
 *
 * @since 0.1.0
 */
export interface JobStoreService {
  /** Records a batch and its rows (as `validated`) unless known; returns the batch as stored first. */
  readonly addBatch: (
    batch: { readonly id: string; readonly file: string; readonly rows: ReadonlyArray<BatchRow> },
    directory: string
  ) => Effect.Effect<{ readonly batch: StoredBatch; readonly isNew: boolean }, JobStoreError>
  readonly batch: (id: string) => Effect.Effect<StoredBatch | undefined, JobStoreError>
  /** Every batch, the one that last ran first (a batch resumed is more recent than one refused since). */
  readonly batches: Effect.Effect<ReadonlyArray<StoredBatch>, JobStoreError>
  readonly rows: (batchId: string) => Effect.Effect<ReadonlyArray<JobRow>, JobStoreError>
  /**
   * The rows of every batch recorded as submitted that no workflow has taken yet (still `validated`, with an
   * execution id), by batch and row: those a process handing them over a few at a time left when it was killed.
   */
  readonly unsentRows: Effect.Effect<ReadonlyArray<JobRow>, JobStoreError>
  /** One row of a batch. */
  readonly row: (batchId: string, row: number) => Effect.Effect<JobRow | undefined, JobStoreError>
  /** Rows whose recall is `recallId` (the rows a completion webhook is about). */
  readonly rowsOfRecall: (recallId: number) => Effect.Effect<ReadonlyArray<JobRow>, JobStoreError>
  /** Marks a row submitted as `generation` under `executionId`. */
  readonly submitted: (
    batchId: string,
    row: number,
    generation: number,
    executionId: string
  ) => Effect.Effect<void, JobStoreError>
  /**
   * Moves a row to `creating` for the workflow of `generation`, unless the row was cancelled (`stopped`) or sent
   * again under a later generation meanwhile: then answers `false`, and the workflow sends nothing. One statement,
   * so that a cancel cannot slip between the look and the move.
   */
  readonly claimCreate: (batchId: string, row: number, generation: number) => Effect.Effect<boolean, JobStoreError>
  /**
   * Records whether a create of the row's may have reached Motive (`createClaimed`): set as each create is about
   * to go on the wire, cleared when one that was never sent, or refused for sure, is all the row ever sent. Only
   * for the workflow of `generation` (a later run's mark is not an earlier one's to clear).
   */
  readonly markSent: (
    batchId: string,
    row: number,
    generation: number,
    sent: boolean
  ) => Effect.Effect<void, JobStoreError>
  /**
   * Stops the rows of `batchId` that have no recall, have not settled (or wait for quota) and are not `creating`
   * (`motive batch cancel`): none of them is sent, and the quota they held is free. A row `creating` is left to its create (which
   * may be on the wire, spending its minutes): it goes on. Answers the rows stopped, each saying whether a create
   * of its was sent before (`maybeSent`: Motive may hold its recall), which gets the reason `reason.maybeSent`.
   */
  readonly cancelUnsent: (
    batchId: string,
    reason: { readonly unsent: string; readonly maybeSent: string },
    options?: {
      /**
       * Rows `creating` too: for a caller that knows no process runs the batch (it holds the journal's lock), so
       * that no create of theirs is on the wire. Their create may have reached Motive before it stopped.
       */
      readonly creating?: boolean
    }
  ) => Effect.Effect<ReadonlyArray<{ readonly row: number; readonly maybeSent: boolean }>, JobStoreError>
  /** Moves a row to `state`, keeping its recall id unless one is given, and its reason when one is given. */
  readonly setState: (
    batchId: string,
    row: number,
    state: RowState,
    extra?: {
      readonly recallId?: number | undefined
      readonly reason?: string | undefined
      /** The recall was made before, by someone else (see `JobRow.reused`). */
      readonly reused?: boolean | undefined
    }
  ) => Effect.Effect<void, JobStoreError>
  readonly addFile: (file: JobFile) => Effect.Effect<void, JobStoreError>
  readonly files: (batchId: string) => Effect.Effect<ReadonlyArray<JobFile>, JobStoreError>
  /** When the poller should next ask Motive about a waiting row (epoch ms; `null`: not at all), and how often it did. */
  readonly schedulePoll: (
    batchId: string,
    row: number,
    at: number | null,
    polls: number
  ) => Effect.Effect<void, JobStoreError>
  /**
   * Claims the waiting rows whose poll is due at `now` (at most `limit`, oldest first): their next poll moves a
   * minute ahead, so that another poller on the same database skips them until the claimer reschedules them.
   */
  readonly duePolls: (now: number, limit: number) => Effect.Effect<ReadonlyArray<DuePoll>, JobStoreError>
  /**
   * Makes every waiting row's poll due at `now`: for the one poller of a journal as it starts (embedded), so that
   * claims its killed predecessor left (a minute ahead) do not hold the rows back. The recalls are each asked
   * about once, then polled on their own schedule.
   */
  readonly pollWaitingNow: (now: number) => Effect.Effect<void, JobStoreError>
  /** How many rows are in each state, and the files' count and bytes: cheap enough to ask often. */
  readonly tally: (batchId: string) => Effect.Effect<Tally, JobStoreError>
  /** Records a verified completion event (it may arrive before the create's answer was recorded). */
  readonly addEvent: (recallId: number, action: string) => Effect.Effect<void, JobStoreError>
  /** Whether a verified completion event for `recallId` was received. */
  readonly hasEvent: (recallId: number) => Effect.Effect<boolean, JobStoreError>
  /**
   * The quota ledger: minutes that rows of other batches were admitted for but have not spent yet (submitted,
   * not settled, no recall made). Motive's remaining quota does not count them until their recalls exist.
   */
  readonly reservedMinutes: (exceptBatch: string) => Effect.Effect<Reserved, JobStoreError>
  /**
   * For the rows of `batchId` without a recall, the recall a row of another batch holds for the very same request
   * (the file changed, so the batch is new, but Motive holds the recall): by row number. Candidates only: the
   * journal may hold recalls of another account or server, so each is confirmed with Motive before it is taken.
   */
  readonly knownRecalls: (batchId: string) => Effect.Effect<ReadonlyMap<number, number>, JobStoreError>
  /**
   * Gives a row without a recall the recall Motive holds for its very request (see {@link knownRecalls}): recorded
   * as `reused` (its minutes not this row's) unless a create of the row's own may have made it.
   */
  readonly adoptRecall: (batchId: string, row: number, recallId: number) => Effect.Effect<void, JobStoreError>
  /**
   * Runs a quota admission (read the ledger and Motive's quota, record the rows it admits) alone: one at a time
   * in this process and, on Postgres, across every process on the database (a transaction-scoped advisory lock).
   */
  readonly admitting: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | JobStoreError, R>
}

/**
 * Quota minutes per recall type.
 *
 * @since 0.1.0
 */
export interface QuotaMinutes {
  readonly regular: number
  readonly timelapse: number
}

/**
 * Minutes promised to batches in flight, and those batches (their ids).
 *
 * @since 0.1.0
 */
export interface Reserved extends QuotaMinutes {
  /** The batches holding them, per recall type. */
  readonly batches: { readonly regular: ReadonlyArray<string>; readonly timelapse: ReadonlyArray<string> }
}

/**
 * A waiting row the poller should ask Motive about.
 *
 * @since 0.1.0
 */
export interface DuePoll {
  readonly batchId: string
  readonly row: number
  readonly recallId: number
  readonly executionId: string
  readonly polls: number
}

/**
 * A batch's rows per state, its files and bytes, and the quota minutes its recalls spent.
 *
 * @since 0.1.0
 */
export interface Tally {
  readonly counts: Readonly<Record<RowState, number>>
  readonly rows: number
  /** Rows not settled that were handed to their workflow: those something is still working on. */
  readonly inFlight: number
  readonly files: number
  readonly bytes: number
  readonly minutesSpent: number
}

/**
 * The store.
 *
 * @since 0.1.0
 */
export class JobStore extends Context.Tag("@effect-motive/jobs/JobStore")<JobStore, JobStoreService>() {}

const num = (v: unknown): number => typeof v === "bigint" ? Number(v) : Number(v)
const str = (v: unknown): string | undefined => v === null || v === undefined ? undefined : String(v)
const now = Effect.map(Clock.currentTimeMillis, (ms) => DateTime.formatIso(DateTime.unsafeMake(ms)))
const decodeBody = Schema.decodeUnknownSync(Schema.parseJson(VideoRecallRequestBody))

const toRow = (r: Record<string, unknown>): JobRow => {
  const ref = str(r.ref), executionId = str(r.execution_id), reason = str(r.reason)
  return new JobRow({
    batchId: String(r.batch_id),
    row: num(r.row_number),
    ...(ref === undefined ? {} : { ref }),
    body: decodeBody(r.body),
    smartDashcam: num(r.smart_dashcam) === 1,
    generation: num(r.generation),
    ...(executionId === undefined ? {} : { executionId }),
    state: Schema.decodeUnknownSync(RowState)(r.state),
    ...(r.recall_id === null || r.recall_id === undefined ? {} : { recallId: num(r.recall_id) }),
    reused: num(r.reused ?? 0) === 1,
    createClaimed: num(r.create_claimed ?? 0) === 1,
    ...(reason === undefined ? {} : { reason }),
    updatedAt: String(r.updated_at)
  })
}

const toFile = (r: Record<string, unknown>): JobFile => {
  const ref = str(r.ref)
  return new JobFile({
    batchId: String(r.batch_id),
    row: num(r.row_number),
    ...(ref === undefined ? {} : { ref }),
    recallId: num(r.recall_id),
    position: String(r.position),
    path: String(r.path),
    bytes: num(r.bytes),
    sha256: String(r.sha256),
    worker: String(r.worker),
    downloadedAt: String(r.downloaded_at)
  })
}

const toBatch = (r: Record<string, unknown>): StoredBatch =>
  new StoredBatch({
    id: String(r.id),
    file: String(r.file),
    directory: String(r.directory),
    rows: num(r.row_count),
    createdAt: String(r.created_at)
  })

/**
 * Creates the store's tables when missing (portable SQL: SQLite and Postgres).
 *
 * @since 0.1.0
 */
export const migrate: Effect.Effect<void, SqlError.SqlError, SqlClient.SqlClient> = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* serialized(sql, createTables)
})

/**
 * Runs `effect` in a transaction that holds an advisory lock on Postgres (by default the store's migration
 * lock): processes that start at once on a new database would otherwise race on `CREATE TABLE IF NOT EXISTS`
 * (and fail on Postgres's catalog). SQLite's one writer needs no lock.
 *
 * @since 0.1.0
 */
export const serialized = <A, E, R>(sql: SqlClient.SqlClient, effect: Effect.Effect<A, E, R>, lock = migrationLock) =>
  sql.onDialectOrElse({
    pg: () => sql.withTransaction(Effect.zipRight(sql`SELECT pg_advisory_xact_lock(${lock})`, effect)),
    orElse: () => effect
  })

/** The advisory lock key of the store's migrations ("moti"). */
const migrationLock = 0x6d6f7469

/** The advisory lock key of quota admissions ("motq"). */
const quotaLock = 0x6d6f7471

const createTables = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE IF NOT EXISTS motive_batches (
    id TEXT PRIMARY KEY,
    file TEXT NOT NULL,
    directory TEXT NOT NULL,
    row_count INTEGER NOT NULL,
    created_at TEXT NOT NULL
  )`
  yield* sql`CREATE TABLE IF NOT EXISTS motive_jobs (
    batch_id TEXT NOT NULL,
    row_number INTEGER NOT NULL,
    ref TEXT,
    body TEXT NOT NULL,
    smart_dashcam INTEGER NOT NULL,
    minutes INTEGER NOT NULL,
    next_poll_at BIGINT,
    polls INTEGER NOT NULL DEFAULT 0,
    generation INTEGER NOT NULL,
    execution_id TEXT,
    state TEXT NOT NULL,
    recall_id BIGINT,
    reason TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (batch_id, row_number)
  )`
  yield* sql`CREATE INDEX IF NOT EXISTS motive_jobs_recall ON motive_jobs (recall_id)`
  // Added after the first release: journals made before get the column (every row counted as its own recall's).
  const columns = yield* sql.onDialectOrElse({
    pg: () =>
      sql<{ readonly name: string }>`SELECT column_name AS name FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = 'motive_jobs'`,
    orElse: () => sql<{ readonly name: string }>`SELECT name FROM pragma_table_info('motive_jobs')`
  })
  if (!columns.some((c) => c.name === "reused")) {
    // Column and contents in one transaction: a kill in between would leave the column unfilled for good.
    yield* sql.withTransaction(Effect.gen(function*() {
      yield* sql`ALTER TABLE motive_jobs ADD COLUMN reused INTEGER NOT NULL DEFAULT 0`
      // As the release before counted: a recall a batch created earlier holds too was that batch's.
      yield* sql`UPDATE motive_jobs SET reused = 1
        WHERE recall_id IS NOT NULL AND EXISTS (
          SELECT 1 FROM motive_jobs o
            JOIN motive_batches ob ON ob.id = o.batch_id
            JOIN motive_batches b ON b.id = motive_jobs.batch_id
          WHERE o.recall_id = motive_jobs.recall_id AND o.batch_id <> motive_jobs.batch_id
            AND ob.created_at < b.created_at)`
    }))
  }
  if (!columns.some((c) => c.name === "create_claimed")) {
    yield* sql.withTransaction(Effect.gen(function*() {
      yield* sql`ALTER TABLE motive_jobs ADD COLUMN create_claimed INTEGER NOT NULL DEFAULT 0`
      // Before, rows did not say whether a create was sent: every row handed to a workflow may have sent one.
      yield* sql`UPDATE motive_jobs SET create_claimed = 1 WHERE execution_id IS NOT NULL`
    }))
  }
  yield* sql`CREATE INDEX IF NOT EXISTS motive_jobs_poll ON motive_jobs (next_poll_at)`
  yield* sql`CREATE TABLE IF NOT EXISTS motive_files (
    batch_id TEXT NOT NULL,
    row_number INTEGER NOT NULL,
    recall_id BIGINT NOT NULL,
    position TEXT NOT NULL,
    path TEXT NOT NULL,
    bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    worker TEXT NOT NULL,
    downloaded_at TEXT NOT NULL,
    PRIMARY KEY (batch_id, row_number, position)
  )`
  yield* sql`CREATE TABLE IF NOT EXISTS motive_events (
    recall_id BIGINT NOT NULL,
    action TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (recall_id, action)
  )`
})

/** How long a claimed poll is left to its poller before another may take it. */
const pollLeaseMillis = 60_000

/**
 * The store over the `SqlClient` in context; creates its tables first.
 *
 * @since 0.1.0
 */
export const make: Effect.Effect<JobStoreService, SqlError.SqlError, SqlClient.SqlClient> = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* migrate
  const failed = (what: string) => (e: SqlError.SqlError) =>
    new JobStoreError({ message: `could not ${what} the job store: ${e.message}` })
  const read = <A>(what: string, effect: Effect.Effect<A, SqlError.SqlError>) => Effect.mapError(effect, failed(what))
  const oneAdmission = yield* Effect.makeSemaphore(1)
  const admitting = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | JobStoreError, R> => {
    const inLock: Effect.Effect<A, E | SqlError.SqlError, R> = serialized(sql, effect, quotaLock)
    const locked: Effect.Effect<A, E | JobStoreError, R> = inLock.pipe(
      Effect.catchIf(
        (e): e is SqlError.SqlError => e instanceof SqlError.SqlError,
        (e) => Effect.fail(failed("lock")(e))
      )
    )
    return oneAdmission.withPermits(1)(locked)
  }

  const batch = (id: string) =>
    read(
      "read",
      Effect.map(sql<Record<string, unknown>>`SELECT * FROM motive_batches WHERE id = ${id}`, (rs) =>
        rs[0] === undefined ? undefined : toBatch(rs[0]))
    )

  return JobStore.of({
    addBatch: (b, directory) =>
      read(
        "write",
        sql.withTransaction(Effect.gen(function*() {
          const at = yield* now
          const inserted = yield* sql<Record<string, unknown>>`INSERT INTO motive_batches
            (id, file, directory, row_count, created_at)
            VALUES (${b.id}, ${b.file}, ${directory}, ${b.rows.length}, ${at})
            ON CONFLICT (id) DO NOTHING RETURNING id`
          for (const r of b.rows) {
            yield* sql`INSERT INTO motive_jobs
              (batch_id, row_number, ref, body, smart_dashcam, minutes, generation, state, updated_at)
              VALUES (${b.id}, ${r.row}, ${r.ref ?? null}, ${JSON.stringify(r.body)}, ${r.smartDashcam ? 1 : 0},
                ${r.body.duration}, 0, 'validated', ${at})
              ON CONFLICT (batch_id, row_number) DO NOTHING`
          }
          const rs = yield* sql<Record<string, unknown>>`SELECT * FROM motive_batches WHERE id = ${b.id}`
          return { batch: toBatch(rs[0]!), isNew: inserted.length > 0 }
        }))
      ),
    batch,
    batches: read(
      "read",
      Effect.map(
        sql<Record<string, unknown>>`SELECT * FROM motive_batches ORDER BY COALESCE(
            (SELECT MAX(j.updated_at) FROM motive_jobs j WHERE j.batch_id = motive_batches.id), created_at) DESC,
          created_at DESC, id`,
        (rs) => rs.map(toBatch)
      )
    ),
    rows: (batchId) =>
      read(
        "read",
        Effect.map(
          sql<Record<string, unknown>>`SELECT * FROM motive_jobs WHERE batch_id = ${batchId} ORDER BY row_number`,
          (rs) => rs.map(toRow)
        )
      ),
    unsentRows: read(
      "read",
      Effect.map(
        sql<Record<string, unknown>>`SELECT * FROM motive_jobs WHERE state = 'validated' AND execution_id IS NOT NULL
          ORDER BY batch_id, row_number`,
        (rs) => rs.map(toRow)
      )
    ),
    row: (batchId, row) =>
      read(
        "read",
        Effect.map(
          sql<Record<string, unknown>>`SELECT * FROM motive_jobs WHERE batch_id = ${batchId} AND row_number = ${row}`,
          (rs) => rs.length === 0 ? undefined : toRow(rs[0]!)
        )
      ),
    rowsOfRecall: (recallId) =>
      read(
        "read",
        Effect.map(sql<Record<string, unknown>>`SELECT * FROM motive_jobs WHERE recall_id = ${recallId}`, (rs) =>
          rs.map(toRow))
      ),
    submitted: (batchId, row, generation, executionId) =>
      read(
        "write",
        Effect.flatMap(now, (at) =>
          sql`UPDATE motive_jobs SET generation = ${generation}, execution_id = ${executionId}, updated_at = ${at}
            WHERE batch_id = ${batchId} AND row_number = ${row}`)
      ),
    claimCreate: (batchId, row, generation) =>
      read(
        "write",
        Effect.flatMap(now, (at) =>
          Effect.map(
            sql<Record<string, unknown>>`UPDATE motive_jobs SET state = 'creating', reason = NULL,
                updated_at = ${at}
              WHERE batch_id = ${batchId} AND row_number = ${row} AND generation = ${generation}
                AND state <> 'stopped'
              RETURNING row_number`,
            (rs) => rs.length > 0
          ))
      ),
    markSent: (batchId, row, generation, sent) =>
      read(
        "write",
        sql`UPDATE motive_jobs SET create_claimed = ${sent ? 1 : 0}
          WHERE batch_id = ${batchId} AND row_number = ${row} AND generation = ${generation}`
      ),
    cancelUnsent: (batchId, reason, options = {}) =>
      read(
        "write",
        Effect.flatMap(now, (at) =>
          Effect.map(
            sql<Record<string, unknown>>`UPDATE motive_jobs SET state = 'stopped',
                reason = CASE WHEN create_claimed = 1 THEN ${reason.maybeSent} ELSE ${reason.unsent} END,
                updated_at = ${at}
              WHERE batch_id = ${batchId} AND recall_id IS NULL
                AND (state NOT IN ${sql.in([...settledStates])} OR state = 'waiting_for_quota')
                AND (${options.creating === true ? 1 : 0} = 1 OR state <> 'creating')
              RETURNING row_number, create_claimed`,
            (rs) =>
              rs.map((r) => ({ row: num(r.row_number), maybeSent: num(r.create_claimed) === 1 }))
                .sort((a, b) => a.row - b.row)
          ))
      ),
    setState: (batchId, row, state, extra = {}) =>
      read(
        "write",
        Effect.flatMap(now, (at) =>
          sql`UPDATE motive_jobs SET state = ${state},
            recall_id = COALESCE(${extra.recallId ?? null}, recall_id),
            reused = CASE WHEN ${extra.reused === true ? 1 : 0} = 1 THEN 1 ELSE reused END,
            reason = ${extra.reason ?? null}, updated_at = ${at}
            WHERE batch_id = ${batchId} AND row_number = ${row}`)
      ),
    addFile: (f) =>
      read(
        "write",
        sql`INSERT INTO motive_files
          (batch_id, row_number, recall_id, position, path, bytes, sha256, worker, downloaded_at)
          VALUES (${f.batchId}, ${f.row}, ${f.recallId}, ${f.position}, ${f.path}, ${f.bytes}, ${f.sha256},
            ${f.worker}, ${f.downloadedAt})
          ON CONFLICT (batch_id, row_number, position) DO UPDATE SET
            recall_id = ${f.recallId}, path = ${f.path}, bytes = ${f.bytes}, sha256 = ${f.sha256},
            worker = ${f.worker}, downloaded_at = ${f.downloadedAt}`
      ),
    files: (batchId) =>
      read(
        "read",
        Effect.map(
          sql<Record<string, unknown>>`SELECT f.*, j.ref FROM motive_files f
            JOIN motive_jobs j ON j.batch_id = f.batch_id AND j.row_number = f.row_number
            WHERE f.batch_id = ${batchId} ORDER BY f.row_number, f.position`,
          (rs) => rs.map(toFile)
        )
      ),
    schedulePoll: (batchId, row, at, polls) =>
      read(
        "write",
        sql`UPDATE motive_jobs SET next_poll_at = ${at}, polls = ${polls}
          WHERE batch_id = ${batchId} AND row_number = ${row}`
      ),
    duePolls: (at, limit) =>
      read(
        "read",
        Effect.map(
          // Claimed, not just read: the rows' next look moves a lease ahead, so that several pollers (runners on
          // one database) do not ask about the same recall at once; a claim whose poller dies comes due again.
          // The conditions are repeated outside the sub-select: Postgres re-checks them on a row another poller
          // claimed meanwhile.
          sql<Record<string, unknown>>`UPDATE motive_jobs SET next_poll_at = ${at + pollLeaseMillis}
            WHERE (batch_id, row_number) IN (
              SELECT batch_id, row_number FROM motive_jobs
              WHERE next_poll_at IS NOT NULL AND next_poll_at <= ${at} AND state = 'waiting'
                AND recall_id IS NOT NULL AND execution_id IS NOT NULL
              ORDER BY next_poll_at LIMIT ${limit})
            AND next_poll_at IS NOT NULL AND next_poll_at <= ${at} AND state = 'waiting'
            RETURNING batch_id, row_number, recall_id, execution_id, polls`,
          (rs) =>
            rs.map((r): DuePoll => ({
              batchId: String(r.batch_id),
              row: num(r.row_number),
              recallId: num(r.recall_id),
              executionId: String(r.execution_id),
              polls: num(r.polls)
            }))
        )
      ),
    knownRecalls: (batchId) =>
      read(
        "read",
        Effect.map(
          sql<Record<string, unknown>>`SELECT j.row_number AS row_number, MIN(o.recall_id) AS recall_id
            FROM motive_jobs j JOIN motive_jobs o
              ON o.body = j.body AND o.batch_id <> j.batch_id AND o.recall_id IS NOT NULL
            WHERE j.batch_id = ${batchId} AND j.recall_id IS NULL
            GROUP BY j.row_number`,
          (rs) => new Map(rs.map((r) => [num(r.row_number), num(r.recall_id)]))
        )
      ),
    adoptRecall: (batchId, row, recallId) =>
      read(
        "write",
        Effect.flatMap(now, (at) =>
          sql`UPDATE motive_jobs SET recall_id = ${recallId},
              reused = CASE WHEN create_claimed = 1 THEN 0 ELSE 1 END, updated_at = ${at}
            WHERE batch_id = ${batchId} AND row_number = ${row} AND recall_id IS NULL`)
      ),
    pollWaitingNow: (at) =>
      read(
        "write",
        sql`UPDATE motive_jobs SET next_poll_at = ${at}
          WHERE state = 'waiting' AND next_poll_at IS NOT NULL AND next_poll_at > ${at}`
      ),
    tally: (batchId) =>
      read(
        "read",
        Effect.gen(function*() {
          // A recall made before (by another batch, or someone else) spent no minutes of this batch's.
          const states = yield* sql<Record<string, unknown>>`SELECT state, COUNT(*) AS n,
            SUM(CASE WHEN recall_id IS NULL OR reused = 1 THEN 0 ELSE minutes END) AS spent,
            SUM(CASE WHEN execution_id IS NULL THEN 0 ELSE 1 END) AS handed
            FROM motive_jobs WHERE batch_id = ${batchId} GROUP BY state`
          const files = yield* sql<Record<string, unknown>>`SELECT COUNT(*) AS n, COALESCE(SUM(bytes), 0) AS bytes
            FROM motive_files WHERE batch_id = ${batchId}`
          const counts = Object.fromEntries(RowState.literals.map((st) => [st, 0])) as Record<RowState, number>
          let rows = 0, minutesSpent = 0, inFlight = 0
          for (const r of states) {
            const n = num(r.n)
            counts[String(r.state) as RowState] = n
            rows += n
            minutesSpent += num(r.spent ?? 0)
            if (!settledStates.has(String(r.state) as RowState)) inFlight += num(r.handed ?? 0)
          }
          return {
            counts,
            rows,
            inFlight,
            files: num(files[0]?.n ?? 0),
            bytes: num(files[0]?.bytes ?? 0),
            minutesSpent
          }
        })
      ),
    addEvent: (recallId, action) =>
      read(
        "write",
        Effect.flatMap(now, (at) =>
          sql`INSERT INTO motive_events (recall_id, action, received_at) VALUES (${recallId}, ${action}, ${at})
            ON CONFLICT (recall_id, action) DO NOTHING`)
      ),
    hasEvent: (recallId) =>
      read(
        "read",
        Effect.map(sql`SELECT 1 AS found FROM motive_events WHERE recall_id = ${recallId}`, (rs) => rs.length > 0)
      ),
    reservedMinutes: (exceptBatch) =>
      read(
        "read",
        Effect.map(
          sql<Record<string, unknown>>`SELECT * FROM motive_jobs
            WHERE batch_id <> ${exceptBatch} AND recall_id IS NULL AND execution_id IS NOT NULL
              AND state NOT IN ${sql.in([...settledStates])}`,
          (rs) => {
            const reserved = { regular: 0, timelapse: 0 }
            const batches = { regular: new Set<string>(), timelapse: new Set<string>() }
            for (const r of rs.map(toRow)) {
              reserved[r.recallType] += r.minutes
              batches[r.recallType].add(r.batchId)
            }
            return {
              ...reserved,
              batches: { regular: [...batches.regular].sort(), timelapse: [...batches.timelapse].sort() }
            }
          }
        )
      ),
    admitting
  })
})

/**
 * The store as a layer over the `SqlClient` in context.
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<JobStore, SqlError.SqlError, SqlClient.SqlClient> = Layer.effect(JobStore, make)
