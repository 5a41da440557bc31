import { FileSystem } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { SystemError } from "@effect/platform/Error"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Layer, Scope } from "effect"
import { spawnSync } from "node:child_process"
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { takeProcessLock } from "../src/internal/processLock.js"
import { tempDir } from "./support.js"

/** Node's file system with `link` refused, as a file system without hard links refuses it. */
const withoutLinks = Layer.effect(
  FileSystem.FileSystem,
  Effect.map(FileSystem.FileSystem, (fs) => ({
    ...fs,
    link: () => Effect.fail(new SystemError({ reason: "Unknown", module: "FileSystem", method: "link" }))
  }))
).pipe(Layer.provide(NodeContext.layer))

/** The pid of a process that has ended. */
const deadPid = () => spawnSync(process.execPath, ["-e", "0"]).pid

describe("the process lock", () => {
  it.scopedLive("takes over a lock left by a process that is gone (or left empty), holding this pid, until released", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir("lock")
      for (const left of [String(deadPid()), ""]) {
        const file = join(dir, "j.db.lock")
        writeFileSync(file, left)
        const scope = yield* Scope.make()
        yield* Scope.extend(takeProcessLock(file), scope)
        expect(readFileSync(file, "utf8")).toBe(String(process.pid))
        // Nothing left beside it: the file written to be linked into place, the takeover lock.
        expect(readdirSync(dir)).toEqual(["j.db.lock"])
        yield* Scope.close(scope, Exit.void)
        expect(existsSync(file)).toBe(false)
      }
    }).pipe(Effect.provide(NodeContext.layer)))

  it.scopedLive("refuses a second take in this very process while the first holds it (a second layer on one journal)", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir("lock")
      const file = join(dir, "j.db.lock")
      const first = yield* Scope.make()
      yield* Scope.extend(takeProcessLock(file), first)
      // Its own pid is in the lock, which would read as left by an earlier process with this pid: known, refused.
      const again = yield* Effect.flip(Effect.scoped(takeProcessLock(file)))
      expect(again).toEqual({ message: "it is open in this process already (a second layer on the same file)" })
      // Two at once: one takes it, the other is refused.
      yield* Scope.close(first, Exit.void)
      const both = yield* Effect.all([Effect.either(takeProcessLock(file)), Effect.either(takeProcessLock(file))], {
        concurrency: 2
      })
      expect(both.map((e) => e._tag).sort()).toEqual(["Left", "Right"])
      expect(readFileSync(file, "utf8")).toBe(String(process.pid))
    }).pipe(Effect.provide(NodeContext.layer)))

  it.scopedLive("refuses a lock held by a live process, naming it, and leaves its lock alone", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir("held")
      const file = join(dir, "j.db.lock")
      // The test runner's parent: alive, and not this process.
      writeFileSync(file, String(process.ppid))
      const refused = yield* Effect.flip(takeProcessLock(file))
      expect(refused).toEqual({ holder: process.ppid })
      expect(readFileSync(file, "utf8")).toBe(String(process.ppid))
      expect(readdirSync(dir)).toEqual(["j.db.lock"])
    }).pipe(Effect.provide(NodeContext.layer)))

  it.scopedLive("on a file system without hard links, takes the lock in place", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir("nolinks")
      const file = join(dir, "j.db.lock")
      yield* takeProcessLock(file)
      expect(readFileSync(file, "utf8")).toBe(String(process.pid))
      expect(readdirSync(dir)).toEqual(["j.db.lock"])
    }).pipe(Effect.provide(withoutLinks)))
})
