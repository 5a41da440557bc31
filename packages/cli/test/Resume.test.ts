import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { spawn } from "node:child_process"
import { existsSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { bin, motive, sandboxEnv, stateDir, tempDir } from "./support.js"

const size = 256 * 1024 * 1024

/** Runs `motive args…` and kills it with `signal` once `file` holds some but not all of its bytes. */
const killMidway = (args: ReadonlyArray<string>, env: Record<string, string>, file: string, signal: NodeJS.Signals) =>
  Effect.async<{ readonly killedAt: number; readonly stderr: string }>((resume) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...process.env, MOTIVE_STATE_DIR: stateDir, ...env },
      stdio: ["ignore", "ignore", "pipe"]
    })
    let stderr = ""
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
    let killedAt = 0
    const watch = setInterval(() => {
      const bytes = existsSync(file) ? statSync(file).size : 0
      if (bytes > 0 && bytes < size && killedAt === 0) {
        killedAt = bytes
        child.kill(signal)
      }
    }, 1)
    child.on("close", () => {
      clearInterval(watch)
      resume(Effect.succeed({ killedAt, stderr }))
    })
    return Effect.sync(() => child.kill("SIGKILL"))
  })

describe("motive recall download: a download cut by Ctrl-C, a closed terminal or kill -9 is resumed", () => {
  for (const signal of ["SIGINT", "SIGHUP", "SIGKILL"] as const) {
    it.scopedLive(`after ${signal} mid-download, the next run transfers only the rest`, () =>
      Effect.gen(function*() {
        const { env, sandbox } = yield* sandboxEnv({
          lifecycle: { recallPendingMillis: 0, recallProcessingMillis: 0 },
          media: { videoBytes: size }
        })
        const dir = yield* tempDir
        const created = yield* motive(
          ["recall", "create", "--vehicle-number", "TRK-101", "--start", "-30m", "--duration", "1m", "--wait"],
          { env }
        )
        expect(created.code).toBe(0)
        const args = ["recall", "download", "1", "--dir", dir, "--cameras", "front_facing"]
        const part = join(dir, "1-front_facing.mp4.part")
        const { killedAt, stderr } = yield* killMidway(args, env, part, signal)
        expect(killedAt).toBeGreaterThan(0)
        // Ctrl-C names the command that resumes it.
        if (signal === "SIGINT") {
          expect(stderr).toContain(
            `video recall 1 exists: motive recall download 1 --dir ${dir} --cameras front_facing`
          )
        }
        expect(existsSync(part)).toBe(true)
        const again = yield* motive(args, { env })
        expect(again.code).toBe(0)
        const media = (yield* sandbox.requests).filter((r) => r.route === "media")
        const resumedFrom = Number(/^bytes=(\d+)-$/.exec(media.at(-1)!.headers["range"] ?? "")?.[1])
        // The second run asked only for what the first had not written.
        expect(resumedFrom).toBeGreaterThanOrEqual(killedAt)
        expect(resumedFrom).toBeLessThan(size)
        const file = readFileSync(join(dir, "1-front_facing.mp4"))
        expect(file.length).toBe(size)
        expect(Buffer.compare(file, Buffer.from(yield* sandbox.videoBytes(1, "front_facing")))).toBe(0)
      }), 60_000)
  }
})
