/**
 * Motive's company webhooks: signature verification over the raw bytes, and a mountable receiver.
 *
 * @since 0.1.0
 */
import { completedRecallId, headers as motiveHeaders, WebhookEvent } from "@effect-motive/domain"
import type { VideoRecall } from "@effect-motive/domain"
import { HttpServerRequest, HttpServerResponse } from "@effect/platform"
import type { HttpApp } from "@effect/platform"
import { Data, Duration, Effect, Option, Queue, Redacted, Schema, Stream } from "effect"
import type { Scope } from "effect"
import { concatBytes } from "./internal/bytes.js"
import { countProblem, durationProblem } from "./internal/callerInput.js"
import { MotiveClient } from "./MotiveClient.js"
import type { CallError } from "./MotiveError.js"

// Web Crypto (`crypto.subtle`, in Node 20, Deno, Bun, browsers and workers): the one HMAC implementation of
// the client, the CLI and the sandbox.
type HmacKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>

const keys = new WeakMap<Redacted.Redacted<string>, Promise<HmacKey>>()

const keyOf = (secret: Redacted.Redacted<string>): Promise<HmacKey> => {
  let key = keys.get(secret)
  if (key === undefined) {
    const raw = new TextEncoder().encode(Redacted.value(secret))
    key = crypto.subtle.importKey(
      "raw",
      // Web Crypto refuses a zero-length key, which HMAC defines: padded with zeros to the block (64 bytes for
      // SHA-1), the same key. So an empty secret signs and verifies as HMAC says, instead of dying.
      raw.length === 0 ? new Uint8Array(64) : raw,
      { name: "HMAC", hash: "SHA-1" },
      false,
      ["sign", "verify"]
    )
    keys.set(secret, key)
  }
  return key
}

const bytesOf = (body: string | Uint8Array): Uint8Array<ArrayBuffer> =>
  typeof body === "string" ? new TextEncoder().encode(body) : new Uint8Array(body)

/**
 * The hex HMAC-SHA1 of `rawBody` keyed with `secret`: what `X-KT-Webhook-Signature` must carry.
 *
 * @since 0.1.0
 */
export const sign = (rawBody: string | Uint8Array, secret: Redacted.Redacted<string>): Effect.Effect<string> =>
  Effect.promise(async () => {
    const mac = new Uint8Array(await crypto.subtle.sign("HMAC", await keyOf(secret), bytesOf(rawBody)))
    return Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("")
  })

const wellFormed = (signature: string | undefined): signature is string =>
  signature !== undefined && /^[0-9a-f]{40}$/i.test(signature.trim())

/**
 * Whether `signature` is the signature of exactly these bytes, checked by Web Crypto's own (constant-time)
 * `verify`; never re-serialise JSON before calling it. A missing or malformed header is simply not valid, and
 * nothing is valid under an empty secret (a key everyone knows: a variable left unset must not let forgeries in).
 *
 * @since 0.1.0
 */
export const verifySignature = (
  rawBody: string | Uint8Array,
  signature: string | undefined,
  secret: Redacted.Redacted<string>
): Effect.Effect<boolean> => {
  if (!wellFormed(signature) || Redacted.value(secret) === "") return Effect.succeed(false)
  const given = signature.trim().toLowerCase()
  const mac = new Uint8Array(20)
  for (let i = 0; i < 20; i++) mac[i] = parseInt(given.slice(2 * i, 2 * i + 2), 16)
  return Effect.promise(async () => crypto.subtle.verify("HMAC", await keyOf(secret), mac, bytesOf(rawBody)))
}

/**
 * A verified webhook event.
 *
 * @since 0.1.0
 */
export interface VerifiedEvent {
  readonly event: WebhookEvent
  /** The exact bytes received. */
  readonly rawBody: Uint8Array
}

/**
 * A receiver: an `HttpApp` to mount at the webhook URL, and the verified events it accepted.
 *
 * @since 0.1.0
 */
