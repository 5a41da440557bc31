/**
 * The README's footage-jobs snippet, verbatim (between `// README:begin` and `// README:end`): compiled here,
 * run against a sandbox, and checked to stand in the README as it is.
 */
import { Sandbox } from "@effect-motive/sandbox"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Redacted } from "effect"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

const dir = mkdtempSync(join(tmpdir(), "motive-jobs-readme-"))
const csvText = [
  "vehicle_number,start_time,duration,ref",
  `TRK-101,${new Date(Date.now() - 30 * 60_000).toISOString()},1,CLM-1`
].join("\n")
const incidentsDirectory = join(dir, "footage")
const journalFile = join(dir, "jobs.db")

// README:begin
import { NodeMotive } from "@effect-motive/http/node"
import { BatchFile, Embedded, FootageJobs, FootageWorkflow } from "@effect-motive/jobs"
import { NodeContext } from "@effect/platform-node"
import { Console, Effect, Layer, Stream } from "effect"

const program = Effect.gen(function*() {
  const batch = yield* BatchFile.parseBatch("incidents.csv", csvText)
  const jobs = yield* FootageJobs.FootageJobs
  yield* jobs.submit(batch, { directory: incidentsDirectory })
  yield* Stream.runForEach(jobs.progress(batch.id), (p) => Console.log(`${p.counts.done}/${p.rows} done`))
  return yield* jobs.status(batch.id)
})

// The client, its waits and downloads from MOTIVE_* variables; the jobs on a SQLite file.
const main = program.pipe(
  Effect.provide(
    Embedded.layer({ file: journalFile, settings: FootageWorkflow.defaultSettings("worker-1") }).pipe(
      Layer.provideMerge(NodeMotive.layerConfig()),
      Layer.provideMerge(NodeContext.layer)
    )
  )
)
// README:end

const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8")
const blocks = readFileSync(new URL(import.meta.url), "utf8").split("// README:begin\n").slice(1)
  .map((rest) => rest.split("// README:end")[0]!.trim())

describe("README footage-jobs snippet", () => {
  it("stands in the README exactly as it is compiled here", () => {
    expect(blocks).toHaveLength(1)
    for (const block of blocks) expect(readme).toContain(block)
  })

  it.scopedLive("runs a batch to the end against a sandbox", () =>
    Effect.gen(function*() {
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      const sandbox = yield* Sandbox.make({ lifecycle: { recallPendingMillis: 100, recallProcessingMillis: 300 } })
      const env = ConfigProvider.fromMap(
        new Map([["MOTIVE_API_KEY", Redacted.value(sandbox.apiKey)], ["MOTIVE_BASE_URL", sandbox.baseUrl]])
      )
      // The first poll comes after 30 s by default: this completes by polling only because the test waits for it.
      const status = yield* main.pipe(Effect.withConfigProvider(env))
      expect(status.counts.done).toBe(1)
      expect(status.files.length).toBeGreaterThan(0)
    }), 60_000)
})
