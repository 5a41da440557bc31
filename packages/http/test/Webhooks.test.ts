import { Sandbox } from "@effect-motive/sandbox"
import { HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Option, Redacted, Stream } from "effect"
import { createHmac } from "node:crypto"
import { createServer } from "node:http"
import { MotiveClient, Webhooks } from "../src/index.js"
import { ago, clientFor } from "./support.js"

const vectorSecret = Redacted.make("d9d36bea41c44ae49d1bfc4a48ba2abe")
const vectorBody = "[\"fault_code_closed\"]"
const vectorSignature = "f04a8386a21a6cba0447024e83b3f0983352bb72"

describe("Webhooks.verifySignature", () => {
  it.effect("passes Motive's documented test vector", () =>
    Effect.gen(function*() {
      expect(yield* Webhooks.sign(vectorBody, vectorSecret)).toBe(vectorSignature)
      expect(yield* Webhooks.verifySignature(vectorBody, vectorSignature, vectorSecret)).toBe(true)
      expect(yield* Webhooks.verifySignature(vectorBody, vectorSignature.toUpperCase(), vectorSecret)).toBe(true)
    }))

  it.effect("works on raw bytes", () =>
    Effect.gen(function*() {
      expect(yield* Webhooks.verifySignature(new TextEncoder().encode(vectorBody), vectorSignature, vectorSecret)).toBe(
        true
      )
    }))

  it.effect("rejects a tampered body, even one that is the same JSON re-serialised", () =>
    Effect.gen(function*() {
      expect(yield* Webhooks.verifySignature("[\"fault_code_opened\"]", vectorSignature, vectorSecret)).toBe(false)
      expect(yield* Webhooks.verifySignature("[ \"fault_code_closed\" ]", vectorSignature, vectorSecret)).toBe(false)
    }))

  it.effect("an empty secret verifies nothing (anyone can sign with it), and signs as node:crypto does, not crashing", () =>
    Effect.gen(function*() {
      const empty = Redacted.make("")
      const forged = createHmac("sha1", "").update(vectorBody).digest("hex")
      expect(yield* Webhooks.sign(vectorBody, empty)).toBe(forged)
      expect(yield* Webhooks.verifySignature(vectorBody, forged, empty)).toBe(false)
      expect(yield* Webhooks.verifySignature(vectorBody, vectorSignature, empty)).toBe(false)
    }))

  it.effect("rejects a wrong secret, a missing header and a malformed one", () =>
    Effect.gen(function*() {
      expect(yield* Webhooks.verifySignature(vectorBody, vectorSignature, Redacted.make("other"))).toBe(false)
      expect(yield* Webhooks.verifySignature(vectorBody, undefined, vectorSecret)).toBe(false)
      expect(yield* Webhooks.verifySignature(vectorBody, "xyz", vectorSecret)).toBe(false)
      expect(yield* Webhooks.verifySignature(vectorBody, vectorSignature.slice(0, 38), vectorSecret)).toBe(false)
    }))
})

/** Serves a receiver on 127.0.0.1 (a free port) for the scope: its base URL, ending in `/`. */
const served = (receiver: Webhooks.WebhookReceiver) =>
  Effect.gen(function*() {
    const server = yield* NodeHttpServer.make(() => createServer(), { host: "127.0.0.1", port: 0 })
    yield* server.serve(receiver.app)
    return `http://127.0.0.1:${(server.address as HttpServer.TcpAddress).port}/`
  })