export interface WebhookReceiver {
  /**
   * Verifies, answers 403 on a bad or missing signature, and 200 at once to every signed delivery. Refusals
   * (403, 408, 413, 400) close the connection. It reads the body in the request's `Scope`, which every server
   * and router provides, so that a refusal is written before the rest of the body is dropped.
   */
  readonly app: HttpApp.Default<never, Scope.Scope>
  /**
   * Verified events (a JSON object with a string `action`; `id` when the event names a request), in arrival order
   * (none when the receiver was made with `handle`).
   */
  readonly events: Stream.Stream<VerifiedEvent>
  /**
   * Signed deliveries whose body is not an event (not an object with a string `action`), as received, including
   * JSON nested deeper
   * than `maxDepth`. They are answered 200 all the same: they come from Motive, and any other answer only makes
   * Motive send them again.
   */
  readonly unrecognized: Stream.Stream<Uint8Array>
}

/**
 * The receiver's limits when none are given: Motive's deliveries are small JSON documents, answered within 3
 * seconds.
 *
 * @since 0.1.0
 */
export const receiverDefaults = {
  maxBodyBytes: 1024 * 1024,
  maxBytesInFlight: 16 * 1024 * 1024,
  bodyTimeout: Duration.seconds(5),
  maxDepth: 64
} as const

/**
 * A request body passed the size limit (answer 413).
 *
 * @since 0.1.0
 */
export class BodyTooLarge extends Data.TaggedError("BodyTooLarge") {}

/**
 * A request body did not arrive in time (answer 408).
 *
 * @since 0.1.0
 */
export class BodyTimeout extends Data.TaggedError("BodyTimeout") {}

/**
 * A request body could not be read (answer 400).
 *
 * @since 0.1.0
 */
export class BodyUnreadable extends Data.TaggedError("BodyUnreadable") {}

/**
 * The bodies being read together already hold the receiver's budget (`maxBytesInFlight`): put off (answer 503).
 *
 * @since 0.1.0
 */
export class BodiesInFlight extends Data.TaggedError("BodiesInFlight") {}

// Every refusal closes the connection: the unread rest of the body is then never read, nor kept.
const refuse = (status: number, text: string, headers: Record<string, string> = {}) =>
  HttpServerResponse.text(text, { status, headers: { connection: "close", ...headers } })

const refusals = {
  BodyTooLarge: () => refuse(413, "body too large"),
  BodyTimeout: () => refuse(408, "body not received in time"),
  BodyUnreadable: () => refuse(400, "body unreadable"),
  BodiesInFlight: () => refuse(503, "busy: too many deliveries at once")
}

/**
 * A request's body, pulled chunk by chunk: never more than `maxBytes` kept, refused as soon as it passes them
 * (a `Content-Length` above them is refused before anything is read). For any route that takes small bodies.
 *
 * @since 0.1.0
 */
export const readBody = (
  request: HttpServerRequest.HttpServerRequest,
  maxBytes: number
): Effect.Effect<Uint8Array, BodyTooLarge | BodyUnreadable, Scope.Scope> =>
  pullBody<never>(request, maxBytes, () => undefined)

/** {@link readBody}, asking `refusal` before each piece is kept (with its size): a failure it gives ends the read. */
const pullBody = <E>(
  request: HttpServerRequest.HttpServerRequest,
  maxBytes: number,
  refusal: (bytes: number) => E | undefined
): Effect.Effect<Uint8Array, BodyTooLarge | BodyUnreadable | E, Scope.Scope> =>
  Effect.gen(function*() {
    if (Number(request.headers["content-length"] ?? 0) > maxBytes) return yield* new BodyTooLarge()
    // Pulled in the request's scope: the stream (and, on Node, the socket) is closed only once the answer is out.
    const pull = yield* Stream.toPull(request.stream)
    const parts: Array<Uint8Array> = []
    let total = 0
    for (;;) {
      // The pull fails with `None` at the end of the body, and with `Some` when the body could not be read.
      const chunk = yield* Effect.catchAll(
        Effect.map(pull, Option.some),
        Option.match({ onNone: () => Effect.succeedNone, onSome: () => new BodyUnreadable() })
      )
      if (Option.isNone(chunk)) break
      for (const part of chunk.value) {
        total += part.length
        if (total > maxBytes) return yield* new BodyTooLarge()
        const refused = refusal(part.length)
        if (refused !== undefined) return yield* Effect.fail(refused)
        parts.push(part)
      }
    }
    return concatBytes(parts, total)
  })

/**
 * Whether the JSON text's arrays and objects nest at most `maxDepth` deep, by one linear scan of its bytes (no
 * recursion, so any depth is safe to check); deeper text is never given to `JSON.parse` nor to a schema (nor to
 * anything that walks a value recursively, such as `JSON.stringify`).
 *
 * @since 0.1.0
 */
