/**
 * Reading flag values people type: relative times (`-15m`), durations (`90s`), camera lists.
 *
 * @since 0.1.0
 */
import { formatTimestamp } from "@effect-motive/domain"
import * as Args from "@effect/cli/Args"
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Options from "@effect/cli/Options"
import * as ValidationError from "@effect/cli/ValidationError"
import { Config, DateTime, Duration, Effect, Option, Redacted } from "effect"
import { InvalidInput } from "./CliError.js"
import { Output } from "./Output.js"
import type { Globals } from "./Root.js"

const unitMillis: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/**
 * A time as given to `--start`, `--from`, `--to`: `now`, relative to now (`-15m`, `-2h`, `-1d`, `-90s`), or
 * anything else, passed on unchanged so the domain's rules judge it (ISO 8601 with an offset).
 *
 * @since 0.1.0
 */
export const resolveTime = (flag: string, input: string): Effect.Effect<string, InvalidInput> =>
  Effect.flatMap(DateTime.now, (now) => {
    const text = input.trim()
    if (/^-\d+(\.\d+)?$/.test(text)) {
      return Effect.fail(
        new InvalidInput({
          message: `${flag} ${text} needs a unit: ${text}m for minutes ago, or ${text}s, ${text}h, ${text}d`
        })
      )
    }
    if (text === "now") {
      return Effect.succeed(formatTimestamp(DateTime.unsafeMake(Math.floor(DateTime.toEpochMillis(now) / 1000) * 1000)))
    }
    const m = /^-(\d+(?:\.\d+)?)([smhd])$/.exec(text)
    if (m === null) return Effect.succeed(input)
    const back = Number(m[1]) * unitMillis[m[2]!]!
    // Beyond any footage Motive keeps: said so, rather than left for the rules to call it no timestamp.
    if (!Number.isFinite(back) || back > 100 * 365 * unitMillis.d!) {
      return Effect.fail(
        new InvalidInput({ message: `${flag} ${text} is more than 100 years ago: no footage is that old` })
      )
    }
    // Whole seconds: the body reads better and nothing finer matters for footage.
    const then = DateTime.subtract(now, { millis: Math.round(back) })
    return Effect.succeed(formatTimestamp(DateTime.unsafeMake(Math.floor(DateTime.toEpochMillis(then) / 1000) * 1000)))
  })

/**
 * A duration as given to `--timeout`, `--poll-after`, `--duration`: a number with its unit, `30s`, `10m`, `1h`,
 * `1d` (or `500ms`), at most `7d`. A bare number is refused: it could mean seconds or minutes.
 *
 * @since 0.1.0
 */
export const parseDuration = (flag: string, input: string): Effect.Effect<Duration.Duration, InvalidInput> => {
  const text = input.trim()
  const amount = /^(\d+(?:\.\d*)?|\.\d+)(ms|s|m|h|d)?$/.exec(text)
  const zero = (amount !== null && Number(amount[1]) === 0) || /^-\d/.test(text)
  if (zero) return Effect.fail(new InvalidInput({ message: `${flag} ${text} must be longer than 0, e.g. 30s or 10m` }))
  if (/^\d+(\.\d+)?$/.test(text)) {
    return Effect.fail(
      new InvalidInput({ message: `${flag} ${text} needs a unit: ${text}m for minutes or ${text}s for seconds` })
    )
  }
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text)
  if (m === null) {
    return Effect.fail(
      new InvalidInput({ message: `${flag} "${input}" is not a duration: use e.g. 30s, 10m, 1h or 1d` })
    )
  }
  const n = Number(m[1])
  const unit = m[2]!
  const millis = unit === "ms" ? n : n * unitMillis[unit]!
  // No wait here is meant to be longer; far longer ones overflow timers, or park a job for ever.
  if (millis > 7 * unitMillis.d!) {
    return Effect.fail(new InvalidInput({ message: `${flag} ${text} is too long: at most 7d` }))
  }
  return Effect.succeed(Duration.millis(millis))
}

