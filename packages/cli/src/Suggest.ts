/**
 * "Did you mean": the valid choices nearest a mistyped word.
 *
 * @since 0.1.0
 */

/**
 * Edit distance between two words (insertions, deletions, substitutions and swaps of neighbours each cost 1).
 *
 * @since 0.1.0
 */
export const distance = (a: string, b: string): number => {
  const rows: Array<Array<number>> = []
  for (let i = 0; i <= a.length; i++) {
    const row: Array<number> = [i]
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j)
        continue
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let best = Math.min(rows[i - 1]![j]! + 1, row[j - 1]! + 1, rows[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, rows[i - 2]![j - 2]! + 1)
      }
      row.push(best)
    }
    rows.push(row)
  }
  return rows[a.length]![b.length]!
}

/** A word's parts: `--recall-type` and `recall_type` are `recall`, `type`. */
const partsOf = (word: string): ReadonlyArray<string> => word.split(/[-_]+/).filter((part) => part !== "")

/** Whether `inner`'s parts run, in order and next to each other, inside `outer`'s. */
const partsWithin = (inner: ReadonlyArray<string>, outer: ReadonlyArray<string>): boolean => {
  for (let start = 0; start + inner.length <= outer.length; start++) {
    if (inner.every((part, k) => outer[start + k] === part)) return true
  }
  return false
}

/**
 * The candidates within `max` edits of `word` (case does not count), nearest first; failing those, the ones
 * `word` is a prefix of, then the ones whose parts `word` holds with more around them (`--recall-type` for
 * `--type`, `--start-time` for `--start`: Motive's field names for the flags).
 *
 * @since 0.1.0
 */
export const nearest = (word: string, candidates: Iterable<string>, max = 2): Array<string> => {
  const w = word.toLowerCase()
  const wordParts = partsOf(w)
  const scored: Array<readonly [string, number]> = []
  for (const c of new Set(candidates)) {
    const d = distance(w, c.toLowerCase())
    const parts = partsOf(c.toLowerCase())
    if (d <= max) scored.push([c, d])
    else if (w.length >= 3 && c.toLowerCase().startsWith(w)) scored.push([c, max + 1])
    else if (parts.length > 0 && parts.length < wordParts.length && partsWithin(parts, wordParts)) {
      scored.push([c, max + 2])
    }
  }
  scored.sort((x, y) => x[1] - y[1] || x[0].localeCompare(y[0]))
  const best = scored[0]?.[1]
  return scored.filter(([, d]) => d === best).map(([c]) => c)
}

/**
 * `; did you mean 'x'?` (or `'x' or 'y'`), or nothing when no candidate is near.
 *
 * @since 0.1.0
 */
export const didYouMean = (word: string, candidates: Iterable<string>): string => {
  const found = nearest(word, candidates).slice(0, 3).map((c) => `'${c}'`)
  if (found.length === 0) return ""
  const list = found.length === 1 ? found[0] : `${found.slice(0, -1).join(", ")} or ${found[found.length - 1]}`
  return `; did you mean ${list}?`
}
