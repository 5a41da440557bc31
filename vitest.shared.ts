import * as path from "node:path"
import type { ViteUserConfig } from "vitest/config"

const alias = (name: string) => ({
  [`@effect-motive/${name}`]: path.join(__dirname, "packages", name, "src", "index.ts")
})

/** Shared by every package: tests import each workspace package from its source, not its build. */
const config: ViteUserConfig = {
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000
  },
  resolve: {
    alias: {
      ...alias("domain"),
      ...alias("http"),
      ...alias("sandbox"),
      ...alias("cli")
    }
  }
}

export default config
