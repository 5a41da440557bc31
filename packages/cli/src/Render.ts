/**
 * How recalls, captures, quotas and timelines read to a person, and as JSON (Motive's own wire shape).
 *
 * @since 0.1.0
 */
import {
  type AvailableTimelines,
  ImageCapture,
  RecallQuota,
  statusText,
  type VideoRecall,
  VideoRecallFromBody
} from "@effect-motive/domain"
import { Option, Schema } from "effect"
import { table } from "./Output.js"
import { escapeControls } from "./Printable.js"
import type { Globals } from "./Root.js"

/**
 * A recall as Motive sends it (snake_case).
 *
 * @since 0.1.0
 */
export const recallJson = (recall: VideoRecall): unknown => Schema.encodeSync(VideoRecallFromBody)(recall)

/**
 * The quota as Motive sends it (snake_case).
 *
 * @since 0.1.0
 */
export const quotaJson = (quota: RecallQuota): unknown => Schema.encodeSync(RecallQuota)(quota)

/**
 * A capture as Motive sends it (snake_case).
 *
 * @since 0.1.0
 */
export const captureJson = (capture: ImageCapture): unknown => Schema.encodeSync(ImageCapture)(capture)

const entityOf = (
  x: {
    readonly vehicle?: { readonly number?: string | null | undefined; readonly id: number } | null | undefined
    readonly asset?: { readonly name?: string | null | undefined; readonly id: number } | null | undefined
  }
) =>
  x.vehicle != null
    ? `vehicle ${x.vehicle.number ?? x.vehicle.id}`
    : x.asset != null
    ? `asset ${x.asset.name ?? x.asset.id}`
    : "unknown entity"

/**
 * A recall for people.
 *
 * @since 0.1.0
 */
export const recallText = (recall: VideoRecall, extra: ReadonlyArray<readonly [string, string]> = []): string =>
  [
    `Video recall ${recall.id} for ${entityOf(recall)}: ${statusText(recall.status)}`,
    table([
      ["window", `${recall.startTime ?? "?"} → ${recall.endTime ?? "?"} (${recall.recallType ?? "regular"})`],
      [
        "cameras",
        recall.cameras.length === 0
          ? "(listed once processing starts)"
          : recall.cameras.map((c) => `${c.position}${c.status == null ? "" : ` ${statusText(c.status)}`}`).join(", ")
      ],
      ...extra
    ])
  ].join("\n")

/**
 * A capture for people.
 *
 * @since 0.1.0
 */
export const captureText = (capture: ImageCapture, extra: ReadonlyArray<readonly [string, string]> = []): string =>
  [
    `Image capture ${capture.requestId} for ${entityOf(capture)}: ${statusText(capture.status)}`,
    table([
      ["camera", `${capture.cameraType} ${capture.position}`],
      ...(capture.createdAt === undefined || capture.createdAt === null
        ? []
        : [["created", capture.createdAt] as const]),
      ...extra
    ])
  ].join("\n")

/**
 * The quota for people.
 *
 * @since 0.1.0
 */
export const quotaText = (quota: RecallQuota): string =>
  [
    "Video recall quota this month (minutes)",
    table([
      ["", "used  remaining  total"],
      ...(["regular", "timelapse"] as const).map((t) => {
        const b = quota.quotaInfo[t]
        return [
          t,
          `${String(b.usedMinutes).padStart(4)}  ${String(b.remainingMinutes).padStart(9)}  ${
            String(b.totalMinutes).padStart(5)
          }`
        ] as const
      })
    ])
  ].join("\n")

/**
 * Available timelines for people.
 *
 * @since 0.1.0
 */
export const timelinesText = (t: AvailableTimelines): string =>
  [
    `Video available for ${entityOf(t)}:`,
    t.availableTimelines.length === 0
      ? "  (none in that window)"
      : t.availableTimelines.map((s) => `  ${s.startTime} → ${s.endTime}`).join("\n")
  ].join("\n")

/**
 * A result followed by the command that picks it up (`Next: motive recall wait 17`), when there is one.
 *
 * @since 0.1.0
 */
export const withNext = (text: string, next: string | undefined): string =>
  next === undefined ? text : `${text.replace(/\n$/, "")}\nNext: ${next}`

/**
 * Rows as aligned columns (the first row is the header); the last column is not padded.
 *
 * @since 0.1.0
 */
export const columns = (raw: ReadonlyArray<ReadonlyArray<string>>): string => {
  // A cell may come from Motive (a make, a reason): escaped before it is measured, a line break in it included,
  // so it can neither draw a row of its own nor shift the columns.
  const rows = raw.map((r) => r.map(escapeControls))
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)))
  return rows.map((r) => r.map((cell, i) => i === r.length - 1 ? cell : cell.padEnd(widths[i]!)).join("  ")).join("\n")
}

/**
 * `word` as one word for a POSIX shell, to paste as it is: bare when it is plain, else in single quotes (a path
 * with `$HOME`, a space or a backquote is never expanded or run).
 *
 * @since 0.1.0
 */
export const shellWord = (word: string): string =>
  /^[\w./:=@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`

/**
 * What stands for the command that picks a request up when it was made in the built-in sandbox (`--sandbox`),
 * which ended with the run: there is none.
 *
 * @since 0.1.0
 */
export const sandboxGone = "nothing to resume (it was in the built-in sandbox, which ended with this run)"

/**
 * `url`, trimmed, with the password of its user info (`http://user:secret@proxy`, up to the last `@` before the
 * path, as a URL reads it) as `<PASSWORD>`, and user info without one (which may be a token) as `<USER>`: a
 * command to paste never shows them.
 *
 * @since 0.1.0
 */
export const withoutPassword = (url: string): string =>
  url.trim().replace(
    /^([a-z][a-z\d+.-]*:\/\/)([^/?#]*)@/i,
    (_, scheme: string, info: string) =>
      `${scheme}${info.includes(":") ? `${info.slice(0, info.indexOf(":"))}:<PASSWORD>` : "<USER>"}@`
  )

/**
 * A `motive` command to paste: the connection flags this run was given as flags (`--base-url`, its password as
 * `<PASSWORD>`; `--time-zone`; a credential as `<KEY>` or `<TOKEN>`, never its value), then `rest`. Values that came from the environment need
 * no repeating: the environment gives them again.
 *
 * @since 0.1.0
 */
export const motiveCommand = (globals: Globals, rest: string): string =>
  [
    "motive",
    ...Option.toArray(Option.map(globals.baseUrl, (url) => `--base-url ${shellWord(withoutPassword(url))}`)),
    ...(Option.isSome(globals.apiKey) ? ["--api-key <KEY>"] : []),
    ...(Option.isSome(globals.oauthToken) ? ["--oauth-token <TOKEN>"] : []),
    ...Option.toArray(Option.map(globals.timeZone, (zone) => `--time-zone ${shellWord(zone)}`)),
    rest
  ].join(" ")
