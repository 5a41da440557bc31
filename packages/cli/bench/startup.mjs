// Cold start of the bundled `motive` against `node -e 0`, measured in the same run (goal: at most 3x).
// Run with `npm run bench -w @effect-motive/cli` (after `npm ci`, which builds the bundle).
import { spawnSync } from "node:child_process"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const bin = join(dirname(fileURLToPath(import.meta.url)), "..", "bin", "motive.cjs")
const runs = Number(process.env.BENCH_RUNS ?? 21)
const cases = [
  ["node -e 0", ["-e", "0"]],
  ["motive --version", [bin, "--version"]],
  ["motive --help", [bin, "--help"]]
]
const times = new Map(cases.map(([name]) => [name, []]))
for (let i = 0; i < runs; i++) {
  for (const [name, args] of cases) {
    const started = process.hrtime.bigint()
    const result = spawnSync(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] })
    const ms = Number(process.hrtime.bigint() - started) / 1e6
    if (result.status !== 0) throw new Error(`${name} failed: ${result.stderr}`)
    times.get(name).push(ms)
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const base = median(times.get("node -e 0"))
console.log(`Cold start, median of ${runs} runs each, interleaved`)
for (const [name] of cases) {
  const m = median(times.get(name))
  const ratio = m / base
  const verdict = name === "node -e 0" ? "" : ` ratio ${ratio.toFixed(2)} (goal <= 3) ${ratio <= 3 ? "PASS" : "MISS"}`
  console.log(`  ${name.padEnd(18)} ${m.toFixed(1)} ms${verdict}`)
}
