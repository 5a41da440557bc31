/**
 * Benchmark figures: min / median / max of repeated paired runs, each with its goal and PASS/MISS, and one
 * table of every figure at the end of `npm run bench`.
 */

/** min / median / max of some numbers. */
export interface Spread {
  readonly min: number
  readonly median: number
  readonly max: number
}

/** The spread of `xs`. */
export const spread = (xs: ReadonlyArray<number>): Spread => {
  const sorted = [...xs].sort((a, b) => a - b)
  return { min: sorted[0]!, median: sorted[Math.floor(sorted.length / 2)]!, max: sorted[sorted.length - 1]! }
}

/** One figure with its goal: `at most` or `at least` a bound, judged on the median, or on every run. */
export interface Figure {
  readonly name: string
  readonly spread: Spread
  readonly unit: string
  readonly goal?: { readonly kind: "<=" | ">=" | "<"; readonly bound: number }
  /** The goal holds for each run: judged on the worst of them. */
  readonly everyRun?: boolean
}

const figures: Array<Figure> = []

const fmt = (n: number) => Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2)

const verdict = (f: Figure) => {
  if (f.goal === undefined) return ""
  const m = f.everyRun !== true
    ? f.spread.median
    : f.goal.kind === ">="
    ? f.spread.min
    : f.spread.max
  const ok = f.goal.kind === "<=" ? m <= f.goal.bound : f.goal.kind === "<" ? m < f.goal.bound : m >= f.goal.bound
  return ok ? "PASS" : "MISS"
}

const line = (f: Figure) =>
  `${f.name.padEnd(70)} ${`${fmt(f.spread.min)} / ${fmt(f.spread.median)} / ${fmt(f.spread.max)}`.padStart(22)} ${
    f.unit.padEnd(6)
  } ${(f.goal === undefined ? "" : `${f.goal.kind} ${fmt(f.goal.bound)}`).padEnd(9)} ${verdict(f)}${
    f.everyRun === true && f.goal !== undefined ? " (every run)" : ""
  }`

/** Prints a figure now and keeps it for the closing table. */
export const record = (figure: Figure): void => {
  figures.push(figure)
  console.log(`    ${line(figure)}`)
}

/** The closing table: every figure recorded, min / median / max, the goal, and PASS/MISS on the median (or worst). */
export const printTable = (): void => {
  if (figures.length === 0) return
  console.log(`\n${"figure".padEnd(70)} ${"min / median / max".padStart(22)} ${"unit".padEnd(6)} ${"goal".padEnd(9)}`)
  for (const f of figures) console.log(line(f))
}
