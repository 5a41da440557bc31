/**
 * Writing an Effect byte stream (a body from any `HttpClient`) to a file in ~1 MiB batches, one batch in
 * flight while the next arrives. Socket reads come in 16–64 KiB pieces; writing each on its own costs a system
 * call per piece. A batch is written with one `writev` of the pieces themselves, so no byte is copied in user
 * space on its way to the disk.
 */
import { Effect, Sink } from "effect"
import { open } from "node:fs/promises"

const batchBytes = 1024 * 1024

/** A failure of the file itself (as opposed to the connection). */
export class FileWriteError {
  readonly _tag = "FileWriteError"
  constructor(readonly message: string) {}
}

const writeError = (e: unknown) => new FileWriteError(e instanceof Error ? e.message : String(e))

/**
 * Writes every byte to `path` (appending or truncating), flushed and closed when the stream ends. When the
 * stream fails, what it delivered is still written before the file closes, so a download can resume from it.
 */
export const fileSink = (path: string, append: boolean): Sink.Sink<void, Uint8Array, never, FileWriteError> =>
  Sink.unwrapScoped(Effect.gen(function*() {
    let parts: Array<Uint8Array> = []
    let size = 0
    let inflight: Promise<unknown> = Promise.resolve()
    const handle = yield* Effect.acquireRelease(
      Effect.tryPromise({ try: () => open(path, append ? "a" : "w"), catch: writeError }),
      (h) =>
        Effect.promise(async () => {
          try {
            await inflight
            if (size > 0) await h.writev(parts) // only after a failure: success flushed everything
          } catch {
            // The failure being reported already says why the download stopped.
          } finally {
            await h.close()
          }
        })
    )
    const flush = Effect.tryPromise({
      try: async () => {
        await inflight
        if (size === 0) return
        const batch = parts
        parts = []
        size = 0
        inflight = handle.writev(batch)
      },
      catch: writeError
    })
    return Sink.forEachChunk((chunk: Iterable<Uint8Array>) => {
      for (const piece of chunk) {
        parts.push(piece)
        size += piece.length
      }
      return size >= batchBytes ? flush : Effect.void
    }).pipe(
      Sink.zipRight(
        Sink.fromEffect(Effect.zipRight(flush, Effect.tryPromise({ try: () => inflight, catch: writeError })))
      ),
      Sink.map(() => undefined)
    )
  }))
