/**
 * `motive jobs serve`: the completion-webhook receiver of footage jobs on several machines. A client-only
 * process: it verifies Motive's signed deliveries and resolves the rows waiting for that recall, whichever
 * worker runs them (the worker picks the resolution up from the database).
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import { Effect, Layer, Option } from "effect"
import { httpPackage, withClient } from "../Client.js"
import { InvalidInput, jobsSetupFailure } from "../CliError.js"
import { webhookSecret } from "../Flags.js"
import { Output } from "../Output.js"
import { root } from "../Root.js"
import { databaseOption, distributedPackage, requireDatabase, runUntilStopped, sharedGate } from "../SharedJobs.js"
import { serveCompletions } from "./BatchRun.js"

const serve = Command.make(
  "serve",
  {
    database: databaseOption,
    webhookPort: Options.integer("webhook-port").pipe(
      Options.withDescription("Receive Motive's completion webhooks on this port")
    ),
    webhookHost: Options.text("webhook-host").pipe(
      Options.withDescription("Address the receiver listens on"),
      Options.withDefault("127.0.0.1")
    ),
    webhookSecret: Options.redacted("webhook-secret").pipe(
      Options.withDescription("The webhook's shared secret; default: $MOTIVE_WEBHOOK_SECRET"),
      Options.optional
    )
  },
  (opts) =>
    Effect.gen(function*() {
      const globals = yield* root
      const output = yield* Output
      if (globals.sandbox) {
        return yield* new InvalidInput({
          message: "the receiver cannot use the in-process sandbox: run `motive sandbox --webhook-url …` instead"
        })
      }
      const database = yield* requireDatabase("motive jobs serve", opts.database)
      if (opts.webhookPort < 0 || opts.webhookPort > 65535) {
        return yield* new InvalidInput({ message: `--webhook-port ${opts.webhookPort} is not a port (0–65535)` })
      }
      const secret = yield* webhookSecret("--webhook-secret", opts.webhookSecret)
      if (Option.isNone(secret)) {
        return yield* new InvalidInput({
          message: "motive jobs serve needs the webhook's secret: --webhook-secret S or MOTIVE_WEBHOOK_SECRET"
        })
      }
      const { Distributed } = yield* distributedPackage
      const { MotiveClient } = yield* httpPackage
      const platform = yield* Effect.context<FileSystem.FileSystem | Path.Path>()
      yield* Effect.scoped(Effect.gen(function*() {
        const gate = yield* sharedGate(globals, database)
        yield* withClient(globals, (motive) =>
          Effect.gen(function*() {
            const context = yield* Layer.build(
              Distributed.layerClient({ database }).pipe(
                Layer.provide(Layer.succeed(MotiveClient.MotiveClient, motive.client)),
                Layer.provide(Layer.succeedContext(platform))
              )
            ).pipe(Effect.mapError(jobsSetupFailure))
            const url = yield* serveCompletions(context, {
              host: opts.webhookHost,
              port: opts.webhookPort,
              secret: secret.value
            })
            yield* output.note(
              `Receiving completion webhooks on ${url} for ${
                Distributed.describeDatabase(database)
              }; stop it with Ctrl-C`
            )
            return yield* runUntilStopped("jobs serve")
          }), gate)
      }))
    })
).pipe(Command.withDescription("Receive Motive's completion webhooks for the workers of a jobs database"))

/**
 * `motive jobs …`
 *
 * @since 0.1.0
 */
export const jobsCommand = Command.make("jobs").pipe(
  Command.withDescription("Footage jobs on several machines: the webhook receiver"),
  Command.withSubcommands([serve])
)
