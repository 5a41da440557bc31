/**
 * Reading a command line against the command tree before anything runs: which command it names, its flags
 * (global ones anywhere, before or after the subcommand; `--` ends the flags), and every usage error with the
 * level it is at and the nearest valid choices. Help, the version and completion scripts are answered here.
 * Plain functions over plain data, with no Effect runtime: the launcher answers these without loading the
 * command itself.
 *
 * @since 0.1.0
 */
import * as Completions from "./Completions.js"
import * as Help from "./Help.js"
import { jsonText } from "./Printable.js"
import type { CommandSpec, FlagSpec, ProgramSpec } from "./Spec.js"
import { didYouMean } from "./Suggest.js"

/**
 * The output switches every command honours.
 *
 * @since 0.1.0
 */
export interface Mode {
  readonly json: boolean
  readonly quiet: boolean
  readonly verbose: boolean
  /** The command's stdout is JSON Lines with `--json` (`webhook listen`). */
  readonly jsonLines?: boolean
}

/**
 * A checked command line, by level: the command's path below the program (`["recall", "create"]`), the program's
 * global flags, the command's own flags and its positional arguments, each as words `@effect/cli` reads.
 *
 * @since 0.1.0
 */
export interface Line {
  readonly path: ReadonlyArray<string>
  readonly globals: ReadonlyArray<string>
  readonly own: ReadonlyArray<string>
  readonly args: ReadonlyArray<string>
}

/**
 * What to do with a command line.
 *
 * @since 0.1.0
 */
export type Decision =
  | {
    /** Print `stdout` / `stderr` and exit with `code`: help, the version, a completion script, a usage error. */
    readonly _tag: "Answer"
    readonly stdout: string
    readonly stderr: string
    readonly code: number
  }
  | {
    /** Run the command: `words` are the command line in the parser's order (global flags first). */
    readonly _tag: "Run"
    readonly words: ReadonlyArray<string>
    /** The same line by level; absent with `--wizard`, which asks for the rest. */
    readonly line?: Line
    readonly mode: Mode
    readonly logLevel?: string
    readonly wizard: boolean
  }

/**
 * The flags every command takes besides the program's own global ones: help, version, completions, log level.
 *
 * @since 0.1.0
 */
export const builtInFlags: ReadonlyArray<FlagSpec> = [
  { name: "--help", aliases: ["-h"], kind: "switch", description: "Show help for the command", required: false },
  { name: "--version", aliases: [], kind: "switch", description: "Show motive's version", required: false },
  {
    name: "--completions",
    aliases: [],
    value: "SHELL",
    kind: "text",
    choices: Completions.shells,
    description: "Print a completion script for bash, zsh or fish",
    required: false
  },
  {
    name: "--log-level",
    aliases: [],
    value: "LEVEL",
    kind: "text",
    choices: ["all", "trace", "debug", "info", "warning", "error", "fatal", "none"],
    description: "Log messages from this level up on stderr (default: none)",
    required: false
  },
  {
    name: "--wizard",
    aliases: [],
    kind: "switch",
    description: "Ask for the command and its flags interactively",
    required: false
  }
]

class Usage {
  constructor(readonly message: string, readonly command: CommandSpec) {}
}

const flagTable = (flags: ReadonlyArray<FlagSpec>): Map<string, FlagSpec> => {
  const m = new Map<string, FlagSpec>()
  for (const f of flags) for (const n of [f.name, ...f.aliases]) m.set(n, f)
  return m
}

/** A whole number that a number holds exactly (above 2^53 the CLI library's own parse refuses it, unnamed). */
const isWholeNumber = (s: string) => /^-?\d+$/.test(s.trim()) && Number.isSafeInteger(Number(s.trim()))
const isNumber = (s: string) => /^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(s.trim())
/** A word that is a value rather than a flag: `-15m`, `-2h` (relative times), `-5`. */
const looksLikeValue = (s: string) => /^-\d/.test(s)

const checkValue = (flag: FlagSpec, value: string, command: CommandSpec): Usage | undefined => {
  if (flag.choices !== undefined && !flag.choices.includes(value)) {
    return new Usage(
      `${flag.name} must be one of ${flag.choices.join(", ")}, not '${value}'${didYouMean(value, flag.choices)}`,
      command
    )
  }
  if (flag.kind === "integer" && !isWholeNumber(value)) {
    return new Usage(
      /^-?\d+$/.test(value.trim())
        ? `${flag.name} takes a whole number from ${Number.MIN_SAFE_INTEGER} to ${Number.MAX_SAFE_INTEGER}, not '${value}'`
        : `${flag.name} takes a whole number, not '${value}'`,
      command
    )
  }
  if (flag.kind === "float" && !isNumber(value)) {
    return new Usage(`${flag.name} takes a number, not '${value}'`, command)
  }
  return undefined
}

