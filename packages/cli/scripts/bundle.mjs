// Bundles the motive command into one ESM file (dist/motive.js) so it starts fast and needs no resolution.
import { build } from "esbuild"
import { chmodSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const outfile = join(root, "dist", "motive.js")
await build({
  entryPoints: [join(root, "src", "bin.ts")],
  outfile,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  minify: true,
  legalComments: "none",
  // ESM output still needs `require` for the CommonJS dependencies it inlines (undici, jpeg-js).
  banner: {
    js:
      "import { createRequire as __motiveCreateRequire } from 'node:module'; const require = __motiveCreateRequire(import.meta.url);"
  },
  logLevel: "warning"
})
chmodSync(outfile, 0o755)
