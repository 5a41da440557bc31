// Downloads one recall through MotiveClient in its own plain-Node process (the built package, no TypeScript
// loader), twice, and reports time and memory of each. Usage:
//   node bench/download-process.mjs <baseUrl> <recallId> <directory> [node|httpclient|httpclient-node]
// `node` (the default) is NodeMotive: undici for the API, the Node media reader for files. `httpclient` is
// Motive.layer over @effect/platform-node's undici HttpClient (`NodeHttpClient.layerUndici`), `httpclient-node`
// over its node:http one (`NodeHttpClient.layer`): media through the same HttpClient, any runtime's path.
//
// The first download is the one a fresh process makes: its memory growth includes the process reaching its
// working size (V8 compiling the download path, the allocator's pools filling). The second, in the same
// process, is what each further download costs an application that has downloaded before.
// Memory is the peak RSS (bench/peak-rss.mjs: the kernel's high-water mark, nothing sampled while the download
// runs) above three points: before the client exists (`rssGrowthCold`, which includes building the client and
// its first call), after the client has made one call (`rssGrowth`: what the first download adds), and before
// the second download (`later.rssGrowth`).
import { NodeContext, NodeHttpClient } from "@effect/platform-node"
import { Effect, ManagedRuntime, Redacted } from "effect"
import { Layer } from "effect"
import { mkdirSync, rmSync } from "node:fs"
import { join } from "node:path"
import { MediaDownloads, Motive, MotiveClient, MotiveConfig } from "../dist/index.js"
import { NodeMotive } from "../dist/node.js"
import { peakRss, resetPeak, stopPeak } from "./peak-rss.mjs"

const [baseUrl, recallId, directory, transport = "node"] = process.argv.slice(2)
const rssCold = process.memoryUsage.rss()
resetPeak()
let peakEver = rssCold
const settings = {
  credentials: { _tag: "ApiKey", apiKey: Redacted.make("sandbox-demo-key") },
  baseUrl,
  rateLimit: false
}
const runtime = ManagedRuntime.make(
  transport === "node" ? NodeMotive.layer(settings) : Motive.layer.pipe(
    Layer.provide(Layer.mergeAll(
      MotiveConfig.layer(settings),
      transport === "httpclient-node" ? NodeHttpClient.layer : NodeHttpClient.layerUndici,
      NodeContext.layer
    ))
  )
)
await runtime.runPromise(Effect.flatMap(MotiveClient.MotiveClient, (c) => c.getVideoRecall(Number(recallId))))

/** One download into `dir`, with its time and the peak RSS growth over the RSS before it. */
const download = async (dir) => {
  mkdirSync(dir, { recursive: true })
  peakEver = Math.max(peakEver, peakRss())
  const before = process.memoryUsage.rss()
  resetPeak()
  const started = performance.now()
  const files = await runtime.runPromise(
    Effect.flatMap(
      MediaDownloads.MediaDownloads,
      (d) => d.downloadRecall(Number(recallId), { directory: dir, positions: ["front_facing"] })
    )
  )
  const seconds = (performance.now() - started) / 1000
  const peak = peakRss()
  peakEver = Math.max(peakEver, peak)
  return { seconds, bytes: files[0].bytes, rssGrowth: peak - before }
}
const first = await download(join(directory, "first"))
// Deleted before the next: the machine then reuses the same memory pages, as the other rounds do. On this VM,
// writing into pages the kernel has never handed out before ran 3 × slower for curl too.
rmSync(join(directory, "first"), { recursive: true })
const later = await download(join(directory, "later"))
stopPeak()
await runtime.dispose()
process.stdout.write(
  JSON.stringify({
    seconds: first.seconds,
    bytes: first.bytes,
    rssGrowth: first.rssGrowth,
    rssGrowthCold: peakEver - rssCold,
    later: { seconds: later.seconds, bytes: later.bytes, rssGrowth: later.rssGrowth }
  }) + "\n"
)
