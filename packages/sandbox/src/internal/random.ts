/**
 * One step of a small seeded PRNG (mulberry32): the value drawn and the next state. The same seed gives the
 * same sequence, on every machine; the state is a plain number, so it can live in a `Ref`.
 */
export const nextRandom = (state: number): readonly [value: number, next: number] => {
  const next = (state + 0x6d2b79f5) >>> 0
  let t = next
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return [((t ^ (t >>> 14)) >>> 0) / 4294967296, next]
}

/** The PRNG state a seed starts from. */
export const randomState = (seed: number): number => seed >>> 0

/** The same PRNG as a function, for a one-off sequence (the video pattern). */
export const seededRandom = (seed: number): () => number => {
  let state = randomState(seed)
  return () => {
    const [value, next] = nextRandom(state)
    state = next
    return value
  }
}

/** FNV-1a hash of a string, for deterministic per-key choices. */
export const hashString = (s: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}
