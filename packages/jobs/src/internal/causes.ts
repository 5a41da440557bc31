/** A failure told with its causes, outermost first. */

/**
 * `outer: inner: innermost` from the `message` of a failure and of each `cause` under it (at most six, a message
 * already told once left out): "Failed to execute statement" alone does not say "file is not a database".
 * `stop` ends the chain at a failure that already tells its own causes, with the text it gives.
 */
export const causeChain = (e: unknown, stop?: (u: unknown) => string | undefined): string => {
  const parts: Array<string> = []
  let current: unknown = e
  for (let depth = 0; current !== undefined && current !== null && depth < 6; depth++) {
    const told = stop?.(current)
    if (told !== undefined) {
      parts.push(told)
      break
    }
    const message = typeof current === "object" && "message" in current ? String(current.message) : String(current)
    if (message.trim() !== "" && !parts.some((p) => p.includes(message.trim()))) parts.push(message.trim())
    current = typeof current === "object" && "cause" in current ? current.cause : undefined
  }
  return parts.join(": ")
}
