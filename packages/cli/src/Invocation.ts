/**
 * Running a command line that `CommandLine.decide` has already checked, on the command tree's own definitions
 * and handlers, without `@effect/cli`'s application runner. The line names its command and each level's words,
 * so there is nothing left to search for: each level's options and arguments are read by `@effect/cli`'s own
 * `Options.processCommandLine` and `Args.validate` (the same values, defaults and checks as its parser), and the
 * tree's handler runs with the parsed values. What is left out is what the launcher has answered before (help,
 * the version, completion scripts; the wizard runs `@effect/cli`'s application) and the help text and usage
 * `@effect/cli` builds for every command level it parses, which a command that runs never shows.
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as CliConfig from "@effect/cli/CliConfig"
import type * as Command from "@effect/cli/Command"
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Options from "@effect/cli/Options"
import * as ValidationError from "@effect/cli/ValidationError"
import type * as FileSystem from "@effect/platform/FileSystem"
import type * as Path from "@effect/platform/Path"
import type * as Terminal from "@effect/platform/Terminal"
import { Console, Effect, Option } from "effect"
import type { Line } from "./CommandLine.js"
import { field, tagOf } from "./Spec.js"

type Parsing<A> = Effect.Effect<
  A,
  ValidationError.ValidationError,
  FileSystem.FileSystem | Path.Path | Terminal.Terminal
>

// The descriptors are @effect/cli's own data (its version is pinned); they are read structurally, as in Spec.ts.

const nameOf = (descriptor: unknown): string => {
  switch (tagOf(descriptor)) {
    case "Map":
      return nameOf(field(descriptor, "command"))
    case "Subcommands":
      return nameOf(field(descriptor, "parent"))
    default:
      return String(field(descriptor, "name"))
  }
}

/** A descriptor's map function returns what `Descriptor.mapEffect` declares: a parse step, as an Effect. */
const isParsing = (u: unknown): u is Parsing<unknown> => Effect.isEffect(u)

const unexpected = (what: string) => ValidationError.invalidValue(HelpDoc.p(what))

/** One command's own options and arguments, as @effect/cli's `Standard` command reads them. */
const readStandard = (
  descriptor: unknown,
  words: ReadonlyArray<string>,
  args: ReadonlyArray<string>
): Parsing<unknown> => {
  const options = field(descriptor, "options")
  const positional = field(descriptor, "args")
  if (!Options.isOptions(options) || !Args.isArgs(positional)) {
    return Effect.fail(unexpected(`'${nameOf(descriptor)}' is not a command this version can run`))
  }
  const config = CliConfig.defaultConfig
  return Effect.flatMap(
    Options.processCommandLine(options, words, config),
    ([optionsError, leftover, optionsValue]) =>
      Args.validate(positional, [...leftover, ...args], config).pipe(
        Effect.catchAll((e) => Effect.fail(Option.getOrElse(optionsError, () => e))),
        Effect.flatMap(([extra, argsValue]) =>
          extra.length === 0
            ? Effect.succeed({ name: nameOf(descriptor), options: optionsValue, args: argsValue })
            : Effect.fail(unexpected(`Received unknown argument: '${extra[0]}'`))
        )
      )
  )
}

/** The value @effect/cli's parser gives `descriptor` for `line`, from level `depth` of the command path down. */
const read = (descriptor: unknown, line: Line, depth: number): Parsing<unknown> => {
  switch (tagOf(descriptor)) {
    case "Map": {
      const f = field(descriptor, "f")
      return Effect.flatMap(read(field(descriptor, "command"), line, depth), (value) => {
        const mapped: unknown = typeof f === "function" ? f(value) : undefined
        return isParsing(mapped)
          ? mapped
          : Effect.fail(unexpected(`'${nameOf(descriptor)}' has a definition this version cannot read`))
      })
    }
    case "Subcommands": {
      const next = line.path[depth]
      const children = field(descriptor, "children")
      const child = Array.isArray(children) ? children.find((c: unknown) => nameOf(c) === next) : undefined
      if (child === undefined) return Effect.fail(unexpected(`'${nameOf(descriptor)}' has no command '${next}'`))
      return Effect.zipWith(
        read(field(descriptor, "parent"), line, depth),
        read(child, line, depth + 1),
        (parent, value) => ({ ...Object(parent), subcommand: Option.some(value) })
      )
    }
    case "Standard": {
      // The program's own flags are the root's; a command's are the last level's. Groups between take none.
      const isRoot = depth === 0
      const isLeaf = depth === line.path.length
      return readStandard(
        descriptor,
        isRoot ? line.globals : isLeaf ? line.own : [],
        isLeaf ? line.args : []
      )
    }
    default:
      return Effect.fail(unexpected(`'${nameOf(descriptor)}' is not a command this version can run`))
  }
}

/**
 * The value @effect/cli's parser gives `command` (the program's root command) for `line`: what its handler
 * receives.
 *
 * @since 0.1.0
 */
export const parse = <Name extends string, R, E, A>(
  command: Command.Command<Name, R, E, A>,
  line: Line
): Parsing<unknown> => read(command.descriptor, line, 0)

/**
 * Runs `line` on `command` (the program's root command): its options and arguments read as @effect/cli reads
 * them, then the handler, as `Command.run` would run it. A value @effect/cli would refuse is printed on the
 * Console's error stream, as `Command.run` prints it, and fails with its `ValidationError` before the handler
 * runs: nothing is sent.
 *
 * @since 0.1.0
 */
export const run = <Name extends string, R, E, A>(
  command: Command.Command<Name, R, E, A>,
  line: Line
): Effect.Effect<
  void,
  E | ValidationError.ValidationError,
  R | FileSystem.FileSystem | Path.Path | Terminal.Terminal
> =>
  parse(command, line).pipe(
    Effect.tapError((e) => "error" in e ? Console.error(HelpDoc.toAnsiText(e.error)) : Effect.void),
    Effect.flatMap((value) => {
      // The value is what @effect/cli's parser makes of the descriptor, which is the handler's input.
      const handlerInput = value as A
      return command.transform(command.handler(handlerInput), handlerInput)
    })
  )
