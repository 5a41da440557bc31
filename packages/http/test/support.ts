import type { SandboxOptions } from "@effect-motive/sandbox"
import { Sandbox } from "@effect-motive/sandbox"
import { NodeContext, NodeHttpClient } from "@effect/platform-node"
import { Duration, Effect, Layer, Redacted, TestServices } from "effect"
import { MediaDownloads, Motive, MotiveClient, MotiveConfig, Waiting } from "../src/index.js"
import { NodeMotive } from "../src/node.js"

/** The three services as one value, for tests that use them side by side. */
export type Motive = MotiveClient.MotiveClientService & Waiting.WaitingService & MediaDownloads.MediaDownloadsService

/** Fast retries and polls, so tests spend milliseconds, not seconds. */
export const quick = {
  retry: {
    baseDelay: Duration.millis(5),
    maxDelay: Duration.millis(50),
    maxElapsed: Duration.seconds(10),
    defaultRetryAfter: Duration.millis(20)
  },
  polling: { initialInterval: Duration.millis(10), maxInterval: Duration.millis(40), timeout: Duration.seconds(10) },
  rateLimit: false as const
} satisfies Partial<MotiveConfig.MotiveConfigInput>

/** The client pointed at `sandbox`, with its API key (settings a test gets wrong are a defect of the test). */
export const clientFor = (
  sandbox: Sandbox.SandboxService,
  overrides: Partial<Omit<MotiveConfig.MotiveConfigInput, "credentials">> = {},
  apiKey = sandbox.apiKey
) =>
  NodeMotive.layer({
    credentials: { _tag: "ApiKey", apiKey },
    baseUrl: sandbox.baseUrl,
    ...quick,
    ...overrides
  }).pipe(Layer.orDie)

/** NodeMotive pointed at a server of the test's own (`baseUrl`), with an API key it does not check. */
export const clientAt = (
  baseUrl: string,
  overrides: Partial<Omit<MotiveConfig.MotiveConfigInput, "credentials">> = {}
) =>
  NodeMotive.layer({ credentials: { _tag: "ApiKey", apiKey: Redacted.make("k") }, baseUrl, ...quick, ...overrides })
    .pipe(Layer.orDie)

/** The client pointed at `sandbox` through `Motive.layer` over undici's `HttpClient`: a user's own client's path. */
export const overHttpClient = (
  sandbox: Sandbox.SandboxService,
  overrides: Partial<Omit<MotiveConfig.MotiveConfigInput, "credentials">> = {}
) =>
  Motive.layer.pipe(Layer.provide(Layer.mergeAll(
    MotiveConfig.layer({
      credentials: { _tag: "ApiKey", apiKey: sandbox.apiKey },
      baseUrl: sandbox.baseUrl,
      ...quick,
      ...overrides
    }),
    NodeHttpClient.layerUndici,
    NodeContext.layer
  )))

/** Starts a sandbox and returns it with a client layer for it. */
export const setup = (
  options: SandboxOptions = {},
  overrides: Partial<Omit<MotiveConfig.MotiveConfigInput, "credentials">> = {}
) => Effect.map(Sandbox.make(options), (sandbox) => ({ sandbox, client: clientFor(sandbox, overrides) }))

/** Runs `effect` with the client of `layer`. */
export const withClient = <A, E, LE>(
  layer: Layer.Layer<MotiveClient.MotiveClient | Waiting.Waiting | MediaDownloads.MediaDownloads, LE>,
  f: (motive: Motive) => Effect.Effect<A, E>
) =>
  Effect.all([MotiveClient.MotiveClient, Waiting.Waiting, MediaDownloads.MediaDownloads]).pipe(
    Effect.flatMap(([client, waiting, downloads]) => f({ ...client, ...waiting, ...downloads })),
    Effect.provide(layer)
  )

/** An ISO timestamp `minutes` before now. */
export const ago = (minutes: number, now = Date.now()): string => new Date(now - minutes * 60_000).toISOString()

/** How many requests the sandbox saw for a route. */
export const seen = (sandbox: Sandbox.SandboxService, route: string) =>
  Effect.map(sandbox.requests, (rs) => rs.filter((r) => r.route === route).length)

/** Sleeps in real time, even under the TestClock. */
export const liveSleep = (millis: number) => TestServices.provideLive(Effect.sleep(Duration.millis(millis)))

/** Waits in real time until `check` holds. */
export const waitFor = (check: Effect.Effect<boolean>, millis = 5_000) =>
  Effect.gen(function*() {
    const deadline = Date.now() + millis
    while (!(yield* check)) {
      if (Date.now() > deadline) return yield* Effect.dieMessage(`condition not met within ${millis} ms`)
      yield* liveSleep(10)
    }
  })
