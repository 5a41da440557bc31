/**
 * The root `motive` command and its global options, which every subcommand reads.
 *
 * @since 0.1.0
 */
import { Command, Options } from "@effect/cli"

/**
 * Global options. They may be given anywhere on the command line; the entry point moves them in front of
 * the subcommand, where the parser expects them.
 *
 * @since 0.1.0
 */
export const globalOptions = {
  apiKey: Options.redacted("api-key").pipe(
    Options.withDescription("Motive API key (X-Api-Key); default: $MOTIVE_API_KEY"),
    Options.optional
  ),
  oauthToken: Options.redacted("oauth-token").pipe(
    Options.withDescription("OAuth 2 access token instead of an API key; default: $MOTIVE_OAUTH_TOKEN"),
    Options.optional
  ),
  baseUrl: Options.text("base-url").pipe(
    Options.withDescription("API base URL; default: $MOTIVE_BASE_URL or https://api.gomotive.com"),
    Options.optional
  ),
  timeZone: Options.text("time-zone").pipe(
    Options.withDescription("X-Time-Zone for Motive, e.g. \"Pacific Time (US & Canada)\"; default: $MOTIVE_TIME_ZONE"),
    Options.optional
  ),
  sandbox: Options.boolean("sandbox").pipe(
    Options.withDescription("Run against a built-in sandbox with a demo fleet (no credentials needed)")
  ),
  json: Options.boolean("json").pipe(
    Options.withDescription("Print exactly one JSON document on stdout (the result or the error)")
  ),
  quiet: Options.boolean("quiet").pipe(Options.withAlias("q"), Options.withDescription("No notes or progress")),
  verbose: Options.boolean("verbose").pipe(Options.withDescription("Show details of unexpected failures"))
}

/**
 * Flags that take a value, for moving them to the front.
 *
 * @since 0.1.0
 */
export const globalFlagsWithValue = ["--api-key", "--oauth-token", "--base-url", "--time-zone"] as const

/**
 * Flags without a value.
 *
 * @since 0.1.0
 */
export const globalSwitches = ["--sandbox", "--json", "--quiet", "-q", "--verbose"] as const

const switchSet: ReadonlySet<string> = new Set(globalSwitches)
const withValueSet: ReadonlySet<string> = new Set(globalFlagsWithValue)

/**
 * Whether `word` is a global flag without a value.
 *
 * @since 0.1.0
 */
export const isGlobalSwitch = (word: string): boolean => switchSet.has(word)

/**
 * Whether `word` is a global flag that takes a value.
 *
 * @since 0.1.0
 */
export const isGlobalFlagWithValue = (word: string): boolean => withValueSet.has(word)

/**
 * The root command; subcommands are attached in `Cli.ts`.
 *
 * @since 0.1.0
 */
export const root = Command.make("motive", globalOptions)

/**
 * The parsed global options.
 *
 * @since 0.1.0
 */
export type Globals = Command.Command.ParseConfig<typeof globalOptions>

/**
 * Moves global flags (and their values) in front of the subcommand, keeping every other word in order.
 * Everything after a `--` stays where it is.
 *
 * @since 0.1.0
 */
export const hoistGlobalFlags = (args: ReadonlyArray<string>): Array<string> => {
  const globals: Array<string> = []
  const rest: Array<string> = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (arg === "--") {
      rest.push(...args.slice(i))
      break
    }
    const [flag, inline] = arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg] : [arg]
    if (isGlobalSwitch(arg)) globals.push(arg)
    else if (isGlobalFlagWithValue(flag ?? "")) {
      if (inline !== undefined) globals.push(flag!, inline.slice(flag!.length + 1))
      else if (i + 1 < args.length) globals.push(arg, args[++i]!)
      else rest.push(arg)
    } else rest.push(arg)
  }
  return [...globals, ...rest]
}
