// Downloads one recall through MotiveClient in its own plain-Node process (the built package, no TypeScript
// loader) and reports time and memory. Usage: node bench/download-process.mjs <baseUrl> <recallId> <directory>
import { Effect, Redacted } from "effect"
import { MotiveClient } from "../dist/index.js"

const [baseUrl, recallId, directory] = process.argv.slice(2)
const layer = MotiveClient.layerNode({
  credentials: { _tag: "ApiKey", apiKey: Redacted.make("sandbox-demo-key") },
  baseUrl,
  rateLimit: false
})

const rssBefore = process.memoryUsage.rss()
let peak = rssBefore
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage.rss())
}, 5)
const started = performance.now()
const files = await Effect.runPromise(
  Effect.provide(
    Effect.flatMap(
      MotiveClient.MotiveClient,
      (c) => c.downloadRecall(Number(recallId), { directory, positions: ["front_facing"] })
    ),
    layer
  )
)
const seconds = (performance.now() - started) / 1000
clearInterval(sampler)
peak = Math.max(peak, process.memoryUsage.rss())
process.stdout.write(
  JSON.stringify({ seconds, bytes: files[0].bytes, rssBefore, peakRss: peak, rssGrowth: peak - rssBefore }) + "\n"
)
