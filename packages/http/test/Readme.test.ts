/**
 * The README's library snippets: each is a whole module in `test/readme/` (its imports included), verbatim between
 * `// README:begin` and `// README:end`. The type check compiles them as they are, the tests below run them
 * against a sandbox, and the first test fails when the README and those files drift apart.
 */
import { MediaDownloads, MotiveClient, Waiting } from "@effect-motive/http"
import { NodeMotive } from "@effect-motive/http/node"
import { Sandbox } from "@effect-motive/sandbox"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, type Layer, Redacted } from "effect"
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { quotaFromASandbox } from "./readme/againstSandbox.js"
import { fetchIncident } from "./readme/fetchIncident.js"
import { callsOnly, overYourHttpClient } from "./readme/ownHttpClient.js"
import { pieceByPiece } from "./readme/pieceByPiece.js"

const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8")
const snippets = ["againstSandbox.ts", "fetchIncident.ts", "ownHttpClient.ts", "pieceByPiece.ts"]
const blockOf = (file: string) =>
  readFileSync(new URL(`readme/${file}`, import.meta.url), "utf8").split("// README:begin\n")[1]!
    .split("// README:end")[0]!.trim()

/** A sandbox's settings as the environment would give them. */
const environmentOf = (sandbox: Sandbox.SandboxService, name = "MOTIVE_API_KEY") =>
  ConfigProvider.fromMap(new Map([[name, Redacted.value(sandbox.apiKey)], ["MOTIVE_BASE_URL", sandbox.baseUrl]]))

const tempDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "motive-readme-"))),
  (d) => Effect.sync(() => rmSync(d, { recursive: true, force: true }))
)

describe("README library snippets", () => {
  it("stand in the README exactly as they are compiled here, each a whole module", () => {
    expect(readdirSync(new URL("readme/", import.meta.url)).sort()).toEqual(snippets)
    for (const file of snippets) {
      const block = blockOf(file)
      expect(block).toMatch(/^import /)
      expect(readme).toContain(`\`\`\`ts\n${block}\n\`\`\``)
    }
  })

  it.scopedLive("the main program creates, waits for and downloads a recall through NodeMotive.layerConfig", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make({ lifecycle: { recallPendingMillis: 0, recallProcessingMillis: 0 } })
      const dir = yield* tempDir
      // As the README's `main`, with a directory of the test's own.
      const files = yield* fetchIncident(dir).pipe(
        Effect.provide(NodeMotive.layerConfig()),
        Effect.withConfigProvider(environmentOf(sandbox))
      )
      expect(files.map((f) => f.position).sort()).toEqual(["driver_facing", "front_facing"])
      expect(files.every((f) => f.bytes > 0)).toBe(true)
      expect(readdirSync(dir).sort()).toEqual(files.map((f) => f.path.split("/").at(-1)).sort())
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

  it.scopedLive("a client against a sandbox of the test's own reads its quota", () =>
    Effect.map(quotaFromASandbox, (quota) => expect(quota.quotaInfo.regular.totalMinutes).toBe(5)))

  it.scopedLive("the piece-by-piece layer builds every service and downloads through the Node reader", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make({ lifecycle: { recallPendingMillis: 0, recallProcessingMillis: 0 } })
      const layer = pieceByPiece({ credentials: { _tag: "ApiKey", apiKey: sandbox.apiKey }, baseUrl: sandbox.baseUrl })
      const dir = yield* tempDir
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