/**
 * A recall's `--duration` as Motive's whole minutes (`2m`, `120s`, `1h` → `"2"`, `"2"`, `"60"`); the domain's
 * rules then judge whether that many minutes is allowed.
 *
 * @since 0.1.0
 */
export const recallMinutes = (flag: string, input: string): Effect.Effect<string, InvalidInput> =>
  // A bare number is refused here too, and only minutes are offered: a recall lasts whole minutes.
  /^\s*-?\d/.test(input) && /^\s*-?(\d+(\.\d*)?)\s*[a-z]*\s*$/i.test(input) && !(Number.parseFloat(input) > 0)
    ? Effect.fail(
      new InvalidInput({
        message: `${flag} ${input.trim()} must be 1m or more: a recall lasts whole minutes (1m, 2m, 10m)`
      })
    )
    : /^\s*\d+(\.\d+)?\s*$/.test(input) && Number(input) > 0
    ? Effect.fail(
      new InvalidInput({
        message: Number.isInteger(Number(input))
          ? `${flag} ${input.trim()} needs a unit: ${Number(input)}m for minutes`
          : `${flag} ${input.trim()} needs a unit, and a recall lasts whole minutes (e.g. 1m, 2m, 10m)`
      })
    )
    : Effect.flatMap(parseDuration(flag, input), (d) => {
      const minutes = Duration.toMillis(d) / 60_000
      return Number.isInteger(minutes)
        ? Effect.succeed(String(minutes))
        : Effect.fail(
          new InvalidInput({
            message:
              `${flag} ${input.trim()} is not a whole number of minutes: Motive recalls whole minutes (e.g. 1m, 2m, 10m)`
          })
        )
    })

/**
 * An optional `--timeout`.
 *
 * @since 0.1.0
 */
export const optionalDuration = (flag: string, input: Option.Option<string>) =>
  Option.match(input, {
    onNone: () => Effect.succeed(Option.none<Duration.Duration>()),
    onSome: (text) => Effect.map(parseDuration(flag, text), Option.some)
  })

/**
 * Notes `--timeout` and `--force` given to a command that will neither wait nor write a file, where they would
 * otherwise be ignored without a word: `waitFlags` / `writeFlag` name the flags that make it do so.
 *
 * @since 0.1.0
 */
export const noteUnusedFlags = (flags: {
  /** Whether each was given. */
  readonly timeout: boolean
  readonly force: boolean
  /** Whether the command, as given, waits and writes a file. */
  readonly waits: boolean
  readonly writes: boolean
  readonly waitFlags: ReadonlyArray<string>
  readonly writeFlag: string
}): Effect.Effect<void, never, Output> =>
  Effect.flatMap(Output, (output) =>
    Effect.forEach(
      [
        ...(flags.timeout && !flags.waits
          ? [
            flags.waitFlags.length === 1
              ? `--timeout bounds ${flags.waitFlags[0]}; without it, nothing is waited for`
              : `--timeout bounds ${flags.waitFlags.join(" and ")}; without either, nothing is waited for`
          ]
          : []),
        ...(flags.force && !flags.writes
          ? [`--force replaces a file ${flags.writeFlag} would write; without ${flags.writeFlag}, nothing is written`]
          : [])
      ],
      output.note,
      { discard: true }
    ))

/**
 * Notes the global flags that `command`, which makes no call to Motive, does not use: `--sandbox`, the
 * credentials, `--base-url` and `--time-zone`. Given, they would seem to have done something. `why` says why
 * (by default: it makes no call to Motive).
 *
 * @since 0.1.0
 */
export const noteUnusedGlobals = (
  command: string,
  globals: Globals,
  why = "which makes no call to Motive"
): Effect.Effect<void, never, Output> => {
  const given = [
    ...(globals.sandbox ? ["--sandbox"] : []),
    ...(Option.isSome(globals.apiKey) ? ["--api-key"] : []),
    ...(Option.isSome(globals.oauthToken) ? ["--oauth-token"] : []),
    ...(Option.isSome(globals.baseUrl) ? ["--base-url"] : []),
    ...(Option.isSome(globals.timeZone) ? ["--time-zone"] : [])
  ]
  return given.length === 0 ? Effect.void : Effect.flatMap(Output, (output) =>
    output.note(
      `${given.length === 1 ? given[0] : `${given.slice(0, -1).join(", ")} and ${given.at(-1)}`} ${
        given.length === 1 ? "is" : "are"
      } not used by \`${command}\`, ${why}`
    ))
}

