/** Small helpers for rule messages. */
import { DateTime } from "effect"

/**
 * A value as it would be written in JSON (`"roof"`, `12`, `null`), for quoting it in a message; a number JSON
 * cannot write (`NaN`, `Infinity`) as itself, and an object not JSON has (a `Date`) named with its type.
 */
export const quote = (u: unknown): string => {
  if (typeof u === "number" && !Number.isFinite(u)) return String(u)
  if (u instanceof Date) return `a Date (${Number.isNaN(u.getTime()) ? "invalid" : u.toISOString()})`
  if (DateTime.isDateTime(u)) return `a DateTime (${DateTime.formatIso(u)})`
  if (typeof u === "object" && u !== null && !Array.isArray(u) && Object.getPrototypeOf(u) !== Object.prototype) {
    return `a ${u.constructor?.name ?? "value"} object`
  }
  if (!smallEnough(u)) return Array.isArray(u) ? "an array too large to show" : "an object too large to show"
  let text: string
  try {
    text = JSON.stringify(u) ?? String(u)
  } catch {
    text = Array.isArray(u) ? "an array" : typeof u === "object" ? "an object" : typeof u
  }
  return text.length <= maxQuoted ? text : `${text.slice(0, maxQuoted - 1)}…`
}

/** The longest value a message quotes whole; longer ones are cut, ending in `…`. */
const maxQuoted = 120

/**
 * Whether a value's arrays and objects nest at most 16 deep and hold at most 256 values in all, checked without
 * recursion: only such a value is written out (a deeper one would overflow the stack of `JSON.stringify`).
 */
const smallEnough = (u: unknown): boolean => {
  const pending: Array<readonly [unknown, number]> = [[u, 0]]
  let seen = 0
  while (pending.length > 0) {
    const [value, depth] = pending.pop()!
    if (++seen > 256 || depth > 16) return false
    if (typeof value === "object" && value !== null) {
      for (const child of Object.values(value)) pending.push([child, depth + 1])
    }
  }
  return true
}

/** `a, b or c`. */
export const listWords = (items: ReadonlyArray<string | number>): string =>
  items.length <= 1
    ? items.join("")
    : `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]}`

/** A trimmed, non-empty string (a finite number counts, as its text), or `undefined`. */
export const nonBlank = (u: unknown): string | undefined => {
  const s = typeof u === "number" && Number.isFinite(u) ? String(u) : typeof u === "string" ? u.trim() : undefined
  return s === undefined || s === "" ? undefined : s
}

/** Not given at all: absent, `null`, or a string of nothing but blanks (what an empty form field or CSV cell sends). */
export const isMissing = (u: unknown): boolean =>
  u === undefined || u === null || (typeof u === "string" && u.trim() === "")
