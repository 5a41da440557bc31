/**
 * The `motive` command line, as a library (for tests and embedding).
 *
 * @since 0.1.0
 */
export { command, main, program } from "./Cli.js"
export * as CommandLine from "./CommandLine.js"
export * from "./ExitCode.js"