/**
 * A comma-separated list (`front_facing,driver_facing`); empty items are dropped.
 *
 * @since 0.1.0
 */
export const splitList = (input: string): Array<string> => input.split(",").map((s) => s.trim()).filter((s) => s !== "")

/**
 * A comma-separated list of camera positions given to `flag`: blank is an empty list (the rules say what that
 * means), but an empty item among others (`front_facing,,rear`, a comma at an end) is refused, not dropped.
 *
 * @since 0.1.0
 */
export const positionList = (flag: string, input: string): Effect.Effect<Array<string>, InvalidInput> => {
  const items = input.split(",").map((s) => s.trim())
  if (items.every((s) => s === "")) return Effect.succeed([])
  return items.some((s) => s === "")
    ? Effect.fail(
      new InvalidInput({
        message:
          `${flag} "${input.trim()}" has an empty item: separate positions with one comma (e.g. front_facing,rear)`
      })
    )
    : Effect.succeed(items)
}

/**
 * `--timeout D`, the time budget of a wait, shared by every command that waits.
 *
 * @since 0.1.0
 */
export const timeoutOption = Options.text("timeout").pipe(
  Options.withDescription("Longest wait: 90s, 10m, 1h, 1d (default 15m)"),
  Options.optional
)

/**
 * `--force`: replace a different file found where a download goes (a complete copy is kept either way).
 *
 * @since 0.1.0
 */
export const forceOption = Options.boolean("force").pipe(
  Options.withDescription("Replace a different file found where a download goes (a complete copy is kept anyway)")
)

const idProblem = (name: string, n: number): string | undefined =>
  Number.isSafeInteger(n) && n > 0 ? undefined : `${name} must be a positive whole number, not ${n}`

/**
 * A Motive id as a positional argument: a positive whole number, refused before anything is sent.
 *
 * @since 0.1.0
 */
export const idArgument = (name: string, description: string): Args.Args<number> =>
  Args.integer({ name }).pipe(
    Args.withDescription(description),
    Args.mapEffect((n) => {
      const problem = idProblem(name, n)
      return problem === undefined ? Effect.succeed(n) : Effect.fail(HelpDoc.p(problem))
    })
  )

/**
 * A Motive id as a flag (`--id`): a positive whole number, refused before anything is sent.
 *
 * @since 0.1.0
 */
export const idOption = (name: string, description: string): Options.Options<number> =>
  Options.integer(name).pipe(
    Options.withDescription(description),
    Options.mapEffect((n) => {
      const problem = idProblem(`--${name}`, n)
      return problem === undefined ? Effect.succeed(n) : Effect.fail(ValidationError.invalidValue(HelpDoc.p(problem)))
    })
  )

/**
 * A webhook secret: the flag when given (refused when blank), else `$MOTIVE_WEBHOOK_SECRET` when set and not
 * blank, else none.
 *
 * @since 0.1.0
 */
export const webhookSecret = (
  flagName: string,
  flag: Option.Option<Redacted.Redacted<string>>
): Effect.Effect<Option.Option<Redacted.Redacted<string>>, InvalidInput> =>
  Option.match(flag, {
    onSome: (s) =>
      Redacted.value(s).trim() === ""
        ? Effect.fail(new InvalidInput({ message: `${flagName} is empty: give the webhook's shared secret` }))
        : Effect.succeed(Option.some(s)),
    onNone: () =>
      Config.option(Config.redacted("MOTIVE_WEBHOOK_SECRET")).pipe(
        Effect.map(Option.filter((s) => Redacted.value(s).trim() !== "")),
        Effect.orElseSucceed(() => Option.none())
      )
  })
