import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { open } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { writeAll } from "../src/internal/fileSink.js"

const tempDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "motive-sink-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

describe("writeAll", () => {
  it.scopedLive("writes every byte when the file system takes only part of each write", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const path = join(dir, "v")
      const parts = [Buffer.from("abcdef"), Buffer.from("g"), Buffer.from("hijklmnop")]
      yield* Effect.promise(async () => {
        const handle = await open(path, "w")
        try {
          // A real file whose writes stop after at most 4 bytes each, as a disk filling up does.
          const short = {
            writev: (buffers: ReadonlyArray<Uint8Array>) => handle.write(Buffer.concat(buffers).subarray(0, 4))
          }
          await writeAll(short, parts)
        } finally {
          await handle.close()
        }
      })
      expect(readFileSync(path, "utf8")).toBe("abcdefghijklmnop")
    }))

  it.scopedLive("fails with the disk's reason once nothing more fits", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Effect.tryPromise(async () => {
        const handle = await open("/dev/full", "w")
        try {
          await writeAll(handle, [Buffer.alloc(10)])
        } finally {
          await handle.close()
        }
      }))
      expect(String(error.cause)).toMatch(/ENOSPC/)
    }))
})
