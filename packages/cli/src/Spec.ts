/**
 * The command tree as plain data: every command's name, summary, flags (with what they take, their choices and
 * defaults) and positional arguments, read off the `@effect/cli` definitions. Help, completion scripts and the
 * usage checks (`CommandLine.ts`) are all made from this one description, so they cannot drift from the parser.
 *
 * @since 0.1.0
 */
import * as HelpDoc from "@effect/cli/HelpDoc"

/**
 * A flag: `--name` (and its aliases), whether it takes a value, and what the value may be.
 *
 * @since 0.1.0
 */
export interface FlagSpec {
  readonly name: string
  readonly aliases: ReadonlyArray<string>
  /** What the value is, as shown in help (`NUMBER`, `DIR`, …); absent for a switch. */
  readonly value?: string
  /** The kind of value, for checking it before parsing: `integer`, `float` or `text`. */
  readonly kind: "switch" | "integer" | "float" | "text"
  /** The only values it accepts, when they are fixed. */
  readonly choices?: ReadonlyArray<string>
  /** Values to offer in completion, when not fixed (e.g. camera positions in a comma-separated list). */
  readonly suggestions?: ReadonlyArray<string>
  readonly description: string
  readonly required: boolean
}

/**
 * A positional argument.
 *
 * @since 0.1.0
 */
export interface ArgSpec {
  readonly name: string
  readonly kind: "integer" | "float" | "text"
  readonly description: string
  readonly optional: boolean
}

/**
 * One command of the tree.
 *
 * @since 0.1.0
 */
export interface CommandSpec {
  readonly name: string
  /** The words that reach it: `["motive", "recall", "create"]`. */
  readonly path: ReadonlyArray<string>
  readonly summary: string
  readonly flags: ReadonlyArray<FlagSpec>
  readonly args: ReadonlyArray<ArgSpec>
  readonly examples: ReadonlyArray<string>
  readonly subcommands: ReadonlyArray<CommandSpec>
  /** With `--json`, its stdout is JSON Lines (one document per line, from the first), not one document. */
  readonly jsonLines?: true
}

/**
 * The whole tree, with the global flags (accepted before or after any subcommand) and the version.
 *
 * @since 0.1.0
 */
export interface ProgramSpec {
  readonly version: string
  readonly root: CommandSpec
  readonly globals: ReadonlyArray<FlagSpec>
  /** The exit codes and what each means, printed at the end of the root help. */
  readonly exitCodes: ReadonlyArray<readonly [string, string]>
}

/**
 * What the definitions cannot say themselves: examples, what a flag's value is called, completion values.
 *
 * @since 0.1.0
 */
export interface Extras {
  readonly examples?: Readonly<Record<string, ReadonlyArray<string>>>
  readonly values?: Readonly<Record<string, string>>
  readonly suggestions?: Readonly<Record<string, ReadonlyArray<string>>>
  /** The commands (`motive webhook listen`) whose stdout is JSON Lines with `--json`. */
  readonly jsonLines?: ReadonlyArray<string>
}

// The descriptors are @effect/cli's own data (its version is pinned); they are read structurally, field by field.
/**
 * A field of `@effect/cli`'s own data (a descriptor, options, a primitive), read structurally.
 *
 * @since 0.1.0
 */
export const field = (o: unknown, key: string): unknown =>
  typeof o === "object" && o !== null ? Reflect.get(o, key) : undefined

/**
 * The `_tag` of `@effect/cli`'s own data.
 *
 * @since 0.1.0
 */
