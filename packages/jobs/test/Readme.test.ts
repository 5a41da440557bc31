/**
 * The README's footage-jobs snippet: a whole module in `test/readme/` (its imports included), verbatim between
 * `// README:begin` and `// README:end`: compiled as it is, run against a sandbox, and checked to stand in the
 * README as it is.
 */
import { Sandbox } from "@effect-motive/sandbox"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Redacted } from "effect"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { jobsLayer, runBatch } from "./readme/runBatch.js"

const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8")
const block = readFileSync(new URL("readme/runBatch.ts", import.meta.url), "utf8").split("// README:begin\n")[1]!
  .split("// README:end")[0]!.trim()

describe("README footage-jobs snippet", () => {
  it("stands in the README exactly as it is compiled here, a whole module", () => {
    expect(block).toMatch(/^import /)
    expect(readme).toContain(`\`\`\`ts\n${block}\n\`\`\``)
  })

  it.scopedLive("runs a batch to the end against a sandbox", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "motive-jobs-readme-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      const sandbox = yield* Sandbox.make({ lifecycle: { recallPendingMillis: 100, recallProcessingMillis: 300 } })
      const env = ConfigProvider.fromMap(
        new Map([["MOTIVE_API_KEY", Redacted.value(sandbox.apiKey)], ["MOTIVE_BASE_URL", sandbox.baseUrl]])
      )
      const csv = [
        "vehicle_number,start_time,duration,ref",
        `TRK-101,${new Date(Date.now() - 30 * 60_000).toISOString()},1,CLM-1`
      ].join("\n")
      // As the README's `main`, with the file's bytes, a directory and a journal of the test's own.
      // The first poll comes after 30 s by default: this completes by polling only because the test waits for it.
      const status = yield* runBatch("incidents.csv", new TextEncoder().encode(csv), join(dir, "footage")).pipe(
        Effect.provide(jobsLayer(join(dir, "jobs.db"))),
        Effect.withConfigProvider(env)
      )
      expect(status.counts.done).toBe(1)
      expect(status.files.length).toBeGreaterThan(0)
      expect(status.files.every((f) => f.path.startsWith(join(dir, "footage")))).toBe(true)
    }), 60_000)
})
