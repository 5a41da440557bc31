/** The sha-256 of a file, read as a stream (constant memory). */
import { FileSystem } from "@effect/platform"
import { Effect, Stream } from "effect"
import { createHash } from "node:crypto"

/** Hex sha-256 of the file at `path`. */
export const sha256File = (path: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const hash = createHash("sha256")
    yield* Stream.runForEach(fs.stream(path, { chunkSize: FileSystem.MiB(1) }), (chunk) =>
      Effect.sync(() => hash.update(chunk)))
    return hash.digest("hex")
  })
