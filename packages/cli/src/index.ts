/**
 * The `motive` command line, as a library (for tests and embedding).
 *
 * @since 0.1.0
 */
export { command, main } from "./Cli.js"
export * from "./ExitCode.js"
export { hoistGlobalFlags } from "./Root.js"
