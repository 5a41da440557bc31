/**
 * `motive sandbox`: the emulator in the foreground.
 *
 * @since 0.1.0
 */
import { recallCompletedAction } from "@effect-motive/domain"
import { type FaultSpec, parseFaultSpec } from "@effect-motive/sandbox/Faults"
import { defaultFleet } from "@effect-motive/sandbox/Fleet"
import type { SandboxOptions } from "@effect-motive/sandbox/SandboxOptions"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { Effect, Either, Option, Redacted } from "effect"
import { inProcessSandbox } from "../Client.js"
import { InvalidInput } from "../CliError.js"
import { noteUnusedGlobals, webhookSecret } from "../Flags.js"
import { Output, table } from "../Output.js"
import { withoutPassword } from "../Render.js"
import { root } from "../Root.js"

/**
 * `motive sandbox [--port P] [--rate R] [--quota-minutes M] [--video-bytes N] [--faults …]`
 *
 * @since 0.1.0
 */
export const sandboxCommand = Command.make(
  "sandbox",
  {
    port: Options.integer("port").pipe(
      Options.withDescription("Port on 127.0.0.1 (default 4010; 0: any free port)"),
      Options.withDefault(4010)
    ),
    rate: Options.float("rate").pipe(
      Options.withDescription("Requests per second for the company, all its credentials together (default 200)"),
      Options.optional
    ),
    quotaMinutes: Options.integer("quota-minutes").pipe(
      Options.withDescription(
        "Monthly quota in minutes, for regular and for timelapse recalls (default 1000 regular, 10000 timelapse)"
      ),
      Options.optional
    ),
    videoBytes: Options.integer("video-bytes").pipe(
      Options.withDescription("Size of each camera's recalled video in bytes (default 524288), to try large downloads"),
      Options.optional
    ),
    faults: Options.text("faults").pipe(
      Options.withDescription(
        "Faults to inject, e.g. createVideoRecall=503*2,media=truncate:100000,getVideoRecall=drop,random=0.05"
      ),
      Options.optional
    ),
    acceptDuplicates: Options.boolean("accept-duplicates").pipe(
      Options.withDescription(
        "Make a recall again when asked for one it holds, where it answers 409 by default (Motive's docs say only " +
          "that duplicates \"may be rejected\"): to try MOTIVE_RESEND_LOST_CREATES=false"
      )
    ),
    webhookUrl: Options.text("webhook-url").pipe(
      Options.withDescription("Post recall completions (signed) to this URL, e.g. http://127.0.0.1:8787/"),
      Options.optional
    ),
    webhookSecret: Options.redacted("webhook-secret").pipe(
      Options.withDescription("The secret --webhook-url's deliveries are signed with; default: $MOTIVE_WEBHOOK_SECRET"),
      Options.optional
    )
  },
  (opts) =>
    Effect.gen(function*() {
      const output = yield* Output
      yield* noteUnusedGlobals("motive sandbox", yield* root, "which serves Motive's API rather than calling it")
      if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
        return yield* new InvalidInput({
          message: `--port ${opts.port} is not a port: use 0 to 65535 (0: any free port)`
        })
      }
      if (Option.isSome(opts.rate) && !(Number.isFinite(opts.rate.value) && opts.rate.value > 0)) {
        return yield* new InvalidInput({
          message: `--rate ${opts.rate.value} must be a positive number of requests per second`
        })
      }
      if (Option.isSome(opts.quotaMinutes) && opts.quotaMinutes.value < 0) {
        return yield* new InvalidInput({ message: `--quota-minutes ${opts.quotaMinutes.value} must not be negative` })
      }
      if (Option.isSome(opts.videoBytes) && opts.videoBytes.value < 1) {
        return yield* new InvalidInput({ message: `--video-bytes ${opts.videoBytes.value} must be at least 1` })
      }
      const secret = yield* webhookSecret("--webhook-secret", opts.webhookSecret)
      // A secret given as a flag with nothing to sign would change nothing: a mistake to say.
      if (Option.isSome(opts.webhookSecret) && Option.isNone(opts.webhookUrl)) {
        return yield* new InvalidInput({
          message: "--webhook-secret signs the deliveries to --webhook-url: give --webhook-url too, or leave the " +
            "secret out"
        })
      }
      if (Option.isSome(opts.webhookUrl)) {
        if (!/^https?:\/\/[^\s/]+/.test(opts.webhookUrl.value)) {
          return yield* new InvalidInput({
            message: `--webhook-url "${withoutPassword(opts.webhookUrl.value)}" is not an http(s) URL`
          })
        }
        if (Option.isNone(secret)) {
          return yield* new InvalidInput({
            message: "--webhook-url needs the secret to sign with: --webhook-secret S or MOTIVE_WEBHOOK_SECRET"
          })
        }
      }
      const spec: Either.Either<FaultSpec, string> = Option.isSome(opts.faults)
        ? parseFaultSpec(opts.faults.value)
        : Either.right({ scripted: [] })
      if (Either.isLeft(spec)) return yield* new InvalidInput({ message: `--faults: ${spec.left}` })
      const options: SandboxOptions = {
        port: opts.port,
        ...(Option.isSome(opts.rate)
          ? { rateLimit: { requestsPerSecond: opts.rate.value, burst: Math.max(1, Math.ceil(opts.rate.value)) } }
          : {}),
        ...(Option.isSome(opts.quotaMinutes)
          ? { quota: { regularMinutes: opts.quotaMinutes.value, timelapseMinutes: opts.quotaMinutes.value } }
          : {}),
        ...(Option.isSome(opts.videoBytes) ? { media: { videoBytes: opts.videoBytes.value } } : {}),
        ...(opts.acceptDuplicates ? { rejectDuplicates: false } : {})
      }
      // A busy port is this machine's business, like any other unusable flag value.
      const sandbox = yield* inProcessSandbox(options).pipe(
        Effect.mapError((e) => new InvalidInput({ message: `--port ${opts.port}: ${e.message}` }))
      )
      for (const { fault, route, times } of spec.right.scripted) {
        // parseFaultSpec has checked each fault as injectFault does.
        yield* Effect.mapError(
          sandbox.injectFault(route, fault, times),
          (e) => new InvalidInput({ message: `--faults: ${e.message}` })
        )
      }
      if (spec.right.randomRate !== undefined) {
        yield* sandbox.randomFaults({
          rate: spec.right.randomRate,
          seed: 7,
          faults: [{ kind: "status", status: 503 }, { kind: "status", status: 500 }, { kind: "reset" }]
        })
      }
      if (Option.isSome(opts.webhookUrl) && Option.isSome(secret)) {
        const url = opts.webhookUrl.value
        yield* Effect.mapError(
          sandbox.registerWebhook(url, secret.value, [recallCompletedAction]),
          (e) => new InvalidInput({ message: `--webhook-url "${withoutPassword(url)}": ${e.message}` })
        )
      }
      const apiKey = Redacted.value(sandbox.apiKey)
      yield* output.result(
        [
          `MOTIVE_BASE_URL=${sandbox.baseUrl}`,
          `MOTIVE_API_KEY=${apiKey}`,
          "",
          "Demo fleet:",
          table([
            ...defaultFleet.vehicles.map((v) =>
              [`${v.number} (id ${v.id})`, `vehicle, ${v.dashcam} dashcam: ${v.cameras.join(", ")}`] as const
            ),
            ...defaultFleet.assets.map((a) => [`${a.name} (id ${a.id})`, `asset: ${a.cameras.join(", ")}`] as const)
          ]),
          "  TRK-102 has no video from 3 h to 2 h before the sandbox started; video is kept for 7 days."
        ].join("\n"),
        { baseUrl: sandbox.baseUrl, apiKey, fleet: defaultFleet }
      )
      if (Option.isSome(opts.faults)) yield* output.note(`Faults injected: ${opts.faults.value}`)
      if (Option.isSome(opts.webhookUrl)) {
        // The URL's password (user info) is not shown: the note may be logged or shared.
        yield* output.note(`Recall completions are posted to ${withoutPassword(opts.webhookUrl.value)}`)
      }
      yield* output.note("Sandbox running. Press Ctrl-C to stop.")
      return yield* Effect.never
    }).pipe(Effect.scoped)
).pipe(Command.withDescription("Run the Motive emulator in the foreground until interrupted"))
