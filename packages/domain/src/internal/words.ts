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
  try {
    return JSON.stringify(u) ?? String(u)
  } catch {
    return String(u)
  }
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
