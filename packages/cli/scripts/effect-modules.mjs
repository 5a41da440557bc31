// An esbuild plugin for the bundle (scripts/bundle.mjs): this project's files import effect's modules themselves.
//
// effect's index re-exports each of its modules as a namespace (`export * as Effect from "./Effect.js"`), and esbuild
// cannot see through that: every module imported from the index (`import { Effect } from "effect"`, as this
// project's code does) is built at start-up as an object with a getter per export, which keeps all of the module's
// exports in the bundle, and everything they use, run at load. Rewritten to import the module itself
// (`import * as Effect from "effect/Effect"`), its members are bound directly and the unused ones dropped. It is the
// same module either way: nothing but the bundle's size and start-up changes.
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"

const index = readFileSync(
  createRequire(import.meta.url).resolve("effect").replace(/dist[\\/]cjs[\\/]index\.js$/, "dist/esm/index.js"),
  "utf8"
)
/** The functions the index exports by name (`pipe`, `identity`, …), from effect/Function. */
const functions = new Set(
  /export \{([^}]*)\} from "\.\/Function\.js"/.exec(index)[1]
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "")
)
/** The modules the index exports as namespaces, each from the file of its name. */
const modules = new Set([...index.matchAll(/export \* as (\w+) from "\.\/\1\.js"/g)].map((m) => m[1]))

/**
 * `source` with each `import { … } from "effect"` turned into imports of the modules themselves. Type-only
 * imports and specifiers are left to TypeScript; a name the index does not export as a module fails the build.
 */
export const rewrite = (source, file = "source") =>
  source.replace(/import\s+(type\s+)?\{([^}]*)\}\s+from\s+"effect";?/g, (whole, typeOnly, list) => {
    if (typeOnly !== undefined) return whole
    return list.split(",").map((item) => item.trim()).filter((item) => item !== "" && !item.startsWith("type "))
      .map((item) => {
        const [name, alias = name] = item.split(/\s+as\s+/)
        if (functions.has(name)) return `import { ${name} as ${alias} } from "effect/Function";`
        if (!modules.has(name)) throw new Error(`${file}: "${name}" is not one of effect's modules`)
        return `import * as ${alias} from "effect/${name}";`
      })
      .join(" ")
  })

/** The plugin: the workspace's own files (packages/<name>/src or dist), TypeScript or JavaScript. */
export const effectModules = {
  name: "effect-modules",
  setup(build) {
    build.onLoad({ filter: /[\\/]packages[\\/][^\\/]+[\\/](src|dist)[\\/].*\.(ts|js)$/ }, (args) => ({
      contents: rewrite(readFileSync(args.path, "utf8"), args.path),
      loader: args.path.endsWith(".ts") ? "ts" : "js"
    }))
  }
}
