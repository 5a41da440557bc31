/**
 * Footage jobs in one process, on a SQLite file, with no server: the workflow engine on a single runner, the
 * job store in the same file, and a lock so that only one process runs the file at a time.
 *
 * @since 0.1.0
 */
import { Directories, type MediaDownloads, type MotiveClient } from "@effect-motive/http"
import { ClusterWorkflowEngine, SingleRunner } from "@effect/cluster"
import { FileSystem, Path } from "@effect/platform"
import { SqlClient } from "@effect/sql"
import { LibsqlClient } from "@effect/sql-libsql"
import type { WorkflowEngine } from "@effect/workflow"
import { Clock, Context, Effect, Layer, Schema } from "effect"
import * as FootageJobs from "./FootageJobs.js"
import * as FootageWorkflow from "./FootageWorkflow.js"
import { causeChain } from "./internal/causes.js"
import * as MessageClaims from "./internal/messageClaims.js"
import { takeProcessLock } from "./internal/processLock.js"
import { sameConnectionClient } from "./internal/sqliteClient.js"
import * as JobStore from "./JobStore.js"
import * as Poller from "./Poller.js"

/**
 * Another process is running this journal.
 *
 * @since 0.1.0
 */
export class JournalBusy extends Schema.TaggedError<JournalBusy>()("JournalBusy", {
  file: Schema.String,
  holder: Schema.optional(Schema.Number),
  reason: Schema.optional(Schema.String)
}) {
  override get message(): string {
    return this.holder !== undefined
      ? `the job journal ${this.file} is in use by another motive process (pid ${this.holder}); wait for it to finish or stop it`
      : `could not open the job journal ${this.file}: ${this.reason ?? "unknown reason"}`
  }
}

/**
 * The options of the embedded engine.
 *
 * @since 0.1.0
 */
export interface EmbeddedOptions {
  /** The SQLite file (created with its directory when missing). */
  readonly file: string
  readonly settings: FootageWorkflow.FootageSettings
  /** How often stored messages (due polls, webhook resolutions) are picked up; default 500 ms. */
  readonly pollInterval?: `${number} millis` | undefined
}

/** A journal path that names something other than a file (a directory) is refused before SQLite is asked. */
const notAFile = (fs: FileSystem.FileSystem, file: string) =>
  Effect.flatMap(Effect.option(fs.stat(file)), (info) =>
    info._tag === "Some" && info.value.type !== "File"
      ? Effect.fail(new JournalBusy({ file, reason: `it is a ${info.value.type.toLowerCase()}, not a journal file` }))
      : Effect.void)

/**
 * The SQLite database, its directory created and the lock taken first.
 *
 * @since 0.1.0
 */
export const layerDatabase = (file: string) =>
  Layer.unwrapScoped(
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const path = yield* Path.Path
      const given = path.resolve(file)
      yield* Directories.makeDirectories(path.dirname(given), { mode: 0o700 }).pipe(
        Effect.mapError((e) => new JournalBusy({ file: given, reason: e.message }))
      )
      // The lock belongs to the file itself: a symlink to it (or to its directory) names the same lock, also a
      // link to a journal not created yet (SQLite creates it through the link).
      const inRealDirectory = (file: string) =>
        Effect.map(
          Effect.orElseSucceed(fs.realPath(path.dirname(file)), () => path.dirname(file)),
          (directory) => path.join(directory, path.basename(file))
        )
      const absolute = yield* fs.realPath(given).pipe(
        Effect.orElse(() =>
          fs.readLink(given).pipe(
            Effect.flatMap((target) => inRealDirectory(path.resolve(path.dirname(given), target))),
            Effect.orElse(() => inRealDirectory(given))
          )
        )
      )
      yield* notAFile(fs, absolute)
      yield* takeProcessLock(`${absolute}.lock`).pipe(
        Effect.mapError((e) =>
          "holder" in e
            ? new JournalBusy({ file: absolute, holder: e.holder })
            : new JournalBusy({ file: absolute, reason: e.message })
        )
      )
      // Made this user's alone (0600) before SQLite opens it: it names recalls, refs, vehicles and windows, and SQLite
      // gives its -wal and -shm files the same mode. One there already keeps its own.
      yield* fs.writeFileString(absolute, "", { flag: "a", mode: 0o600 }).pipe(Effect.ignore)
      return layerSqlite(absolute).pipe(
        Layer.mapError((e) => new JournalBusy({ file: absolute, reason: causeChain(e) }))
      )
    })
  )

/**
 * A SQLite file through libsql, in WAL mode with `synchronous=NORMAL`: a commit is written to the WAL before it
 * returns (so a killed process loses nothing), and the WAL is synced at checkpoints rather than at every commit.
 * Transactions run on the client's one connection. No lock: see {@link layerDatabase}.
 *
 * @since 0.1.0
 */
