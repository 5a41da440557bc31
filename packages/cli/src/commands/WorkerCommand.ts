/**
 * `motive worker`: one runner of footage jobs on several machines. It takes rows from the jobs database
 * (Postgres), makes their recalls, waits and downloads the files under its `--dir`, until stopped. Workers share
 * the rows (a killed worker's rows move to the others once its shard lock expires) and one company-wide rate
 * limit.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import { Duration, Effect, Layer } from "effect"
import { hostname } from "node:os"
import { httpPackage, isLoopbackHost, withClient } from "../Client.js"
import { InvalidInput, jobsSetupFailure } from "../CliError.js"
import { checkDirectory } from "../Destinations.js"
import { parseDuration } from "../Flags.js"
import { Output } from "../Output.js"
import { root } from "../Root.js"
import {
  creatingConcurrency,
  databaseOption,
  distributedPackage,
  downloadConcurrency,
  downloadConcurrencyOption,
  parseListen,
  requireDatabase,
  runUntilStopped,
  sharedGate
} from "../SharedJobs.js"
import { jobsPackage } from "./BatchRun.js"

/**
 * `motive worker …`
 *
 * @since 0.1.0
 */
export const workerCommand = Command.make(
  "worker",
  {
    database: databaseOption,
    listen: Options.text("listen").pipe(
      Options.withDescription(
        "HOST:PORT the other workers reach this one at (and where it listens); default 127.0.0.1:34431, which only " +
          "workers on this machine reach"
      ),
      Options.withDefault("127.0.0.1:34431")
    ),
    dir: Options.text("dir").pipe(
      Options.withDescription("Where this worker puts the files: DIR/<ref or row>/<recall id>-<position>.mp4"),
      Options.withDefault("footage")
    ),
    concurrency: Options.integer("concurrency").pipe(
      Options.withDescription("Rows creating at once on this worker (default 8)"),
      Options.withDefault(8)
    ),
    downloadConcurrency: downloadConcurrencyOption,
    shardLockExpiration: Options.text("shard-lock-expiration").pipe(
      Options.withDescription(
        "How long a dead worker's rows wait before another takes them over (default 35s); the same on every worker"
      ),
      Options.withDefault("35s")
    ),
    pollAfter: Options.text("poll-after").pipe(
      Options.withDescription("First status poll of a recall no webhook announced, e.g. 30s (default)"),
      Options.withDefault("30s")
    )
  },
  (opts) =>
    Effect.gen(function*() {
      const globals = yield* root
      const output = yield* Output
      const path = yield* Path.Path
      if (globals.sandbox) {
        return yield* new InvalidInput({
          message: "a worker cannot use the in-process sandbox: run `motive sandbox` and give every worker its " +
            "--base-url and --api-key"
        })
      }
      const database = yield* requireDatabase("motive worker", opts.database)
      const listen = yield* parseListen("--listen", opts.listen)
      yield* creatingConcurrency(opts.concurrency)
      const downloads = yield* downloadConcurrency(opts.downloadConcurrency)
      const lock = yield* parseDuration("--shard-lock-expiration", opts.shardLockExpiration)
      if (Duration.lessThan(lock, Duration.seconds(3))) {
        return yield* new InvalidInput({ message: "--shard-lock-expiration must be at least 3s" })
      }
      const firstPoll = yield* parseDuration("--poll-after", opts.pollAfter)
      yield* checkDirectory("--dir", opts.dir)
      const dir = path.resolve(opts.dir)
      const { Distributed } = yield* distributedPackage
      const { FootageWorkflow } = yield* jobsPackage
      const { MediaDownloads, MotiveClient } = yield* httpPackage
      const platform = yield* Effect.context<FileSystem.FileSystem | Path.Path>()
      const worker = `${hostname()} ${listen.host}:${listen.port}`
      yield* Effect.scoped(Effect.gen(function*() {
        const gate = yield* sharedGate(globals, database)
        yield* withClient(globals, (motive) =>
          Effect.gen(function*() {
            yield* Layer.build(
              Distributed.layerRunner({
                database,
                listen,
                shardLockExpiration: lock,
                settings: {
                  ...FootageWorkflow.defaultSettings(worker),
                  concurrency: opts.concurrency,
                  downloadConcurrency: downloads,
                  firstPoll,
                  root: dir
                }
              }).pipe(
                Layer.provide(Layer.succeed(MotiveClient.MotiveClient, motive.client)),
                Layer.provide(Layer.succeed(MediaDownloads.MediaDownloads, motive.downloads)),
                Layer.provide(Layer.succeedContext(platform))
              )
            ).pipe(Effect.mapError(jobsSetupFailure))
            // A loopback address is this machine's alone: workers elsewhere could not hand this one its shards.
            if (isLoopbackHost(listen.host)) {
              yield* output.note(
                `${listen.host} is reachable from this machine only: with workers on other machines, give --listen ` +
                  "this machine's address and a port they can reach"
              )
            }
            yield* output.note(
              `Worker ${listen.host}:${listen.port} on ${
                Distributed.describeDatabase(database)
              }: files into ${dir}; stop it with Ctrl-C`
            )
            return yield* runUntilStopped("worker")
          }), gate)
      }))
    })
).pipe(
  Command.withDescription("Run footage jobs from a jobs database (Postgres) until stopped: one of several workers")
)
