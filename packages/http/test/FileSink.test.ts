import { Error as PlatformError, FileSystem } from "@effect/platform"
import { NodeFileSystem } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Deferred, Effect, Fiber, Layer, Stream } from "effect"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { saveStream } from "../src/internal/fileSink.js"

const tempDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "motive-sink-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

/** `total` bytes numbered 0, 1, 2, … (mod 251), in pieces of every size from 1 to 70,000. */
const numbered = (total: number) => {
  const pieces: Array<Uint8Array> = []
  for (let at = 0, size = 1; at < total; size = (size * 7 + 13) % 70_000 + 1) {
    const piece = new Uint8Array(Math.min(size, total - at))
    for (let i = 0; i < piece.length; i++) piece[i] = (at + i) % 251
    pieces.push(piece)
    at += piece.length
  }
  return pieces
}

/** The real file system, with every opened file's `writeAll` replaced by `writeAll(file, bytes)`. */
const diskWith = (
  writeAll: (file: FileSystem.File, bytes: Uint8Array) => Effect.Effect<void, PlatformError.PlatformError>
) =>
  Layer.effect(
    FileSystem.FileSystem,
    Effect.map(FileSystem.FileSystem, (fs) => ({
      ...fs,
      open: (p: string, o?: FileSystem.OpenFileOptions) =>
        Effect.map(fs.open(p, o), (file): FileSystem.File =>
          Object.assign(Object.create(file) as FileSystem.File, {
            writeAll: (bytes: Uint8Array) => writeAll(file, bytes)
          }))
    }))
  ).pipe(Layer.provide(NodeFileSystem.layer))

