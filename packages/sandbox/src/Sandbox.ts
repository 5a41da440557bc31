/**
 * The Motive sandbox: a real HTTP server on loopback that behaves like Motive's camera API.
 *
 * @since 0.1.0
 */
import type { CameraPosition } from "@effect-motive/domain"
import { Webhooks } from "@effect-motive/http"
import { NodeHttpServer } from "@effect/platform-node"
import { Clock, Context, Effect, Either, Exit, Layer, Redacted, Schedule, Schema, Scope } from "effect"
import { createServer } from "node:http"
import { type Fault, faultProblem, InvalidFault, type RandomFaults, type RouteKey } from "./Faults.js"
import { makeApi } from "./internal/api.js"
import { makeApp } from "./internal/http.js"
import { mediaPaths, signedUrl } from "./internal/signedMedia.js"
import { advance, configure, makeState, reset } from "./internal/state.js"
import { deliver } from "./internal/webhookDeliveries.js"
import { registrationOf } from "./internal/webhooks.js"
import { listenFailure } from "./ListenFailure.js"
import { imageKey, jpegImage, videoKey } from "./Media.js"
import type { RecordedRequest, StoredCapture, StoredRecall, StoredWebhook, WebhookDelivery } from "./Records.js"
import { resolveSettings, type SandboxOptions, type SandboxSettings } from "./SandboxOptions.js"

/**
 * The sandbox could not start (typically: the port is taken).
 *
 * @since 0.1.0
 */
export class SandboxStartError extends Schema.TaggedError<SandboxStartError>()("SandboxStartError", {
  message: Schema.String
}) {}

/**
 * A webhook that cannot be registered (a URL off this machine, an empty secret); nothing was registered.
 *
 * @since 0.1.0
 */
export class InvalidWebhook extends Schema.TaggedError<InvalidWebhook>()("InvalidWebhook", {
  message: Schema.String
}) {}

/**
 * A running sandbox: where it listens, and the controls a test or demo uses.
 *
 * @since 0.1.0
 */
export interface SandboxService {
  /** `http://127.0.0.1:<port>`: use it as `MOTIVE_BASE_URL`. */
  readonly baseUrl: string
  readonly port: number
  /** The first accepted API key. */
  readonly apiKey: Redacted.Redacted<string>
  /** The settings in force. */
  readonly settings: Effect.Effect<SandboxSettings>
  /** Changes settings while running (rate limit, quota, lifecycle, media, fleet, clock, speed…). */
  readonly configure: (options: SandboxOptions) => Effect.Effect<void>
  /**
   * The next `times` calls to `route` (default 1; `Infinity`: every call) meet `fault`, after the faults already
   * waiting for that route. A fault the route cannot act on (`faultFits`) fails as `InvalidFault`.
   */
  readonly injectFault: (route: RouteKey, fault: Fault, times?: number) => Effect.Effect<void, InvalidFault>
  /** Random faults on (or off with `undefined`). */
  readonly randomFaults: (options: RandomFaults | undefined) => Effect.Effect<void>
  /** Every request received, in order (secrets masked). */
  readonly requests: Effect.Effect<ReadonlyArray<RecordedRequest>>
  readonly recalls: Effect.Effect<ReadonlyArray<StoredRecall>>
  readonly captures: Effect.Effect<ReadonlyArray<StoredCapture>>
  readonly webhooks: Effect.Effect<ReadonlyArray<StoredWebhook>>
  readonly deliveries: Effect.Effect<ReadonlyArray<WebhookDelivery>>
  /**
   * Registers a company webhook directly, under the API's rules (`POST /v1/company_webhooks`): an http(s) URL on
   * a loopback address (the sandbox posts nowhere else) and a secret that is not empty, or `InvalidWebhook`.
   */
  readonly registerWebhook: (
    url: string,
    secret: Redacted.Redacted<string>,
    actions?: ReadonlyArray<string>
  ) => Effect.Effect<StoredWebhook, InvalidWebhook>
  /** Moves every request to its current status now, and delivers due webhooks, without waiting for a tick. */
  readonly settle: Effect.Effect<void>
  /** The exact bytes served for a recalled camera's video. */
  readonly videoBytes: (recallId: number, position: CameraPosition) => Effect.Effect<Uint8Array>
  /** The exact bytes served for a captured image. */
  readonly imageBytes: (requestId: number, position: CameraPosition) => Effect.Effect<Uint8Array>
  /** A media URL signed by this sandbox, valid until `expiresAt` (epoch ms) — for expiry tests. */
  readonly signMediaUrl: (
    media: { readonly recallId: number; readonly position: CameraPosition } | {
      readonly imageRequestId: number
      readonly position: CameraPosition
    },
    expiresAt: number
  ) => Effect.Effect<string>
  /** Forgets all requests, stored requests, webhooks, deliveries, faults and quota use. */
  readonly reset: Effect.Effect<void>
}

/**
 * The sandbox as a service tag, for tests that share one per file (`it.layer(Sandbox.layer())`).
 *
 * @since 0.1.0
 */
export class Sandbox extends Context.Tag("@effect-motive/sandbox/Sandbox")<Sandbox, SandboxService>() {}

/**
 * Starts a sandbox in the current scope; it stops when the scope closes.
 *
 * @since 0.1.0
 */
