/**
 * What the commands that run footage jobs share: the database of several machines (`--database` or
 * `MOTIVE_DATABASE_URL`, always `Redacted`), the company-wide rate limit every process on it obeys, and
 * how many rows a process creates and downloads at once.
 *
 * @since 0.1.0
 */
import type { RequestGate } from "@effect-motive/http"
import * as Options from "@effect/cli/Options"
import { Config, Effect, Layer, Option, Redacted, type Scope } from "effect"
import { httpPackage, settingsFrom } from "./Client.js"
import type { CliError } from "./CliError.js"
import { InvalidInput, jobsSetupFailure } from "./CliError.js"
import { processSinks } from "./Output.js"
import type { Globals } from "./Root.js"

/**
 * The jobs package's several-machines modules, loaded when such a command runs.
 *
 * @since 0.1.0
 */
export const distributedPackage = Effect.promise(() => {
  quietQueuedQueryWarning()
  return Promise.all([import("@effect-motive/jobs/Distributed"), import("@effect-motive/jobs/SharedRequestGate")])
    .then(([Distributed, SharedRequestGate]) => ({ Distributed, SharedRequestGate }))
})

let quieted = false

/** The start of the deprecation `pg` 8 prints the first time a query waits behind another on its connection. */
const queuedQueryWarning = "Calling client.query() when the client is already executing a query"

/**
 * Keeps `pg`'s warning about a query queued behind another on one connection off the terminal: @effect/cluster
 * (0.60.2, the newest of the line) runs its shard-lock statements on one reserved connection from several fibers,
 * which `pg` 8 queues correctly but warns about once per process, a line a worker's user can do nothing about.
 * Every other warning is printed as before.
 */
const quietQueuedQueryWarning = () => {
  if (quieted) return
  quieted = true
  const emit = process.emitWarning
  process.emitWarning = function(this: unknown, warning: string | Error, ...rest: Array<never>) {
    const message = typeof warning === "string" ? warning : warning.message
    if (message.startsWith(queuedQueryWarning)) return
    return emit.call(process, warning, ...rest)
  } as typeof process.emitWarning
}

/**
 * `--concurrency` (`batch run`, `worker`: rows creating at once), checked to be from 1 to 64.
 *
 * @since 0.1.0
 */
export const creatingConcurrency = (n: number): Effect.Effect<number, InvalidInput> =>
  n < 1 || n > 64
    ? new InvalidInput({ message: "--concurrency must be a whole number from 1 to 64" })
    : Effect.succeed(n)

/**
 * `--download-concurrency N` (`batch run`, `worker`): none means the workflows' own default.
 *
 * @since 0.1.0
 */
export const downloadConcurrencyOption = Options.integer("download-concurrency").pipe(
  Options.withDescription(
    "Downloads at once, 1 to 256; default 4 × --concurrency, at most 32 (never fewer than --concurrency)"
  ),
  Options.optional
)

/**
 * `--download-concurrency` as the workflows' setting, checked to be from 1 to 256.
 *
 * @since 0.1.0
 */
export const downloadConcurrency = (flag: Option.Option<number>): Effect.Effect<number | undefined, InvalidInput> =>
  Option.isSome(flag) && (flag.value < 1 || flag.value > 256)
    ? new InvalidInput({ message: "--download-concurrency must be a whole number from 1 to 256" })
    : Effect.succeed(Option.getOrUndefined(flag))

/**
 * `--database URL`.
 *
 * @since 0.1.0
 */
export const databaseOption = Options.redacted("database").pipe(
  Options.withDescription("The jobs database shared by every worker, postgres://…; default: $MOTIVE_DATABASE_URL"),
  Options.optional
)

/**
 * The database: the flag, else `MOTIVE_DATABASE_URL`; none when neither is given. Checked to be a Postgres URL;
 * no message ever shows it (it may hold a password).
 *
 * @since 0.1.0
 */
