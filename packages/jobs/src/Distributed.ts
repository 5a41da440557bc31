/**
 * Footage jobs on several machines: the same workflows, on `@effect/cluster` runners that talk over sockets and
 * keep their state (shard locks, messages, the job store) in one Postgres database. Runners run the rows;
 * client-only processes submit batches, follow them and receive webhooks. A runner killed with `kill -9` loses
 * nothing: its shards (and their rows) move to the others once its shard lock expires.
 *
 * @since 0.1.0
 */
import type { MediaDownloads, MotiveClient } from "@effect-motive/http"
import { ClusterWorkflowEngine, RunnerAddress } from "@effect/cluster"
import type { FileSystem, Path } from "@effect/platform"
import { NodeClusterSocket } from "@effect/platform-node"
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import type { WorkflowEngine } from "@effect/workflow"
import { Duration, Effect, Exit, Layer, Option, Redacted, Schema, Scope } from "effect"
import * as FootageJobs from "./FootageJobs.js"
import * as FootageWorkflow from "./FootageWorkflow.js"
import { causeChain } from "./internal/causes.js"
import * as MessageClaims from "./internal/messageClaims.js"
import * as JobStore from "./JobStore.js"
import * as Poller from "./Poller.js"

/**
 * The database could not be reached or set up. The message never contains the database URL (it may hold a
 * password).
 *
 * @since 0.1.0
 */
export class DatabaseUnavailable extends Schema.TaggedError<DatabaseUnavailable>()("DatabaseUnavailable", {
  reason: Schema.String
}) {
  override get message(): string {
    return `could not use the jobs database: ${this.reason}`
  }
}

/**
 * A runner could not listen at its address (`listen`), e.g. because another process holds the port: the other
 * runners could not reach it. Says which address and why.
 *
 * @since 0.1.0
 */
export class ListenFailed extends Schema.TaggedError<ListenFailed>()("ListenFailed", {
  host: Schema.String,
  port: Schema.Number,
  reason: Schema.String
}) {
  override get message(): string {
    return `could not listen on ${this.host}:${this.port} for the other runners: ${this.reason}`
  }
}

/**
 * How long a runner's shard lock lasts without a refresh: after a runner dies, its rows wait this long before
 * another runner takes them over. 35 s is `@effect/cluster`'s default; shorter means faster failover and more
 * lock traffic.
 *
 * @since 0.1.0
 */
export const defaultShardLockExpiration: Duration.Duration = Duration.seconds(35)

/**
 * What every process on the database shares.
 *
 * @since 0.1.0
 */
export interface DatabaseOptions {
  /** `postgres://user:password@host:port/database`. */
  readonly database: Redacted.Redacted<string>
  /** How often stored messages (polls due, webhook resolutions) are picked up; default 500 ms. */
  readonly pollInterval?: Duration.DurationInput | undefined
  /** See {@link defaultShardLockExpiration}. Every process on one database should use the same value. */
  readonly shardLockExpiration?: Duration.Duration | undefined
}

/**
 * A runner: where it listens for the other runners, and how its rows work.
 *
 * @since 0.1.0
 */
export interface RunnerOptions extends DatabaseOptions {
  /** The address the other runners reach this one at (and where it listens). */
  readonly listen: { readonly host: string; readonly port: number }
  /** `settings.directory` is this worker's root for the rows' files. */
  readonly settings: FootageWorkflow.FootageSettings
}

/**
 * A failure and its causes, outermost first ("PgClient: Failed to connect: password authentication failed …"):
 * the outermost alone read the same for a wrong password, a missing database and a closed port. A database URL in
 * any of them is left out (it may hold a password).
 */
const reasonOf = (e: unknown): string =>
  causeChain(e, (u) => u instanceof DatabaseUnavailable ? u.reason : undefined)
    .replace(/postgres(?:ql)?:\/\/\S+/gi, "(the database URL)")

/** Failures while building a layer, told without the URL (and not wrapped twice). */
const unavailable = (e: unknown) =>
  e instanceof DatabaseUnavailable ? e : new DatabaseUnavailable({ reason: reasonOf(e) })

/** The socket server's failure to open (`SocketServerError`, reason "Open") names the address it was given. */
const listenFailed = (listen: RunnerOptions["listen"]) => (e: unknown): ListenFailed | DatabaseUnavailable =>
  typeof e === "object" && e !== null && "_tag" in e && e._tag === "SocketServerError" &&
    "reason" in e && e.reason === "Open"
    ? new ListenFailed({ host: listen.host, port: listen.port, reason: reasonOf("cause" in e ? e.cause : e) })
    : unavailable(e)

/**
 * The Postgres client. The URL stays `Redacted`.
 *
 * @since 0.1.0
 */
export const layerPg = (database: Redacted.Redacted<string>) =>
  PgClient.layer({
    url: database,
    // The pool keeps one connection per runner activity in flight at most; a small pool is enough.
    maxConnections: 16,
    applicationName: "motive"
  }).pipe(Layer.mapError(unavailable))

const shardingConfig = (options: DatabaseOptions) => ({
  shardsPerGroup: MessageClaims.shardsPerGroup,
  entityMessagePollInterval: Duration.toMillis(options.pollInterval ?? Duration.millis(500)),
  shardLockExpiration: Duration.toMillis(options.shardLockExpiration ?? defaultShardLockExpiration),
  // Refreshed well within the expiration (the cluster's default ratio).
  shardLockRefreshInterval: Duration.toMillis(options.shardLockExpiration ?? defaultShardLockExpiration) / 3.5,
  entityTerminationTimeout: Duration.toMillis(handOverTimeout)
})

