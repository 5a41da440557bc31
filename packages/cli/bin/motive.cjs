#!/usr/bin/env node
"use strict"
// The installed `motive` command. It runs the one bundled file (dist/motive.cjs), and when the V8 code cache
// made at build time (dist/motive.cache) matches this Node, V8 skips compiling it: the command starts in
// about half the time. A cache that does not match is ignored; nothing is written at run time.
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

const file = join(__dirname, "..", "dist", "motive.cjs")
let cachedData
try {
  cachedData = readFileSync(join(__dirname, "..", "dist", "motive.cache"))
} catch {
  cachedData = undefined
}
const script = new Script(Module.wrap(readFileSync(file, "utf8")), { filename: file, cachedData })
const module_ = { exports: {} }
script.runInThisContext()(module_.exports, Module.createRequire(file), module_, file, join(__dirname, "..", "dist"))
