// The download baseline measured in the same run: Node's own http.get piped to a file with
// stream.pipeline, no Effect, no client. Usage: node bench/baseline-download.mjs <url> <file>
import { createWriteStream } from "node:fs"
import { get } from "node:http"
import { pipeline } from "node:stream/promises"
import { peakRss, resetPeak, stopPeak } from "./peak-rss.mjs"

const [url, file] = process.argv.slice(2)
const rssBefore = process.memoryUsage.rss()
resetPeak()
const started = performance.now()
const body = await new Promise((resolve) => get(url, resolve))
await pipeline(body, createWriteStream(file, { highWaterMark: 1024 * 1024 }))
const seconds = (performance.now() - started) / 1000
const peak = peakRss()
stopPeak()
process.stdout.write(JSON.stringify({ seconds, rssGrowth: peak - rssBefore }) + "\n")
