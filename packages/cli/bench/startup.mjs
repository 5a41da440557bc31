// Cold start of the bundled `motive` against `node -e 0`, measured in the same run: each round runs every case
// once, interleaved, and each case's figure is its ratio to `node -e 0` in that round (min / median / max over
// the rounds). Goal: at most 2.5x for --version, --help and a dry run. Run with `npm run bench -w @effect-motive/cli`
// (after `npm ci`, which builds the bundle).
import { spawnSync } from "node:child_process"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const bin = join(dirname(fileURLToPath(import.meta.url)), "..", "bin", "motive.cjs")
const runs = Number(process.env.BENCH_RUNS ?? 21)
const goal = 2.5
const dryRun = ["recall", "create", "--vehicle-number", "TRK-101", "--start", "-30m", "--duration", "1m", "--dry-run"]
const cases = [
  ["node -e 0", ["-e", "0"]],
  ["motive --version", [bin, "--version"]],
  ["motive --help", [bin, "--help"]],
  ["motive recall create ... --dry-run", [bin, ...dryRun]]
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
const spread = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s[s.length - 1] }
}
const base = times.get("node -e 0")
console.log(`Cold start, ${runs} interleaved rounds; ratio to node -e 0 in the same round: min / median / max`)
const b = spread(base)
console.log(`  ${"node -e 0".padEnd(36)} ${b.min.toFixed(1)} / ${b.median.toFixed(1)} / ${b.max.toFixed(1)} ms`)
for (const [name] of cases.slice(1)) {
  const ms = spread(times.get(name))
  const ratio = spread(times.get(name).map((t, i) => t / base[i]))
  console.log(
    `  ${name.padEnd(36)} ${ms.median.toFixed(1)} ms; ratio ${ratio.min.toFixed(2)} / ${ratio.median.toFixed(2)} / ${
      ratio.max.toFixed(2)
    } (goal <= ${goal}) ${ratio.median <= goal ? "PASS" : "MISS"}`
  )
}