export const jsonDepthWithin = (bytes: Uint8Array, maxDepth: number): boolean => {
  let depth = 0
  let inString = false
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!
    if (inString) {
      if (b === 0x5c) i++ // a backslash escapes the next byte
      else if (b === 0x22) inString = false
    } else if (b === 0x22) inString = true
    else if (b === 0x5b || b === 0x7b) {
      if (++depth > maxDepth) return false
    } else if (b === 0x5d || b === 0x7d) depth--
  }
  return true
}

/**
 * The options given to {@link makeReceiver} cannot make a working receiver (a capacity of 0 would refuse every
 * delivery, `"10 secs"` is no duration): `message` names each one with its rule.
 *
 * @since 0.1.0
 */
export class ReceiverOptionsInvalid extends Schema.TaggedError<ReceiverOptionsInvalid>()("ReceiverOptionsInvalid", {
  message: Schema.String
}) {}

/** Every option {@link makeReceiver} could not work with, named with its rule. */
const receiverProblems = (options: ReceiverOptions): Array<string> => {
  const problems: Array<string> = []
  const secret: unknown = options.secret
  if (!Redacted.isRedacted(secret) || typeof Redacted.value(secret) !== "string") {
    problems.push("secret must be a Redacted string (Redacted.make(secret))")
  }
  const checks = [
    ...(["capacity", "maxBodyBytes", "maxBytesInFlight", "maxDepth"] as const).map((name) =>
      countProblem(name, options[name])
    ),
    durationProblem("bodyTimeout", options.bodyTimeout, "5 seconds", "zero")
  ]
  for (const problem of checks) if (problem !== undefined) problems.push(problem)
  return problems
}

/**
 * What {@link makeReceiver} takes: the webhook's secret, and limits that each have a default.
 *
 * @since 0.1.0
 */
export interface ReceiverOptions {
  readonly secret: Redacted.Redacted<string>
  /** Verified events kept unread before deliveries are answered 503 (default 1024). */
  readonly capacity?: number
  readonly maxBodyBytes?: number
  readonly maxBytesInFlight?: number
  readonly bodyTimeout?: Duration.DurationInput
  readonly maxDepth?: number
  readonly handle?: (event: VerifiedEvent) => Effect.Effect<boolean>
}

/**
 * Makes a receiver. It answers before any work is done with the event (Motive allows 3 seconds), so a slow
 * application never makes Motive count a delivery as failed; when `capacity` events wait unread it answers
 * 503, and Motive delivers again later. Under an empty secret every delivery is refused (403), with a warning
 * logged when the receiver is made.
 *
 * No body can knock it over: a body over `maxBodyBytes` (default 1 MiB) is refused 413 from its
 * `Content-Length` before it is read, or as soon as it passes the limit when chunked; one that has not arrived
 * within `bodyTimeout` (default 5 seconds) is refused 408; JSON nested deeper than `maxDepth` (default 64) is
 * never parsed, and when signed is acknowledged as not an event. The bodies being read at once hold at most
 * `maxBytesInFlight` (default 16 MiB, counted as their bytes arrive, so that a sender announcing a large body and
 * sending nothing holds nothing; one alone is always read): past it, a delivery is answered 503 (Motive delivers it
 * again), so many connections cannot add up to more memory. Any method but `POST` is answered 405 (`Allow: POST`). Headers arriving slowly are the server's to bound (on Node, `headersTimeout` and `requestTimeout`).
 *
 * With `handle`, each verified event goes to it before the answer instead of to `events`, and `false` answers
 * 503 (Motive delivers it again): for a consumer that must not acknowledge what it could not keep, such as a
 * printer whose reader has gone. It runs while Motive waits for the answer (3 s): keep it short.
 *
 * Options it could not work with (a capacity or limit below 1, a timeout that is no duration, a secret that is not
 * `Redacted`) fail as {@link ReceiverOptionsInvalid}, naming each, before any receiver exists.
 *
 * @since 0.1.0
 */
