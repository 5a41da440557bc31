/** The sandbox's state: one module per concern, each over its own `Ref`, and what spans several of them. */
import { Effect } from "effect"
import type { SandboxSettings } from "../SandboxOptions.js"
import { type Captures, makeCaptures } from "./captures.js"
import { type Config, makeConfig } from "./config.js"
import { type Faults, makeFaults } from "./faultPlan.js"
import { makeOutcomes, type Outcomes } from "./lifecycle.js"
import { makeQuota, type Quota } from "./quota.js"
import { makeRateLimit, type RateLimit } from "./rateLimit.js"
import { makeRecalls, type Recalls } from "./recalls.js"
import { makeRequestLog, type RequestLog } from "./requestLog.js"
import { makeMediaSigner, type MediaSigner } from "./signedMedia.js"
import { makeStopSignal, type StopSignal } from "./stopSignal.js"
import { type Deliveries, makeDeliveries } from "./webhookDeliveries.js"
import { makeWebhooks, type Webhooks } from "./webhooks.js"

/**
 * Everything a running sandbox keeps.
 */
export interface SandboxState {
  readonly config: Config
  readonly faults: Faults
  readonly requests: RequestLog
  readonly rateLimit: RateLimit
  readonly quota: Quota
  readonly outcomes: Outcomes
  readonly recalls: Recalls
  readonly captures: Captures
  readonly webhooks: Webhooks
  readonly deliveries: Deliveries
  readonly signer: MediaSigner
  readonly stopSignal: StopSignal
}

/**
 * A fresh state for a sandbox listening at `baseUrl`.
 */
export const makeState = (settings: SandboxSettings, baseUrl: string): Effect.Effect<SandboxState> =>
  Effect.gen(function*() {
    const config = yield* makeConfig(settings)
    const quota = yield* makeQuota
    const outcomes = yield* makeOutcomes(config, settings.seed)
    return {
      config,
      faults: yield* makeFaults,
      requests: yield* makeRequestLog,
      rateLimit: yield* makeRateLimit,
      quota,
      outcomes,
      recalls: yield* makeRecalls({ config, quota, outcomes }),
      captures: yield* makeCaptures({ config, outcomes }),
      webhooks: yield* makeWebhooks,
      deliveries: yield* makeDeliveries(config),
      signer: makeMediaSigner(baseUrl),
      stopSignal: yield* makeStopSignal
    }
  })

/**
 * Moves every request to the status its timing gives it now (or at `now`, when the caller has read the clock),
 * and queues the webhook deliveries of the recalls that have just completed.
 */
export const advance = (state: SandboxState, at?: number): Effect.Effect<void> =>
  Effect.gen(function*() {
    const now = at ?? (yield* state.config.now)
    const completed = yield* state.recalls.advance(now)
    yield* state.captures.advance(now)
    if (completed.length === 0) return
    const webhooks = yield* state.webhooks.all
    yield* Effect.forEach(completed, (recall) => state.deliveries.queue(recall, webhooks), { discard: true })
  })

/**
 * Applies new settings; counters and stored requests stay. A new seed starts the failure draws again.
 */
export const configure = (state: SandboxState, settings: SandboxSettings): Effect.Effect<void> =>
  Effect.gen(function*() {
    const before = yield* state.config.configure(settings)
    if (before.seed !== settings.seed) yield* state.outcomes.restart(settings.seed)
  })

/**
 * Forgets every request, stored request, webhook, delivery, fault and quota use.
 */
export const reset = (state: SandboxState): Effect.Effect<void> =>
  Effect.gen(function*() {
    const { seed } = yield* state.config.settings
    yield* Effect.all([
      state.recalls.reset,
      state.captures.reset,
      state.webhooks.reset,
      state.deliveries.reset,
      state.requests.reset,
      state.quota.reset,
      state.faults.reset,
      state.rateLimit.reset,
      state.outcomes.restart(seed)
    ], { discard: true })
  })