export const databaseUrl = (
  flag: Option.Option<Redacted.Redacted<string>>
): Effect.Effect<Option.Option<Redacted.Redacted<string>>, InvalidInput> =>
  Effect.gen(function*() {
    const given = Option.isSome(flag)
      ? flag
      : yield* Config.option(Config.redacted("MOTIVE_DATABASE_URL")).pipe(
        Effect.map(Option.filter((s) => Redacted.value(s).trim() !== "")),
        Effect.orElseSucceed(() => Option.none<Redacted.Redacted<string>>())
      )
    if (Option.isNone(given)) return given
    const source = Option.isSome(flag) ? "--database" : "MOTIVE_DATABASE_URL"
    const text = Redacted.value(given.value).trim()
    if (text === "") return yield* new InvalidInput({ message: `${source} is empty: give postgres://…` })
    let url: URL | undefined
    try {
      url = new URL(text)
    } catch {
      url = undefined
    }
    if (url === undefined || (url.protocol !== "postgres:" && url.protocol !== "postgresql:") || url.host === "") {
      return yield* new InvalidInput({
        message: `${source} is not a Postgres URL: give postgres://user:password@host:5432/database`
      })
    }
    return Option.some(Redacted.make(text))
  })

/**
 * The database, required: `what` names the command for the message.
 *
 * @since 0.1.0
 */
export const requireDatabase = (what: string, flag: Option.Option<Redacted.Redacted<string>>) =>
  Effect.flatMap(databaseUrl(flag), (database) =>
    Option.match(database, {
      onNone: () =>
        Effect.fail(
          new InvalidInput({
            message: `${what} needs the jobs database: --database postgres://… or MOTIVE_DATABASE_URL`
          })
        ),
      onSome: Effect.succeed
    }))

/**
 * The company-wide rate limit, kept in the database: every process that uses the database and the Motive key
 * sends at most `MOTIVE_RATE_LIMIT` requests per second together (none with `--sandbox`: its emulator lives in
 * this process). Built in the scope; fails with a clear message when the database cannot be reached or the limit
 * is not a number.
 *
 * @since 0.1.0
 */
export const sharedGate = (
  globals: Globals,
  database: Redacted.Redacted<string>
): Effect.Effect<Layer.Layer<RequestGate.RequestGate> | undefined, CliError, Scope.Scope> =>
  Effect.gen(function*() {
    if (globals.sandbox) return undefined
    const { MotiveConfig } = yield* httpPackage
    const settings = MotiveConfig.makeSettings(yield* settingsFrom(globals))
    const limit = settings.rateLimit
    if (typeof limit !== "object") {
      return yield* new InvalidInput({
        message: "with a jobs database the rate limit is shared by every process: set MOTIVE_RATE_LIMIT to requests " +
          "per second (e.g. 10); the adaptive default and off cannot be shared"
      })
    }
    const { Distributed, SharedRequestGate } = yield* distributedPackage
    const context = yield* Layer.build(
      SharedRequestGate.layer({
        requestsPerSecond: limit.requestsPerSecond,
        maxConcurrency: settings.maxConcurrency
      }).pipe(Layer.provide(Distributed.layerPg(database)))
    ).pipe(Effect.mapError(jobsSetupFailure))
    return Layer.succeedContext(context)
  })

/**
 * `host:port`, as `--listen` takes it.
 *
 * @since 0.1.0
 */
export const parseListen = (flag: string, input: string) => {
  const match = /^(.+):(\d{1,5})$/.exec(input.trim())
  const port = match === null ? NaN : Number(match[2])
  if (match === null || !(port >= 1 && port <= 65535)) {
    return Effect.fail(
      new InvalidInput({
        message: `${flag} ${input} is not HOST:PORT with a port from 1 to 65535, e.g. 10.0.0.5:34431`
      })
    )
  }
  return Effect.succeed({ host: match[1]!.replace(/^\[(.*)\]$/, "$1"), port })
}

/** How long a process of a jobs database may take to stop once interrupted. */
const stopBudgetMillis = 15_000

/**
 * Runs until interrupted (Ctrl-C), then leaves `stopBudgetMillis` for the stop: a database gone silent would
 * otherwise hold it for ever (the runner releasing its shards, the pool closing, both waiting on it). Past the
 * budget the process says so and exits 130; what it held is taken over once its locks expire, as after `kill -9`.
 *
 * @since 0.1.0
 */
export const runUntilStopped = (what: string): Effect.Effect<never> =>
  Effect.onInterrupt(Effect.never, () =>
    Effect.sync(() => {
      const timer = setTimeout(() => {
        processSinks.stderr(
          `${what}: the jobs database did not answer while stopping (${stopBudgetMillis / 1000} s): exiting anyway; ` +
            "what it held goes to the other workers once its locks expire, as after kill -9\n"
        )
        process.exit(130)
      }, stopBudgetMillis)
      // Only a stop still under way keeps the process for it.
      timer.unref()
    }))
