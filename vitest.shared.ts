import * as path from "node:path"
import type { ViteUserConfig } from "vitest/config"

const packages = path.join(__dirname, "packages")

/** Shared by every package: tests import each workspace package from its source, not its build. */
const config: ViteUserConfig = {
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000
  },
  resolve: {
    // `@effect-motive/x` and `@effect-motive/x/Module` resolve to the sources, not the builds.
    alias: [
      { find: /^@effect-motive\/([a-z]+)$/, replacement: path.join(packages, "$1", "src", "index.ts") },
      { find: /^@effect-motive\/([a-z]+)\/([A-Za-z]+)$/, replacement: path.join(packages, "$1", "src", "$2.ts") }
    ]
  }
}

export default config
