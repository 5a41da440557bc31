/**
 * Help for a person, rendered from the command tree (`Spec.ts`): a summary, the usage line, the flags with what
 * they take, the subcommands, the global flags and real examples, wrapped to the terminal (80 columns at most).
 *
 * @since 0.1.0
 */
import type { CommandSpec, FlagSpec, ProgramSpec } from "./Spec.js"

/** Splits `text` into lines of at most `width` characters, breaking at spaces (a longer word stands alone). */
const wrap = (text: string, width: number): Array<string> => {
  const lines: Array<string> = []
  let line = ""
  // A word wider than the column is cut after its commas (a list), else anywhere.
  const words = text.split(/\s+/).filter((w) => w !== "").flatMap((w) =>
    w.length <= width ? [w] : (w.match(new RegExp(`.{1,${width - 1}}(,|$)|.{1,${width}}`, "g")) ?? [w])
  )
  for (const word of words) {
    if (line === "") line = word
    else if (line.length + 1 + word.length <= width) line += ` ${word}`
    else {
      lines.push(line)
      line = word
    }
  }
  if (line !== "") lines.push(line)
  return lines.length === 0 ? [""] : lines
}

/** Two columns: a label, and its text wrapped beside it (or below it, when the label is too wide). */
const table = (rows: ReadonlyArray<readonly [string, string]>, width: number): Array<string> => {
  const indent = 2
  const widest = Math.max(0, ...rows.map(([label]) => label.length))
  const column = Math.min(widest, 26) + indent + 2
  const out: Array<string> = []
  for (const [label, text] of rows) {
    const body = wrap(text, Math.max(20, width - column))
    if (indent + label.length + 2 <= column) {
      out.push(`${" ".repeat(indent)}${label.padEnd(column - indent)}${body[0]}`.trimEnd())
      for (const more of body.slice(1)) out.push(`${" ".repeat(column)}${more}`)
    } else {
      out.push(`${" ".repeat(indent)}${label}`)
      for (const more of body) out.push(`${" ".repeat(column)}${more}`)
    }
  }
  return out
}

/**
 * How a flag reads in help: `-q, --quiet` or `--dir DIR`.
 *
 * @since 0.1.0
 */
export const flagLabel = (flag: FlagSpec): string =>
  [...flag.aliases, flag.name].join(", ") + (flag.value === undefined ? "" : ` ${flag.value}`)

/**
 * The usage line of a command: `motive recall get ID [flags]`.
 *
 * @since 0.1.0
 */
export const usageOf = (command: CommandSpec): string => {
  const words = [...command.path]
  if (command.subcommands.length > 0) words.push("COMMAND")
  for (const flag of command.flags) if (flag.required) words.push(`${flag.name} ${flag.value ?? ""}`.trim())
  if (command.flags.some((f) => !f.required) || command.subcommands.length === 0) words.push("[flags]")
  for (const arg of command.args) words.push(arg.optional ? `[${arg.name}]` : arg.name)
  return words.join(" ")
}

/**
 * The help of one command of the tree, at most `width` columns wide.
 *
 * @since 0.1.0
 */
export const render = (program: ProgramSpec, command: CommandSpec, width = 80): string => {
  const w = Math.max(40, Math.min(80, width))
  const name = command.path.join(" ")
  const out: Array<string> = [
    ...wrap(command.summary, w),
    "",
    "Usage:",
    ...wrap(usageOf(command), w - 2).map((l) => `  ${l}`)
  ]
  if (command.subcommands.length > 0) {
    out.push("", "Commands:")
    out.push(...table(command.subcommands.map((c) => [c.name, c.summary]), w))
  }
  if (command.args.length > 0) {
    out.push("", "Arguments:")
    out.push(...table(command.args.map((a) => [a.name, a.description + (a.optional ? " (optional)" : "")]), w))
  }
  if (command.flags.length > 0) {
    out.push("", "Flags:")
    out.push(...table(command.flags.map((f) => [flagLabel(f), f.description]), w))
  }
  out.push("", "Global flags (before or after the command):")
  out.push(...table(program.globals.map((f) => [flagLabel(f), f.description]), w))
  if (command.examples.length > 0) {
    out.push("", "Examples:")
    for (const example of command.examples) {
      const lines = wrap(example, w - 6)
      out.push(`  $ ${lines[0]}`, ...lines.slice(1).map((l) => `      ${l}`))
    }
  }
  out.push(
    "",
    command.subcommands.length > 0
      ? `Run '${name} COMMAND --help' for a command's flags and examples.`
      : `Run '${command.path.slice(0, -1).join(" ")} --help' for the other commands.`
  )
  if (command.path.length === 1) out.push("", "Exit codes:", ...table(program.exitCodes, w))
  return `${out.join("\n")}\n`
}