export const layerSqlite = (file: string) =>
  Layer.effectDiscard(
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* sql.unsafe("PRAGMA journal_mode=WAL")
      yield* sql.unsafe("PRAGMA synchronous=NORMAL")
    })
  ).pipe(
    Layer.provideMerge(
      Layer.unwrapScoped(
        Effect.map(
          Effect.acquireRelease(Effect.sync(() => sameConnectionClient(file)), (client) =>
            Effect.sync(() => client.close())),
          (liveClient) =>
            LibsqlClient.layer({ liveClient })
        )
      )
    )
  )

/**
 * The job store of a journal file, to read it (`motive batch status`) while another process may be running it:
 * no lock, no engine. A file that does not exist is not created: `BatchNotFound`.
 *
 * @since 0.1.0
 */
export const layerStore = (file: string): Layer.Layer<
  JobStore.JobStore,
  FootageJobs.BatchNotFound | JournalBusy,
  FileSystem.FileSystem
> =>
  existingJournal(
    file,
    (fs) =>
      Effect.map(Effect.flip(notAFile(fs, file)).pipe(Effect.option), (wrong) =>
        wrong._tag === "Some"
          ? Layer.fail<FootageJobs.BatchNotFound | JournalBusy>(wrong.value)
          : JobStore.layer.pipe(
            Layer.provide(layerSqlite(file)),
            Layer.mapError((e): FootageJobs.BatchNotFound | JournalBusy =>
              new JournalBusy({ file, reason: causeChain(e) })
            )
          ))
  )

/**
 * The job store of a journal file under the journal's lock (no engine): while it is held, no process runs any of
 * the journal's batches (`motive batch cancel` then stops rows being created too). `JournalBusy` with the
 * holder's pid when a process runs it; a file that does not exist is not created: `BatchNotFound`.
 *
 * @since 0.1.0
 */
export const layerStoreLocked = (file: string): Layer.Layer<
  JobStore.JobStore,
  FootageJobs.BatchNotFound | JournalBusy,
  FileSystem.FileSystem | Path.Path
> =>
  existingJournal(file, () =>
    Effect.succeed(
      JobStore.layer.pipe(
        Layer.provide(layerDatabase(file)),
        Layer.mapError((e): FootageJobs.BatchNotFound | JournalBusy =>
          e._tag === "JournalBusy" ? e : new JournalBusy({ file, reason: causeChain(e) })
        )
      )
    ))

/** The layer `store` makes for a journal file that exists; `BatchNotFound` for one that does not (never created). */
const existingJournal = <R>(
  file: string,
  store: (
    fs: FileSystem.FileSystem
  ) => Effect.Effect<Layer.Layer<JobStore.JobStore, FootageJobs.BatchNotFound | JournalBusy, R>>
): Layer.Layer<JobStore.JobStore, FootageJobs.BatchNotFound | JournalBusy, FileSystem.FileSystem | R> =>
  Layer.unwrapEffect(
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      if (!(yield* fs.exists(file).pipe(Effect.orElseSucceed(() => false)))) {
        return Layer.fail<FootageJobs.BatchNotFound | JournalBusy>(new FootageJobs.BatchNotFound({ batchId: "" }))
      }
      return yield* store(fs)
    })
  )

/**
 * Everything footage jobs need, embedded: `FootageJobs`, the store, the workflow engine on a single runner, over
 * one SQLite file. Needs the Motive client and downloads, and the file system. Settings it could not work with
 * fail as `FootageSettingsInvalid` before the file is touched.
 *
 * @since 0.1.0
 */
export const layer = (options: EmbeddedOptions): Layer.Layer<
  FootageJobs.FootageJobs | JobStore.JobStore | WorkflowEngine.WorkflowEngine,
  JournalBusy | FootageWorkflow.FootageSettingsInvalid,
  MotiveClient.MotiveClient | MediaDownloads.MediaDownloads | FileSystem.FileSystem | Path.Path
> =>
  FootageWorkflow.withCheckedSettings(
    options.settings,
    Layer.mergeAll(FootageJobs.layer, Poller.layer, MessageClaims.layer).pipe(
      Layer.provideMerge(FootageWorkflow.layerWith(options.settings)),
      Layer.provideMerge(ClusterWorkflowEngine.layer),
      // This process holds the journal's lock, so it is the only poller: claims a killed one left are void.
      Layer.provideMerge(
        Layer.tap(JobStore.layer, (context) =>
          Effect.ignore(
            Effect.flatMap(
              Clock.currentTimeMillis,
              (now) => Context.get(context, JobStore.JobStore).pollWaitingNow(now)
            )
          ))
      ),
      Layer.provide(
        SingleRunner.layer({
          runnerStorage: "memory",
          shardingConfig: {
            shardsPerGroup: MessageClaims.shardsPerGroup,
            entityMessagePollInterval: options.pollInterval ?? "500 millis"
          }
        })
      ),
      Layer.provide(layerDatabase(options.file)),
      Layer.mapError((e) =>
        e._tag === "JournalBusy" || e._tag === "FootageSettingsInvalid"
          ? e
          : new JournalBusy({ file: options.file, reason: String(e) })
      )
    )
  )
