/**
 * The `motive` executable.
 *
 * @since 0.1.0
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Exit } from "effect"
import { main } from "./Cli.js"
import * as NodeServices from "./NodeServices.js"
import { processSinks } from "./Output.js"
import type { ProgramSpec } from "./Spec.js"

// Only what @effect/cli needs (files, paths, the terminal; the first and last made when first used): no child
// processes, workers or HTTP at start-up.
const environment = NodeServices.layer

// The runtime stops listening for Ctrl-C once the command has finished. One arriving between then and the exit
// must not kill the process by the signal: the command's own exit code stands.
process.on("SIGINT", () => {})
// The launcher's handler for a Ctrl-C before the command starts (bin/motive.cjs) hands over to the runtime's.
const isListener = (u: unknown): u is (...args: Array<unknown>) => void => typeof u === "function"
const earlyInterrupt: unknown = Reflect.get(globalThis, Symbol.for("effect-motive/earlyInterrupt"))
if (isListener(earlyInterrupt)) process.removeListener("SIGINT", earlyInterrupt)

// The command tree as data that the launcher has read from dist/spec.json (absent when this file is run directly).
const launcherSpec: unknown = Reflect.get(globalThis, Symbol.for("effect-motive/spec"))
const isSpec = (u: unknown): u is ProgramSpec => typeof u === "object" && u !== null && "root" in u && "globals" in u

// The code main decided; an interruption that arrived meanwhile ends the fiber as interrupted, not the code.
let decided: number | undefined
NodeRuntime.runMain(
  main(process.argv, undefined, (code) => {
    decided = code
  }, isSpec(launcherSpec) ? launcherSpec : undefined).pipe(Effect.provide(environment)),
  {
    disableErrorReporting: true,
    // Exits at once rather than when the event loop drains: a Ctrl-C in the last moments of a process winding
    // down by itself can find Node's signal handling gone, and kill it after its result was printed.
    teardown: (exit) => {
      // A line stdout took only part of (`webhook listen` to a slow reader) is finished first, for a second at most.
      processSinks.stdoutFlush?.(1_000)
      process.exit(Exit.isSuccess(exit) && typeof exit.value === "number" ? exit.value : decided ?? 130)
    }
  }
)
