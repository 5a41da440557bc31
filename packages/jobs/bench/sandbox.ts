/**
 * The sandbox in its own process for the jobs benchmarks (so that the measured processes do only client work),
 * and the questions they ask it over IPC.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { join } from "node:path"

const here = new URL(".", import.meta.url).pathname
const tsx = join(here, "..", "..", "..", "node_modules", ".bin", "tsx")

/** A running sandbox process and its base URL. */
export interface SandboxProcess {
  readonly baseUrl: string
  readonly child: ChildProcess
}

/** Starts a sandbox with these `SandboxOptions`. */
export const startSandbox = (options: unknown) =>
  new Promise<SandboxProcess>((resolve, reject) => {
    const child = spawn(tsx, [join(here, "..", "..", "http", "bench", "sandbox-process.ts"), JSON.stringify(options)], {
      stdio: ["ignore", "pipe", "inherit", "ipc"]
    })
    child.stdout!.once("data", (d: Buffer) => resolve({ baseUrl: d.toString().trim(), child }))
    child.once("error", reject)
  })

/** Asks the sandbox process for its `"requests"` or `"recalls"`. */
export const ask = <A>(child: ChildProcess, what: string) =>
  new Promise<A>((resolve) => {
    child.once("message", (m) => resolve(m as A))
    child.send(what)
  })
