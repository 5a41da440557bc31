import { Effect, Stream } from "effect"
import { join } from "node:path"
import { BatchFile, FootageJobs } from "./src/index.js"
import { csvRows, jobsFor, sandboxFor, tempDir, testSettings } from "./test/support.js"
Effect.runPromise(Effect.scoped(Effect.gen(function*() {
  const sandbox = yield* sandboxFor({ lifecycle: { recallPendingMillis: 5000, recallProcessingMillis: 20000 } })
  const dir = yield* tempDir("long")
  const batch = yield* BatchFile.parseBatch("x.csv", csvRows(2))
  yield* Effect.gen(function*() {
    const jobs = yield* FootageJobs.FootageJobs
    yield* jobs.submit(batch, { directory: join(dir, "out") })
    const last = yield* Stream.runLast(jobs.progress(batch.id))
    console.log("done", last._tag === "Some" && last.value.counts)
  }).pipe(Effect.provide(jobsFor(sandbox, join(dir, "jobs.db"), testSettings(30000))))
}))).catch((e) => console.error("FAILED", e))