/**
 * How long a runner that must hand shards to a runner that just joined waits for their workflows before letting
 * them go. The cluster's default is 15 s, and it was always spent: a workflow's next step (an activity) is
 * addressed to the shard's new owner, which cannot take the shard until the old one lets go, so the old one's
 * workflows cannot finish in time. Measured: 3 workers, 12 rows, 18.5–18.8 s a batch in 2 of 3 runs at 15 s,
 * 4.1–4.8 s in 4 of 4 at 1 s. Nothing is lost by letting go early: the new owner replays the workflow from
 * its journal, and a create that was in flight is answered 409 with the recall it made.
 */
const handOverTimeout = Duration.seconds(1)

/** The advisory lock that start-ups hold ("mots"). */
const startLock = 0x6d6f7473

/**
 * Builds the cluster's layer while holding a Postgres advisory lock: processes that start at once on a new
 * database would otherwise race to create the cluster's tables (`CREATE TABLE IF NOT EXISTS` fails on
 * Postgres's catalog when two run at once). The lock is held only while starting.
 */
const startedOneAtATime = <ROut, E, RIn>(layer: Layer.Layer<ROut, E, RIn>) =>
  Layer.unwrapScoped(
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const starting = yield* Scope.make()
      const connection = yield* Scope.extend(sql.reserve, starting)
      return yield* connection.executeRaw(`SELECT pg_advisory_lock(${startLock})`, []).pipe(
        Effect.zipRight(Layer.build(layer)),
        Effect.map(Layer.succeedContext),
        Effect.ensuring(
          connection.executeRaw(`SELECT pg_advisory_unlock(${startLock})`, []).pipe(
            Effect.ignore,
            Effect.zipRight(Scope.close(starting, Exit.void))
          )
        )
      )
    })
  )

/**
 * A runner: the footage workflow and the durable poller on a cluster runner over Postgres. Provides the store
 * and the engine too (a runner can also submit). Fails with {@link ListenFailed} when its address cannot be
 * listened on, and {@link DatabaseUnavailable} for the rest; settings it could not work with fail as `FootageSettingsInvalid` before anything is
 * opened.
 *
 * @since 0.1.0
 */
export const layerRunner = (options: RunnerOptions): Layer.Layer<
  FootageJobs.FootageJobs | JobStore.JobStore | WorkflowEngine.WorkflowEngine,
  DatabaseUnavailable | ListenFailed | FootageWorkflow.FootageSettingsInvalid,
  MotiveClient.MotiveClient | MediaDownloads.MediaDownloads | FileSystem.FileSystem | Path.Path
> =>
  FootageWorkflow.withCheckedSettings(
    options.settings,
    Layer.mergeAll(FootageJobs.layer, Poller.layer, MessageClaims.layer).pipe(
      Layer.provideMerge(FootageWorkflow.layerWith(options.settings)),
      Layer.provideMerge(ClusterWorkflowEngine.layer),
      Layer.provideMerge(JobStore.layer),
      Layer.provide(startedOneAtATime(
        NodeClusterSocket.layer({
          storage: "sql",
          shardingConfig: {
            ...shardingConfig(options),
            runnerAddress: Option.some(RunnerAddress.make(options.listen.host, options.listen.port)),
            // Listens where it says it is (the cluster would otherwise take LISTEN_HOST / LISTEN_PORT from the
            // environment, and ListenFailed would name the wrong address).
            runnerListenAddress: Option.some(RunnerAddress.make(options.listen.host, options.listen.port))
          }
        })
      )),
      Layer.provide(layerPg(options.database)),
      Layer.mapError((e) =>
        e._tag === "DatabaseUnavailable" || e._tag === "FootageSettingsInvalid" ? e : listenFailed(options.listen)(e)
      )
    )
  )

/**
 * A client-only process: submits batches, follows them and resolves completions (webhooks) for whichever
 * runner owns the row; runs no rows itself and needs no address.
 *
 * @since 0.1.0
 */
export const layerClient = (options: DatabaseOptions): Layer.Layer<
  FootageJobs.FootageJobs | JobStore.JobStore | WorkflowEngine.WorkflowEngine,
  DatabaseUnavailable,
  MotiveClient.MotiveClient
> =>
  FootageJobs.layer.pipe(
    Layer.provideMerge(ClusterWorkflowEngine.layer),
    Layer.provideMerge(JobStore.layer),
    Layer.provide(startedOneAtATime(
      NodeClusterSocket.layer({ clientOnly: true, storage: "sql", shardingConfig: shardingConfig(options) })
    )),
    Layer.provide(layerPg(options.database)),
    Layer.mapError((e) => e._tag === "DatabaseUnavailable" ? e : unavailable(e))
  )

/**
 * The job store alone, to read a batch's status.
 *
 * @since 0.1.0
 */
export const layerStore = (database: Redacted.Redacted<string>): Layer.Layer<JobStore.JobStore, DatabaseUnavailable> =>
  JobStore.layer.pipe(Layer.provide(layerPg(database)), Layer.mapError(unavailable))

/**
 * The URL with its password masked, for messages.
 *
 * @since 0.1.0
 */
export const describeDatabase = (database: Redacted.Redacted<string>): string => {
  try {
    const url = new URL(Redacted.value(database))
    return `${url.protocol}//${url.username === "" ? "" : `${url.username}@`}${url.host}${url.pathname}`
  } catch {
    return "the database"
  }
}
