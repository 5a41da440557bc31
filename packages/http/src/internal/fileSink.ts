/**
 * Writing an Effect byte stream (a body from any `HttpClient`) to a file through the platform's `FileSystem`,
 * in ~1 MiB batches (socket reads come in 16–64 KiB pieces, and writing each on its own costs a system call
 * per piece), one batch written while the next fills.
 */
import { FileSystem } from "@effect/platform"
import { Chunk, Effect, Exit, Fiber, type Scope, Stream } from "effect"

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
    // Two batch buffers for the whole body, reused: one is written while pieces are copied into the other, so the
    // connection is read while the disk writes (with one, reading stopped for every write). Joining pieces into a
    // new array per batch cost as much CPU as everything else on the path (profiled).
    const batches: [Uint8Array, Uint8Array | undefined] = [new Uint8Array(batchBytes), undefined]
    let current = 0
    let size = 0
    let received = 0
    // The write in flight. It cannot be interrupted half-way, and the scope waits for it before closing the file.
    let writing: Fiber.Fiber<void, FileWriteError> | undefined
    // Once a write has failed nothing more is written: bytes after a gap would make the file look longer than what
    // arrived in order, and a download resumed from its size would come out shifted.
    let failed = false
    const written = Effect.suspend(() => {
      const w = writing
      writing = undefined
      return w === undefined ? Effect.void : Effect.tapError(Fiber.join(w), () =>
        Effect.sync(() => {
          failed = true
        }))
    })
    const write = (bytes: Uint8Array) =>
      Effect.zipRight(
        written,
        Effect.suspend(() =>
          failed ? Effect.void : Effect.map(
            Effect.uninterruptible(
              Effect.forkScoped(Effect.uninterruptible(Effect.mapError(file.writeAll(bytes), writeError)))
            ),
            (fiber) => {
              writing = fiber
            }
          )
        )
      )
    /**
     * Starts writing the batch being filled (once the previous write is done) and goes on in the other one. Not
     * interruptible: an interruption between handing the batch to its write and starting the other would have the
     * clean-up write the same batch again.
     */
    const flush = Effect.uninterruptible(Effect.suspend(() => {
      if (size === 0) return Effect.void
      const bytes = batches[current]!.subarray(0, size)
      return Effect.zipRight(
        write(bytes),
        Effect.sync(() => {
          current ^= 1
          size = 0
        })
      )
    }))
    // Copies pieces `from` on into the batch; when the batch is full (or a piece does not fit), starts writing it
    // and goes on. Most chunks are copied without an effect to run.
    const take = (
      pieces: ReadonlyArray<Uint8Array>,
      from: number
    ): Effect.Effect<void, FileWriteError, Scope.Scope> => {
      for (let i = from; i < pieces.length; i++) {
        const piece = pieces[i]!
        if (size + piece.length <= batchBytes) {
          const batch = batches[current] ??= new Uint8Array(batchBytes)
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
            Effect.zipRight(write(piece)),
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
      // Keep what arrived before a failure or an interruption, for resuming; the failure being reported says why
      // it stopped.
      Effect.onExit((exit) => Exit.isSuccess(exit) ? Effect.void : Effect.ignore(Effect.zipRight(flush, written)))
    )
    yield* flush
    yield* written
  }))
