/** Small helpers for rule messages. */

/** A value as it would be written in JSON (`"roof"`, `12`, `null`), for quoting it in a message. */
export const quote = (u: unknown): string => {
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
