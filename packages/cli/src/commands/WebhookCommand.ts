/**
 * `motive webhook verify` and `motive webhook listen`.
 *
 * @since 0.1.0
 */
import type { Webhooks } from "@effect-motive/http"
import { listenFailure } from "@effect-motive/sandbox/ListenFailure"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { Deferred, Effect, Option, Redacted, Stream } from "effect"
import { createReadStream, fstatSync, statSync } from "node:fs"
import { httpPackage } from "../Client.js"
import { InvalidInput, InvalidSignature } from "../CliError.js"
import { noteUnusedGlobals, webhookSecret } from "../Flags.js"
import { Output } from "../Output.js"
import { escapeControls, printableBytes } from "../Printable.js"
import { root } from "../Root.js"

const secretOption = Options.redacted("secret").pipe(
  Options.withDescription("The webhook's shared secret; default: $MOTIVE_WEBHOOK_SECRET"),
  Options.optional
)

const secretFrom = (flag: Option.Option<Redacted.Redacted<string>>) =>
  Effect.flatMap(webhookSecret("--secret", flag), (secret) =>
    Option.match(secret, {
      onSome: Effect.succeed,
      onNone: () =>
        Effect.fail(
          new InvalidInput({ message: "no webhook secret: pass --secret SECRET or set MOTIVE_WEBHOOK_SECRET" })
        )
    }))

/** The largest body `verify` reads: a webhook's is a few KiB (and `listen` refuses over 1 MiB by default). */
const maxBodyBytes = 16 * 1024 * 1024