export const makeReceiver = (options: ReceiverOptions): Effect.Effect<WebhookReceiver, ReceiverOptionsInvalid> =>
  Effect.gen(function*() {
    const problems = receiverProblems(options)
    if (problems.length > 0) {
      return yield* new ReceiverOptionsInvalid({ message: `invalid webhook receiver options: ${problems.join("; ")}` })
    }
    if (Redacted.value(options.secret) === "") {
      yield* Effect.logWarning("the webhook secret is empty: every delivery will be refused (403)")
    }
    const maxBodyBytes = options.maxBodyBytes ?? receiverDefaults.maxBodyBytes
    const bodyTimeout = options.bodyTimeout ?? receiverDefaults.bodyTimeout
    const maxDepth = options.maxDepth ?? receiverDefaults.maxDepth
    const maxBytesInFlight = options.maxBytesInFlight ?? receiverDefaults.maxBytesInFlight
    // The bytes the bodies being read now hold, counted as they arrive: what a body only declares (a sender that
    // announces a megabyte and sends a byte) holds nothing, so idle connections cannot put real deliveries off.
    let inFlight = 0
    const queue = yield* Queue.dropping<VerifiedEvent>(options.capacity ?? 1024)
    const others = yield* Queue.sliding<Uint8Array>(options.capacity ?? 1024)
    const decode = Schema.decodeUnknownOption(Schema.parseJson(WebhookEvent))
    const receive = Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      if (request.method !== "POST") return refuse(405, "method not allowed", { allow: "POST" })
      const declared = Number(request.headers["content-length"] ?? 0)
      if (declared > maxBodyBytes) return yield* new BodyTooLarge()
      const signature = request.headers[motiveHeaders.webhookSignature]
      // No well-formed signature: refused before a byte of the body is read.
      if (!wellFormed(signature)) return refuse(403, "invalid signature")
      let mine = 0
      // A body alone is always read whole (a limit above the budget must not refuse every delivery).
      const refusal = (bytes: number) => {
        if (inFlight > mine && inFlight + bytes > maxBytesInFlight) return new BodiesInFlight()
        inFlight += bytes
        mine += bytes
        return undefined
      }
      // Servers run handlers uninterruptibly: the read is made interruptible so that the time limit (and a
      // client hanging up) can stop it.
      const raw = yield* pullBody(request, maxBodyBytes, refusal).pipe(
        Effect.interruptible,
        Effect.timeoutFail({ duration: bodyTimeout, onTimeout: () => new BodyTimeout() }),
        Effect.ensuring(Effect.sync(() => {
          inFlight -= mine
        }))
      )
      if (!(yield* verifySignature(raw, signature, options.secret))) return refuse(403, "invalid signature")
      const event = jsonDepthWithin(raw, maxDepth) ? decode(new TextDecoder().decode(raw)) : Option.none()
      if (Option.isNone(event)) {
        yield* Queue.offer(others, raw)
        return HttpServerResponse.text("ok (not an event)", { status: 200 })
      }
      const verified = { event: event.value, rawBody: raw }
      const accepted = options.handle === undefined
        ? yield* Queue.offer(queue, verified)
        : yield* options.handle(verified)
      return accepted
        ? HttpServerResponse.text("ok", { status: 200 })
        : HttpServerResponse.text("busy", { status: 503 })
    })
    const app: HttpApp.Default<never, Scope.Scope> = Effect.catchTags(receive, refusals)
    return { app, events: Stream.fromQueue(queue), unrecognized: Stream.fromQueue(others) }
  })

/**
 * A verified recall-completion event with the recall's details fetched from the API (the source of truth).
 *
 * @since 0.1.0
 */
export interface RecallEvent {
  readonly event: WebhookEvent
  readonly recall: Option.Option<VideoRecall>
}

/**
 * Each verified event, with the recall's details fetched through the client when it is a recall-completion
 * event; other events pass with `recall: None`.
 *
 * @since 0.1.0
 */
export const withRecallDetails = (
  events: Stream.Stream<VerifiedEvent>
): Stream.Stream<RecallEvent, CallError, MotiveClient> =>
  Stream.mapEffect(events, ({ event }) =>
    Effect.gen(function*() {
      // Other actions carry ids of other things (vehicles, faults): only recall events name a recall.
      const id = completedRecallId(event)
      if (id === undefined) return { event, recall: Option.none() }
      const client = yield* MotiveClient
      return { event, recall: Option.some(yield* client.getVideoRecall(id)) }
    }))
