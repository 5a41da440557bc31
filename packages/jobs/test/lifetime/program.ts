/**
 * A program as a user writes one (`Effect.runPromise` over `Embedded.layer`), run as its own process by
 * `Lifetime.test.ts`: `node --import tsx lifetime/program.ts <journal> <directory>`, with MOTIVE_* variables. It
 * prints the batch's status, and must then exit by itself. The jobs package is imported from its source, as
 * every test here does (the client, from the built package the source imports).
 */
import { NodeMotive } from "@effect-motive/http/node"
import { NodeContext } from "@effect/platform-node"
import { Duration, Effect, Layer } from "effect"
import { BatchFile, Embedded, FootageJobs, FootageWorkflow } from "../../src/index.js"

const [journal, directory] = process.argv.slice(2)
const csv = [
  "vehicle_number,start_time,duration,ref",
  `TRK-101,${new Date(Date.now() - 30 * 60_000).toISOString()},1,CLM-1`,
  `TRK-101,${new Date(Date.now() - 40 * 60_000).toISOString()},1,CLM-2`
].join("\n")

const settings = { ...FootageWorkflow.defaultSettings("worker-1"), firstPoll: Duration.millis(200) }
const layer = Embedded.layer({ file: journal!, settings }).pipe(
  Layer.provideMerge(NodeMotive.layerConfig()),
  Layer.provideMerge(NodeContext.layer)
)

const main = Effect.gen(function*() {
  const batch = yield* BatchFile.parseBatch("incidents.csv", csv)
  const jobs = yield* FootageJobs.FootageJobs
  yield* jobs.submit(batch, { directory: directory! })
  return yield* jobs.awaitSettled(batch.id)
}).pipe(Effect.provide(layer))

Effect.runPromise(main).then((status) => console.log(JSON.stringify(status.counts)))
