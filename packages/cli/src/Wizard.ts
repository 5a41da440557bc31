/**
 * `--wizard`: `@effect/cli`'s application, which asks for a command and its flags. Imported only by a run with
 * `--wizard`; every other line is run by `Invocation`.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import { command } from "./Cli.js"
import { version } from "./Version.js"

/**
 * Runs `@effect/cli`'s application on `argv` (as `process.argv`), which asks for what the line leaves out.
 *
 * @since 0.1.0
 */
export const run = Command.run(command, { name: "motive", version })
