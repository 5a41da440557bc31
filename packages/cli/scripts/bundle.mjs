// Bundles the motive command into one file (dist/motive.cjs), then records V8's code cache for it
// (dist/motive.cache) by running `motive --help` once, so that bin/motive.cjs starts without compiling.
import { build } from "esbuild"
import { spawnSync } from "node:child_process"
import { rmSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const outfile = join(root, "dist", "motive.cjs")
const cacheFile = join(root, "dist", "motive.cache")
rmSync(cacheFile, { force: true })
await build({
  entryPoints: [join(root, "src", "bin.ts")],
  outfile,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  minify: true,
  legalComments: "none",
  // Native engines, loaded from node_modules at run time: SQLite (libsql) and msgpackr's optional addon.
  external: ["libsql", "msgpackr-extract"],
  logLevel: "warning"
})

const record = `
const { readFileSync, writeFileSync } = require("node:fs")
const Module = require("node:module")
const { Script } = require("node:vm")
const file = ${JSON.stringify(outfile)}
const script = new Script(Module.wrap(readFileSync(file, "utf8")), { filename: file })
process.once("exit", () => writeFileSync(${JSON.stringify(cacheFile)}, script.createCachedData()))
const module_ = { exports: {} }
script.runInThisContext()(module_.exports, Module.createRequire(file), module_, file, ${
  JSON.stringify(dirname(outfile))
})
`
const result = spawnSync(process.execPath, ["-e", record, "--", "--help"], { stdio: ["ignore", "ignore", "inherit"] })
if (result.status !== 0) throw new Error("recording the code cache failed")