describe("Webhooks.makeReceiver", () => {
  it.scopedLive("accepts the sandbox's signed deliveries and hands events on with the recall's details", () =>
    Effect.gen(function*() {
      const secret = Redacted.make("receiver-secret")
      const receiver = yield* Webhooks.makeReceiver({ secret })
      const url = `${yield* served(receiver)}motive/webhooks`

      const sandbox = yield* Sandbox.make({ lifecycle: { recallPendingMillis: 20, recallProcessingMillis: 20 } })
      yield* sandbox.registerWebhook(url, secret)
      const layer = clientFor(sandbox)
      const events = yield* Effect.provide(
        Effect.gen(function*() {
          const client = yield* MotiveClient.MotiveClient
          yield* client.createVideoRecall({ vehicleNumber: "TRK-101", startTime: ago(30), duration: 1 })
          return yield* Stream.runCollect(Webhooks.withRecallDetails(receiver.events).pipe(Stream.take(1)))
        }),
        layer
      )
      const [first] = Chunk.toArray(events)
      expect(first!.event).toMatchObject({ action: "video_recall_request_completed", id: 1 })
      expect(Option.map(first!.recall, (r) => r.status)).toEqual(Option.some("success"))
      const [delivery] = yield* sandbox.deliveries
      expect(delivery!.attempts[0]!.status).toBe(200)
    }))

  it.scopedLive("answers 403 to a bad or missing signature, and 200 to a signed body that is not an event", () =>
    Effect.gen(function*() {
      const secret = Redacted.make("s")
      const receiver = yield* Webhooks.makeReceiver({ secret })
      const url = yield* served(receiver)
      const post = (body: string, signature?: string) =>
        Effect.promise(() =>
          fetch(url, {
            method: "POST",
            body,
            headers: signature === undefined ? {} : { "x-kt-webhook-signature": signature }
          }).then((r) => r.status)
        )
      const event = JSON.stringify({ action: "video_recall_request_completed", id: 5 })
      expect(yield* post(event)).toBe(403)
      expect(yield* post(event, yield* Webhooks.sign(event, Redacted.make("wrong")))).toBe(403)
      expect(yield* post(event + " ", yield* Webhooks.sign(event, secret))).toBe(403)
      // The documented test vector's body is signed but is no event: acknowledged, and handed over as it came.
      const vector = "[\"fault_code_closed\"]"
      expect(yield* post(vector, yield* Webhooks.sign(vector, secret))).toBe(200)
      const other = yield* Stream.runCollect(Stream.take(receiver.unrecognized, 1))
      expect(new TextDecoder().decode(Chunk.unsafeHead(other))).toBe(vector)
      expect(yield* post(event, yield* Webhooks.sign(event, secret))).toBe(200)
      const received = yield* Stream.runCollect(Stream.take(receiver.events, 1))
      expect(Chunk.unsafeHead(received).event).toEqual({ action: "video_recall_request_completed", id: 5 })
    }))

  it.scopedLive("under an empty secret (a variable left unset) refuses every delivery, forged with that key too", () =>
    Effect.gen(function*() {
      const secret = Redacted.make("")
      const receiver = yield* Webhooks.makeReceiver({ secret })
      const url = yield* served(receiver)
      const body = JSON.stringify({ action: "video_recall_request_completed", id: 1 })
      const status = yield* Effect.promise(() =>
        fetch(url, {
          method: "POST",
          body,
          headers: { "x-kt-webhook-signature": createHmac("sha1", "").update(body).digest("hex") }
        }).then((r) => r.status)
      )
      expect(status).toBe(403)
    }))

  it.scopedLive("with handle, answers each event only after handling it: 200 when kept, 503 when not", () =>
    Effect.gen(function*() {
      const secret = Redacted.make("s")
      const kept: Array<unknown> = []
      const receiver = yield* Webhooks.makeReceiver({
        secret,
        handle: ({ event }) =>
          Effect.sync(() => {
            if (event.id === 2) return false
            kept.push(event)
            return true
          })
      })
      const url = yield* served(receiver)
      const post = (id: number) =>
        Effect.flatMap(
          Webhooks.sign(JSON.stringify({ action: "video_recall_request_completed", id }), secret),
          (signature) =>
            Effect.promise(() =>
              fetch(url, {
                method: "POST",
                body: JSON.stringify({ action: "video_recall_request_completed", id }),
                headers: { "x-kt-webhook-signature": signature }
              }).then((r) => r.status)
            )
        )
      expect(yield* post(1)).toBe(200)
      // Handled before the answer: already kept when the 200 arrives.
      expect(kept).toEqual([{ action: "video_recall_request_completed", id: 1 }])
      expect(yield* post(2)).toBe(503)
      expect(kept).toHaveLength(1)
      // Nothing goes to `events` when a handler takes them.
      const queued = yield* Stream.runCollect(Stream.take(receiver.events, 1)).pipe(
        Effect.timeout("100 millis"),
        Effect.option
      )
      expect(queued).toEqual(Option.none())
    }))
})
