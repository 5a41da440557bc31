#!/usr/bin/env node
"use strict"
// The installed `motive` command. It runs the bundled command (dist/motive/motive.cjs and the chunks it loads),
// and when the V8 code cache made at build time for a file (<file>.cache) matches this Node, V8 skips compiling
// it: the command starts in about half the time. A cache that does not match is ignored; nothing is written at
// run time.
// Ctrl-C before the command has started: nothing can have been sent yet. Say so (as one JSON document with
// --json) and stop, as the command itself would; the command takes over the signal once it runs.
const earlyInterrupt = () => {
  if (process.argv.includes("--json")) {
    process.stdout.write(
      `${
        JSON.stringify(
          { error: { tag: "Interrupted", message: "interrupted before anything was sent", requests: [] } },
          null,
          2
        )
      }\n`
    )
  }
  process.exit(130)
}
process.on("SIGINT", earlyInterrupt)
globalThis[Symbol.for("effect-motive/earlyInterrupt")] = earlyInterrupt
const { readFileSync } = require("node:fs")
const Module = require("node:module")
const { join } = require("node:path")
const { Script } = require("node:vm")
const dist = join(__dirname, "..", "dist")
// Set only by the build while it records the code caches (scripts/bundle.mjs).
const recorder = globalThis[Symbol.for("effect-motive/recorder")]

// Compiles a CommonJS file of the build with its code cache (<file>.cache) when there is one that V8 accepts.
const compile = (file) => {
  let cachedData
  try {
    cachedData = readFileSync(`${file}.cache`)
  } catch {
    cachedData = undefined
  }
  // The build is ASCII (esbuild escapes the rest): read as latin1, it needs no UTF-8 decoding.
  const script = new Script(Module.wrap(readFileSync(file, "latin1")), { filename: file, cachedData })
  if (recorder !== undefined) recorder.compiled(file, script)
  return script.runInThisContext()
}

// Help, the version, completion scripts and usage errors are answered from the command tree as data
// (dist/spec.json, written at build time from the command's own definitions) without loading the command.
const spec = JSON.parse(readFileSync(join(dist, "spec.json"), "utf8"))
const commandLine = { exports: {} }
compile(join(dist, "commandline.cjs"))(commandLine.exports, require, commandLine, join(dist, "commandline.cjs"), dist)
const decision = commandLine.exports.decide(
  spec,
  process.argv.slice(2),
  // Looked up only when help is wrapped to the terminal.
  {
    get columns() {
      return process.stdout.isTTY === true ? process.stdout.columns : undefined
    }
  }
)
if (decision._tag === "Answer") {
  // A reader that went away (`motive --help | head -c0`) ends the answer quietly, as it ends `cat`; any other
  // failure to write it (a full disk) is said in one line on stderr, and the exit code is 1.
  const write = (stream, text) => {
    if (text === "") return
    stream.on("error", (error) => {
      if (error.code === "EPIPE") return
      process.exitCode = 1
      if (stream !== process.stderr) process.stderr.write(`error: ${error.message}\n`)
    })
    stream.write(text)
  }
  process.exitCode = decision.code
  write(process.stdout, decision.stdout)
  write(process.stderr, decision.stderr)
} else {
  // The command checks the line again with the same tree: handed over, it need not rebuild it from the definitions.
  globalThis[Symbol.for("effect-motive/spec")] = spec
  run()
}

function run() {
  const dir = join(dist, "motive")
  const external = Module.createRequire(join(dir, "motive.cjs"))
  const modules = new Map()
  const load = (name) => {
    const known = modules.get(name)
    if (known !== undefined) return known.exports
    const file = join(dir, name)
    const module_ = { exports: {} }
    modules.set(name, module_)
    compile(file)(module_.exports, require_, module_, file, dir)
    return module_.exports
  }
  // The bundle's files ask for each other as "./<file>"; anything else (Node's modules, the native engines) is
  // Node's to load.
  const require_ = (id) => id.startsWith("./") ? load(id.slice(2)) : external(id)
  require_.resolve = external.resolve
  require_.cache = external.cache
  if (recorder !== undefined) recorder.load = load
  load("motive.cjs")
}
