import { describe, expect, it } from "@effect/vitest"
import { spawnSync } from "node:child_process"
import { readdirSync, readFileSync } from "node:fs"
import { wrap } from "node:module"
import { dirname, join, relative } from "node:path"
import { fileURLToPath } from "node:url"
import { Script } from "node:vm"
import { bin, dryRun } from "./support.js"

const dist = join(dirname(fileURLToPath(import.meta.url)), "..", "dist")
const bundle = join(dist, "motive")
const files = readdirSync(bundle).filter((name) => name.endsWith(".cjs")).sort()

/**
 * Runs a dry run through the launcher in a process that first runs `setup`; as it exits, the list `listing` (a
 * JavaScript expression) is written to stderr (through its descriptor: its stream is not built).
 */
const dryRunListing = (setup: string, listing: string): Array<string> => {
  const script = `${setup}
    process.once("exit", () => require("node:fs").writeSync(2, JSON.stringify(${listing})))
    require(${JSON.stringify(bin)})`
  const run = spawnSync(process.execPath, ["-e", script, "--", "motive", ...dryRun], {
    encoding: "utf8",
    stdio: ["ignore", "ignore", "pipe"]
  })
  expect(run.status).toBe(0)
  const list: unknown = JSON.parse(run.stderr)
  return Array.isArray(list) ? list.map(String) : []
}

describe("the bundled command", () => {
  it("has a code cache for every file that this Node accepts, the launcher's usage checks included", () => {
    expect(files).toContain("motive.cjs")
    const rejected = [join(dist, "commandline.cjs"), ...files.map((name) => join(bundle, name))].filter((file) => {
      const script = new Script(wrap(readFileSync(file, "latin1")), {
        filename: file,
        cachedData: readFileSync(`${file}.cache`)
      })
      return script.cachedDataRejected === true
    })
    expect(rejected).toEqual([])
  })

  it("loads only the command's part for a dry run: the sandbox, jobs and webhook receiver stay on disk", () => {
    // The launcher tells the build's recorder of each file it compiles; here it lists them.
    const compiled = dryRunListing(
      `const loaded = []; globalThis[Symbol.for("effect-motive/recorder")] = { compiled: (file) => loaded.push(file) }`,
      "loaded"
    )
    // First the usage checks, which decide that the command runs; then the command's own files.
    expect(compiled[0]).toBe(join(dist, "commandline.cjs"))
    const loaded = compiled.slice(1).map((file) => relative(bundle, file))
    expect(loaded[0]).toBe("motive.cjs")
    expect(loaded.every((name) => files.includes(name))).toBe(true)
    const size = (names: ReadonlyArray<string>) =>
      names.reduce((sum, name) => sum + readFileSync(join(bundle, name)).length, 0)
    // Measured: 0.64 of the 2.1 MB (0.96 of 2.4 MB while effect's modules came in through its index).
    expect(size(loaded)).toBeLessThan(size(files) * 0.35)
  })

  it("starts a dry run without Node's crypto, readline, file streams or a stream for stderr", () => {
    // What Node loads from here on is what the command loads. stderr is a pipe, as under a shell's capture: a
    // command that writes nothing there never builds its stream (which loads node:net).
    const loaded = dryRunListing("const before = process.moduleLoadList.length", "process.moduleLoadList.slice(before)")
    expect(loaded).toContain("NativeModule vm")
    const avoidable = ["crypto", "readline", "net", "tty", "internal/fs/streams", "internal/fs/promises"]
    expect(loaded.filter((m) => avoidable.some((name) => m === `NativeModule ${name}`))).toEqual([])
  })

  it("is built from imports of effect's modules themselves, not of its index (whose namespaces keep every export)", async () => {
    const script = join(dirname(fileURLToPath(import.meta.url)), "..", "scripts", "effect-modules.mjs")
    const { rewrite }: { rewrite: (source: string) => string } = await import(script)
    expect(rewrite(`import { Effect, pipe, Schema as S, type Layer } from "effect"`)).toBe(
      `import * as Effect from "effect/Effect"; import { pipe as pipe } from "effect/Function"; ` +
        `import * as S from "effect/Schema";`
    )
    expect(rewrite(`import type { Scope } from "effect"`)).toBe(`import type { Scope } from "effect"`)
    expect(rewrite(`import {\n  Option,\n  identity\n} from "effect";`)).toBe(
      `import * as Option from "effect/Option"; import { identity as identity } from "effect/Function";`
    )
    expect(() => rewrite(`import { NotAModule } from "effect"`)).toThrow(/NotAModule/)
  })
})
