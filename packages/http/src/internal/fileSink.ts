/**
 * Writing an Effect byte stream (a body from any `HttpClient`) to a file through the platform's `FileSystem`,
 * in ~1 MiB batches: socket reads come in 16–64 KiB pieces, and writing each on its own costs a system call
 * per piece.
 */
import { FileSystem } from "@effect/platform"
import { Effect, Stream } from "effect"
import { concatBytes } from "./bytes.js"

const batchBytes = 1024 * 1024

/** A failure of the file itself (as opposed to the connection). */
export class FileWriteError {
  readonly _tag = "FileWriteError"
  constructor(readonly message: string) {}
}

const writeError = (e: { readonly message: string; readonly cause?: unknown }) =>
  new FileWriteError(e.cause instanceof Error && e.cause.message !== "" ? e.cause.message : e.message)

/**
 * Writes every byte of `stream` to `path` (appending or truncating). When the stream fails, what it delivered
 * is still written before the file closes, so a download can resume from it.
 */
export const saveStream = <E, R>(
  stream: Stream.Stream<Uint8Array, E, R>,
  path: string,
  append: boolean
): Effect.Effect<void, E | FileWriteError, R | FileSystem.FileSystem> =>
  Effect.scoped(Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const file = yield* Effect.mapError(fs.open(path, { flag: append ? "a" : "w" }), writeError)
    let parts: Array<Uint8Array> = []
    let size = 0
    const flush = Effect.suspend(() => {
      if (size === 0) return Effect.void
      const batch = concatBytes(parts, size)
      parts = []
      size = 0
      return Effect.mapError(file.writeAll(batch), writeError)
    })
    yield* Stream.runForEachChunk(stream, (chunk) => {
      for (const piece of chunk) {
        parts.push(piece)
        size += piece.length
      }
      return size >= batchBytes ? flush : Effect.void
    }).pipe(
      // Keep what arrived before the failure, for resuming; the failure being reported says why it stopped.
      Effect.tapError(() => Effect.ignore(flush))
    )
    yield* flush
  }))
