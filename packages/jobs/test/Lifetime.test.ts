import { Sandbox } from "@effect-motive/sandbox"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const program = fileURLToPath(new URL("lifetime/program.ts", import.meta.url))

describe("Embedded.layer's lifetime", () => {
  it.scopedLive("a program that ran a batch exits by itself once its layer is closed", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "motive-jobs-lifetime-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      const sandbox = yield* Sandbox.make({ lifecycle: { recallPendingMillis: 100, recallProcessingMillis: 300 } })
      // The completions' resumes of their workflows (1 s and 5 s after each) ran on as daemons after the engine
      // had closed, and kept the process alive for minutes: it must end well within 20 s here.
      const run = yield* Effect.async<{ code: number | null; stdout: string; stderr: string; killed: boolean }>(
        (resume) => {
          const child = spawn(process.execPath, ["--import", "tsx", program, join(dir, "jobs.db"), join(dir, "out")], {
            env: {
              ...process.env,
              MOTIVE_API_KEY: Redacted.value(sandbox.apiKey),
              MOTIVE_BASE_URL: sandbox.baseUrl
            },
            stdio: ["ignore", "pipe", "pipe"]
          })
          let stdout = "", stderr = "", killed = false
          child.stdout.on("data", (d: Buffer) => (stdout += d.toString()))
          child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
          const timer = setTimeout(() => {
            killed = true
            child.kill("SIGKILL")
          }, 20_000)
          child.on("close", (code) => {
            clearTimeout(timer)
            resume(Effect.succeed({ code, stdout, stderr, killed }))
          })
          return Effect.sync(() => child.kill("SIGKILL"))
        }
      )
      expect(run.stderr).toBe("")
      expect(JSON.parse(run.stdout)).toMatchObject({ done: 2 })
      expect(run.killed).toBe(false)
      expect(run.code).toBe(0)
    }), 40_000)
})