export const make = (options: SandboxOptions = {}): Effect.Effect<SandboxService, SandboxStartError, Scope.Scope> =>
  Effect.gen(function*() {
    const settings = resolveSettings(options)
    // Node throws for a port out of range (a defect): said as the failure to start it is.
    if (!(Number.isInteger(settings.port) && settings.port >= 0 && settings.port <= 65535)) {
      return yield* new SandboxStartError({
        message: `sandbox could not listen: port ${settings.port} is not a port (0 to 65535; 0: any free port)`
      })
    }
    const scope = yield* Effect.scope
    const nodeServer = createServer()
    const server = yield* NodeHttpServer.make(() => nodeServer, {
      host: settings.host,
      port: settings.port
    }).pipe(
      Effect.mapError((e) =>
        new SandboxStartError({ message: `sandbox could not listen: ${listenFailure(settings, e.cause)}` })
      )
    )
    const address = server.address
    if (address._tag !== "TcpAddress") {
      return yield* new SandboxStartError({ message: "sandbox is not listening on TCP" })
    }
    const host = address.hostname.includes(":") ? `[${address.hostname}]` : address.hostname
    const baseUrl = `http://${host}:${address.port}`
    const state = yield* makeState(settings, baseUrl)
    // Stopping ends what is still in flight (a `slow` fault's wait, an open connection) rather than leaving it
    // to keep the process alive. Runs before the server's own close, which was registered first.
    yield* Effect.addFinalizer(() =>
      Effect.zipRight(state.stopSignal.stop, Effect.sync(() => nodeServer.closeAllConnections()))
    )
    // The sandbox keeps real time for its own waits even inside a test that controls the Effect clock.
    const live = Clock.make()
    const app = yield* makeApp(state, makeApi(state))
    yield* server.serve(app).pipe(Effect.provide(NodeHttpServer.layerContext), Effect.withClock(live))

    const tick = Effect.zipRight(
      advance(state),
      Effect.flatMap(
        state.deliveries.due,
        (due) =>
          Effect.forEach(due, (d) => Effect.forkIn(deliver(state.config, state.deliveries, d), scope), {
            discard: true
          })
      )
    )
    yield* Effect.forkIn(Effect.repeat(tick, Schedule.spaced("20 millis")).pipe(Effect.withClock(live)), scope)

    return {
      baseUrl,
      port: address.port,
      apiKey: Redacted.make(settings.apiKeys[0] ?? ""),
      settings: state.config.settings,
      configure: (o) =>
        Effect.flatMap(state.config.settings, (current) => configure(state, resolveSettings(o, current))),
      injectFault: (route, fault, times = 1) => {
        const problem = faultProblem(route, fault, times)
        return problem === undefined ? state.faults.script(route, fault, times) : new InvalidFault({ message: problem })
      },
      randomFaults: (o) => state.faults.setRandom(o),
      requests: state.requests.all,
      recalls: Effect.zipRight(advance(state), state.recalls.all),
      captures: Effect.zipRight(advance(state), state.captures.all),
      webhooks: state.webhooks.all,
      deliveries: state.deliveries.all,
      registerWebhook: (url, secret, actions = []) =>
        Either.match(registrationOf({ url, secret: Redacted.value(secret), actions }), {
          onLeft: (message) => new InvalidWebhook({ message }),
          onRight: (registration) => state.webhooks.register(registration)
        }),
      settle: tick,
      videoBytes: (recallId, position) =>
        Effect.map(state.config.current, ({ video }) => video.all(videoKey(recallId, position))),
      imageBytes: (requestId, position) => Effect.sync(() => jpegImage(imageKey(requestId, position))),
      signMediaUrl: (media, expiresAt) =>
        Effect.sync(() =>
          signedUrl(
            state.signer,
            "recallId" in media
              ? mediaPaths.video(media.recallId, media.position)
              : mediaPaths.image(media.imageRequestId, media.position),
            expiresAt
          )
        ),
      reset: reset(state)
    } satisfies SandboxService
  })

/**
 * A layer that starts one sandbox for its lifetime.
 *
 * @since 0.1.0
 */
export const layer = (options: SandboxOptions = {}): Layer.Layer<Sandbox, SandboxStartError> =>
  Layer.scoped(Sandbox, make(options))

/**
 * A running sandbox outside of Effect (for the CLI and scripts): its service and a `close`.
 *
 * @since 0.1.0
 */
export interface StartedSandbox {
  readonly sandbox: SandboxService
  readonly baseUrl: string
  readonly close: () => Promise<void>
}

/**
 * Starts a sandbox and resolves once it listens.
 *
 * @since 0.1.0
 */
export const start = async (options: SandboxOptions = {}): Promise<StartedSandbox> => {
  const scope = Effect.runSync(Scope.make())
  const sandbox = await Effect.runPromise(Scope.extend(make(options), scope))
  return {
    sandbox,
    baseUrl: sandbox.baseUrl,
    close: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}

/**
 * The `X-KT-Webhook-Signature` the sandbox sends: hex HMAC-SHA1 of the raw body keyed with the secret, by the
 * client's own implementation (`Webhooks.sign`).
 *
 * @since 0.1.0
 */
export const webhookSignature = (body: string | Uint8Array, secret: Redacted.Redacted<string>): Effect.Effect<string> =>
  Webhooks.sign(body, secret)
