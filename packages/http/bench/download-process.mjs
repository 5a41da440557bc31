// Downloads one recall through MotiveClient in its own plain-Node process (the built package, no TypeScript
// loader) and reports time and memory. Usage: node bench/download-process.mjs <baseUrl> <recallId> <directory>
//
// Memory is sampled from two points: before the client exists (`rssGrowthCold`, which includes building the
// client and its first call), and after the client has made one call (`rssGrowth`: what the download itself
// adds in an application that already uses the client).
import { Effect, ManagedRuntime, Redacted } from "effect"
import { MotiveClient } from "../dist/index.js"

const [baseUrl, recallId, directory] = process.argv.slice(2)
const rssCold = process.memoryUsage.rss()
let peak = rssCold
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage.rss())
}, 5)
const runtime = ManagedRuntime.make(MotiveClient.layerNode({
  credentials: { _tag: "ApiKey", apiKey: Redacted.make("sandbox-demo-key") },
  baseUrl,
  rateLimit: false
}))
const client = Effect.flatMap(MotiveClient.MotiveClient, (c) => Effect.succeed(c))
await runtime.runPromise(Effect.flatMap(client, (c) => c.getVideoRecall(Number(recallId))))
const rssWarm = process.memoryUsage.rss()
const peakBefore = peak
peak = rssWarm
const started = performance.now()
const files = await runtime.runPromise(
  Effect.flatMap(client, (c) => c.downloadRecall(Number(recallId), { directory, positions: ["front_facing"] }))
)
const seconds = (performance.now() - started) / 1000
clearInterval(sampler)
peak = Math.max(peak, process.memoryUsage.rss())
await runtime.dispose()
process.stdout.write(
  JSON.stringify({
    seconds,
    bytes: files[0].bytes,
    rssGrowth: peak - rssWarm,
    rssGrowthCold: Math.max(peak, peakBefore) - rssCold
  }) + "\n"
)
