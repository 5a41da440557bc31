/**
 * Writing a byte stream to a file in ~1 MiB batches, one batch in flight while the next arrives. Socket reads
 * come in 16–64 KiB pieces; writing each on its own costs a system call per piece. A batch is written with one
 * `writev` of the pieces themselves, so no byte is copied in user space on its way to the disk.
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

/** Writes every byte to `path` (appending or truncating), flushed and closed when the stream ends. */
export const fileSink = (path: string, append: boolean): Sink.Sink<void, Uint8Array, never, FileWriteError> =>
  Sink.unwrapScoped(Effect.gen(function*() {
    const handle = yield* Effect.acquireRelease(
      Effect.tryPromise({ try: () => open(path, append ? "a" : "w"), catch: writeError }),
      (h) => Effect.promise(() => h.close())
    )
    let parts: Array<Uint8Array> = []
    let size = 0
    let inflight: Promise<unknown> = Promise.resolve()
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

/** Why a copy stopped early: the connection (`read`) or the disk (`write`). */
export type CopyFailure = { readonly _tag: "read"; readonly message: string } | FileWriteError

/**
 * Copies a Node readable to `path` with the same batching, outside any stream library: the fast path for
 * responses whose body is a Node stream. `onBytes` sees the running total. Resolves with the failure, if any.
 */
export const copyToFile = async (
  body: AsyncIterable<Uint8Array>,
  path: string,
  append: boolean,
  onBytes: (written: number) => void,
  signal: AbortSignal
): Promise<CopyFailure | undefined> => {
  let handle
  try {
    handle = await open(path, append ? "a" : "w")
  } catch (e) {
    return writeError(e)
  }
  // One batch is being written while the next gathers; each piece is kept only until its batch is written.
  let parts: Array<Uint8Array> = []
  let size = 0
  let total = 0
  let inflight: Promise<unknown> = Promise.resolve()
  let failure: CopyFailure | undefined
  const flush = async () => {
    const batch = parts
    parts = []
    size = 0
    await inflight
    inflight = handle.writev(batch)
  }
  try {
    for await (const piece of body) {
      if (signal.aborted) break
      parts.push(piece)
      size += piece.length
      total += piece.length
      if (size >= batchBytes) await flush()
      onBytes(total)
    }
  } catch (e) {
    failure = { _tag: "read", message: e instanceof Error ? e.message : String(e) }
  }
  try {
    if (size > 0) await flush()
    await inflight
  } catch (e) {
    failure = writeError(e)
  } finally {
    await handle.close()
  }
  return failure
}