/** A body read whole from `source` (a file, a FIFO, stdin), refused once it passes {@link maxBodyBytes}. */
const readBody = (what: string, source: () => NodeJS.ReadableStream & { destroy?: () => void }) =>
  Effect.async<Uint8Array, InvalidInput>((resume) => {
    const stream = source()
    const chunks: Array<Buffer> = []
    let size = 0
    const fail = (message: string) => {
      stream.removeAllListeners("data")
      stream.destroy?.()
      resume(Effect.fail(new InvalidInput({ message })))
    }
    stream.on("data", (c: Buffer) => {
      size += c.length
      if (size > maxBodyBytes) return fail(`${what} is over ${maxBodyBytes / 1024 / 1024} MiB: not a webhook body`)
      chunks.push(c)
    })
    stream.once("end", () => resume(Effect.succeed(new Uint8Array(Buffer.concat(chunks)))))
    stream.once(
      "error",
      (e: Error & { code?: string }) =>
        fail(
          `could not read ${what}: ${e.code === undefined ? e.message : e.message.replace(/^[A-Z]+: /, `${e.code}: `)}`
        )
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
      yield* noteUnusedGlobals("motive webhook verify", yield* root)
      const secret = yield* secretFrom(opts.secret)
      const { Webhooks } = yield* httpPackage
      // A FIFO or a device given as --file would block its opening past Ctrl-C: only a regular file (stdin for the rest).
      if (Option.isSome(opts.file)) {
        const file = opts.file.value
        const info = yield* Effect.either(Effect.try(() => statSync(file)))
        if (info._tag === "Right" && info.right.isDirectory()) {
          return yield* new InvalidInput({ message: `--file ${file} is a directory: give the body's file` })
        }
        if (info._tag === "Right" && !info.right.isFile()) {
          return yield* new InvalidInput({
            message: `--file ${file} is not a regular file: send its content to stdin instead`
          })
        }
      }
      // Node reads a directory given as stdin (`< dir`) as an empty body, which would only "not match".
      if (Option.isNone(opts.file)) {
        const info = yield* Effect.either(Effect.try(() => fstatSync(0)))
        if (info._tag === "Right" && info.right.isDirectory()) {
          return yield* new InvalidInput({ message: "stdin is a directory: send the body's file instead" })
        }
      }
      const body = yield* Option.match(opts.file, {
        onSome: (path) => readBody("--file", () => createReadStream(path)),
        onNone: () => readBody("stdin", () => process.stdin)
      })
      // An HMAC-SHA1 is 40 hex digits: anything else is a mistake in what was copied, not a changed body.
      if (!/^[0-9a-f]{40}$/i.test(opts.signature.trim())) {
        return yield* new InvalidInput({
          message:
            `--signature is not an X-KT-Webhook-Signature: that is 40 hex digits (an HMAC-SHA1), got ${opts.signature.trim().length} characters${
              /^[0-9a-f]*$/i.test(opts.signature.trim()) ? "" : " that are not all hex digits"
            }`
        })
      }
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

/** JSON text without the whitespace between its tokens (strings kept as they are): one line, the same values. */
const compactJson = (text: string): string => {
  let out = ""
  let from = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (inString) {
      if (c === "\\") i++
      else if (c === "\"") inString = false
    } else if (c === "\"") {
      inString = true
    } else if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      out += text.slice(from, i)
      from = i + 1
    }
  }
  return out + text.slice(from)
}

/**
 * A verified event as one JSON line: its body (a JSON object, or the receiver would not have decoded an event from
 * it) as it came, only the whitespace between tokens taken out (parsed and written again, a number past 2^53 would
 * change). The characters JSON leaves raw but a terminal may act on are escaped (still the same JSON).
 */
const eventLine = (rawBody: Uint8Array): string => escapeControls(compactJson(new TextDecoder().decode(rawBody)))

const refusalNotes: Record<number, string> = {
  400: "refused a delivery whose body could not be read (answered 400)",
  403: "refused a delivery: its signature is missing or does not match --secret (answered 403)",
  408: "refused a delivery whose body did not arrive in time (answered 408)",
  413: "refused a delivery larger than --max-body (answered 413)",
  503:
    "put off a delivery: too many at once, or stdout not read in time or gone (answered 503; Motive delivers it again)"
}

const listen = Command.make(
  "listen",
  {
    port: Options.integer("port").pipe(
      Options.withDescription("Port on 127.0.0.1 (default 8787; 0: any free port)"),
      Options.withDefault(8787)
    ),
    secret: secretOption,
    maxBody: Options.integer("max-body").pipe(
      Options.withDescription("Refuse (413) a delivery whose body is larger than this many bytes; default: 1 MiB"),
      Options.optional
    )
  },
  (opts) =>
    Effect.gen(function*() {
      const output = yield* Output
      yield* noteUnusedGlobals("motive webhook listen", yield* root)
      if (opts.port < 0 || opts.port > 65535) {
        return yield* new InvalidInput({
          message: `--port ${opts.port} is not a port: use 0 to 65535 (0: any free port)`
        })
      }
      const secret = yield* secretFrom(opts.secret)
      if (Option.isSome(opts.maxBody) && opts.maxBody.value < 1) {
        return yield* new InvalidInput({ message: "--max-body must be a positive number of bytes" })
      }
      const { Webhooks } = yield* httpPackage
      const { NodeHttpServer, createReceiverServer } = yield* Effect.promise(() => import("./WebhookServer.js"))
      // Each verified event is printed, whole on one line, before it is answered: one that cannot be printed is
      // answered 503, so Motive delivers it again. Its reader gone (`… | head -n 1`), the command ends, as `cat`
      // would; a reader not keeping up (its pipe full) puts it off at once, well within Motive's 3 seconds.
      const readerGone = yield* Deferred.make<void>()
      const handle = ({ rawBody }: Webhooks.VerifiedEvent) =>
        Effect.flatMap(output.line(eventLine(rawBody)), (outcome) =>
          outcome === "printed"
            ? Effect.succeed(true)
            : outcome === "gone"
            ? Effect.as(Deferred.succeed(readerGone, undefined), false)
            : Effect.succeed(false))
      const receiver = yield* Webhooks.makeReceiver({
        secret,
        handle,
        ...(Option.isSome(opts.maxBody) ? { maxBodyBytes: opts.maxBody.value } : {})
      }).pipe(Effect.mapError((e) => new InvalidInput({ message: e.message })))
      const server = yield* NodeHttpServer.make(createReceiverServer, { host: "127.0.0.1", port: opts.port }).pipe(
        Effect.mapError((e) =>
          new InvalidInput({
            message: `could not listen: ${listenFailure({ host: "127.0.0.1", port: opts.port }, e.cause)}`
          })
        )
      )
      // Refused deliveries are told on stderr (with --json too), so that a wrong --secret is noticed.
      yield* server.serve(
        Effect.tap(receiver.app, (response) => {
          const note = refusalNotes[response.status]
          return note === undefined ? Effect.void : output.warning(note)
        })
      )
      const address = server.address
      const port = address._tag === "TcpAddress" ? address.port : opts.port
      const url = `http://127.0.0.1:${port}/`
      // With --json, stdout's first line says where it listens (--port 0 picks a port).
      if (output.mode.json && (yield* output.line(JSON.stringify({ listening: { url, port } }))) === "gone") return
      // The port --port 0 picked is told with --quiet too: it cannot be learned otherwise.
      const listening = `Listening for Motive webhooks on ${url} (Ctrl-C to stop)`
      yield* opts.port === 0 && !output.mode.json ? output.told(listening) : output.note(listening)
      // Signed, but not an event (no action and id): acknowledged, and told on stderr, shortened and escaped.
      const others = Stream.runForEach(
        receiver.unrecognized,
        (raw) => output.warning(`a signed delivery that is not an event (acknowledged): ${printableBytes(raw)}`)
      )
      yield* Effect.raceFirst(Deferred.await(readerGone), others)
    }).pipe(Effect.scoped)
).pipe(
  Command.withDescription(
    "Receive webhooks locally: verify each and print it as one JSON line (with --json, a first line gives the address)"
  )
)

/**
 * `motive webhook …`
 *
 * @since 0.1.0
 */
export const webhookCommand = Command.make("webhook").pipe(
  Command.withDescription("Company webhooks: verify signatures, receive deliveries"),
  Command.withSubcommands([verify, listen])
)
