// The download baseline measured in the same run: Node's own http.get piped to a file with
// stream.pipeline, no Effect, no client. Usage: node bench/baseline-download.mjs <url> <file>
import { createWriteStream } from "node:fs"
import { get } from "node:http"
import { pipeline } from "node:stream/promises"

const [url, file] = process.argv.slice(2)
const rssBefore = process.memoryUsage.rss()
let peak = rssBefore
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage.rss())
}, 5)
const started = performance.now()
const body = await new Promise((resolve) => get(url, resolve))
await pipeline(body, createWriteStream(file, { highWaterMark: 1024 * 1024 }))
const seconds = (performance.now() - started) / 1000
clearInterval(sampler)
peak = Math.max(peak, process.memoryUsage.rss())
process.stdout.write(JSON.stringify({ seconds, rssGrowth: peak - rssBefore }) + "\n")
