import type { CameraPosition } from "@effect-motive/domain"
import { manualClock, Sandbox } from "@effect-motive/sandbox"
import { NodeContext, NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Layer, Option, Redacted, TestClock, TestServices, Tracer } from "effect"
import { execFileSync } from "node:child_process"
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync
} from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import {
  type DownloadError,
  type MediaDownloads,
  Motive,
  MotiveConfig,
  RequestGate,
  RetryPolicy
} from "../src/index.js"
import { NodeMediaTransport, NodeMotive } from "../src/node.js"
import { serverWith } from "./loopbackServer.js"
import {
  ago,
  liveSleep,
  type Motive as Services,
  overHttpClient,
  quick,
  seen,
  setup,
  waitFor,
  withClient
} from "./support.js"

const instant = {
  recallPendingMillis: 0,
  recallProcessingMillis: 0,
  capturePendingMillis: 0,
  captureProcessingMillis: 0
}

const tempDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "motive-download-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b))

/** A 1-minute recall of TRK-101 (from the chosen cameras), created and waited for. */
const finishedRecall = (c: Services, cameraPositions?: Array<CameraPosition>) =>
  Effect.gen(function*() {
    const { recall } = yield* c.createVideoRecall({
      vehicleNumber: "TRK-101",
      startTime: ago(30),
      duration: 1,
      ...(cameraPositions === undefined ? {} : { cameraPositions })
    })
    return yield* c.awaitVideoRecall(recall.id)
  })

/**
 * Under the TestClock: `then` given a download of recall 1's rear camera in `dir`, forked while the media server
 * holds its answer back for a minute (real time), once its request is out; with request timeouts long enough that
 * only the lock's refresh (every 30 s) acts when the test moves the clock.
 */
const stalledDownload = <A, E>(
  dir: string,
  then: (
    download: Fiber.RuntimeFiber<ReadonlyArray<MediaDownloads.DownloadedFile>, DownloadError>
  ) => Effect.Effect<A, E>
) =>
  Effect.gen(function*() {
    yield* TestClock.setTime(Date.now())
    const { client, sandbox } = yield* setup({ lifecycle: instant, media: { videoBytes: 100_000 } }, {
      requestTimeout: Duration.minutes(10)
    })
    return yield* withClient(client, (c) =>
      Effect.gen(function*() {
        const { recall: created } = yield* c.createVideoRecall({
          vehicleNumber: "TRK-101",
          startTime: ago(30),
          duration: 1,
          cameraPositions: ["rear"]
        })
        yield* sandbox.settle
        const recall = yield* c.getVideoRecall(created.id)
        yield* sandbox.injectFault("media", { kind: "slow", delayMillis: 60_000 }, 1)
        const fiber = yield* Effect.fork(c.downloadRecall(recall.id, { directory: dir, recall }))
        yield* waitFor(Effect.map(seen(sandbox, "media"), (n) => n === 1))
        return yield* then(fiber)
      }))
  })

/**
 * A loopback stand-in for Motive holding one finished recall, 9, of the rear camera, whose media URL is on the same
 * server and answered by `media`.
 */
const recallNine = (media: Parameters<typeof serverWith>[0]) =>
  serverWith((req, res, socket) => {
    if (req.url?.startsWith("/media")) return media(req, res, socket)
    res.writeHead(200, { "content-type": "application/json" })
    res.end(JSON.stringify({
      id: 9,
      status: "success",
      cameras: [{ position: "rear", status: "success", download_url: `http://${req.headers.host}/media/9-rear` }]
    }))
  })

