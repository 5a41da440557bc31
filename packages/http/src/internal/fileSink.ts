/**
 * Writing an Effect byte stream (a body from any `HttpClient`) to a file through the platform's `FileSystem`,
 * in ~1 MiB batches: socket reads come in 16–64 KiB pieces, and writing each on its own costs a system call
 * per piece.
 */
import { FileSystem } from "@effect/platform"
import { Chunk, Effect, Stream } from "effect"

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
 * is still written before the file closes, so a download can resume from it. `onBytes` is told the running
 * count of bytes received after each chunk (a plain callback: no effect per chunk).
 */
export const saveStream = <E, R>(
  stream: Stream.Stream<Uint8Array, E, R>,
  path: string,
  append: boolean,
  onBytes?: (received: number) => void
): Effect.Effect<void, E | FileWriteError, R | FileSystem.FileSystem> =>
  Effect.scoped(Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const file = yield* Effect.mapError(fs.open(path, { flag: append ? "a" : "w" }), writeError)
    // One batch buffer for the whole body, reused: each write completes before the next piece is copied in.
    // Joining pieces into a new array per batch cost as much CPU as everything else on the path (profiled).
    const batch = new Uint8Array(batchBytes)
    let size = 0
    let received = 0
    const flush = Effect.suspend(() => {
      if (size === 0) return Effect.void
      const n = size
      size = 0
      return Effect.mapError(file.writeAll(batch.subarray(0, n)), writeError)
    })
    // Copies pieces `from` on into the batch; when the batch is full (or a piece does not fit), writes it and
    // goes on after the write. Most chunks are copied without an effect to run.
    const take = (pieces: ReadonlyArray<Uint8Array>, from: number): Effect.Effect<void, FileWriteError> => {
      for (let i = from; i < pieces.length; i++) {
        const piece = pieces[i]!
        if (size + piece.length <= batchBytes) {
          batch.set(piece, size)
          size += piece.length
          received += piece.length
          if (size === batchBytes) return Effect.zipRight(flush, Effect.suspend(() => take(pieces, i + 1)))
          continue
        }
        if (piece.length >= batchBytes) {
          // As big as a batch: what is pending goes first, then the piece on its own, uncopied.
          received += piece.length
          return flush.pipe(
            Effect.zipRight(Effect.mapError(file.writeAll(piece), writeError)),
            Effect.zipRight(Effect.suspend(() => take(pieces, i + 1)))
          )
        }
        return Effect.zipRight(flush, Effect.suspend(() => take(pieces, i)))
      }
      return Effect.void
    }
    yield* Stream.runForEachChunk(stream, (chunk) => {
      const pieces = Chunk.toReadonlyArray(chunk)
      return Effect.zipRight(take(pieces, 0), Effect.sync(() => onBytes?.(received)))
    }).pipe(
      // Keep what arrived before the failure, for resuming; the failure being reported says why it stopped.
      Effect.tapError(() => Effect.ignore(flush))
    )
    yield* flush
  }))
