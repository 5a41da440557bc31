import { Sandbox, type SandboxOptions } from "@effect-motive/sandbox"
import { Effect, Redacted } from "effect"
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

/** The built, bundled bin, as a user runs it. */
export const bin = join(dirname(fileURLToPath(import.meta.url)), "..", "bin", "motive.cjs")

/** A dry run of `recall create`: checked and printed, nothing sent (the command line the start-up benchmark times). */
export const dryRun: ReadonlyArray<string> = [
  "recall",
  "create",
  "--vehicle-number",
  "TRK-101",
  "--start",
  "-30m",
  "--duration",
  "1m",
  "--dry-run"
]

/** What a run of the bin gave. */
export interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** The request journal of the runs of one test file: never the user's own. */
export const stateDir = mkdtempSync(join(tmpdir(), "motive-state-"))
process.once("exit", () => rmSync(stateDir, { recursive: true, force: true }))

/** A clean environment: no Motive variables leak in from the machine, and the journal is the tests' own. */
const baseEnv = (): Record<string, string> => {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith("MOTIVE_") && k !== "NODE_OPTIONS") env[k] = v
  }
  return { ...env, MOTIVE_STATE_DIR: stateDir }
}

/** Runs `motive args…` and sends it SIGINT after `millis` (if it is still running then). */
export const interrupted = (
  args: ReadonlyArray<string>,
  millis: number,
  env: Record<string, string> = {}
): Effect.Effect<Run> =>
  Effect.async<Run>((resume) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...baseEnv(), ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = "", stderr = ""
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()))
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => child.kill("SIGINT"), millis)
    child.on("close", (code) => {
      clearTimeout(timer)
      resume(Effect.succeed({ code, stdout, stderr }))
    })
    return Effect.sync(() => child.kill("SIGKILL"))
  })

/** Runs `motive args…` in `cwd` with `env` added, feeding `input` on stdin (or giving it `stdin`, an open fd). */
export const motive = (
  args: ReadonlyArray<string>,
  options: {
    readonly env?: Record<string, string>
    readonly cwd?: string
    readonly input?: string | Buffer
    readonly stdin?: number
  } = {}
): Effect.Effect<Run> =>
  Effect.async<Run>((resume) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: options.cwd ?? process.cwd(),
      env: { ...baseEnv(), ...options.env },
      stdio: [options.stdin ?? "pipe", "pipe", "pipe"]
    })
    let stdout = "", stderr = ""
    child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()))
    child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()))
    child.on("close", (code) => resume(Effect.succeed({ code, stdout, stderr })))
    // A command may end before it has read all its input (one that refuses a body over its limit): not an error here.
    child.stdin?.on("error", () => {})
    if (options.input !== undefined) child.stdin?.end(options.input)
    else child.stdin?.end()
    return Effect.sync(() => child.kill("SIGKILL"))
  })

/** A long-running `motive` (sandbox, webhook listen) whose output lines can be awaited; killed with the scope. */
export const motiveBackground = (args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const child = spawn(process.execPath, [bin, ...args], {
        env: { ...baseEnv(), ...env },
        stdio: ["ignore", "pipe", "pipe"]
      })
      const lines: Array<string> = []
      let partial = ""
      let stderr = ""
      child.stdout.on("data", (d: Buffer) => {
        partial += d.toString()
        const parts = partial.split("\n")
        partial = parts.pop() ?? ""
        lines.push(...parts)
      })
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
      return { child, lines, stderr: () => stderr }
    }),
    ({ child }) => Effect.sync(() => child.kill("SIGINT"))
  )

/** Waits in real time until `check` gives a value. */
export const until = <A>(check: () => A | undefined, millis = 10_000) =>
  Effect.gen(function*() {
    const deadline = Date.now() + millis
    for (;;) {
      const value = check()
      if (value !== undefined) return value
      if (Date.now() > deadline) return yield* Effect.dieMessage(`nothing within ${millis} ms`)
      yield* Effect.sleep("20 millis")
    }
  })

/** A temporary directory removed with the scope. */
export const tempDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "motive-cli-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

/** An ISO time `minutes` ago. */
export const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString()

/** Matches the frames of a JavaScript stack trace. */
export const stackTrace = /\n\s+at\s.+\(.+:\d+:\d+\)|\n\s+at\s.+:\d+:\d+/

/** A sandbox and the environment that points the bin at it. */
export const sandboxEnv = (options: SandboxOptions = {}) =>
  Effect.map(Sandbox.make(options), (sandbox) => ({
    sandbox,
    env: { MOTIVE_BASE_URL: sandbox.baseUrl, MOTIVE_API_KEY: Redacted.value(sandbox.apiKey) }
  }))
