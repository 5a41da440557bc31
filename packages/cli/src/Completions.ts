/**
 * Shell completion scripts (bash, zsh, fish) made from the command tree: every level's subcommands and flags,
 * and the values of flags that take fixed ones (`--position`, `--cameras`, `--type`, …).
 *
 * @since 0.1.0
 */
import type { CommandSpec, FlagSpec, ProgramSpec } from "./Spec.js"

/**
 * The shells there are scripts for.
 *
 * @since 0.1.0
 */
export const shells = ["bash", "zsh", "fish"] as const

/**
 * @since 0.1.0
 */
export type Shell = typeof shells[number]

const commands = (command: CommandSpec): Array<CommandSpec> => [command, ...command.subcommands.flatMap(commands)]

/** Flags whose value names a file or a directory: completed with paths. */
const pathValues: ReadonlySet<string> = new Set(["DIR", "FILE", "PATH", "PREFIX"])

const valuesOf = (flag: FlagSpec): ReadonlyArray<string> | undefined => flag.choices ?? flag.suggestions

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`

const bash = (program: ProgramSpec): string => {
  const all = commands(program.root)
  const name = program.root.name
  const fn = `_${name.replace(/[^A-Za-z0-9_]/g, "_")}_complete`
  const withValue = new Set<string>()
  for (const c of all) for (const f of c.flags) if (f.value !== undefined) withValue.add(f.name)
  for (const f of program.globals) if (f.value !== undefined) withValue.add(f.name)
  const globalWords = program.globals.flatMap((f) => [f.name, ...f.aliases.filter((a) => a.startsWith("--"))])
  const valueCases: Array<string> = []
  const seen = new Set<string>()
  for (const c of all) {
    for (const f of [...c.flags, ...program.globals]) {
      const key = `${c.path.join(" ")}:${f.name}`
      if (seen.has(key) || f.value === undefined) continue
      seen.add(key)
      const values = valuesOf(f)
      if (values !== undefined) {
        const list = f.value.includes(",") || f.description.toLowerCase().includes("comma")
        valueCases.push(
          `    ${quote(key)}) ${list ? "__motive_list" : "__motive_words"} ${quote(values.join(" "))}; return ;;`
        )
      } else if (pathValues.has(f.value)) {
        valueCases.push(`    ${quote(key)}) COMPREPLY=($(compgen -f -- "$cur")); return ;;`)
      } else {
        valueCases.push(`    ${quote(key)}) COMPREPLY=(); return ;;`)
      }
    }
  }
  const wordCases = all.map((c) => {
    const words = [
      ...c.subcommands.map((s) => s.name),
      ...c.flags.flatMap((f) => [f.name, ...f.aliases.filter((a) => a.startsWith("--"))]),
      ...globalWords
    ]
    return `    ${quote(c.path.join(" "))}) words=${quote(words.join(" "))} ;;`
  })
  const subCases = all.flatMap((c) =>
    c.subcommands.map((s) => `      ${quote(`${c.path.join(" ")}:${s.name}`)}) path=${quote(s.path.join(" "))} ;;`)
  )
  return `# bash completion for ${name}: eval "$(${name} --completions bash)", or save it in
# ~/.local/share/bash-completion/completions/${name}
__motive_words() { COMPREPLY=($(compgen -W "$1" -- "$cur")); }
__motive_list() {
  local prefix=""
  case "$cur" in *,*) prefix="\${cur%,*}," ;; esac
  COMPREPLY=($(compgen -P "$prefix" -W "$1" -- "\${cur##*,}"))
  compopt -o nospace 2>/dev/null
}
${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="" path=${quote(name)} i w skip=0 ended=0 words=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    if ((skip)); then skip=0; continue; fi
    if [[ $w == -- ]]; then ended=1; continue; fi
    case "$w" in
${[...withValue].sort().map((f) => `      ${f}) skip=1; continue ;;`).join("\n")}
      -*) continue ;;
    esac
    case "$path:$w" in
${subCases.join("\n")}
    esac
  done
  ((ended)) && { COMPREPLY=($(compgen -f -- "$cur")); return; }
  ((skip)) && prev="\${COMP_WORDS[COMP_CWORD-1]}"
  if [[ -n $prev ]]; then
    case "$path:$prev" in
${valueCases.join("\n")}
    esac
  fi
  case "$path" in
${wordCases.join("\n")}
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$(printf '%s\\n' $words | grep -- '^-')" -- "$cur"))
  else
    COMPREPLY=($(compgen -W "$(printf '%s\\n' $words | grep -v -- '^-')" -- "$cur"))
    [[ \${#COMPREPLY[@]} -eq 0 ]] && COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -F ${fn} ${name}
`
}

const zsh = (program: ProgramSpec): string =>
  `#compdef ${program.root.name}
# zsh completion for ${program.root.name}: eval "$(${program.root.name} --completions zsh)"
autoload -U +X bashcompinit && bashcompinit
${bash(program).split("\n").slice(2).join("\n")}`

const fish = (program: ProgramSpec): string => {
  const name = program.root.name
  const all = commands(program.root)
  const lines = [
    `# fish completion for ${name}: ${name} --completions fish > ~/.config/fish/completions/${name}.fish`,
    `function __${name}_path`,
    `    set -l words (commandline -opc)`,
    `    set -l path ${name}`,
    `    set -l skip 0`,
    `    for w in $words[2..-1]`,
    `        if test $skip = 1; set skip 0; continue; end`,
    `        switch $w`,
    ...[
      ...new Set(
        all.flatMap((c) => [...c.flags, ...program.globals]).filter((f) => f.value !== undefined).map((f) => f.name)
      )
    ]
      .sort().map((f) => `            case ${f}; set skip 1; continue`),
    `            case '-*'; continue`,
    `        end`,
    `        switch "$path:$w"`,
    ...all.flatMap((c) =>
      c.subcommands.map((s) =>
        `            case ${quote(`${c.path.join(" ")}:${s.name}`)}; set path ${quote(s.path.join(" "))}`
      )
    ),
    `        end`,
    `    end`,
    `    echo $path`,
    `end`,
    `complete -c ${name} -f`
  ]
  const flagLine = (condition: string, f: FlagSpec) => {
    const long = f.name.replace(/^--/, "")
    const short = f.aliases.find((a) => /^-[^-]$/.test(a))
    const values = valuesOf(f)
    return `complete -c ${name} -n ${quote(condition)} -l ${long}${short === undefined ? "" : ` -s ${short.slice(1)}`}${
      f.value === undefined ? "" : " -r"
    }${
      values === undefined
        ? (f.value !== undefined && pathValues.has(f.value) ? " -F" : "")
        : ` -a ${quote(values.join(" "))}`
    } -d ${quote(f.description.slice(0, 70))}`
  }
  for (const c of all) {
    const condition = `test (__${name}_path) = ${quote(c.path.join(" "))}`
    for (const s of c.subcommands) {
      lines.push(`complete -c ${name} -n ${quote(condition)} -a ${s.name} -d ${quote(s.summary.slice(0, 70))}`)
    }
    for (const f of c.flags) lines.push(flagLine(condition, f))
  }
  for (const f of program.globals) lines.push(flagLine("true", f))
  return `${lines.join("\n")}\n`
}

/**
 * The completion script for `shell`.
 *
 * @since 0.1.0
 */
export const script = (program: ProgramSpec, shell: Shell): string =>
  shell === "bash" ? bash(program) : shell === "zsh" ? zsh(program) : fish(program)