describe("saveStream (media through any HttpClient, written with the platform's FileSystem)", () => {
  it.scopedLive("writes every byte of pieces of any size, across several batches, appending when asked", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const path = join(dir, "v")
      writeFileSync(path, "head:")
      const pieces = numbered(3_500_000)
      yield* saveStream(Stream.fromIterable(pieces), path, true).pipe(Effect.provide(NodeFileSystem.layer))
      const written = readFileSync(path)
      expect(written.subarray(0, 5).toString()).toBe("head:")
      expect(written.length).toBe(5 + 3_500_000)
      expect(written.subarray(5).every((b, i) => b === i % 251)).toBe(true)
    }))

  it.scopedLive("writes pieces bigger than a batch and pieces that fill one exactly, telling the bytes received", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const MiB = 1024 * 1024
      const sizes = [3, MiB, 5, 2.5 * MiB, MiB - 8, 3, 7 * MiB, 1]
      let at = 0
      const pieces = sizes.map((n) => {
        const piece = new Uint8Array(n)
        for (let i = 0; i < n; i++) piece[i] = (at + i) % 251
        at += n
        return piece
      })
      // All in one chunk, and one piece per chunk.
      for (
        const stream of [
          Stream.fromChunk(Chunk.fromIterable(pieces)),
          Stream.fromIterable(pieces).pipe(Stream.rechunk(1))
        ]
      ) {
        const path = join(dir, "v")
        const told: Array<number> = []
        yield* saveStream(stream, path, false, (n) => told.push(n)).pipe(Effect.provide(NodeFileSystem.layer))
        const written = readFileSync(path)
        expect(written.length).toBe(at)
        expect(written.every((b, i) => b === i % 251)).toBe(true)
        expect(told.at(-1)).toBe(at)
        expect(told.every((n, i) => i === 0 || n >= told[i - 1]!)).toBe(true)
      }
    }))

  it.scopedLive("keeps what arrived before the stream failed, so a download can resume from it", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const path = join(dir, "v")
      const cut = Stream.fromChunk(Chunk.fromIterable([new Uint8Array(300_000), new Uint8Array(200)])).pipe(
        Stream.concat(Stream.fail("connection reset"))
      )
      const error = yield* Effect.flip(saveStream(cut, path, false).pipe(Effect.provide(NodeFileSystem.layer)))
      expect(error).toBe("connection reset")
      expect(readFileSync(path).length).toBe(300_200)
      // Cut after several batches, one of them being written: every byte, in order.
      const later = Stream.fromIterable(numbered(2_600_000)).pipe(Stream.concat(Stream.fail("connection reset")))
      expect(yield* Effect.flip(saveStream(later, path, false).pipe(Effect.provide(NodeFileSystem.layer))))
        .toBe("connection reset")
      const written = readFileSync(path)
      expect(written.length).toBe(2_600_000)
      expect(written.every((b, i) => b === i % 251)).toBe(true)
    }))

  it.scopedLive("keeps what arrived before it was interrupted, less than a batch or several, in order", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const path = join(dir, "v")
      for (const total of [300_200, 2_600_000]) {
        // Every piece, then a stream that waits for ever: the download is interrupted there.
        const arrived = yield* Deferred.make<void>()
        const held = Stream.fromIterable(numbered(total)).pipe(
          Stream.concat(Stream.fromEffect(Effect.zipRight(Deferred.succeed(arrived, undefined), Effect.never)))
        )
        const saving = yield* Effect.fork(saveStream(held, path, false).pipe(Effect.provide(NodeFileSystem.layer)))
        yield* Deferred.await(arrived)
        yield* Fiber.interrupt(saving)
        const written = readFileSync(path)
        expect(written.length).toBe(total)
        expect(written.every((b, i) => b === i % 251)).toBe(true)
      }
    }))

  it.scopedLive("reads on while a batch is being written", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const path = join(dir, "v")
      // A disk whose writes finish only once the stream has delivered the piece after a full batch: a sink that
      // stopped reading during a write would wait for ever.
      const nextPieceRead = yield* Deferred.make<void>()
      const slowDisk = diskWith((file, bytes) => Effect.zipRight(Deferred.await(nextPieceRead), file.writeAll(bytes)))
      const stream = Stream.make(new Uint8Array(1024 * 1024).fill(1)).pipe(
        Stream.concat(Stream.fromEffect(Effect.as(Deferred.succeed(nextPieceRead, undefined), new Uint8Array([2, 3]))))
      )
      yield* saveStream(stream, path, false).pipe(
        Effect.provide(slowDisk),
        Effect.timeoutFail({ duration: "5 seconds", onTimeout: () => "the sink waited for the write before reading" })
      )
      const written = readFileSync(path)
      expect(written.length).toBe(1024 * 1024 + 2)
      expect([...written.subarray(-3)]).toEqual([1, 2, 3])
    }))

  it.scopedLive("writes nothing after a failed write, so the file holds only bytes in order", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const path = join(dir, "v")
      // A disk whose second write stores half its bytes and fails (full for a moment), then takes writes again.
      let writes = 0
      const flakyDisk = diskWith((file, bytes) =>
        ++writes === 2
          ? Effect.zipRight(
            file.writeAll(bytes.subarray(0, bytes.length / 2)),
            Effect.fail(new PlatformError.SystemError({ reason: "Unknown", module: "FileSystem", method: "write" }))
          )
          : file.writeAll(bytes)
      )
      const error = yield* Effect.flip(
        saveStream(Stream.fromIterable(numbered(4_000_000)), path, false).pipe(Effect.provide(flakyDisk))
      )
      expect(error).toMatchObject({ _tag: "FileWriteError" })
      const written = readFileSync(path)
      // The first batch and half the second (batches close a little short of 1 MiB when a piece does not fit).
      expect(written.length).toBeGreaterThan(1024 * 1024)
      expect(written.length).toBeLessThan(1.5 * 1024 * 1024)
      expect(written.every((b, i) => b === i % 251)).toBe(true)
    }))

  it.scopedLive("fails with the disk's reason once nothing more fits", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        saveStream(Stream.make(new Uint8Array(10)), "/dev/full", false).pipe(Effect.provide(NodeFileSystem.layer))
      )
      expect(error).toMatchObject({ _tag: "FileWriteError" })
      expect(String(error instanceof Object && "message" in error ? error.message : error)).toMatch(/ENOSPC|no space/i)
    }))
})
