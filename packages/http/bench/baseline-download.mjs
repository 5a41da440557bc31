// The download baseline measured in the same run: Node's own http.get piped to a file through the same 1 MiB
// double-buffered writer, no Effect, no client. Usage: node bench/baseline-download.mjs <url> <file>
import { get } from "node:http"
import { copyToFile } from "../dist/internal/fileSink.js"

const [url, file] = process.argv.slice(2)
const rssBefore = process.memoryUsage.rss()
let peak = rssBefore
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage.rss())
}, 5)
const started = performance.now()
const body = await new Promise((resolve) => get(url, resolve))
const failure = await copyToFile(body, file, false, () => {}, new AbortController().signal)
if (failure !== undefined) throw new Error(failure.message)
const seconds = (performance.now() - started) / 1000
clearInterval(sampler)
peak = Math.max(peak, process.memoryUsage.rss())
process.stdout.write(JSON.stringify({ seconds, rssGrowth: peak - rssBefore }) + "\n")
