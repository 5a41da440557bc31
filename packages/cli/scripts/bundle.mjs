// Bundles the motive command (dist/motive/), then records V8's code cache for each of its files (<file>.cache) by
// running a dry run once, so that bin/motive.cjs starts without compiling. Also writes the command tree as data
// (dist/spec.json) and the usage checks on their own (dist/commandline.cjs): with these the launcher answers
// --help, --version, --completions and usage errors without loading the command.
//
// The bundle is split: dist/motive/motive.cjs is the command, and the parts it imports only when a command needs
// them (the sandbox, durable jobs, the webhook receiver, the Node transports) are chunks of their own, loaded then.
// The chunks share one copy of each module (one `effect`). esbuild splits only ES modules; each file is turned into
// CommonJS afterwards so that the launcher can compile it with its code cache (node:vm has that only for scripts).
import { build, transform } from "esbuild"
import { spawnSync } from "node:child_process"
import { mkdirSync, rmSync, writeFileSync } from "node:fs"
import { basename, dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { effectModules } from "./effect-modules.mjs"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const outdir = join(root, "dist", "motive")
// The single-file bundle of earlier builds.
rmSync(join(root, "dist", "motive.cjs"), { force: true })
rmSync(join(root, "dist", "motive.cache"), { force: true })
rmSync(join(root, "dist", "commandline.cjs.cache"), { force: true })
rmSync(outdir, { recursive: true, force: true })
mkdirSync(outdir, { recursive: true })

const split = await build({
  entryPoints: { motive: join(root, "src", "bin.ts") },
  outdir,
  bundle: true,
  splitting: true,
  platform: "node",
  target: "node20",
  format: "esm",
  outExtension: { ".js": ".cjs" },
  chunkNames: "chunk-[hash]",
  minify: true,
  legalComments: "none",
  // Native engines, loaded from node_modules at run time: SQLite (libsql) and msgpackr's optional addon.
  external: ["libsql", "msgpackr-extract"],
  plugins: [effectModules],
  write: false,
  logLevel: "warning"
})
for (const file of split.outputFiles) {
  const commonJs = (await transform(file.text, {
    format: "cjs",
    target: "node20",
    // import() of a chunk becomes require(): a script compiled by node:vm has no loader for import().
    supported: { "dynamic-import": false },
    loader: "js",
    logLevel: "warning"
  }))
    .code
  // esbuild's CommonJS exports are a copy of the module's export object with a getter per name that calls the
  // original getter. Exporting the original (its getters are the live bindings) saves the copy and a call per use.
  const exported = /^module\.exports = __toCommonJS\((\w+)\);$/m.exec(commonJs)
  const direct = exported === null
    ? commonJs
    : commonJs.replace(
      exported[0],
      `module.exports = (__defProp(${exported[1]}, "__esModule", { value: true }), ${exported[1]});`
    )
  const minified = await transform(direct, { target: "node20", loader: "js", minify: true, logLevel: "warning" })
  writeFileSync(join(outdir, basename(file.path)), minified.code)
}

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

// Recorded the way users run it, through bin/motive.cjs: a dry run compiles what a start-up needs. Every file the
// dry run did not load is then loaded too (its top level run), so that the parts loaded later start compiled too.
const record = `
const { existsSync, readdirSync, writeFileSync } = require("node:fs")
const { join } = require("node:path")
const dir = ${JSON.stringify(outdir)}
const compiled = new Map()
const recorder = { compiled: (file, script) => compiled.set(file, script), load: undefined }
globalThis[Symbol.for("effect-motive/recorder")] = recorder
const save = () => {
  for (const [file, script] of compiled) writeFileSync(file + ".cache", script.createCachedData())
  compiled.clear()
}
process.once("exit", () => {
  // First what the dry run compiled, before loading the rest compiles more of the files they share.
  save()
  for (const name of readdirSync(dir)) {
    if (!name.endsWith(".cjs") || existsSync(join(dir, name + ".cache"))) continue
    try {
      recorder.load(name)
    } catch (error) {
      process.stderr.write("loading " + name + " failed: " + String(error) + "\\n")
      process.exitCode = 1
    }
  }
  save()
})
require(${JSON.stringify(join(root, "bin", "motive.cjs"))})
`
const dryRun = ["recall", "create", "--vehicle-number", "TRK-101", "--start", "-30m", "--duration", "1m", "--dry-run"]
const result = spawnSync(process.execPath, ["-e", record, "--", "motive", ...dryRun], {
  stdio: ["ignore", "ignore", "inherit"]
})
if (result.status !== 0) throw new Error("recording the code cache failed")
