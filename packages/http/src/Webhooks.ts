/**
 * Motive's company webhooks: signature verification over the raw bytes, and a mountable receiver.
 *
 * @since 0.1.0
 */
import { headers as motiveHeaders, recallCompletedAction, WebhookEvent } from "@effect-motive/domain"
import type { VideoRecall } from "@effect-motive/domain"
import { HttpServerRequest, HttpServerResponse } from "@effect/platform"
import type { HttpApp } from "@effect/platform"
import { Effect, Option, Queue, Redacted, Schema, Stream } from "effect"
import { MotiveClient } from "./MotiveClient.js"
import type { MotiveError } from "./MotiveError.js"

// Web Crypto (`crypto.subtle`, in Node 20, Deno, Bun, browsers and workers): the one HMAC implementation of
// the client, the CLI and the sandbox.
type HmacKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>

const keys = new WeakMap<Redacted.Redacted<string>, Promise<HmacKey>>()

const keyOf = (secret: Redacted.Redacted<string>): Promise<HmacKey> => {
  let key = keys.get(secret)
  if (key === undefined) {
    key = crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode(Redacted.value(secret)),
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

/**
 * Whether `signature` is the signature of exactly these bytes, checked by Web Crypto's own (constant-time)
 * `verify`; never re-serialise JSON before calling it. A missing or malformed header is simply not valid.
 *
 * @since 0.1.0
 */
export const verifySignature = (
  rawBody: string | Uint8Array,
  signature: string | undefined,
  secret: Redacted.Redacted<string>
): Effect.Effect<boolean> => {
  const given = signature?.trim().toLowerCase()
  if (given === undefined || !/^[0-9a-f]{40}$/.test(given)) return Effect.succeed(false)
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
  /** Verifies, answers 403 on a bad or missing signature, and 200 at once to every signed delivery. */
  readonly app: HttpApp.Default
  /** Verified events, in arrival order. */
  readonly events: Stream.Stream<VerifiedEvent>
  /**
   * Signed deliveries whose body is not an event (`{ action, id }`), as received. They are answered 200 all
   * the same: they come from Motive, and any other answer only makes Motive send them again.
   */
  readonly unrecognized: Stream.Stream<Uint8Array>
}

/**
 * Makes a receiver. It answers before any work is done with the event (Motive allows 3 seconds), so a slow
 * application never makes Motive count a delivery as failed; when `capacity` events wait unread it answers
 * 503, and Motive delivers again later.
 *
 * @since 0.1.0
 */
export const makeReceiver = (options: {
  readonly secret: Redacted.Redacted<string>
  readonly capacity?: number
}): Effect.Effect<WebhookReceiver> =>
  Effect.gen(function*() {
    const queue = yield* Queue.dropping<VerifiedEvent>(options.capacity ?? 1024)
    const others = yield* Queue.sliding<Uint8Array>(options.capacity ?? 1024)
    const decode = Schema.decodeUnknownOption(Schema.parseJson(WebhookEvent))
    const app: HttpApp.Default = Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      if (request.method !== "POST") return HttpServerResponse.text("method not allowed", { status: 405 })
      const raw = new Uint8Array(yield* Effect.orElseSucceed(request.arrayBuffer, () => new ArrayBuffer(0)))
      if (!(yield* verifySignature(raw, request.headers[motiveHeaders.webhookSignature], options.secret))) {
        return HttpServerResponse.text("invalid signature", { status: 403 })
      }
      const event = decode(new TextDecoder().decode(raw))
      if (Option.isNone(event)) {
        yield* Queue.offer(others, raw)
        return HttpServerResponse.text("ok (not an event)", { status: 200 })
      }
      const accepted = yield* Queue.offer(queue, { event: event.value, rawBody: raw })
      return accepted
        ? HttpServerResponse.text("ok", { status: 200 })
        : HttpServerResponse.text("busy", { status: 503 })
    })
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
): Stream.Stream<RecallEvent, MotiveError, MotiveClient> =>
  Stream.mapEffect(events, ({ event }) =>
    Effect.gen(function*() {
      const id = typeof event.id === "number" ? event.id : typeof event.id === "string" ? Number(event.id) : NaN
      // Other actions carry ids of other things (vehicles, faults): only recall events name a recall.
      if (event.action !== recallCompletedAction || !Number.isSafeInteger(id) || id <= 0) {
        return { event, recall: Option.none() }
      }
      const client = yield* MotiveClient
      return { event, recall: Option.some(yield* client.getVideoRecall(id)) }
    }))
