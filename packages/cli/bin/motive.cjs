#!/usr/bin/env node
"use strict"
// The installed `motive` command. It runs the one bundled file (dist/motive.cjs), and when the V8 code cache
// made at build time (dist/motive.cache) matches this Node, V8 skips compiling it: the command starts in
// about half the time. A cache that does not match is ignored; nothing is written at run time.
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