const where = (command: CommandSpec) => `'${command.path.join(" ")}'`

interface Parsed {
  readonly command: CommandSpec
  readonly globals: Array<string>
  readonly own: Array<string>
  readonly args: Array<string>
  readonly seen: Map<string, string>
  readonly help: boolean
  readonly version: boolean
  readonly completions?: string
  readonly logLevel?: string
  readonly wizard: boolean
}

const parse = (program: ProgramSpec, words: ReadonlyArray<string>): Parsed | Usage => {
  const globals = flagTable([...program.globals, ...builtInFlags])
  let command = program.root
  let flags = flagTable(command.flags)
  const globalWords: Array<string> = [], own: Array<string> = [], args: Array<string> = []
  const seen = new Map<string, string>()
  let help = false, version = false, wizard = false
  let completions: string | undefined, logLevel: string | undefined
  let ended = false
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!
    if (!ended && word === "--") {
      ended = true
      continue
    }
    if (!ended && word.startsWith("-") && word !== "-" && !looksLikeValue(word)) {
      const eq = word.startsWith("--") ? word.indexOf("=") : -1
      const name = eq === -1 ? word : word.slice(0, eq)
      const flag = flags.get(name) ?? globals.get(name)
      if (flag === undefined) {
        const candidates = [...command.flags, ...program.globals, ...builtInFlags].flatMap((
          f
        ) => [f.name, ...f.aliases])
        const hint = didYouMean(name, candidates.filter((c) => c.startsWith("--") === name.startsWith("--")))
        return new Usage(`unknown flag '${name}' for ${where(command)}${hint}`, command)
      }
      let value: string | undefined
      if (flag.value === undefined) {
        if (eq !== -1) return new Usage(`${flag.name} takes no value (found '${word}')`, command)
      } else if (eq !== -1) value = word.slice(eq + 1)
      else if (i + 1 < words.length) {
        // A flag given without its value would take the next flag as one (`--out --force` wrote a file named
        // --force): a word that names a flag here is not taken. `--out=--force` still means it.
        const next = words[i + 1]!
        const nextName = next.startsWith("--") && next.includes("=") ? next.slice(0, next.indexOf("=")) : next
        if (flags.has(nextName) || globals.has(nextName)) {
          return new Usage(
            `${flag.name} needs a value: ${flag.name} ${flag.value} (found the flag ${nextName}; ${flag.name}=${next} if that is the value)`,
            command
          )
        }
        value = words[++i]!
      } else return new Usage(`${flag.name} needs a value: ${flag.name} ${flag.value}`, command)
      if (value !== undefined) {
        const problem = checkValue(flag, value, command)
        if (problem !== undefined) return problem
      }
      const key = `${flags.get(name) === undefined ? "global" : command.path.join(" ")}:${flag.name}`
      if (seen.has(key)) {
        if (value === undefined) continue
        return new Usage(`${flag.name} was given twice (${seen.get(key)} and ${value}); give it once`, command)
      }
      seen.set(key, value ?? "")
      switch (flag.name) {
        case "--help":
          help = true
          break
        case "--version":
          version = true
          break
        case "--wizard":
          wizard = true
          break
        case "--completions":
          completions = value
          break
        case "--log-level":
          logLevel = value
          break
        default: {
          if (flags.get(name) === undefined) {
            // A global's value is joined to its flag (`--api-key=demo`): the parser splits the line at the first
            // word that names a command, and would take a value such as `demo` or `recall` for one. A value that is
            // empty, has spaces at either end or a line break is not joined (the parser would trim it or not read
            // it back); such a value names no command.
            if (value === undefined) globalWords.push(flag.name)
            else if (value === "" || value !== value.trim() || /[\r\n]/.test(value)) globalWords.push(flag.name, value)
            else globalWords.push(`${flag.name}=${value}`)
          } // A command's switch is passed as `--force=true`: a bare one would take a following `1` as its value.
          else own.push(...(value === undefined ? [`${flag.name}=true`] : [flag.name, value]))
        }
      }
      continue
    }
    if (command.subcommands.length > 0) {
      const next = command.subcommands.find((c) => c.name === word)
      if (next === undefined) {
        const names = command.subcommands.map((c) => c.name)
        return new Usage(`unknown command '${word}' for ${where(command)}${didYouMean(word, names)}`, command)
      }
      command = next
      flags = flagTable(command.flags)
      continue
    }
    const arg = command.args[args.length]
    if (arg === undefined) {
      return new Usage(
        command.args.length === 0
          ? `${where(command)} takes no arguments, but was given '${word}'`
          : `unexpected argument '${word}' for ${where(command)}: it takes ${
            command.args.map((a) => a.name).join(" ")
          }`,
        command
      )
    }
    if (arg.kind === "integer" && !(/^\d+$/.test(word) && Number.isSafeInteger(Number(word)) && Number(word) > 0)) {
      return new Usage(`${arg.name} must be a positive whole number, not '${word}'`, command)
    }
    if (word.startsWith("-")) {
      return new Usage(`'${word}' would be read as a flag; for a file of that name write ./${word}`, command)
    }
    args.push(word)
  }
  return {
    command,
    globals: globalWords,
    own,
    args,
    seen,
    help,
    version,
    wizard,
    ...(completions === undefined ? {} : { completions }),
    ...(logLevel === undefined ? {} : { logLevel })
  }
}