export const tagOf = (o: unknown): string => String(field(o, "_tag"))
const helpDocTags: ReadonlySet<string> = new Set(["Header", "Paragraph", "DescriptionList", "Enumeration", "Sequence"])
const isHelpDoc = (doc: unknown): doc is HelpDoc.HelpDoc => helpDocTags.has(tagOf(doc))
const textOf = (doc: unknown): string => {
  if (!isHelpDoc(doc)) return ""
  // eslint-disable-next-line no-control-regex
  return HelpDoc.toAnsiText(doc).replace(/\u001b\[[0-9;]*m/g, "").replace(/\s+/g, " ").trim()
}
const kindOf = (primitive: unknown): FlagSpec["kind"] => {
  switch (tagOf(primitive)) {
    case "Bool":
      return "switch"
    case "Integer":
      return "integer"
    case "Float":
      return "float"
    default:
      return "text"
  }
}
const choicesOf = (primitive: unknown): ReadonlyArray<string> | undefined => {
  if (tagOf(primitive) !== "Choice") return undefined
  const alternatives = field(primitive, "alternatives")
  return Array.isArray(alternatives) ? alternatives.map((a: unknown) => String(Array.isArray(a) ? a[0] : a)) : undefined
}
const defaultValue: Record<FlagSpec["kind"], string> = {
  switch: "",
  integer: "NUMBER",
  float: "NUMBER",
  text: "TEXT"
}

const flagsOf = (options: unknown, extras: Extras, path: string, optional = false): Array<FlagSpec> => {
  switch (tagOf(options)) {
    case "Single": {
      const name = String(field(options, "fullName"))
      const primitive = field(options, "primitiveType")
      const aliasList = field(options, "aliases")
      const kind = kindOf(primitive)
      const choices = choicesOf(primitive)
      const suggestions = extras.suggestions?.[`${path} ${name}`] ?? extras.suggestions?.[name]
      return [{
        name,
        aliases: Array.isArray(aliasList)
          ? aliasList.map((a: unknown) => String(a).length === 1 ? `-${a}` : `--${a}`)
          : [],
        ...(kind === "switch"
          ? {}
          : {
            value: extras.values?.[`${path} ${name}`] ?? extras.values?.[name] ??
              (choices === undefined ? defaultValue[kind] : choices.join("|"))
          }),
        kind,
        ...(choices === undefined ? {} : { choices }),
        ...(suggestions === undefined ? {} : { suggestions }),
        description: textOf(field(options, "description")),
        required: !optional && kind !== "switch"
      }]
    }
    case "Map":
    case "WithFallback":
      return flagsOf(field(options, "options"), extras, path, optional)
    case "WithDefault": {
      // A value a flag falls back to is said in its help, unless its description says it already (a switch's
      // false goes without saying).
      const fallback = field(options, "fallback")
      const shown = typeof fallback === "string" || typeof fallback === "number" ? String(fallback) : undefined
      return flagsOf(field(options, "options"), extras, path, true).map((flag) =>
        shown === undefined || flag.kind === "switch" || /\bdefault\b/i.test(flag.description)
          ? flag
          : { ...flag, description: `${flag.description} (default ${shown === "" ? "\"\"" : shown})` }
      )
    }
    case "Both":
    case "OrElse":
      return [
        ...flagsOf(field(options, "left"), extras, path, tagOf(options) === "OrElse" || optional),
        ...flagsOf(field(options, "right"), extras, path, tagOf(options) === "OrElse" || optional)
      ]
    case "Variadic":
    case "KeyValueMap":
      return flagsOf(field(options, "argumentOption"), extras, path, true)
    default:
      return []
  }
}

const argsOf = (args: unknown, optional = false): Array<ArgSpec> => {
  switch (tagOf(args)) {
    case "Single": {
      const kind = kindOf(field(args, "primitiveType"))
      return [{
        name: String(field(args, "name")).replace(/^<|>$/g, "").toUpperCase(),
        kind: kind === "switch" ? "text" : kind,
        description: textOf(field(args, "description")),
        optional
      }]
    }
    case "Map":
      return argsOf(field(args, "args"), optional)
    case "WithDefault":
    case "WithFallbackConfig":
      return argsOf(field(args, "args"), true)
    case "Variadic":
      return argsOf(field(args, "args"), optional || Number(field(args, "min") ?? 0) === 0)
    case "Both":
      return [...argsOf(field(args, "left"), optional), ...argsOf(field(args, "right"), optional)]
    default:
      return []
  }
}

const specOfDescriptor = (descriptor: unknown, parent: ReadonlyArray<string>, extras: Extras): CommandSpec => {
  switch (tagOf(descriptor)) {
    case "Map":
      return specOfDescriptor(field(descriptor, "command"), parent, extras)
    case "Subcommands": {
      const self = specOfDescriptor(field(descriptor, "parent"), parent, extras)
      const children = field(descriptor, "children")
      return {
        ...self,
        subcommands: Array.isArray(children)
          ? children.map((child: unknown) => specOfDescriptor(child, self.path, extras))
          : []
      }
    }
    default: {
      const name = String(field(descriptor, "name"))
      const path = [...parent, name]
      return {
        name,
        path,
        summary: textOf(field(descriptor, "description")),
        flags: flagsOf(field(descriptor, "options"), extras, path.join(" ")),
        args: argsOf(field(descriptor, "args")),
        examples: extras.examples?.[path.join(" ")] ?? [],
        subcommands: [],
        ...(extras.jsonLines?.includes(path.join(" ")) === true ? { jsonLines: true as const } : {})
      }
    }
  }
}

/**
 * Reads the tree off a command. The root's own flags become the global flags.
 *
 * @since 0.1.0
 */
export const specOf = (
  command: { readonly descriptor: unknown },
  options: {
    readonly version: string
    readonly exitCodes: ReadonlyArray<readonly [string, string]>
    readonly globals: ReadonlyArray<FlagSpec>
    readonly extras: Extras
  }
): ProgramSpec => {
  const root = specOfDescriptor(command.descriptor, [], options.extras)
  return {
    version: options.version,
    root: { ...root, flags: [] },
    globals: [...root.flags, ...options.globals],
    exitCodes: options.exitCodes
  }
}
