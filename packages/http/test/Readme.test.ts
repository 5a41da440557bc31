/**
 * The README's library snippets, verbatim (each between `// README:begin` and `// README:end`): the type check
 * compiles them, the tests below build their layers and run them against a sandbox, and the first test fails
 * when the README and this file drift apart.
 */
import { Sandbox } from "@effect-motive/sandbox"
import { NodeContext, NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Redacted } from "effect"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

// README:begin
import { MediaDownloads, MotiveClient, Waiting } from "@effect-motive/http"
import { NodeMotive } from "@effect-motive/http/node"

const program = Effect.gen(function*() {
  const motive = yield* MotiveClient.MotiveClient
  const waiting = yield* Waiting.Waiting
  const downloads = yield* MediaDownloads.MediaDownloads
  const { recall } = yield* motive.createVideoRecall({
    vehicleNumber: "TRK-101",
    startTime: "2026-11-24T10:00:00-05:00",
    duration: 2,
    cameraPositions: ["front_facing", "driver_facing"]
  })
  yield* waiting.awaitVideoRecall(recall.id).pipe(Waiting.requireSuccess("video recall", recall.id))
  return yield* downloads.downloadRecall(recall.id, { directory: "./incident" })
})

// MOTIVE_API_KEY or MOTIVE_OAUTH_TOKEN, MOTIVE_BASE_URL, MOTIVE_TIME_ZONE, MOTIVE_MAX_ATTEMPTS from the
// environment; then Effect.runPromise(main), or NodeRuntime.runMain(main).
const main = program.pipe(Effect.provide(NodeMotive.layerConfig()))
// README:end

// README:begin
import { Motive, MotiveConfig } from "@effect-motive/http"
import { Config } from "effect"

// Any HttpClient and FileSystem (here Node's); each setting from the environment unless given here.
const overYourHttpClient = Motive.layer.pipe(
  Layer.provide(MotiveConfig.layerConfig({ apiKey: Config.redacted("FLEET_API_KEY"), retry: { maxAttempts: 3 } })),
  Layer.provide(Layer.merge(NodeHttpClient.layerUndici, NodeContext.layer))
)

// Only the API calls: no file system needed.
const callsOnly = MotiveClient.layerConfig().pipe(Layer.provide(NodeHttpClient.layerUndici))
// README:end

// README:begin
import { RequestGate, RetryPolicy } from "@effect-motive/http"
import { NodeMediaTransport } from "@effect-motive/http/node"
import { Schedule } from "effect"

const pieceByPiece = (settings: MotiveConfig.MotiveConfigInput) =>
  Motive.layerWithoutDefaults.pipe(
    Layer.provide(Layer.mergeAll(
      NodeMediaTransport.layer({ idleTimeout: "1 minute" }), // or MediaTransport.layerHttpClient()
      RetryPolicy.fromSchedule(Schedule.exponential("500 millis").pipe(Schedule.intersect(Schedule.recurs(4)))),
      RequestGate.layerWith({ rateLimit: { requestsPerSecond: 5, burst: 5 }, maxConcurrency: 4 }),
      NodeHttpClient.layerUndici, // any HttpClient; each exchange is bounded by the request timeout
      NodeContext.layer
    )),
    Layer.provideMerge(MotiveConfig.layer({ ...settings, requestTimeout: "20 seconds" }))
  )
// README:end

const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8")
const blocks = readFileSync(new URL(import.meta.url), "utf8").split("// README:begin\n").slice(1)
  .map((rest) => rest.split("// README:end")[0]!.trim())

/** A sandbox's settings as the environment would give them. */
const environmentOf = (sandbox: Sandbox.SandboxService, name = "MOTIVE_API_KEY") =>
  ConfigProvider.fromMap(new Map([[name, Redacted.value(sandbox.apiKey)], ["MOTIVE_BASE_URL", sandbox.baseUrl]]))

describe("README library snippets", () => {
  it("stand in the README exactly as they are compiled here", () => {
    expect(blocks).toHaveLength(3)
    for (const block of blocks) expect(readme).toContain(block)
  })

  it.scopedLive("the main program runs through NodeMotive.layerConfig to Motive's answer", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make()
      // The README's fixed window has no footage in the sandbox: its typed refusal proves the whole chain ran.
      const error = yield* Effect.flip(main.pipe(Effect.withConfigProvider(environmentOf(sandbox))))
      expect(error).toMatchObject({ _tag: "InvalidRequest", source: "motive", status: 400 })
      expect(yield* sandbox.requests).toHaveLength(1)
    }))

  it.scopedLive("the layer over your own HttpClient, and the calls-only layer, reach the sandbox", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make()
      const quota = (layer: Layer.Layer<MotiveClient.MotiveClient, unknown>) =>
        Effect.flatMap(MotiveClient.MotiveClient, (c) => c.getRecallQuota).pipe(Effect.provide(layer))
      const viaOwn = yield* quota(overYourHttpClient).pipe(
        Effect.withConfigProvider(environmentOf(sandbox, "FLEET_API_KEY"))
      )
      const viaCalls = yield* quota(callsOnly).pipe(Effect.withConfigProvider(environmentOf(sandbox)))
      expect(viaOwn).toEqual(viaCalls)
    }))

  it.scopedLive("the piece-by-piece layer builds every service and downloads through the Node reader", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make({ lifecycle: { recallPendingMillis: 0, recallProcessingMillis: 0 } })
      const layer = pieceByPiece({ credentials: { _tag: "ApiKey", apiKey: sandbox.apiKey }, baseUrl: sandbox.baseUrl })
      const dir = yield* Effect.acquireRelease(
        Effect.sync(() => mkdtempSync(join(tmpdir(), "motive-readme-"))),
        (d) => Effect.sync(() => rmSync(d, { recursive: true, force: true }))
      )
      const files = yield* Effect.gen(function*() {
        const motive = yield* MotiveClient.MotiveClient
        const { recall } = yield* motive.createVideoRecall({
          vehicleNumber: "TRK-101",
          startTime: new Date(Date.now() - 30 * 60_000).toISOString(),
          duration: 1
        })
        yield* (yield* Waiting.Waiting).awaitVideoRecall(recall.id)
        return yield* (yield* MediaDownloads.MediaDownloads).downloadRecall(recall.id, { directory: dir })
      }).pipe(Effect.provide(layer))
      expect(files.length).toBeGreaterThan(1)
      expect(files.every((f) => f.bytes > 0)).toBe(true)
    }))
})
