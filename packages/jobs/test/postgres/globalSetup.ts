/**
 * A real Postgres for the tests that need one, started once per test run and removed afterwards. Tests get its
 * URL with `inject("postgresUrl")` and make their own database in it.
 */
import type { TestProject } from "vitest/node"
import { startPostgres } from "./server.js"

declare module "vitest" {
  export interface ProvidedContext {
    postgresUrl: string
  }
}

export default async function setup(project: TestProject) {
  const server = await startPostgres()
  project.provide("postgresUrl", server.url)
  return server.stop
}
