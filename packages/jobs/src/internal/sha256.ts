/**
 * The sha-256 of a file, read in place through one buffer (constant memory).
 *
 * One buffer, the file's size (at least 4 KiB, at most 1 MiB), reused for every read: the platform's file stream
 * allocates a fresh buffer of its chunk size for each read (a 16 KiB video cost two 1 MiB buffers, a 500-row batch
 * a GB of garbage).
 */
import { FileSystem } from "@effect/platform"
import { Effect } from "effect"
import { createHash } from "node:crypto"

const maxBufferBytes = 1024 * 1024

/** Hex sha-256 of the file at `path`, read to its end. */
export const sha256File = (path: string) =>
  Effect.scoped(Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const file = yield* fs.open(path, { flag: "r" })
    const size = Number((yield* file.stat).size)
    const buffer = new Uint8Array(Math.min(Math.max(size, 4096), maxBufferBytes))
    const hash = createHash("sha256")
    for (;;) {
      const n = Number(yield* file.read(buffer))
      if (n === 0) break
      hash.update(buffer.subarray(0, n))
    }
    return hash.digest("hex")
  }))
