/**
 * Text from elsewhere (a server's error body, a webhook delivery) made safe for a terminal: control characters a
 * terminal may act on are shown escaped, and long text is cut.
 *
 * @since 0.1.0
 */

// C0 and C1 controls, DEL, line and paragraph separators, bidirectional overrides: what a terminal may act on.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const controls = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g
const escaped = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`

/**
 * `text` with every control character shown escaped (`\u001b`).
 *
 * @since 0.1.0
 */
export const escapeControls = (text: string): string => text.replace(controls, escaped)

// The same but for tabs and line breaks: for text laid out in lines (a table, a note, a script).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const controlsInLines = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

/**
 * `text` laid out in lines with every other control character shown escaped: what a command prints may quote a
 * server (a reason, a status), and no byte of that may act on the terminal.
 *
 * @since 0.1.0
 */
export const escapeControlsInLines = (text: string): string => text.replace(controlsInLines, escaped)

/**
 * A value as JSON text (indented by `indent`) in which no character may act on a terminal: DEL, C1 controls,
 * separators and bidirectional overrides inside strings are written as `\u` escapes, which `JSON.stringify` leaves
 * raw (it escapes only C0 controls). The same JSON value, read back.
 *
 * @since 0.1.0
 */
export const jsonText = (value: unknown, indent?: number): string =>
  escapeControlsInLines(JSON.stringify(value, null, indent))

/**
 * At most `max` characters of `text`, escaped, for a terminal (with how long it was when cut).
 *
 * @since 0.1.0
 */
export const printableText = (text: string, max = 1000): string => {
  const shown = escapeControls(text.length > max ? text.slice(0, max) : text)
  return text.length > max ? `${shown}… (${text.length} characters)` : shown
}

/**
 * At most `max` characters of a body, for one line on a terminal: every control character shown escaped.
 *
 * @since 0.1.0
 */
export const printableBytes = (raw: Uint8Array, max = 200): string => {
  const text = escapeControls(new TextDecoder().decode(raw.subarray(0, 4 * max)))
  return text.length > max || raw.length > 4 * max ? `${text.slice(0, max)}… (${raw.length} bytes)` : text
}
