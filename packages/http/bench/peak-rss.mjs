// Peak resident memory of this process, read from the kernel's own high-water mark (Linux: `VmHWM` in
// /proc/self/status, reset by writing 5 to /proc/self/clear_refs) so that measuring costs nothing while the
// measured work runs and no short peak is missed. Elsewhere, a 5 ms sampler of `process.memoryUsage.rss()`
// (which costs the measured process some CPU: on Linux it was 4–15 % of a download's main thread).
import { readFileSync, writeFileSync } from "node:fs"

const kernel = (() => {
  try {
    writeFileSync("/proc/self/clear_refs", "5")
    return /VmHWM:\s+\d+ kB/.test(readFileSync("/proc/self/status", "utf8"))
  } catch {
    return false
  }
})()

let sampled = 0
let sampler
const sample = () => {
  sampled = Math.max(sampled, process.memoryUsage.rss())
}

/** Forgets the peak so far: from now on the peak is at least the current RSS. */
export const resetPeak = () => {
  if (kernel) writeFileSync("/proc/self/clear_refs", "5")
  else {
    sampled = process.memoryUsage.rss()
    sampler ??= setInterval(sample, 5)
  }
}

/** The highest RSS since the last `resetPeak` (or since the process started, before any). */
export const peakRss = () => {
  if (kernel) return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"))[1]) * 1024
  sample()
  return sampled
}

/** Stops the fallback sampler, if one runs. */
export const stopPeak = () => {
  if (sampler !== undefined) clearInterval(sampler)
}

/** Whether the peak comes from the kernel (true) or from sampling. */
export const peakFromKernel = kernel
