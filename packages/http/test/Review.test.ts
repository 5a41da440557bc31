import { Sandbox } from "@effect-motive/sandbox"
import { NodeContext, NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Duration, Effect, Layer, Option, Redacted, Stream } from "effect"
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Motive, MotiveConfig, Webhooks } from "../src/index.js"
import { NodeMotive } from "../src/node.js"
import { ago, clientFor, seen, setup, withClient } from "./support.js"

const tempDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "motive-review-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

describe("MotiveClient hardening", () => {
  it.scopedLive("retries a media 503 or 408 like a cut connection, and still gets every byte", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const { client, sandbox } = yield* setup({
        lifecycle: { recallPendingMillis: 0, recallProcessingMillis: 0 },
        media: { videoBytes: 100_000 }
      })
      const [file] = yield* withClient(client, (c) =>
        Effect.gen(function*() {
          const { recall } = yield* c.createVideoRecall({
            vehicleNumber: "TRK-101",
            startTime: ago(30),
            duration: 1,
            cameraPositions: ["rear"]
          })
          yield* sandbox.injectFault("media", { kind: "status", status: 503 }, 1)
          yield* sandbox.injectFault("media", { kind: "status", status: 408 }, 1)
          return yield* c.downloadRecall(recall.id, { directory: dir })
        }))
      expect(Buffer.from(readFileSync(file!.path)).equals(Buffer.from(yield* sandbox.videoBytes(1, "rear")))).toBe(true)
      expect(yield* seen(sandbox, "media")).toBe(3)
      expect(readdirSync(dir)).toEqual(["1-rear.mp4"])
    }))

  it.scopedLive("refuses a credential that cannot be sent, without retrying, as a client error, and a base URL as the client is made", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make()
      const badKey = NodeMotive.layer({
        credentials: { _tag: "ApiKey", apiKey: Redacted.make("key-with-cr\r") },
        baseUrl: sandbox.baseUrl
      })
      expect(yield* withClient(badKey, (c) => Effect.flip(c.getRecallQuota))).toMatchObject({
        _tag: "InvalidRequest",
        source: "client"
      })
      expect((yield* sandbox.requests).length).toBe(0)
      // A base URL that is not one is refused as the client is made, before any call.
      const badUrl = NodeMotive.layer({
        credentials: { _tag: "ApiKey", apiKey: Redacted.make("k") },
        baseUrl: "notaurl"
      })
      const refused = yield* Effect.flip(withClient(badUrl, (c) => c.getRecallQuota))
      expect(refused._tag).toBe("ConfigError")
      expect(String(refused)).toContain(`baseUrl "notaurl" is not an http(s) URL`)
    }))

  it.scopedLive("bounds the body of a user-supplied HttpClient's answer by the request timeout", () =>
    Effect.gen(function*() {
      const server = yield* Effect.acquireRelease(
        Effect.async<ReturnType<typeof createServer>>((resume) => {
          const s = createServer((_, res) => {
            res.writeHead(200, { "content-type": "application/json", "content-length": "1000" })
            res.write("{\"quota_info\":") // and then nothing more
          })
          s.listen(0, "127.0.0.1", () => resume(Effect.succeed(s)))
        }),
        (s) =>
          Effect.sync(() => {
            s.closeAllConnections()
            s.close()
          })
      )
      const layer = Motive.layer.pipe(
        Layer.provide(Layer.mergeAll(
          MotiveConfig.layer({
            credentials: { _tag: "ApiKey", apiKey: Redacted.make("k") },
            baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
            requestTimeout: Duration.millis(200),
            retry: { maxAttempts: 1 }
          }),
          NodeHttpClient.layerUndici,
          NodeContext.layer
        ))
      )
      expect(yield* withClient(layer, (c) => Effect.flip(c.getRecallQuota))).toMatchObject({ _tag: "RequestTimeout" })
    }))

  it.scopedLive("fetches recall details only for recall events, passing other actions through", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make()
      const events = Stream.make(
        { event: { action: "vehicle_location_updated", id: 4242 }, rawBody: new Uint8Array() },
        { event: { action: "fault_code_opened" }, rawBody: new Uint8Array() }
      )
      const out = yield* Stream.runCollect(Webhooks.withRecallDetails(events)).pipe(Effect.provide(clientFor(sandbox)))
      expect(Chunk.toArray(out).map((e) => Option.isNone(e.recall))).toEqual([true, true])
      expect((yield* sandbox.requests).length).toBe(0)
    }))
})