const missing = (parsed: Parsed): Usage | undefined => {
  const { command } = parsed
  if (command.subcommands.length > 0) {
    const names = command.subcommands.map((c) => c.name).join(", ")
    return new Usage(`${where(command)} needs a command: ${names}`, command)
  }
  for (const flag of command.flags) {
    if (flag.required && !parsed.seen.has(`${command.path.join(" ")}:${flag.name}`)) {
      return new Usage(`${where(command)} needs ${flag.name} ${flag.value ?? ""}`.trimEnd(), command)
    }
  }
  const arg = command.args.find((a, i) => !a.optional && parsed.args[i] === undefined)
  if (arg !== undefined) return new Usage(`${where(command)} needs ${arg.name}: ${arg.description}`, command)
  return undefined
}

const modeOf = (words: ReadonlyArray<string>): Mode => {
  const end = words.indexOf("--")
  const flags = end === -1 ? words : words.slice(0, end)
  return {
    json: flags.includes("--json"),
    quiet: flags.includes("--quiet") || flags.includes("-q"),
    verbose: flags.includes("--verbose")
  }
}

const answer = (mode: Mode, text: string, key: string): Decision => ({
  _tag: "Answer",
  stdout: mode.json ? `${jsonText({ [key]: text }, 2)}\n` : text,
  stderr: "",
  code: 0
})

const usageError = (mode: Mode, usage: Usage): Decision => {
  const hint = `Run '${usage.command.path.join(" ")} --help' for usage.`
  const report = { error: { tag: "UsageError", message: usage.message, help: hint } }
  return mode.json
    ? {
      _tag: "Answer",
      // A command whose stdout is JSON Lines gets its report on one line too.
      stdout: `${jsonText(report, usage.command.jsonLines === true ? undefined : 2)}\n`,
      stderr: "",
      code: 2
    }
    : { _tag: "Answer", stdout: "", stderr: `error: ${usage.message}\n${hint}\n`, code: 2 }
}

/**
 * Reads `words` (the command line after the program name) against `program`.
 *
 * @since 0.1.0
 */
export const decide = (
  program: ProgramSpec,
  words: ReadonlyArray<string>,
  terminal: { readonly columns?: number | undefined } = {}
): Decision => {
  const mode = modeOf(words)
  const parsed = parse(program, words)
  if (parsed instanceof Usage) return usageError(mode, parsed)
  if (parsed.version) return answer(mode, mode.json ? program.version : `${program.version}\n`, "version")
  if (parsed.completions !== undefined) {
    const shell = Completions.shells.find((s) => s === parsed.completions)
    if (shell !== undefined) return answer(mode, Completions.script(program, shell), "completions")
  }
  if (parsed.help) return answer(mode, Help.render(program, parsed.command, terminal.columns ?? 80), "help")
  if (parsed.wizard) {
    return { _tag: "Run", words: [...parsed.globals, ...parsed.command.path.slice(1), "--wizard"], mode, wizard: true }
  }
  // A bare group (`motive`, `motive recall`) shows its help; with --json it is a usage error (one JSON document).
  if (parsed.command.subcommands.length > 0 && !mode.json) {
    return answer(mode, Help.render(program, parsed.command, terminal.columns ?? 80), "help")
  }
  const problem = missing(parsed)
  if (problem !== undefined) return usageError(mode, problem)
  return {
    _tag: "Run",
    words: [...parsed.globals, ...parsed.command.path.slice(1), ...parsed.own, ...parsed.args],
    line: { path: parsed.command.path.slice(1), globals: parsed.globals, own: parsed.own, args: parsed.args },
    mode: parsed.command.jsonLines === true ? { ...mode, jsonLines: true } : mode,
    wizard: false,
    ...(parsed.logLevel === undefined ? {} : { logLevel: parsed.logLevel })
  }
}
