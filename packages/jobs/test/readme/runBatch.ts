/** The README's footage-jobs snippet, verbatim between the markers; `Readme.test.ts` compiles and runs it. */
// README:begin
import { NodeMotive } from "@effect-motive/http/node"
import { BatchFile, Embedded, FootageJobs, FootageWorkflow } from "@effect-motive/jobs"
import { FileSystem } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { Console, Effect, Layer, Stream } from "effect"

/** Each row of a batch file (its name and bytes) as a durable job, its files under `directory`. */
const runBatch = (name: string, content: Uint8Array, directory: string) =>
  Effect.gen(function*() {
    const batch = yield* BatchFile.parseBatch(name, content)
    const jobs = yield* FootageJobs.FootageJobs
    yield* jobs.submit(batch, { directory })
    yield* Stream.runForEach(jobs.progress(batch.id), (p) => Console.log(`${p.counts.done}/${p.rows} done`))
    return yield* jobs.status(batch.id)
  })

// The client, its waits and downloads from MOTIVE_* variables; the jobs on a SQLite file.
const jobsLayer = (journalFile: string) =>
  Embedded.layer({ file: journalFile, settings: FootageWorkflow.defaultSettings("worker-1") }).pipe(
    Layer.provideMerge(NodeMotive.layerConfig()),
    Layer.provideMerge(NodeContext.layer)
  )

const main = Effect.gen(function*() {
  // The bytes, which parseBatch decodes strictly: a file that is not UTF-8 is refused rather than sent garbled.
  const bytes = yield* (yield* FileSystem.FileSystem).readFile("incidents.csv")
  return yield* runBatch("incidents.csv", bytes, "./footage")
}).pipe(Effect.provide(jobsLayer("./jobs.db")))
// README:end

export { jobsLayer, main, runBatch }
