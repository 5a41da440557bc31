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
 * Writes all of `parts`, however many calls it takes. `writev` may write only a prefix (a disk about to fill
 * up writes what fits and reports no error); the next call then writes the rest, or fails with the reason.
 */
export const writeAll = async (
  handle: { readonly writev: (buffers: ReadonlyArray<Uint8Array>) => Promise<{ readonly bytesWritten: number }> },
  parts: ReadonlyArray<Uint8Array>
) => {
  let rest = parts
  let remaining = rest.reduce((n, part) => n + part.length, 0)
  while (remaining > 0) {
    const { bytesWritten } = await handle.writev(rest)
    if (bytesWritten === 0) throw new Error("the file system accepted no bytes")
    remaining -= bytesWritten
    let skip = bytesWritten
    const next: Array<Uint8Array> = []
    for (const part of rest) {
      if (skip >= part.length) {
        skip -= part.length
        continue
      }
      next.push(skip > 0 ? part.subarray(skip) : part)
      skip = 0
    }
    rest = next
  }
}

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
            if (size > 0) await writeAll(h, parts) // only after a failure: success flushed everything
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
        inflight = writeAll(handle, batch)
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
