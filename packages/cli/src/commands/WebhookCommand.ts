/**
 * `motive webhook verify` and `motive webhook listen`.
 *
 * @since 0.1.0
 */
import { Command, Options } from "@effect/cli"
import { FileSystem } from "@effect/platform"
import { Config, Effect, Option, Redacted, Stream } from "effect"
import { httpPackage } from "../Client.js"
import { InvalidInput, InvalidSignature } from "../CliError.js"
import { Output } from "../Output.js"

const secretOption = Options.redacted("secret").pipe(
  Options.withDescription("The webhook's shared secret; default: $MOTIVE_WEBHOOK_SECRET"),
  Options.optional
)

const secretFrom = (flag: Option.Option<Redacted.Redacted<string>>) =>
  Option.match(flag, {
    onSome: (s) =>
      Redacted.value(s).trim() === ""
        ? Effect.fail(new InvalidInput({ message: "--secret is empty: give the webhook's shared secret" }))
        : Effect.succeed(s),
    onNone: () =>
      Config.redacted("MOTIVE_WEBHOOK_SECRET").pipe(
        Effect.flatMap((s) => Redacted.value(s).trim() === "" ? Effect.fail("blank") : Effect.succeed(s)),
        Effect.mapError(() =>
          new InvalidInput({ message: "no webhook secret: pass --secret SECRET or set MOTIVE_WEBHOOK_SECRET" })
        )
      )
  })

const readStdin = Effect.async<Uint8Array, InvalidInput>((resume) => {
  const chunks: Array<Buffer> = []
  process.stdin.on("data", (c: Buffer) => chunks.push(c))
  process.stdin.once("end", () => resume(Effect.succeed(new Uint8Array(Buffer.concat(chunks)))))
  process.stdin.once(
    "error",
    (e) => resume(Effect.fail(new InvalidInput({ message: `could not read stdin: ${e.message}` })))
  )
})

const verify = Command.make(
  "verify",
  {
    secret: secretOption,
    signature: Options.text("signature").pipe(Options.withDescription("The X-KT-Webhook-Signature header (hex)")),
    file: Options.text("file").pipe(Options.withDescription("The raw body (default: stdin)"), Options.optional)
  },
  (opts) =>
    Effect.gen(function*() {
      const output = yield* Output
      const secret = yield* secretFrom(opts.secret)
      const { fileSystemMessage, Webhooks } = yield* httpPackage
      const fs = yield* FileSystem.FileSystem
      const body = Option.isSome(opts.file)
        ? yield* fs.readFile(opts.file.value).pipe(
          Effect.mapError((e) => new InvalidInput({ message: `could not read --file: ${fileSystemMessage(e)}` }))
        )
        : yield* readStdin
      if (!(yield* Webhooks.verifySignature(body, opts.signature, secret))) {
        return yield* new InvalidSignature({
          message: "the signature does not match: the body was changed, or the secret is not this webhook's"
        })
      }
      yield* output.result(`valid: the signature matches the ${body.length}-byte body`, {
        valid: true,
        bytes: body.length
      })
    })
).pipe(Command.withDescription("Check a webhook body's X-KT-Webhook-Signature (exit 2 when it does not match)"))

const listen = Command.make(
  "listen",
  {
    port: Options.integer("port").pipe(Options.withDescription("Port on 127.0.0.1"), Options.withDefault(8787)),
    secret: secretOption
  },
  (opts) =>
    Effect.gen(function*() {
      const output = yield* Output
      const secret = yield* secretFrom(opts.secret)
      const { Webhooks } = yield* httpPackage
      const { NodeHttpServer, createServer } = yield* Effect.promise(() => import("./WebhookServer.js"))
      const receiver = yield* Webhooks.makeReceiver({ secret })
      const server = yield* NodeHttpServer.make(() => createServer(), { host: "127.0.0.1", port: opts.port }).pipe(
        Effect.mapError((e) =>
          new InvalidInput({ message: `could not listen on port ${opts.port}: ${String(e.cause)}` })
        )
      )
      // Refused deliveries are told on stderr, so that a wrong --secret is noticed.
      yield* server.serve(
        Effect.tap(receiver.app, (response) =>
          response.status === 403
            ? output.note("refused a delivery: its signature does not match --secret (answered 403)")
            : Effect.void)
      )
      const address = server.address
      const port = address._tag === "TcpAddress" ? address.port : opts.port
      yield* output.note(`Listening for Motive webhooks on http://127.0.0.1:${port}/ (Ctrl-C to stop)`)
      // The whole verified event, re-serialised onto one line (the receiver already proved it is JSON).
      const events = Stream.runForEach(receiver.events, ({ event, rawBody }) =>
        Effect.sync(() => {
          const full: unknown = JSON.parse(new TextDecoder().decode(rawBody))
          const line = typeof full === "object" && full !== null && !Array.isArray(full) ? full : event
          process.stdout.write(`${JSON.stringify(line)}\n`)
        }))
      // Signed, but not an event (no action and id): acknowledged, and told on stderr as received.
      const others = Stream.runForEach(receiver.unrecognized, (raw) => {
        const text = new TextDecoder().decode(raw)
        return output.note(
          `a signed delivery that is not an event (acknowledged): ${
            text.length > 200 ? `${text.slice(0, 200)}…` : text
          }`
        )
      })
      yield* Effect.all([events, others], { concurrency: 2, discard: true })
    }).pipe(Effect.scoped)
).pipe(Command.withDescription("Receive webhooks locally: verify each and print it as one JSON line"))

/**
 * `motive webhook …`
 *
 * @since 0.1.0
 */
export const webhookCommand = Command.make("webhook").pipe(
  Command.withDescription("Company webhooks: verify signatures, receive deliveries"),
  Command.withSubcommands([verify, listen])
)
