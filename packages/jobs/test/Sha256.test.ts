import { NodeFileSystem } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { createHash, randomBytes } from "node:crypto"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { sha256File } from "../src/internal/sha256.js"

describe("sha256File", () => {
  it.effect("hashes every byte of files smaller than, equal to and larger than its buffer", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "motive-sha256-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      for (const size of [0, 1, 4095, 4096, 4097, 16 * 1024, 1024 * 1024, 1024 * 1024 + 1, 3 * 1024 * 1024 + 17]) {
        const bytes = randomBytes(size)
        const file = join(dir, `f${size}`)
        writeFileSync(file, bytes)
        expect(yield* sha256File(file), `${size} bytes`).toBe(createHash("sha256").update(bytes).digest("hex"))
      }
    }).pipe(Effect.scoped, Effect.provide(NodeFileSystem.layer)))

  it.effect("fails with the file system's error for a missing file", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(sha256File(join(tmpdir(), "motive-sha256-missing", "nope")))
      expect(error._tag).toBe("SystemError")
    }).pipe(Effect.provide(NodeFileSystem.layer)))
})
