/**
 * The root `motive` command and its global options, which every subcommand reads.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"

/**
 * Global options. They may be given anywhere on the command line; `CommandLine.decide` moves them in front
 * of the subcommand, where the parser expects them.
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
    Options.withDescription(
      "Print exactly one JSON document on stdout (the result or the error; webhook listen: one per line)"
    )
  ),
  quiet: Options.boolean("quiet").pipe(Options.withAlias("q"), Options.withDescription("No notes or progress")),
  verbose: Options.boolean("verbose").pipe(Options.withDescription("Show details of unexpected failures"))
}

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
