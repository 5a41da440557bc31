/** Webhook deliveries: one per registered webhook and completed recall, retried with doubling backoff. */
import { recallCompletedAction } from "@effect-motive/domain"
import { RetryPolicy, Webhooks } from "@effect-motive/http"
import { Duration, Effect, Ref } from "effect"
import type { DeliveryAttempt, StoredRecall, StoredWebhook, WebhookDelivery } from "../Records.js"
import type { SandboxSettings } from "../SandboxOptions.js"
import { recallCompletedEvent } from "./bodies.js"
import type { Config } from "./config.js"

/**
 * How long after its `attempts`-th failed attempt a delivery is tried again, from the client's own
 * `RetryPolicy.redeliverySchedule`: `retryBaseMillis` doubled for each attempt after the first, in sandbox time
 * (divided by `speed`); `undefined` once `maxAttempts` have been made.
 */
export const redeliveryDelayMillis = (settings: SandboxSettings, attempts: number): number | undefined => {
  const delay = RetryPolicy.delayBefore(
    RetryPolicy.redeliverySchedule(settings.webhooks.retryBaseMillis / settings.speed, settings.webhooks.maxAttempts),
    attempts
  )
  return delay === undefined ? undefined : Duration.toMillis(delay)
}

/**
 * A delivery and the key its attempts are recorded under (kept across `reset`, so a late attempt finds
 * nothing rather than another delivery).
 */
export interface KeyedDelivery {
  readonly key: number
  readonly delivery: WebhookDelivery
}

interface Queue {
  readonly nextKey: number
  readonly entries: ReadonlyArray<KeyedDelivery>
}

/**
 * The deliveries queue.
 */
export interface Deliveries {
  /** Queues a delivery of `recall`'s completion to every enabled webhook that listens for it. */
  readonly queue: (recall: StoredRecall, webhooks: ReadonlyArray<StoredWebhook>) => Effect.Effect<void>
  /** Deliveries whose next attempt is due; they are marked in flight. */
  readonly due: Effect.Effect<ReadonlyArray<KeyedDelivery>>
  /** Records an attempt, and schedules the next one unless it succeeded or was the last. */
  readonly recordAttempt: (key: number, attempt: DeliveryAttempt) => Effect.Effect<void>
  readonly all: Effect.Effect<ReadonlyArray<WebhookDelivery>>
  readonly reset: Effect.Effect<void>
}

const listens = (webhook: StoredWebhook) =>
  webhook.enabled && (webhook.actions.length === 0 || webhook.actions.includes(recallCompletedAction))

const update = (queue: Queue, key: number, f: (d: WebhookDelivery) => WebhookDelivery): Queue => ({
  ...queue,
  entries: queue.entries.map((e) => e.key === key ? { key, delivery: f(e.delivery) } : e)
})

/**
 * An empty queue, reading retry settings and time from `config`.
 */
export const makeDeliveries = (config: Config): Effect.Effect<Deliveries> =>
  Effect.map(Ref.make<Queue>({ nextKey: 1, entries: [] }), (ref) => ({
    queue: (recall, webhooks) =>
      Effect.gen(function*() {
        const now = yield* config.now
        const body = recallCompletedEvent(recall)
        const listening = webhooks.filter(listens)
        // Signed by the client's own implementation (Web Crypto): one HMAC everywhere.
        const signatures = yield* Effect.forEach(listening, (w) => Webhooks.sign(body, w.secret))
        yield* Ref.update(ref, (queue) => {
          const added = listening.map((webhook, i): KeyedDelivery => ({
            key: queue.nextKey + i,
            delivery: {
              webhookId: webhook.id,
              url: webhook.url,
              action: recallCompletedAction,
              recallId: recall.id,
              body,
              signature: signatures[i]!,
              attempts: [],
              state: "pending",
              nextAttemptAt: now
            }
          }))
          return { nextKey: queue.nextKey + added.length, entries: [...queue.entries, ...added] }
        })
      }),
    due: Effect.flatMap(config.now, (now) =>
      Ref.modify(ref, (queue) => {
        const due = queue.entries.filter((e) => e.delivery.state === "pending" && e.delivery.nextAttemptAt <= now)
        if (due.length === 0) return [due, queue]
        const keys = new Set(due.map((e) => e.key))
        const inFlight = due.map((e): KeyedDelivery => ({
          key: e.key,
          delivery: { ...e.delivery, state: "in_flight" }
        }))
        return [inFlight, {
          ...queue,
          entries: queue.entries.map((e) => keys.has(e.key) ? inFlight.find((d) => d.key === e.key)! : e)
        }]
      })),
    recordAttempt: (key, attempt) =>
      Effect.flatMap(config.settings, (settings) =>
        Ref.update(ref, (queue) =>
          update(queue, key, (delivery) => {
            const attempts = [...delivery.attempts, attempt]
            const ok = attempt.error === undefined && attempt.status !== undefined && attempt.status >= 200 &&
              attempt.status < 300
            if (ok) return { ...delivery, attempts, state: "delivered" }
            const delay = redeliveryDelayMillis(settings, attempts.length)
            if (delay === undefined) return { ...delivery, attempts, state: "failed" }
            return { ...delivery, attempts, state: "pending", nextAttemptAt: settings.clock.now() + delay }
          }))),
    all: Effect.map(Ref.get(ref), (queue) => queue.entries.map((e) => e.delivery)),
    reset: Ref.update(ref, (queue) => ({ nextKey: queue.nextKey, entries: [] }))
  }))

/**
 * Posts one delivery, signed, within the webhook deadline, and records the attempt: its status, or why it
 * failed (an answer outside 2xx, no answer in time, no connection).
 */
export const deliver = (
  config: Config,
  deliveries: Deliveries,
  { delivery, key }: KeyedDelivery
): Effect.Effect<void> =>
  Effect.gen(function*() {
    const settings = yield* config.settings
    const at = settings.clock.now()
    const { timeoutMillis } = settings.webhooks
    const attempt = yield* Effect.promise(async () => {
      const started = Date.now()
      let status: number | undefined
      let error: string | undefined
      try {
        const response = await fetch(delivery.url, {
          method: "POST",
          headers: { "content-type": "application/json", "x-kt-webhook-signature": delivery.signature },
          body: delivery.body,
          // A redirect is an answer outside 2xx, as Motive is assumed to take it: following it would post the signed
          // body to wherever it points, past the loopback check, and count a receiver that only works redirected.
          redirect: "manual",
          signal: AbortSignal.timeout(timeoutMillis)
        })
        status = response.status
        await response.arrayBuffer()
        if (status < 200 || status >= 300) error = `answered ${status}`
      } catch (e) {
        error = e instanceof Error && e.name === "TimeoutError"
          ? `no answer within ${timeoutMillis} ms`
          : e instanceof Error
          ? e.message
          : String(e)
      }
      return { at, status, error, durationMillis: Date.now() - started }
    })
    yield* deliveries.recordAttempt(key, attempt)
  })
