import * as Command from "@effect/cli/Command"
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as ValidationError from "@effect/cli/ValidationError"
import { describe, expect, it } from "@effect/vitest"
import { Console, Context, Effect, Either, Option, Redacted } from "effect"
import { command, program as programSpec } from "../src/Cli.js"
import * as CommandLine from "../src/CommandLine.js"
import * as Invocation from "../src/Invocation.js"
import * as NodeServices from "../src/NodeServices.js"
import type { CommandSpec, FlagSpec } from "../src/Spec.js"
import { version } from "../src/Version.js"

const program = programSpec()
const leaves = (c: CommandSpec): Array<CommandSpec> => c.subcommands.length === 0 ? [c] : c.subcommands.flatMap(leaves)

/** A value each kind of flag takes. */
const sample = (flag: FlagSpec): Array<string> => {
  if (flag.kind === "switch") return [flag.name]
  const value = flag.choices?.at(-1) ?? (flag.kind === "integer" ? "3" : flag.kind === "float" ? "1.5" : "x-1")
  return [flag.name, value]
}

/** Every leaf command twice: with only what it needs, and with every flag it takes (and some global ones). */
const lines: ReadonlyArray<ReadonlyArray<string>> = leaves(program.root).flatMap((leaf) => {
  const path = leaf.path.slice(1)
  const args = leaf.args.map((a) => a.kind === "integer" ? "7" : "file-1.csv")
  const needed = leaf.flags.filter((f) => f.required).flatMap(sample)
  return [
    [...path, ...needed, ...args],
    ["--api-key", "k-1", ...path, "--json", ...leaf.flags.flatMap(sample), "--time-zone", "Pacific Time", ...args]
  ]
})

/** The parsed value in a form that compares by content: secrets by their value, options and tags by what they hold. */
const normalize = (u: unknown): unknown => {
  if (Redacted.isRedacted(u)) return { redacted: Redacted.value(u) }
  if (Option.isOption(u)) return Option.isSome(u) ? { some: normalize(u.value) } : "none"
  if (Context.isTag(u)) return { tag: u.key }
  if (Array.isArray(u)) return u.map(normalize)
  if (typeof u === "object" && u !== null) {
    return Object.fromEntries(Object.entries(u).map(([k, v]) => [k, normalize(v)]))
  }
  return u
}

const problem = (e: unknown) =>
  ValidationError.isValidationError(e) && "error" in e ? HelpDoc.toAnsiText(e.error).trim() : String(e)

/** What @effect/cli's own application hands the root handler for `words`, or the usage error it fails with. */
const byEffectCli = (words: ReadonlyArray<string>) =>
  Effect.suspend(() => {
    let parsed: unknown
    const capture = Command.withHandler(command, (value) => Effect.sync(() => void (parsed = value)))
    return Command.run(capture, { name: "motive", version })(["node", "motive", ...words]).pipe(
      Effect.map(() => parsed),
      Effect.either,
      Effect.map(Either.map(normalize)),
      Effect.map(Either.mapLeft(problem))
    )
  })

const byInvocation = (line: CommandLine.Line) =>
  Invocation.parse(command, line).pipe(
    Effect.either,
    Effect.map(Either.map(normalize)),
    Effect.map(Either.mapLeft(problem))
  )

/** A Console that keeps what is printed, one string per call. */
const recording = () => {
  const lines: Array<string> = []
  const record = (...args: ReadonlyArray<unknown>) => Effect.sync(() => void lines.push(args.map(String).join(" ")))
  const console: Console.Console = {
    [Console.TypeId]: Console.TypeId,
    assert: (_condition, ...args) => record(...args),
    clear: Effect.void,
    count: () => Effect.void,
    countReset: () => Effect.void,
    debug: record,
    dir: (item) => record(item),
    dirxml: record,
    error: record,
    group: () => Effect.void,
    groupEnd: Effect.void,
    info: record,
    log: record,
    table: (data) => record(data),
    time: () => Effect.void,
    timeEnd: () => Effect.void,
    timeLog: () => Effect.void,
    trace: record,
    warn: record,
    unsafe: globalThis.console
  }
  return { console, lines }
}

/** What `effect` gives and what it printed on the Console. */
const printing = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.suspend(() => {
    const { console, lines } = recording()
    return Effect.map(Effect.withConsole(effect, console), (result) => ({ result, printed: lines }))
  })

const checked = (words: ReadonlyArray<string>) => {
  const decision = CommandLine.decide(program, words)
  if (decision._tag !== "Run" || decision.line === undefined) throw new Error(`not a command to run: ${words}`)
  return decision
}

describe("running a checked command line without @effect/cli's application", () => {
  it.effect("gives every command's handler the value @effect/cli's parser gives it", () =>
    Effect.gen(function*() {
      expect(lines.length).toBeGreaterThan(40)
      for (const words of lines) {
        const decision = checked(words)
        const theirs = yield* byEffectCli(decision.words)
        const ours = yield* byInvocation(decision.line!)
        expect({ words, value: ours }).toEqual({ words, value: theirs })
      }
    }).pipe(Effect.provide(NodeServices.layer)))

  it.effect("refuses what @effect/cli refuses, printing the same message, were a line to pass the usage checks", () =>
    Effect.gen(function*() {
      for (const words of [["recall", "get", "0"], ["image", "get", "0", "--json"], ["recall", "wait", "0"]]) {
        // The usage checks refuse an id of 0 first, in the CLI's own format.
        const refused = CommandLine.decide(program, words)
        expect(refused).toMatchObject({ _tag: "Answer", code: 2 })
        // The same line with an id that passes, then given 0 behind the checks' back.
        const decision = checked(words.map((w) => w === "0" ? "7" : w))
        const line = { ...decision.line!, args: decision.line!.args.map((a) => a === "7" ? "0" : a) }
        const theirs = yield* printing(byEffectCli(decision.words.map((w) => w === "7" ? "0" : w)))
        // Run, not only parsed: what run prints, and a handler that must not be reached.
        const ours = yield* printing(
          Invocation.run(Command.withHandler(command, () => Effect.die("the handler ran")), line).pipe(
            Effect.as(undefined),
            Effect.either,
            Effect.map(Either.mapLeft(problem))
          )
        )
        expect(Either.isLeft(ours.result)).toBe(true)
        expect(ours.printed).toEqual([expect.stringContaining("must be a positive whole number, not 0")])
        expect(ours).toEqual(theirs)
      }
    }).pipe(Effect.provide(NodeServices.layer)))
})
