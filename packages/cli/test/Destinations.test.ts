import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { execFileSync } from "node:child_process"
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { motive, sandboxEnv, tempDir } from "./support.js"

const create = ["recall", "create", "--vehicle-number", "TRK-101", "--start", "-10m", "--duration", "1m"]
const capture = ["image", "capture", "--vehicle-id", "101", "--position", "rear"]

describe("motive: destinations fully checked before anything is sent", () => {
  it.scopedLive("refuses names the file system cannot take, counting the partial file's suffix, with exit 2", () =>
    Effect.gen(function*() {
      const { env, sandbox } = yield* sandboxEnv()
      const dir = yield* tempDir
      const longDir = yield* motive([...create, "--download", join(dir, "d".repeat(300))], { env })
      expect(longDir.code).toBe(2)
      expect(longDir.stderr).toContain("is 300 bytes; file systems take at most 255")
      // 250 characters fit on their own, but not with the 18 the partial file adds while the image downloads.
      const longFile = yield* motive([...capture, "--out", join(dir, `${"i".repeat(246)}.jpg`)], { env })
      expect(longFile.code).toBe(2)
      expect(longFile.stderr).toContain("file systems take at most 255")
      const deepDir = yield* motive([...create, "--download", join(dir, ...Array(40).fill("x".repeat(100)))], { env })
      expect(deepDir.code).toBe(2)
      expect(deepDir.stderr).toContain("the path is too long")
      expect(readdirSync(dir)).toEqual([])
      expect(yield* sandbox.requests).toEqual([])
    }))

  it.scopedLive("never replaces a symbolic link, a device or a FIFO with --out, and checks demo's --dir", () =>
    Effect.gen(function*() {
      const { env, sandbox } = yield* sandboxEnv()
      const dir = yield* tempDir
      writeFileSync(join(dir, "target"), "keep me")
      symlinkSync(join(dir, "target"), join(dir, "link.jpg"))
      execFileSync("mkfifo", [join(dir, "fifo.jpg")])
      mkdirSync(join(dir, "sub"))
      writeFileSync(join(dir, "sub", "file"), "")
      const link = yield* motive([...capture, "--out", join(dir, "link.jpg")], { env })
      expect(link.code).toBe(2)
      expect(link.stderr).toContain("is a symbolic link")
      const device = yield* motive([...capture, "--out", "/dev/null"], { env })
      expect(device.code).toBe(2)
      expect(device.stderr).toContain("is not a regular file (CharacterDevice)")
      const fifo = yield* motive([...capture, "--out", join(dir, "fifo.jpg")], { env })
      expect(fifo.code).toBe(2)
      expect(fifo.stderr).toContain("is not a regular file (FIFO)")
      const demo = yield* motive(["demo", "--dir", join(dir, "sub", "file")], { env })
      expect(demo.code).toBe(2)
      expect(demo.stderr).toContain("exists and is not a directory")
      expect(yield* sandbox.requests).toEqual([])
    }))

  it.scopedLive("image capture --out refuses a file already there before sending (a new capture cannot be it)", () =>
    Effect.gen(function*() {
      const { env, sandbox } = yield* sandboxEnv()
      const dir = yield* tempDir
      writeFileSync(join(dir, "exists.jpg"), "my photo")
      const refused = yield* motive([...capture, "--out", join(dir, "exists.jpg")], { env })
      expect(refused.code).toBe(2)
      expect(refused.stderr).toContain("already exists; nothing was sent (--force replaces it)")
      expect(readFileSync(join(dir, "exists.jpg"), "utf8")).toBe("my photo")
      expect(yield* sandbox.requests).toEqual([])
      // `-` is not taken for a file named "-" (it used to be): most commands read it as standard output.
      const dash = yield* motive([...capture, "--out", "-"], { env })
      expect(dash).toMatchObject({
        code: 2,
        stderr:
          "error: --out - would mean standard output, and this command writes a file: give a file name (./- for a file named -)\n"
      })
      expect(yield* sandbox.requests).toEqual([])
      const forced = yield* motive([...capture, "--out", join(dir, "exists.jpg"), "--force"], { env })
      expect(forced.code).toBe(0)
      expect(readFileSync(join(dir, "exists.jpg")).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]))
    }))

  it.scopedLive("image get --out on the capture's image already there says so, as recall files do", () =>
    Effect.gen(function*() {
      const { env } = yield* sandboxEnv()
      const dir = yield* tempDir
      const out = join(dir, "rear.jpg")
      const first = yield* motive([...capture, "--out", out], { env })
      expect(first.code).toBe(0)
      expect(first.stdout).toMatch(new RegExp(`file\\s+${out}\\n`))
      const again = yield* motive(["image", "get", "1", "--out", out], { env })
      expect(again.code).toBe(0)
      // It used to print only the path, where --json said alreadyThere: true.
      expect(again.stdout).toMatch(new RegExp(`file\\s+${out} \\(already there\\)\\n`))
    }))

  it.scopedLive("a different file where a download goes is kept, with --force named only by commands that have it", () =>
    Effect.gen(function*() {
      const { env } = yield* sandboxEnv({ lifecycle: { recallPendingMillis: 0, recallProcessingMillis: 0 } })
      const dir = yield* tempDir
      const made = yield* motive([...create, "--cameras", "rear", "--wait"], { env })
      expect(made.code).toBe(0)
      writeFileSync(join(dir, "1-rear.mp4"), "my notes")
      const kept = yield* motive(["recall", "download", "1", "--dir", dir], { env })
      expect(kept.code).toBe(2)
      expect(kept.stderr).toContain("it is kept (--force replaces it)")
      expect(readFileSync(join(dir, "1-rear.mp4"), "utf8")).toBe("my notes")
      // A symbolic link there is kept even with --force, and that too is the caller's to change: exit 2.
      mkdirSync(join(dir, "linked"))
      symlinkSync(join(dir, "1-rear.mp4"), join(dir, "linked", "1-rear.mp4"))
      const link = yield* motive(["recall", "download", "1", "--dir", join(dir, "linked"), "--force"], { env })
      expect(link.code).toBe(2)
      expect(link.stderr).toContain("1-rear.mp4 is a symbolic link, not a regular file: it is not replaced")
      expect(readFileSync(join(dir, "1-rear.mp4"), "utf8")).toBe("my notes")
      mkdirSync(join(dir, "demo"))
      writeFileSync(join(dir, "demo", "1-front_facing.jpg"), "mine")
      const demo = yield* motive(["demo", "--dir", join(dir, "demo")])
      expect(demo.code).toBe(2)
      expect(demo.stderr).toContain("it is kept (move it away, or write elsewhere)")
    }))
})
