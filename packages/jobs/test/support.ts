import { type MotiveConfig, RequestJournal } from "@effect-motive/http"
import { NodeMotive } from "@effect-motive/http/node"
import { Sandbox, type SandboxOptions } from "@effect-motive/sandbox"
import { NodeContext, NodeHttpServer } from "@effect/platform-node"
import { Duration, Effect, Layer, type Redacted } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { createServer } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { CompletionWebhooks, Embedded, FootageWorkflow } from "../src/index.js"

/** A fresh temporary directory, removed with the scope. */
export const tempDir = (prefix: string) =>
  Effect.acquireRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), `motive-jobs-${prefix}-`))),
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )

/** Fast client retries, and no client-side rate limit unless a test sets one. */
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

/** A sandbox with a short lifecycle and small videos. */
export const sandboxFor = (options: SandboxOptions = {}) =>
  Sandbox.make({
    ...options,
    lifecycle: { recallPendingMillis: 100, recallProcessingMillis: 300, ...options.lifecycle },
    media: { videoBytes: 48 * 1024, ...options.media }
  })

/** Workflow settings for tests: polls start after `firstPollMillis`. */
export const testSettings = (firstPollMillis: number): FootageWorkflow.FootageSettings => ({
  ...FootageWorkflow.defaultSettings("test-worker"),
  firstPoll: Duration.millis(firstPollMillis),
  maxPollInterval: Duration.millis(firstPollMillis * 4),
  maxPolls: 40,
  retryBase: Duration.millis(50),
  retryFor: Duration.seconds(20)
})

/** The client of `sandbox`, and footage jobs embedded on `file`, with a request journal in memory. */
export const jobsFor = (
  sandbox: Sandbox.SandboxService,
  file: string,
  settings: FootageWorkflow.FootageSettings,
  overrides: Partial<Omit<MotiveConfig.MotiveConfigInput, "credentials">> = {}
) =>
  Embedded.layer({ file, settings, pollInterval: "100 millis" }).pipe(
    Layer.provideMerge(
      NodeMotive.layer({
        credentials: { _tag: "ApiKey", apiKey: sandbox.apiKey },
        baseUrl: sandbox.baseUrl,
        ...quick,
        ...overrides
      })
    ),
    Layer.provideMerge(RequestJournal.layerMemory),
    Layer.provideMerge(NodeContext.layer)
  )

/** An ISO timestamp `minutes` before now. */
export const ago = (minutes: number): string => new Date(Date.now() - minutes * 60_000).toISOString()

/** A CSV batch of `n` rows, each a distinct one-minute window of TRK-101, refs `INC-<i>`. */
export const csvRows = (n: number, extra = ""): string =>
  [
    "vehicle_number,start_time,duration,camera_positions,ref",
    ...Array.from({ length: n }, (_, i) => `TRK-101,${ago(30 + i * 2)},1,front_facing;driver_facing,INC-${i + 1}`)
  ].join("\n") + extra

/** Serves footage jobs' completion webhook route on a free loopback port; its URL. */
export const serveCompletions = (secret: Redacted.Redacted<string>) =>
  Effect.gen(function*() {
    const app = yield* CompletionWebhooks.makeApp({ secret })
    const server = yield* NodeHttpServer.make(() => createServer(), { host: "127.0.0.1", port: 0 })
    yield* server.serve(app)
    const address = server.address
    return `http://127.0.0.1:${address._tag === "TcpAddress" ? address.port : 0}/`
  })

/** Requests the sandbox saw for `route`. */
export const requestsTo = (sandbox: Sandbox.SandboxService, route: string) =>
  Effect.map(sandbox.requests, (rs) => rs.filter((r) => r.route === route))