describe("MotiveClient downloads", () => {
  it.scopedLive("downloads every camera of a recall to <id>-<position>.mp4, byte for byte", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const { client, sandbox } = yield* setup({ lifecycle: instant, media: { videoBytes: 1_500_000 } })
      const files = yield* withClient(client, (c) =>
        Effect.gen(function*() {
          const recall = yield* finishedRecall(c, ["front_facing", "driver_facing", "rear"])
          return yield* c.downloadRecall(recall.id, { directory: dir })
        }))
      expect(files.map((f) => [f.position, f.bytes])).toEqual([
        ["front_facing", 1_500_000],
        ["driver_facing", 1_500_000],
        ["rear", 1_500_000]
      ])
      expect(readdirSync(dir).sort()).toEqual(["1-driver_facing.mp4", "1-front_facing.mp4", "1-rear.mp4"])
      for (const f of files) {
        expect(same(readFileSync(f.path), yield* sandbox.videoBytes(1, f.position))).toBe(true)
      }
      // Media URLs are pre-signed: the API key is never sent to them.
      const media = (yield* sandbox.requests).filter((r) => r.route === "media")
      expect(media.length).toBe(3)
      expect(media.every((r) => r.headers["x-api-key"] === undefined)).toBe(true)
    }))

  it.scopedLive("creates, waits for and downloads a recall with its times written in the zone X-Time-Zone names", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const { client, sandbox } = yield* setup({ lifecycle: instant }, {
        timeZone: Option.some("Eastern Time (US & Canada)")
      })
      const { files, recall } = yield* withClient(client, (c) =>
        Effect.gen(function*() {
          const recall = yield* finishedRecall(c, ["front_facing"])
          return { recall, files: yield* c.downloadRecall(recall.id, { directory: dir }) }
        }))
      // Offsets of New York (-05:00 or -04:00), not Z: the links' expiry read at its offset, not as stale.
      expect(recall.startTime).toMatch(/-0[45]:00$/)
      expect(recall.cameras[0]!.expiresAt).toMatch(/-0[45]:00$/)
      expect(files.map((f) => f.position)).toEqual(["front_facing"])
      const media = (yield* sandbox.requests).filter((r) => r.route === "media")
      expect(media.length).toBe(1)
    }))

  it.scopedLive("downloads only the chosen cameras", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const { client } = yield* setup({ lifecycle: instant, media: { videoBytes: 10_000 } })
      const files = yield* withClient(client, (c) =>
        Effect.gen(function*() {
          const recall = yield* finishedRecall(c)
          return yield* c.downloadRecall(recall.id, { directory: dir, positions: ["side_left"] })
        }))
      expect(files.map((f) => f.position)).toEqual(["side_left"])
      expect(readdirSync(dir)).toEqual(["1-side_left.mp4"])
    }))

  it.scopedLive("refuses an empty list of cameras before asking Motive for anything, and names a value that is no camera", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const { client, sandbox } = yield* setup({ lifecycle: instant, media: { videoBytes: 10_000 } })
      const recall = yield* withClient(client, finishedRecall)
      const before = (yield* sandbox.requests).length
      const refused = yield* withClient(
        client,
        (c) => Effect.flip(c.downloadRecall(recall.id, { directory: dir, positions: [] }))
      )
      expect(refused._tag === "InvalidRequest" && refused.violations.map((v) => [v.path, v.rule])).toEqual([
        ["positions", "camera_positions.empty"]
      ])
      expect((yield* sandbox.requests).length).toBe(before)
      expect(readdirSync(dir)).toEqual([])
      // A value that is no camera position (an untyped caller's) is named, with its index.
      const bogus = ["rear", "roof"] as unknown as ReadonlyArray<"rear">
      const named = yield* withClient(
        client,
        (c) => Effect.flip(c.downloadRecall(recall.id, { directory: dir, positions: bogus }))
      )
      expect(named._tag === "InvalidRequest" && named.violations.map((v) => [v.path, v.rule, v.message])).toEqual([
        ["positions[1]", "camera_positions.unknown", "\"roof\" is not a camera position"]
      ])
      expect((yield* sandbox.requests).length).toBe(before)
    }))

  it.scopedLive("refuses ids, references and options a JavaScript caller got wrong, naming them, sending and writing nothing", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const { client, sandbox } = yield* setup({ lifecycle: instant, media: { videoBytes: 10_000 } })
      const recall = yield* withClient(client, finishedRecall)
      const before = (yield* sandbox.requests).length
      // What the types forbid, as plain JavaScript passes it.
      const untyped = (c: Services) =>
        c as unknown as {
          readonly [K in "downloadRecall" | "downloadImage" | "getVideoRecall" | "getImageCapture"]: (
            ...args: ReadonlyArray<unknown>
          ) => Effect.Effect<unknown, { readonly _tag: string; readonly message: string }>
        }
      const messages = yield* withClient(client, (c) =>
        Effect.forEach([
          untyped(c).getVideoRecall("1/../x"),
          untyped(c).getVideoRecall(NaN),
          untyped(c).getImageCapture(null),
          untyped(c).getImageCapture({ cameraType: "dashcam", requestId: 1.5 }),
          untyped(c).downloadRecall(recall.id, null),
          untyped(c).downloadRecall(recall.id, {}),
          untyped(c).downloadRecall(recall.id, { directory: dir, positions: "rear" }),
          untyped(c).downloadRecall(0, { directory: dir }),
          untyped(c).downloadImage({ cameraType: "dashcam" }, { directory: dir }),
          untyped(c).downloadImage({ cameraType: "dashcam", requestId: 1 }, { path: 7 })
        ], (call) => Effect.map(Effect.flip(call), (e) => `${e._tag}: ${e.message}`)))
      expect(messages).toEqual([
        "InvalidRequest: id is \"1/../x\": Motive's ids are positive whole numbers; nothing was sent",
        "InvalidRequest: id is NaN: Motive's ids are positive whole numbers; nothing was sent",
        "InvalidRequest: ref is null: give { cameraType, requestId } as createImageCapture answered; nothing was sent",
        "InvalidRequest: ref.requestId is 1.5: Motive's ids are positive whole numbers; nothing was sent",
        "InvalidRequest: options is null: give an object; nothing was sent",
        "InvalidRequest: options.directory is missing: give a path; nothing was sent",
        "InvalidRequest: options.positions is \"rear\": give an array; nothing was sent",
        "InvalidRequest: id is 0: Motive's ids are positive whole numbers; nothing was sent",
        "InvalidRequest: ref.requestId is missing: Motive's ids are positive whole numbers; nothing was sent",
        "InvalidRequest: options.path is 7: give a path; nothing was sent"
      ])
      expect((yield* sandbox.requests).length).toBe(before)
      expect(readdirSync(dir)).toEqual([])
    }))

  it.scopedLive("resumes a truncated download with Range and ends with the sandbox's exact bytes", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const { client, sandbox } = yield* setup({ lifecycle: instant, media: { videoBytes: 3_000_000 } })
      const [file] = yield* withClient(client, (c) =>
        Effect.gen(function*() {
          const recall = yield* finishedRecall(c, ["rear"])
          yield* sandbox.injectFault("media", { kind: "truncate", afterBytes: 1_000_000 })
          yield* sandbox.injectFault("media", { kind: "truncate", afterBytes: 700_000 })
          return yield* c.downloadRecall(recall.id, { directory: dir })
        }))
      expect(same(readFileSync(file!.path), yield* sandbox.videoBytes(1, "rear"))).toBe(true)
      const media = (yield* sandbox.requests).filter((r) => r.route === "media")
      expect(media.map((r) => r.headers["range"])).toEqual([undefined, "bytes=1000000-", "bytes=1700000-"])
      expect(readdirSync(dir)).toEqual(["1-rear.mp4"])
    }))

  it.scopedLive("downloads through the caller's own HttpClient with MotiveClient.layer: resumes a cut, outwaits silence", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const sandbox = yield* Sandbox.make({ lifecycle: instant, media: { videoBytes: 2_000_000 } })
      const client = overHttpClient(sandbox, { requestTimeout: Duration.millis(300) })
      const [file] = yield* withClient(client, (c) =>
        Effect.gen(function*() {
          const recall = yield* finishedRecall(c, ["rear"])
          yield* sandbox.injectFault("media", { kind: "truncate", afterBytes: 600_000 })
          yield* sandbox.injectFault("media", { kind: "slow", delayMillis: 2_000 })
          return yield* c.downloadRecall(recall.id, { directory: dir })
        }))
      expect(same(readFileSync(file!.path), yield* sandbox.videoBytes(1, "rear"))).toBe(true)
      const media = (yield* sandbox.requests).filter((r) => r.route === "media")
      // The cut, the silent answer given up on after 300 ms, then the rest from where the cut left off.
      expect(media.map((r) => r.headers["range"])).toEqual([undefined, "bytes=600000-", "bytes=600000-"])
      // The caller's HttpClient propagates traces to Motive, but not to the storage behind pre-signed URLs.
      expect(media.every((r) => r.headers["traceparent"] === undefined && r.headers["b3"] === undefined)).toBe(true)
      const api = (yield* sandbox.requests).filter((r) => r.route !== "media")
      expect(api.some((r) => r.headers["traceparent"] !== undefined || r.headers["b3"] !== undefined)).toBe(true)
      expect(readdirSync(dir)).toEqual(["1-rear.mp4"])
    }))

  it.scopedLive("names the wait the media transport applied when the media server stays silent", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const sandbox = yield* Sandbox.make({ lifecycle: instant, media: { videoBytes: 1_000 } })
      const client = Motive.layerWithoutDefaults.pipe(
        Layer.provide(Layer.mergeAll(
          NodeMediaTransport.layer({ idleTimeout: Duration.millis(200) }),
          RetryPolicy.layer,
          RequestGate.layerWith({ rateLimit: false, maxConcurrency: 4 }),
          NodeContext.layer
        )),
        Layer.provide(Layer.merge(
          MotiveConfig.layer({
            credentials: { _tag: "ApiKey", apiKey: sandbox.apiKey },
            baseUrl: sandbox.baseUrl,
            ...quick,
            requestTimeout: Duration.seconds(5),
            downloadAttempts: 1
          }),
          NodeHttpClient.layerUndici
        ))
      )
      const error = yield* withClient(client, (c) =>
        Effect.gen(function*() {
          const recall = yield* finishedRecall(c)
          yield* sandbox.injectFault("media", { kind: "slow", delayMillis: 2_000 })
          return yield* Effect.flip(c.downloadRecall(recall.id, { directory: dir, positions: ["front_facing"] }))
        }))
      expect(error.message).toMatch(/gave up after 1 attempt: the media server did not answer within 200ms$/)
    }))

  it.scopedLive("asks Motive for the recall once, however many cameras it downloads", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const { client, sandbox } = yield* setup({ lifecycle: instant, media: { videoBytes: 10_000 } })
      const before = yield* withClient(client, (c) =>
        Effect.gen(function*() {
          const recall = yield* finishedRecall(c)
          const before = (yield* sandbox.requests).length
          const files = yield* c.downloadRecall(recall.id, { directory: dir })
          expect(files.length).toBe(6)
          return before
        }))
      const during = (yield* sandbox.requests).slice(before).map((r) => r.route)
      expect(during.filter((r) => r === "getVideoRecall")).toEqual(["getVideoRecall"])
      expect(during.filter((r) => r === "media").length).toBe(6)
    }))

  it.scopedLive("replaces a URL that is about to expire before sending a byte to it", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      // The sandbox's clock runs 40 s behind the client's: the 60 s URLs it hands out have 20 s left.
      const clock = manualClock(Date.now() - 40_000)
      const { client, sandbox } = yield* setup({
        clock,
        lifecycle: instant,
        media: { videoBytes: 10_000, urlTtlMillis: 60_000 }
      })
      const before = yield* withClient(client, (c) =>
        Effect.gen(function*() {
          const { recall } = yield* c.createVideoRecall({
            vehicleNumber: "TRK-101",
            startTime: ago(30, clock.now()),
            duration: 1,
            cameraPositions: ["rear"]
          })
          const before = (yield* sandbox.requests).length
          yield* c.downloadRecall(recall.id, { directory: dir })
          return before
        }))
      const during = (yield* sandbox.requests).slice(before).map((r) => r.route)
      expect(during).toEqual(["getVideoRecall", "getVideoRecall", "media"])
    }))

  it.scopedLive("fetches a fresh URL when the first one has expired", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const clock = manualClock(Date.now())
      const { client, sandbox } = yield* setup({
        clock,
        lifecycle: instant,
        media: { videoBytes: 50_000, urlTtlMillis: 60_000 }
      })
      const [file] = yield* withClient(client, (c) =>
        Effect.gen(function*() {
          const { recall } = yield* c.createVideoRecall({
            vehicleNumber: "TRK-101",
            startTime: ago(30, clock.now()),
            duration: 1,
            cameraPositions: ["front_facing"]
          })
          // The first media request is held for 300 ms, during which the URL it carries expires.
          yield* sandbox.injectFault("media", { kind: "slow", delayMillis: 300 })
          const download = yield* Effect.fork(c.downloadRecall(recall.id, { directory: dir }))
          yield* liveSleep(150)
          clock.advance(120_000)
          return yield* Fiber.join(download)
        }))
      expect(same(readFileSync(file!.path), yield* sandbox.videoBytes(1, "front_facing"))).toBe(true)
      expect((yield* sandbox.requests).filter((r) => r.route === "media").map((r) => r.status)).toEqual([403, 200])
    }))

  it.scopedLive("gives up with MediaExpired, naming the file, when every fresh URL has expired too", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      // URLs that expire as they are made.
      const { client, sandbox } = yield* setup({ lifecycle: instant, media: { videoBytes: 1_000, urlTtlMillis: 0 } })
      const error = yield* withClient(client, (c) =>
        Effect.gen(function*() {
          const recall = yield* finishedRecall(c)
          return yield* Effect.flip(c.downloadRecall(recall.id, { directory: dir, positions: ["front_facing"] }))
        }))
      expect(error._tag).toBe("MediaExpired")
      expect(error.message).toBe(
        `could not download ${join(dir, "1-front_facing.mp4")}: the media URL expired and fresh URLs kept expiring`
      )
      expect(error._tag === "MediaExpired" && error.location).not.toContain("?") // no signature in errors
      expect(yield* seen(sandbox, "media")).toBe(3) // the first URL and two fresh ones
      expect(readdirSync(dir)).toEqual([])
    }))

  it.scopedLive("refuses to download a recall that is not finished, and one that failed", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const slow = yield* setup({ lifecycle: { ...instant, recallPendingMillis: 60_000 } })
      const pending = yield* withClient(slow.client, (c) =>
        Effect.flatMap(
          c.createVideoRecall({ vehicleNumber: "TRK-101", startTime: ago(30), duration: 1 }),
          ({ recall }) => Effect.flip(c.downloadRecall(recall.id, { directory: dir }))
        ))
      expect(pending).toMatchObject({ _tag: "NotReady", status: "pending" })
      const failing = yield* setup({ lifecycle: { ...instant, failEntities: ["TRAILER-7"] } })
      const failed = yield* withClient(failing.client, (c) =>
        Effect.flatMap(
          c.createVideoRecall({ assetName: "TRAILER-7", startTime: ago(30), duration: 1 }),
          ({ recall }) => Effect.flip(c.downloadRecall(recall.id, { directory: dir }))
        ))
      expect(failed).toMatchObject({ _tag: "RequestFailed", id: 1 })
      expect(readdirSync(dir)).toEqual([])
    }))

  it.scopedLive("keeps a resumable partial file when a download cannot complete, and the next download resumes it", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const { client, sandbox } = yield* setup({ lifecycle: instant, media: { videoBytes: 200_000 } }, {
        downloadAttempts: 2
      })
      const [error, file] = yield* withClient(client, (c) =>
        Effect.gen(function*() {
          const recall = yield* finishedRecall(c, ["rear"])
          yield* sandbox.injectFault("media", { kind: "truncate", afterBytes: 10_000 }, 2)
          const error = yield* Effect.flip(c.downloadRecall(recall.id, { directory: dir }))
          expect(readdirSync(dir).sort()).toEqual(["1-rear.mp4.part", "1-rear.mp4.part.json"])
          const [file] = yield* c.downloadRecall(recall.id, { directory: dir })
          return [error, file] as const
        }))
      expect(error).toMatchObject({ _tag: "DownloadFailed", local: false })
      expect(error.message).toContain("gave up after 2 attempts")
      expect(same(readFileSync(file!.path), yield* sandbox.videoBytes(1, "rear"))).toBe(true)
      const media = (yield* sandbox.requests).filter((r) => r.route === "media")
      expect(media.map((r) => r.headers["range"])).toEqual([undefined, "bytes=10000-", "bytes=20000-"])
      expect(readdirSync(dir)).toEqual(["1-rear.mp4"])
    }))

  it.scopedLive("leaves nothing behind when the media server gave nothing to resume from", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const { client, sandbox } = yield* setup({ lifecycle: instant, media: { videoBytes: 200_000 } }, {
        downloadAttempts: 2
      })
      const error = yield* withClient(client, (c) =>
        Effect.gen(function*() {
          const recall = yield* finishedRecall(c, ["rear"])
          yield* sandbox.injectFault("media", { kind: "status", status: 503 }, 5)
          return yield* Effect.flip(c.downloadRecall(recall.id, { directory: dir }))
        }))
      expect(error).toMatchObject({ _tag: "DownloadFailed", local: false })
      expect(readdirSync(dir)).toEqual([])
    }))

  it.scopedLive("a re-run after completion transfers nothing and says the file was already there", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const { client, sandbox } = yield* setup({ lifecycle: instant, media: { videoBytes: 300_000 } })
      const [first, second] = yield* withClient(client, (c) =>
        Effect.gen(function*() {
          const recall = yield* finishedRecall(c, ["rear"])
          const [first] = yield* c.downloadRecall(recall.id, { directory: dir })
          const [second] = yield* c.downloadRecall(recall.id, { directory: dir })
          return [first!, second!] as const
        }))
      expect(first).toMatchObject({ alreadyThere: false, bytes: 300_000 })
      expect(second).toMatchObject({ alreadyThere: true, bytes: 300_000 })
      const media = (yield* sandbox.requests).filter((r) => r.route === "media")
      // The second run only asked for the last 64 KiB, to compare with the file's.
      expect(media.map((r) => [r.headers["range"], r.status])).toEqual([[undefined, 200], ["bytes=234464-", 206]])
    }))

  it.scopedLive("over any HttpClient, no span carries a media URL's signature (nor the API key)", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const sandbox = yield* Sandbox.make({ lifecycle: instant, media: { videoBytes: 10_000 } })
      const spans: Array<Tracer.Span> = []
      const recording = Tracer.make({
        span: (name, parent, context, links, startTime, kind) => {
          const span = Effect.runSync(
            Effect.map(Effect.tracer, (native) => native.span(name, parent, context, links, startTime, kind))
          )
          spans.push(span)
          return span
        },
        context: (f) => f()
      })
      const client = overHttpClient(sandbox).pipe(Layer.provideMerge(Layer.setTracer(recording)))
      const [file] = yield* withClient(
        client,
        (c) => Effect.flatMap(finishedRecall(c, ["rear"]), (recall) => c.downloadRecall(recall.id, { directory: dir }))
      )
      expect(file).toMatchObject({ bytes: 10_000 })
      const told = spans.flatMap((span) => [span.name, ...[...span.attributes.values()].map(String)])
      expect(told.some((value) => value.includes("/media/"))).toBe(true)
      expect(told.filter((value) => value.includes("signature") || value.includes("expires="))).toEqual([])
      expect(told.filter((value) => value.includes(Redacted.value(sandbox.apiKey)))).toEqual([])
    }))

  it.scopedLive(
    "a download interrupted at any point, the lock's taking included, leaves no lock behind",
    () =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        const { client } = yield* setup({ lifecycle: instant, media: { videoBytes: 300_000 } })
        const leftBehind = yield* withClient(client, (c) =>
          Effect.gen(function*() {
            const recall = yield* finishedRecall(c, ["rear"])
            const left: Array<number> = []
            for (let n = 0; n < 150; n++) {
              const fiber = yield* Effect.fork(c.downloadRecall(recall.id, { directory: dir, recall, overwrite: true }))
              // Interrupted after a different number of turns of the event loop each time: at every step of a start.
              for (let i = 0; i < n % 30; i++) yield* Effect.promise(() => new Promise<void>((r) => setImmediate(r)))
              yield* Fiber.interrupt(fiber)
              if (readdirSync(dir).some((name) => name.endsWith(".lock"))) left.push(n)
            }
            // And the file can still be downloaded: nothing waits for a lock nobody holds.
            const [file] = yield* c.downloadRecall(recall.id, { directory: dir, recall, overwrite: true }).pipe(
              Effect.timeout(Duration.seconds(10))
            )
            expect(file).toMatchObject({ bytes: 300_000 })
            return left
          }))
        expect(leftBehind).toEqual([])
      }),
    60_000
  )

  it.scopedLive("downloads of the same file at once in one process: one transfers, the others wait and find it there", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const { client, sandbox } = yield* setup({ lifecycle: instant, media: { videoBytes: 2_000_000 } })
      const results = yield* withClient(client, (c) =>
        Effect.gen(function*() {
          const recall = yield* finishedRecall(c, ["rear"])
          return yield* Effect.all(
            [0, 1, 2].map((i) => Effect.delay(c.downloadRecall(recall.id, { directory: dir }), Duration.millis(i * 5))),
            { concurrency: 3 }
          )
        }))
      expect(results.map(([file]) => file!.alreadyThere).sort()).toEqual([false, true, true])
      expect(results.every(([file]) => file!.bytes === 2_000_000)).toBe(true)
      expect(same(readFileSync(join(dir, "1-rear.mp4")), yield* sandbox.videoBytes(1, "rear"))).toBe(true)
      expect(readdirSync(dir)).toEqual(["1-rear.mp4"])
      const media = (yield* sandbox.requests).filter((r) => r.route === "media")
      expect(media.map((r) => r.status).sort()).toEqual([200, 206, 206])
    }))

  it.scopedLive("a file where a server that ignores Range serves the media is kept, and said not comparable", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const media = Buffer.from("the footage, whole every time".repeat(40))
      const server = yield* recallNine((_req, res) => {
        // Whatever Range asks, the whole file.
        res.writeHead(200, { "content-type": "video/mp4", "content-length": String(media.length) })
        res.end(media)
      })
      const layer = NodeMotive.layer({
        credentials: { _tag: "ApiKey", apiKey: Redacted.make("k") },
        baseUrl: server.url,
        ...quick
      })
      writeFileSync(join(dir, "9-rear.mp4"), media)
      const refused = yield* withClient(layer, (c) => Effect.flip(c.downloadRecall(9, { directory: dir })))
      expect(refused).toMatchObject({ _tag: "DownloadFailed", differentFile: true })
      expect(refused.message).toContain("the media server does not answer byte ranges, so it cannot be compared")
      expect(readFileSync(join(dir, "9-rear.mp4"))).toEqual(media)
    }))

  it.scopedLive("refuses a web page answered for media (a sign-in page), over either transport, writing nothing, trying once", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      let media = 0
      const server = yield* recallNine((_req, res) => {
        media++
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" })
        res.end("<html><body>Sign in to use this network</body></html>")
      })
      const settings = {
        credentials: { _tag: "ApiKey" as const, apiKey: Redacted.make("k") },
        baseUrl: server.url,
        ...quick
      }
      const overHttpClient = Motive.layer.pipe(
        Layer.provide(Layer.mergeAll(MotiveConfig.layer(settings), NodeHttpClient.layerUndici, NodeContext.layer))
      )
      for (const layer of [NodeMotive.layer(settings), overHttpClient]) {
        const before = media
        const refused = yield* withClient(layer, (c) => Effect.flip(c.downloadRecall(9, { directory: dir })))
        expect(refused).toMatchObject({ _tag: "DownloadFailed", local: false })
        expect(refused.message).toContain(
          "the media server answered 200 with a web page (text/html; charset=utf-8), not media, for http://127.0.0.1:"
        )
        expect(media - before).toBe(1)
        expect(readdirSync(dir)).toEqual([])
      }
    }))

  it.scopedLive("refuses a media URL that is not http or https at once, fetching nothing and trying once", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      let asked = 0
      const server = yield* serverWith((_req, res) => {
        asked++
        res.writeHead(200, { "content-type": "application/json" })
        res.end(JSON.stringify({
          id: 9,
          status: "success",
          cameras: [{ position: "rear", status: "success", download_url: "file:///etc/passwd" }]
        }))
      })
      const layer = NodeMotive.layer({
        credentials: { _tag: "ApiKey", apiKey: Redacted.make("k") },
        baseUrl: server.url,
        ...quick
      })
      const refused = yield* withClient(layer, (c) => Effect.flip(c.downloadRecall(9, { directory: dir })))
      expect(refused).toMatchObject({ _tag: "DownloadFailed", local: false })
      expect(refused.message).toContain("the media URL is not http or https (file): nothing is fetched from it")
      expect(asked).toBe(1)
      expect(readdirSync(dir)).toEqual([])
    }))

  it.scopedLive("a file of the media's size with other bytes is a different file: kept, replaced only when told to", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const { client, sandbox } = yield* setup({ lifecycle: instant, media: { videoBytes: 200_000 } })
      const [refused, replaced, again] = yield* withClient(client, (c) =>
        Effect.gen(function*() {
          const recall = yield* finishedRecall(c, ["rear"])
          // The media with one byte changed in its last 64 KiB: not this file.
          const bytes = Uint8Array.from(yield* sandbox.videoBytes(recall.id, "rear"))
          bytes[150_000] = bytes[150_000]! ^ 0xff
          writeFileSync(join(dir, "1-rear.mp4"), bytes)
          const refused = yield* Effect.flip(c.downloadRecall(recall.id, { directory: dir }))
          writeFileSync(join(dir, "1-rear.mp4"), new Uint8Array(200_000))
          return [
            refused,
            yield* Effect.flip(c.downloadRecall(recall.id, { directory: dir })).pipe(
              Effect.zipRight(c.downloadRecall(recall.id, { directory: dir, overwrite: true }))
            ),
            yield* c.downloadRecall(recall.id, { directory: dir })
          ] as const
        }))
      expect(refused).toMatchObject({ _tag: "DownloadFailed", local: true, differentFile: true })
      expect(refused.message).toContain("(200000 bytes; the media has as many, but other bytes): it is kept")
      expect(replaced[0]).toMatchObject({ alreadyThere: false, bytes: 200_000 })
      expect(again[0]).toMatchObject({ alreadyThere: true, bytes: 200_000 })
      expect(same(readFileSync(join(dir, "1-rear.mp4")), yield* sandbox.videoBytes(1, "rear"))).toBe(true)
      expect(readdirSync(dir)).toEqual(["1-rear.mp4"])
    }))

  it.scopedLive("keeps a different file found at the destination, and replaces it only when told to", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      writeFileSync(join(dir, "1-rear.mp4"), "my own notes, not footage")
      const { client, sandbox } = yield* setup({ lifecycle: instant, media: { videoBytes: 1_000 } })
      const [refused, replaced] = yield* withClient(client, (c) =>
        Effect.gen(function*() {
          const recall = yield* finishedRecall(c, ["rear"])
          return [
            yield* Effect.flip(c.downloadRecall(recall.id, { directory: dir })),
            yield* c.downloadRecall(recall.id, { directory: dir, overwrite: true })
          ] as const
        }))
      expect(refused).toMatchObject({ _tag: "DownloadFailed", local: true })
      expect(refused.message).toContain("a different file is already at")
      expect(refused).toMatchObject({ _tag: "DownloadFailed", local: true, differentFile: true })
      expect(refused.message).toContain("(25 bytes; the media has 1000): it is kept")
      expect(replaced[0]).toMatchObject({ alreadyThere: false, bytes: 1_000 })
      expect(same(readFileSync(join(dir, "1-rear.mp4")), yield* sandbox.videoBytes(1, "rear"))).toBe(true)
    }))

  it.scopedLive("resumes the partial file of a process that died (its lock names a process that is gone)", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const { client, sandbox } = yield* setup({ lifecycle: instant, media: { videoBytes: 100_000 } })
      const file = yield* withClient(client, (c) =>
        Effect.gen(function*() {
          const recall = yield* finishedRecall(c, ["rear"])
          const bytes = yield* sandbox.videoBytes(1, "rear")
          const etag = (yield* Effect.promise(() => fetch(recall.cameras[0]!.downloadUrl!, { method: "HEAD" })))
            .headers.get("etag")!
          writeFileSync(join(dir, "1-rear.mp4.part"), bytes.subarray(0, 40_000))
          writeFileSync(join(dir, "1-rear.mp4.part.json"), JSON.stringify({ etag, total: 100_000 }))
          writeFileSync(join(dir, "1-rear.mp4.part.lock"), "2147483646")
          return (yield* c.downloadRecall(recall.id, { directory: dir }))[0]!
        }))
      expect(same(readFileSync(file.path), yield* sandbox.videoBytes(1, "rear"))).toBe(true)
      const media = (yield* sandbox.requests).filter((r) => r.route === "media" && r.method === "GET")
      expect(media.map((r) => r.headers["range"])).toEqual(["bytes=40000-"])
      expect(readdirSync(dir)).toEqual(["1-rear.mp4"])
    }))

  it.scopedLive("refuses a file another running process is downloading (busy), writing, fetching and removing nothing", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const { client, sandbox } = yield* setup({ lifecycle: instant, media: { videoBytes: 100_000 } })
      const failed = yield* withClient(client, (c) =>
        Effect.gen(function*() {
          const recall = yield* finishedRecall(c, ["rear"])
          // The lock of a download in a process that runs (this one's parent), with its partial files: they are its.
          writeFileSync(join(dir, "1-rear.mp4.part.lock"), `${process.ppid} 1`)
          writeFileSync(join(dir, "1-rear.mp4.part"), Buffer.alloc(50_000, 7))
          writeFileSync(join(dir, "1-rear.mp4.part.json"), JSON.stringify({ etag: "\"x\"", total: 100_000 }))
          return yield* Effect.flip(c.downloadRecall(recall.id, { directory: dir }))
        }))
      expect(failed).toMatchObject({ _tag: "DownloadFailed", local: true, busy: true })
      expect(failed.message).toContain(`is being downloaded by another process (${process.ppid}) already`)
      expect(failed.message).toContain("try again once it is done")
      expect((yield* sandbox.requests).filter((r) => r.route === "media")).toEqual([])
      expect(readdirSync(dir).sort()).toEqual(["1-rear.mp4.part", "1-rear.mp4.part.json", "1-rear.mp4.part.lock"])
      expect(readFileSync(join(dir, "1-rear.mp4.part"))).toEqual(Buffer.alloc(50_000, 7))
    }))

  it.scopedLive("judges another machine's lock (a shared directory) by its refreshed time, not by a process id here", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const { client, sandbox } = yield* setup({ lifecycle: instant, media: { videoBytes: 100_000 } })
      const lock = join(dir, "1-rear.mp4.part.lock")
      const [busy, taken] = yield* withClient(client, (c) =>
        Effect.gen(function*() {
          const recall = yield* finishedRecall(c, ["rear"])
          // A process id that runs nowhere here, on another machine: its download is alive while its lock is fresh.
          writeFileSync(lock, "2147483646 1 worker-elsewhere")
          const busy = yield* Effect.flip(c.downloadRecall(recall.id, { directory: dir }))
          // Eleven minutes behind this clock (more than clocks differ by): that download is gone; its lock is taken over.
          const old = new Date(Date.now() - 11 * 60_000)
          utimesSync(lock, old, old)
          const taken = yield* c.downloadRecall(recall.id, { directory: dir })
          return [busy, taken[0]!] as const
        }))
      expect(busy).toMatchObject({ _tag: "DownloadFailed", local: true, busy: true })
      expect(busy.message).toContain("is being downloaded by another process (2147483646 on worker-elsewhere) already")
      expect(same(readFileSync(taken.path), yield* sandbox.videoBytes(1, "rear"))).toBe(true)
      expect(readdirSync(dir)).toEqual(["1-rear.mp4"])
    }))

  it.scopedLive("resumes another machine's abandoned partial file from a copy, never through the file that machine had open", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const { client, sandbox } = yield* setup({ lifecycle: instant, media: { videoBytes: 100_000 } })
      const part = join(dir, "1-rear.mp4.part")
      const file = yield* withClient(client, (c) =>
        Effect.gen(function*() {
          const recall = yield* finishedRecall(c, ["rear"])
          const bytes = yield* sandbox.videoBytes(1, "rear")
          const etag = (yield* Effect.promise(() => fetch(recall.cameras[0]!.downloadUrl!, { method: "HEAD" })))
            .headers.get("etag")!
          writeFileSync(part, bytes.subarray(0, 40_000))
          writeFileSync(`${part}.json`, JSON.stringify({ etag, total: 100_000 }))
          // The lock of a download on another machine, unrefreshed for 11 minutes: that machine may only be paused,
          // still holding the partial file open.
          writeFileSync(`${part}.lock`, "2147483646 1 worker-elsewhere")
          const old = new Date(Date.now() - 11 * 60_000)
          utimesSync(`${part}.lock`, old, old)
          const theirs = statSync(part).ino
          const [file] = yield* c.downloadRecall(recall.id, { directory: dir, recall })
          return { ...file!, theirs }
        }))
      expect(same(readFileSync(file.path), yield* sandbox.videoBytes(1, "rear"))).toBe(true)
      const media = (yield* sandbox.requests).filter((r) => r.route === "media" && r.method === "GET")
      expect(media.map((r) => r.headers["range"])).toEqual(["bytes=40000-"])
      // What that machine still writes through its handle goes to the file it had, not into this one.
      expect(statSync(file.path).ino).not.toBe(file.theirs)
      expect(readdirSync(dir)).toEqual(["1-rear.mp4"])
    }))

  it.scopedLive("goes on when its lock cannot be read for a moment: only a lock gone or naming another is lost", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const { client, sandbox } = yield* setup({ lifecycle: instant, media: { videoBytes: 100_000 } })
      const lock = join(dir, "1-rear.mp4.part.lock")
      const file = yield* withClient(client, (c) =>
        Effect.gen(function*() {
          const recall = yield* finishedRecall(c, ["rear"])
          yield* sandbox.injectFault("media", { kind: "slow", delayMillis: 800 }, 1)
          const fiber = yield* Effect.fork(c.downloadRecall(recall.id, { directory: dir, recall }))
          yield* waitFor(Effect.map(seen(sandbox, "media"), (n) => n === 1))
          // A read of the lock that fails for another reason than its absence (here EISDIR; on a network file
          // system, EIO or ESTALE for a moment) says nothing of who holds it.
          rmSync(lock)
          mkdirSync(lock)
          const [file] = yield* Fiber.join(fiber)
          rmSync(lock, { recursive: true })
          return file!
        }))
      expect(same(readFileSync(file.path), yield* sandbox.videoBytes(1, "rear"))).toBe(true)
    }))

  it.scopedLive("touches none of the new holder's files when its lock was taken over while it waited, nor its lock", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const { client, sandbox } = yield* setup({ lifecycle: instant, media: { videoBytes: 100_000 } })
      const lock = join(dir, "1-rear.mp4.part.lock")
      const failed = yield* withClient(client, (c) =>
        Effect.gen(function*() {
          const recall = yield* finishedRecall(c, ["rear"])
          yield* sandbox.injectFault("media", { kind: "slow", delayMillis: 1_500 }, 1)
          const fiber = yield* Effect.fork(c.downloadRecall(recall.id, { directory: dir, recall }))
          yield* waitFor(Effect.map(seen(sandbox, "media"), (n) => n === 1))
          // While this process waits, another machine judges its lock stale and takes it over, with a partial file
          // and an ETag of its own.
          writeFileSync(lock, "2147483646 1 worker-elsewhere")
          writeFileSync(join(dir, "1-rear.mp4.part"), Buffer.alloc(30_000, 7))
          writeFileSync(join(dir, "1-rear.mp4.part.json"), JSON.stringify({ etag: "\"theirs\"", total: 100_000 }))
          return yield* Effect.flip(Fiber.join(fiber))
        }))
      expect(failed).toMatchObject({ _tag: "DownloadFailed", local: true, busy: true })
      expect(failed.message).toContain("another process (2147483646 on worker-elsewhere) took over the download of")
      expect(failed.message).toContain("moved nothing into place")
      // Its files are as it left them: nothing written into them, nothing removed.
      expect(readdirSync(dir).sort()).toEqual(["1-rear.mp4.part", "1-rear.mp4.part.json", "1-rear.mp4.part.lock"])
      expect(readFileSync(join(dir, "1-rear.mp4.part"))).toEqual(Buffer.alloc(30_000, 7))
      expect(readFileSync(lock, "utf8")).toBe("2147483646 1 worker-elsewhere")
    }))

  it.scoped("refreshes its lock's time every 30 s while it waits, so that another machine sees it alive", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const lock = join(dir, "1-rear.mp4.part.lock")
      const times = yield* stalledDownload(dir, () =>
        Effect.gen(function*() {
          // Whole seconds, which every file system keeps exactly.
          const old = new Date(Math.floor(Date.now() / 1000) * 1000 - 5 * 60_000)
          utimesSync(lock, old, old)
          const mtime = () => Math.round(statSync(lock).mtimeMs)
          // 29 s on: no refresh yet (looked at after a moment in real time, for a refresh that would be under way).
          yield* TestClock.adjust(Duration.seconds(29))
          yield* liveSleep(200)
          const before = mtime()
          // 30 s on: refreshed, to this clock's time.
          yield* TestClock.adjust(Duration.seconds(1))
          yield* waitFor(Effect.sync(() => mtime() !== old.getTime()))
          return [old.getTime(), before, mtime(), yield* TestClock.currentTimeMillis]
        }))
      const [old, before, after, now] = times
      expect(before).toBe(old)
      // Stamped with this clock's time (the TestClock's, here), to the second at least.
      expect(Math.abs(after! - now!)).toBeLessThan(1_000)
    }))

  it.scoped("stops at its next refresh when its lock was taken over while it stalled, writing nothing more", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const lock = join(dir, "1-rear.mp4.part.lock")
      const failed = yield* stalledDownload(dir, (fiber) =>
        Effect.gen(function*() {
          writeFileSync(lock, "2147483646 1 worker-elsewhere")
          yield* TestClock.adjust(Duration.seconds(31))
          return yield* Effect.flip(Fiber.join(fiber)).pipe(
            Effect.timeout(Duration.seconds(10)),
            TestServices.provideLive
          )
        }))
      expect(failed).toMatchObject({ _tag: "DownloadFailed", local: true, busy: true })
      expect(failed.message).toContain("another process (2147483646 on worker-elsewhere) took over the download of")
      expect(readdirSync(dir).sort()).toEqual(["1-rear.mp4.part.lock"])
      expect(readFileSync(lock, "utf8")).toBe("2147483646 1 worker-elsewhere")
    }))

  it.scopedLive("never writes through a symbolic link planted at the partial file, over either transport", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const { client, sandbox } = yield* setup({ lifecycle: instant, media: { videoBytes: 100_000 } })
      const recall = yield* withClient(client, (c) => finishedRecall(c, ["rear", "front_facing"]))
      const etag = (yield* Effect.promise(() => fetch(recall.cameras[0]!.downloadUrl!, { method: "HEAD" })))
        .headers.get("etag")!
      // Another user of a shared folder plants links where the partial files will be, with a matching ETag.
      const victim = join(dir, "victim.txt")
      writeFileSync(victim, "IMPORTANT")
      for (const position of ["rear", "front_facing"]) {
        symlinkSync(victim, join(dir, `1-${position}.mp4.part`))
        writeFileSync(join(dir, `1-${position}.mp4.part.json`), JSON.stringify({ etag, total: 100_000 }))
      }
      const [rear] = yield* withClient(
        client,
        (c) => c.downloadRecall(recall.id, { directory: dir, positions: ["rear"] })
      )
      const [front] = yield* withClient(
        overHttpClient(sandbox),
        (c) => c.downloadRecall(recall.id, { directory: dir, positions: ["front_facing"] })
      )
      expect(readFileSync(victim, "utf8")).toBe("IMPORTANT")
      for (const file of [rear!, front!]) {
        expect(lstatSync(file.path).isFile()).toBe(true)
        expect(same(readFileSync(file.path), yield* sandbox.videoBytes(1, file.position))).toBe(true)
      }
      expect(readdirSync(dir).sort()).toEqual(["1-front_facing.mp4", "1-rear.mp4", "victim.txt"])
    }))

  it.scopedLive("clears partial files abandoned a day ago that are its own, never another program's", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const { client } = yield* setup({ lifecycle: instant, media: { videoBytes: 1_000 } })
      const old = new Date(Date.now() - 3 * 24 * 3600_000)
      for (const name of ["ubuntu.iso.part", "notes.part.json", "9-rear.mp4.part", "9-rear.mp4.part.json"]) {
        writeFileSync(join(dir, name), "x")
        utimesSync(join(dir, name), old, old)
      }
      yield* withClient(
        client,
        (c) => Effect.flatMap(finishedRecall(c, ["rear"]), (recall) => c.downloadRecall(recall.id, { directory: dir }))
      )
      expect(readdirSync(dir).sort()).toEqual(["1-rear.mp4", "notes.part.json", "ubuntu.iso.part"])
    }))

  it.scopedLive("never replaces a symbolic link, a FIFO or a device at the destination, and sends nothing for it", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      writeFileSync(join(dir, "target"), "keep me")
      symlinkSync(join(dir, "target"), join(dir, "1-rear.mp4"))
      execFileSync("mkfifo", [join(dir, "1-front_facing.mp4")])
      const { client, sandbox } = yield* setup({ lifecycle: instant, media: { videoBytes: 1_000 } })
      const [link, fifo] = yield* withClient(client, (c) =>
        Effect.gen(function*() {
          const recall = yield* finishedRecall(c, ["rear", "front_facing"])
          return [
            yield* Effect.flip(c.downloadRecall(recall.id, { directory: dir, positions: ["rear"] })),
            yield* Effect.flip(c.downloadRecall(recall.id, { directory: dir, positions: ["front_facing"] }))
          ] as const
        }))
      expect(link).toMatchObject({ _tag: "DownloadFailed", local: true, notAFile: true })
      expect(fifo).toMatchObject({ _tag: "DownloadFailed", local: true, notAFile: true })
      expect(link.message).toContain("1-rear.mp4 is a symbolic link, not a regular file: it is not replaced")
      expect(fifo.message).toContain("1-front_facing.mp4 is a fifo, not a regular file")
      expect(readFileSync(join(dir, "target"), "utf8")).toBe("keep me")
      expect(yield* seen(sandbox, "media")).toBe(0)
    }))

  it.scopedLive("says when this machine's file system is what failed, in Node's own words", () =>
    Effect.gen(function*() {
      const { client } = yield* setup({ lifecycle: instant, media: { videoBytes: 1_000 } })
      const error = yield* withClient(client, (c) =>
        Effect.gen(function*() {
          const recall = yield* finishedRecall(c)
          return yield* Effect.flip(c.downloadRecall(recall.id, { directory: "/proc/motive-test" }))
        }))
      expect(error).toMatchObject({ _tag: "DownloadFailed", local: true })
      expect(error.message).toBe(
        "could not create the directory: ENOENT: no such file or directory, mkdir '/proc/motive-test'"
      )
    }))

  it.scopedLive("says why its lock could not be made, in the system's words (a name too long with .part.lock)", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const { client } = yield* setup({ lifecycle: instant })
      // 254 characters fit a file name; with `.part.lock` they do not.
      const path = join(dir, `${"a".repeat(250)}.jpg`)
      const error = yield* withClient(client, (c) =>
        Effect.gen(function*() {
          const capture = yield* c.createImageCapture({ assetId: 7, position: "rear" })
          yield* c.awaitImageCapture(capture)
          return yield* Effect.flip(c.downloadImage(capture, { path }))
        }))
      expect(error).toMatchObject({ _tag: "DownloadFailed", local: true })
      expect(error.message).toContain(`could not lock ${path}.part.lock: ENAMETOOLONG: name too long`)
      expect(readdirSync(dir)).toEqual([])
    }))

  it.scopedLive("downloads a captured image as a real JPEG", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const { client, sandbox } = yield* setup({ lifecycle: instant })
      const file = yield* withClient(client, (c) =>
        Effect.gen(function*() {
          const capture = yield* c.createImageCapture({ assetId: 7, position: "rear" })
          yield* c.awaitImageCapture(capture)
          return yield* c.downloadImage(capture, { directory: dir })
        }))
      expect(file.path).toBe(join(dir, "1-rear.jpg"))
      const bytes = readFileSync(file.path)
      expect([...bytes.subarray(0, 2)]).toEqual([0xff, 0xd8])
      expect(same(bytes, yield* sandbox.imageBytes(1, "rear"))).toBe(true)
    }))

  it.scopedLive("downloads the image of a finished capture given whole without asking Motive for it again", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const { client, sandbox } = yield* setup({ lifecycle: instant })
      const { afterWait, file } = yield* withClient(client, (c) =>
        Effect.gen(function*() {
          const done = yield* c.awaitImageCapture(yield* c.createImageCapture({ assetId: 7, position: "rear" }))
          const afterWait = yield* seen(sandbox, "getImageCapture")
          return { afterWait, file: yield* c.downloadImage(done, { directory: dir }) }
        }))
      expect(yield* seen(sandbox, "getImageCapture")).toBe(afterWait)
      expect(same(readFileSync(file.path), yield* sandbox.imageBytes(1, "rear"))).toBe(true)
    }))
})
