/**
 * The webhook route of footage jobs: Motive's completion deliveries, verified by the http package's hardened
 * receiver, resolve the rows waiting for the recall they name.
 *
 * @since 0.1.0
 */
import { Webhooks } from "@effect-motive/http"
import type { HttpApp } from "@effect/platform"
import { Effect, type Redacted, type Scope, Stream } from "effect"
import { FootageJobs } from "./FootageJobs.js"

/**
 * An HTTP app to mount where Motive posts completions (every limit of `Webhooks.makeReceiver` applies: body
 * size, body time, JSON depth, signature over the raw bytes). Each verified event resolves its rows in the
 * background for the scope's life; the app answers before that work, within Motive's 3 seconds.
 *
 * @since 0.1.0
 */
export const makeApp = (options: {
  readonly secret: Redacted.Redacted<string>
  readonly maxBodyBytes?: number
}): Effect.Effect<HttpApp.Default<never, Scope.Scope>, Webhooks.ReceiverOptionsInvalid, FootageJobs | Scope.Scope> =>
  Effect.gen(function*() {
    const jobs = yield* FootageJobs
    const receiver = yield* Webhooks.makeReceiver(options)
    yield* receiver.events.pipe(
      Stream.runForEach(({ event }) =>
        jobs.resolveFromWebhook(event).pipe(
          Effect.catchAll((e) => Effect.logWarning(`webhook for recall ${event.id} not recorded: ${e.message}`))
        )
      ),
      Effect.forkScoped
    )
    return receiver.app
  })
