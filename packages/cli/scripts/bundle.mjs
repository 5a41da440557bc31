// Bundles the motive command into one file (dist/motive.cjs), then records V8's code cache for it
// (dist/motive.cache) by running a dry run once, so that bin/motive.cjs starts without compiling. Also writes
// the command tree as data (dist/spec.json) and the usage checks on their own (dist/commandline.cjs): with these
// the launcher answers --help, --version, --completions and usage errors without loading the command.
import { build } from "esbuild"
import { spawnSync } from "node:child_process"
import { rmSync, writeFileSync } from "node:fs"
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
await build({
  entryPoints: [join(root, "src", "CommandLine.ts")],
  outfile: join(root, "dist", "commandline.cjs"),
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  minify: true,
  legalComments: "none",
  logLevel: "warning"
})
const { program } = await import(join(root, "dist", "Cli.js"))
writeFileSync(join(root, "dist", "spec.json"), JSON.stringify(program()))

// Recorded the way bin/motive.cjs runs it: with the command tree the launcher has read handed over.
const record = `
const { readFileSync, writeFileSync } = require("node:fs")
globalThis[Symbol.for("effect-motive/spec")] = JSON.parse(readFileSync(${
  JSON.stringify(join(root, "dist", "spec.json"))
}, "utf8"))
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
const dryRun = ["recall", "create", "--vehicle-number", "TRK-101", "--start", "-30m", "--duration", "1m", "--dry-run"]
const result = spawnSync(process.execPath, ["-e", record, "--", "motive", ...dryRun], {
  stdio: ["ignore", "ignore", "inherit"]
})
if (result.status !== 0) throw new Error("recording the code cache failed")
