import { NodeFileSystem } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { downloadFile } from "../src/internal/download.js"
import { NodeMediaTransport } from "../src/node.js"
import { mediaSchedule } from "../src/RetryPolicy.js"
import { serverWith } from "./loopbackServer.js"

const tempDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "motive-partial-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

/**
 * A media server for `body` that answers `Range` (with `If-Range`) as S3 does, under an ETag that is not the
 * bytes' own, and cuts the first answer after `cutAfter` bytes when asked to.
 */
const mediaServer = (body: Buffer, etag: string, cutAfter?: number) =>
  serverWith((req, res) => {
    const range = /^bytes=(\d+)-$/.exec(String(req.headers.range ?? ""))
    const from = range !== null && req.headers["if-range"] === etag ? Number(range[1]) : 0
    res.writeHead(from > 0 ? 206 : 200, {
      etag,
      "content-length": body.length - from,
      ...(from > 0 ? { "content-range": `bytes ${from}-${body.length - 1}/${body.length}` } : {})
    })
    if (cutAfter === undefined) return res.end(body.subarray(from))
    res.write(body.subarray(0, cutAfter), () => res.socket?.destroy())
  })

const download = (url: string, path: string, media: string) =>
  downloadFile({ url, freshUrl: Effect.succeed(url), path, schedule: mediaSchedule(1), media }).pipe(
    Effect.scoped,
    Effect.provide(Layer.merge(NodeMediaTransport.layer(), NodeFileSystem.layer))
  )

describe("A partial file", () => {
  it.scopedLive("of other media at the same path is not resumed, though its server's ETag is the same", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const path = join(dir, "rear.jpg")
      const first = Buffer.alloc(40_000, 1)
      const second = Buffer.alloc(40_000, 2)
      // An earlier capture's image, cut after 10 000 bytes: its partial file and ETag stay for a resume.
      const cut = yield* mediaServer(first, "\"same\"", 10_000)
      expect((yield* Effect.either(download(cut.url, path, "image_capture 25 rear")))._tag).toBe("Left")
      expect(existsSync(`${path}.part`)).toBe(true)
      // Another capture saved to the same path, whose server happens to give the same ETag.
      const other = yield* mediaServer(second, "\"same\"")
      const got = yield* download(other.url, path, "image_capture 61 rear")
      expect(got.bytes).toBe(second.length)
      // Before: the first 10 000 bytes were the earlier image's, the rest this one's.
      expect(readFileSync(path).equals(second)).toBe(true)
      expect(other.received.map((r) => r.headers.range)).toEqual([undefined])
    }))

  it.scopedLive("of the same media is resumed from where it stopped", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const path = join(dir, "rear.jpg")
      const body = Buffer.from(Array.from({ length: 40_000 }, (_, i) => i % 251))
      const cut = yield* mediaServer(body, "\"v1\"", 10_000)
      expect((yield* Effect.either(download(cut.url, path, "image_capture 25 rear")))._tag).toBe("Left")
      const whole = yield* mediaServer(body, "\"v1\"")
      yield* download(whole.url, path, "image_capture 25 rear")
      expect(readFileSync(path).equals(body)).toBe(true)
      expect(whole.received.map((r) => r.headers.range)).toEqual(["bytes=10000-"])
    }))
})
