import { describe, expect, it } from "@effect/vitest"
import { spawn, spawnSync } from "node:child_process"
import { openSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { bin, dryRun, stackTrace, stateDir } from "./support.js"

const output = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), "..", "dist", "Output.js")).href

/** Runs `script` (an ES module) in a child whose stdout is a pipe read only after `delay` ms; its stdout and code. */
const withSlowReader = (script: string, delay: number) =>
  new Promise<{ readonly stdout: string; readonly code: number | null; readonly stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "pipe"] })
    const out: Array<Buffer> = [], err: Array<Buffer> = []
    child.stdout.pause()
    setTimeout(() => child.stdout.resume(), delay)
    child.stdout.on("data", (b: Buffer) => out.push(b))
    child.stderr.on("data", (b: Buffer) => err.push(b))
    child.on(
      "close",
      (code) => resolve({ stdout: Buffer.concat(out).toString(), code, stderr: Buffer.concat(err).toString() })
    )
  })

describe("the command's standard output", () => {
  it("keeps every byte in order when the pipe is full and will not wait, even when the process exits at once", async () => {
    // Node's own stream for a pipe makes its descriptor non-blocking: once the reader falls 64 KiB behind, a write
    // is refused (EAGAIN) until it reads. The command exits as soon as it has printed (process.exit), which drops
    // whatever Node's stream still holds: the output must be written by then.
    const script = `
      import { processSinks } from ${JSON.stringify(output)}
      process.stdout
      for (let i = 0; i < 4000; i++) processSinks.stdout(i + " " + "x".repeat(100) + "\\n")
      process.exit(0)
    `
    const run = await withSlowReader(script, 300)
    expect(run.stderr).toBe("")
    expect(run.code).toBe(0)
    const lines = run.stdout.split("\n")
    expect(lines.length).toBe(4001)
    expect(lines.slice(0, 4000).every((line, i) => line === `${i} ${"x".repeat(100)}`)).toBe(true)
  })

  it("writes a blocking pipe's text straight through, in order, with multi-byte characters intact", async () => {
    const script = `
      import { processSinks } from ${JSON.stringify(output)}
      for (let i = 0; i < 2000; i++) processSinks.stdout(i + " → ✓ " + "é".repeat(50) + "\\n")
    `
    const run = await withSlowReader(script, 200)
    expect(run.code).toBe(0)
    const lines = run.stdout.split("\n")
    expect(lines.slice(0, 2000).every((line, i) => line === `${i} → ✓ ${"é".repeat(50)}`)).toBe(true)
  })

  it("stops quietly when the reader has gone (EPIPE), as cat does: no stack trace, the command's own exit code", () => {
    // The reader closes its end at once; node starts long after, so every write meets a closed pipe.
    const cases = [
      [bin, "--help"],
      [bin, ...dryRun],
      [bin, "recall", "list", "--json"]
    ]
    for (const args of cases) {
      const line = args.map((a) => `'${a}'`).join(" ")
      const run = spawnSync(
        "bash",
        ["-c", `'${process.execPath}' ${line} 2>&1 | (exec 0<&-; sleep 1); echo "exit \${PIPESTATUS[0]}"`],
        { encoding: "utf8", env: { ...process.env, MOTIVE_STATE_DIR: stateDir } }
      )
      expect({ args, out: run.stdout }).toEqual({ args, out: "exit 0\n" })
    }
  })

  it("makes a full disk the command's failure, said in one line, not a silent success or a stack trace", () => {
    // The result, a usage error's JSON report, and the launcher's own answers (help) each meet the full disk.
    for (const args of [dryRun, [...dryRun, "--json"], ["recall", "get", "0", "--json"], ["--help"]]) {
      const run = spawnSync(process.execPath, [bin, ...args], {
        encoding: "utf8",
        stdio: ["ignore", openSync("/dev/full", "w"), "pipe"]
      })
      expect({ args, code: run.status }).toEqual({ args, code: 1 })
      expect(run.stderr).toMatch(/error: (could not write the output: )?ENOSPC: no space left on device, write\n$/)
      expect(run.stderr).not.toMatch(stackTrace)
    }
  })

  it("names the requests a run made when its result cannot be written (a full disk), with --json and --quiet too", () => {
    for (
      const [args, made] of [
        [
          ["recall", "create", "--vehicle-number", "TRK-103", "--start", "-27m", "--duration", "1m", "--json"],
          "video recall 1"
        ],
        [["-q", "image", "capture", "--vehicle-number", "TRK-103", "--position", "front_facing"], "image capture 1"]
      ] as const
    ) {
      const run = spawnSync(process.execPath, [bin, "--sandbox", ...args], {
        encoding: "utf8",
        stdio: ["ignore", openSync("/dev/full", "w"), "pipe"],
        env: { ...process.env, MOTIVE_STATE_DIR: stateDir }
      })
      expect({ args, code: run.status }).toEqual({ args, code: 1 })
      expect(run.stderr).toContain("error: could not write the output: ENOSPC: no space left on device, write\n")
      expect(run.stderr).toContain(`${made} exists: `)
      expect(run.stderr).not.toMatch(stackTrace)
    }
  })

  it("keeps a failure's own exit code and words when its JSON report cannot be written (a full disk)", () => {
    for (
      const [args, code, said] of [
        [
          [
            "recall",
            "create",
            "--vehicle-number",
            "TRK-103",
            "--start",
            "-27m",
            "--duration",
            "1m",
            "--wait",
            "--timeout",
            "1s"
          ],
          5,
          "error: still pending after 1s"
        ],
        [
          ["recall", "create", "--vehicle-number", "NOPE", "--start", "-27m", "--duration", "1m"],
          3,
          "error: No vehicle with vehicle_number \"NOPE\" (HTTP 404)"
        ]
      ] as const
    ) {
      const run = spawnSync(process.execPath, [bin, "--sandbox", "--json", ...args], {
        encoding: "utf8",
        stdio: ["ignore", openSync("/dev/full", "w"), "pipe"],
        env: { ...process.env, MOTIVE_STATE_DIR: stateDir }
      })
      expect({ args, code: run.status }).toEqual({ args, code })
      expect(run.stderr).toContain("error: could not write the output: ENOSPC: no space left on device, write\n")
      expect(run.stderr).toContain(said)
      expect(run.stderr).not.toMatch(stackTrace)
    }
  })
})
