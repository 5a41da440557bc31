/**
 * A batch file: the rows of a footage job, read from CSV (with a header row) or JSON Lines, every row checked
 * against the domain's recall rules before anything is sent, duplicates found, and the batch's identity
 * derived from its rows (the same rows are the same batch, so running a file again resumes it).
 *
 * @since 0.1.0
 */
import {
  AssetByName,
  encodeVideoRecallBody,
  validateVideoRecall,
  VehicleByNumber,
  type VideoRecallInput,
  VideoRecallRequest,
  VideoRecallRequestBody
} from "@effect-motive/domain"
import { Webhooks } from "@effect-motive/http"
import { parse as parseCsv } from "csv-parse/sync"
import { DateTime, Effect, Either, Schema } from "effect"

/**
 * The columns a batch file may have.
 *
 * @since 0.1.0
 */
export const batchColumns = [
  "vehicle_number",
  "asset_name",
  "start_time",
  "duration",
  "recall_type",
  "camera_positions",
  "smart_dashcam",
  "ref"
] as const

/**
 * One problem of a batch file: the row (the spreadsheet's row number for CSV, the line for JSON Lines; 0 for
 * the file as a whole), the field, a rule code and a message.
 *
 * @since 0.1.0
 */
export class RowProblem extends Schema.Class<RowProblem>("RowProblem")({
  row: Schema.Number,
  field: Schema.String,
  rule: Schema.String,
  message: Schema.String
}) {}

/**
 * The batch file broke one or more rules: nothing was sent. Carries every problem at once.
 *
 * @since 0.1.0
 */
export class BatchFileInvalid extends Schema.TaggedError<BatchFileInvalid>()("BatchFileInvalid", {
  file: Schema.String,
  problems: Schema.NonEmptyArray(RowProblem)
}) {
  override get message(): string {
    const shown = this.problems.slice(0, 50).map((p) =>
      `${p.row === 0 ? "file" : `row ${p.row}`}: ${p.field}: ${p.message} [${p.rule}]`
    )
    const more = this.problems.length > 50 ? [`… and ${this.problems.length - 50} more`] : []
    return [`${this.file} has ${this.problems.length} problem(s); nothing was sent:`, ...shown, ...more].join("\n")
  }
}

/**
 * A valid row, ready to be sent: its row number, the user's `ref`, the validated request and its exact body.
 *
 * @since 0.1.0
 */
export class BatchRow extends Schema.Class<BatchRow>("BatchRow")({
  row: Schema.Number,
  ref: Schema.optional(Schema.String),
  smartDashcam: Schema.Boolean,
  body: VideoRecallRequestBody
}) {
  /** The folder of this row's files: its `ref`, else its row number. */
  get folder(): string {
    return this.ref ?? String(this.row)
  }
}

/**
 * `vehicle TRK-101` or `asset TRAILER-7`: the entity a row's body names.
 *
 * @since 0.1.0
 */
export const entityOf = (body: VideoRecallRequestBody): string =>
  body.vehicle_number !== undefined ? `vehicle ${body.vehicle_number}` : `asset ${body.asset_name ?? ""}`

/**
 * A row left out because an earlier row asks for exactly the same recall.
 *
 * @since 0.1.0
 */
export interface DuplicateRow {
  readonly row: number
  readonly sameAs: number
}

/**
 * A checked batch file: its valid rows, the duplicates left out, and the batch's identity.
 *
 * @since 0.1.0
 */
export interface Batch {
  /** A digest of the rows (hex): the same rows give the same batch, whatever the file is called. */
  readonly id: string
  readonly file: string
  readonly rows: ReadonlyArray<BatchRow>
  readonly duplicates: ReadonlyArray<DuplicateRow>
}

type Cells = Record<string, unknown>

interface RawRow {
  readonly row: number
  readonly cells: Cells
}

const isJsonLines = (file: string, text: string): boolean =>
  /\.(jsonl|ndjson)$/i.test(file) || (!/\.csv$/i.test(file) && text.trimStart().startsWith("{"))

/** How deep a JSON Lines row's arrays and objects may nest. */
const maxRowDepth = 8

const readJsonLines = (text: string): { readonly rows: Array<RawRow>; readonly problems: Array<RowProblem> } => {
  const rows: Array<RawRow> = []
  const problems: Array<RowProblem> = []
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === "") return
    // A row's values are at most a list of positions: one nested deeper is refused unread (walking a value nested
    // thousands deep, as turning it into text does, overflows the stack).
    if (!Webhooks.jsonDepthWithin(new TextEncoder().encode(line), maxRowDepth)) {
      problems.push(
        new RowProblem({
          row: i + 1,
          field: "line",
          rule: "row.too_deep",
          message: `nests arrays or objects more than ${maxRowDepth} deep`
        })
      )
      return
    }
    try {
      const value: unknown = JSON.parse(line)
      if (typeof value === "object" && value !== null && !Array.isArray(value)) {
        // JSON.parse keeps the last of a repeated key: which one a row meant cannot be told, as with CSV columns.
        const repeated = repeatedKeys(line)
        for (const key of repeated) {
          problems.push(
            new RowProblem({ row: i + 1, field: key, rule: "column.repeated", message: "is given twice in the object" })
          )
        }
        if (repeated.length === 0) rows.push({ row: i + 1, cells: value as Cells })
      } else {
        problems.push(
          new RowProblem({ row: i + 1, field: "line", rule: "row.not_object", message: "is not a JSON object" })
        )
      }
    } catch {
      problems.push(
        new RowProblem({ row: i + 1, field: "line", rule: "row.invalid_json", message: "is not valid JSON" })
      )
    }
  })
  return { rows, problems }
}

/**
 * The keys given more than once in a JSON object's text (one JSON.parse has accepted), at its top level, by one
 * scan: strings are skipped whole, and a string at depth 1 followed by `:` is a key.
 */
const repeatedKeys = (line: string): ReadonlyArray<string> => {
  const seen = new Set<string>()
  const repeated = new Set<string>()
  let depth = 0
  for (let i = 0; i < line.length; i++) {
    const c = line[i]
    if (c === "\"") {
      const start = i
      for (i++; i < line.length && line[i] !== "\""; i++) if (line[i] === "\\") i++
      if (depth !== 1) continue
      let next = i + 1
      while (/\s/.test(line[next] ?? "")) next++
      if (line[next] !== ":") continue
      const key = JSON.parse(line.slice(start, i + 1)) as string
      if (seen.has(key)) repeated.add(key)
      seen.add(key)
    } else if (c === "{" || c === "[") depth++
    else if (c === "}" || c === "]") depth--
  }
  return [...repeated]
}

/** Whether the byte at `i` ends a line: an LF, or a CR not followed by one (a CR LF ends its line once). */
const isBreak = (bytes: Uint8Array, i: number): boolean =>
  bytes[i] === 0x0a || (bytes[i] === 0x0d && bytes[i + 1] !== 0x0a)

/** The line (from 1) that the byte at `offset` is on. */
const lineOf = (bytes: Uint8Array, offset: number): number => {
  let line = 1
  for (let i = 0; i < Math.min(offset, bytes.length); i++) if (isBreak(bytes, i)) line++
  return line
}

/**
 * The line each record starts on, as an editor numbers them: from 1, blank lines counted, a line ending at CR LF,
 * LF or a CR alone, whatever line breaks quoted cells hold (the parser's own count takes a CR LF in a cell, or a
 * CR before an LF, for two). A record starts at the first byte after the previous one's end that is not blank.
 */
const startLines = (bytes: Uint8Array, ends: ReadonlyArray<number>): Array<number> => {
  let line = 1
  let at = 0
  const lineAt = (to: number) => {
    for (; at < to; at++) if (isBreak(bytes, at)) line++
    return line
  }
  const blank = (b: number | undefined) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d
  return ends.map((end, i) => {
    let start = i === 0 ? 0 : ends[i - 1]!
    while (start < end && blank(bytes[start])) start++
    const startLine = lineAt(start)
    lineAt(end)
    return startLine
  })
}

const readCsv = (text: string): { readonly rows: Array<RawRow>; readonly problems: Array<RowProblem> } => {
  let records: Array<{ readonly record: Array<string>; readonly info: { readonly lines: number } }>
  // Where each record ends (in UTF-8 bytes, its line break included), in record order.
  const ends: Array<number> = []
  try {
    const parsed = parseCsv(text, {
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      trim: true,
      on_record: (record, context) => {
        ends.push(context.bytes)
        return record
      }
    })
    const lines = startLines(new TextEncoder().encode(text), ends)
    records = parsed.map((record, i) => ({ record, info: { lines: lines[i]! } }))
  } catch (e) {
    // The parser's "at line N" counts lines its own way (a CR LF in a quoted cell as two): the row the problem is
    // in is named instead, by the line it starts on as rows are numbered. The parser says where that row starts
    // (`bytes`: one past its first byte).
    const said = e instanceof Error ? e.message : String(e)
    const at = typeof e === "object" && e !== null && "bytes" in e && typeof e.bytes === "number" ? e.bytes : undefined
    const full = at === undefined || !/ at line \d+/.test(said) ? said : said.replace(
      / at line \d+/,
      ` in the row starting at line ${lineOf(new TextEncoder().encode(text), at - 1)}`
    )
    // The parser quotes the text around the problem: cut short, so that a stray binary file is one line of error.
    const message = full.length > 200 ? `${full.slice(0, 199)}…` : full
    return { rows: [], problems: [new RowProblem({ row: 0, field: "file", rule: "file.invalid_csv", message })] }
  }
  const [header, ...data] = records
  if (header === undefined) return { rows: [], problems: [] }
  const headerRow = header.info.lines
  const names = header.record.map((h) => h.trim().toLowerCase())
  const problems: Array<RowProblem> = []
  names.forEach((name, i) => {
    if (name === "") {
      problems.push(
        new RowProblem({ row: headerRow, field: `column ${i + 1}`, rule: "column.unnamed", message: "has no name" })
      )
    } else if (names.indexOf(name) !== i) {
      // Which of the two a row meant cannot be told: the last one silently winning made a recall of the wrong truck.
      problems.push(
        new RowProblem({
          row: headerRow,
          field: name,
          rule: "column.repeated",
          message: `is named twice (columns ${names.indexOf(name) + 1} and ${i + 1})`
        })
      )
    } else if (!known.has(name)) {
      // Said once, of the header (row 1 names it), not of every row below.
      problems.push(
        new RowProblem({
          row: headerRow,
          field: name,
          rule: "column.unknown",
          message: `is not a column (columns: ${batchColumns.join(", ")})`
        })
      )
    }
  })
  const rows = data.map(({ info, record }): RawRow => {
    const cells: Cells = {}
    record.forEach((value, c) => {
      const name = names[c] ?? `column ${c + 1}`
      if (value !== "" && (known.has(name) || names[c] === undefined)) cells[name] = value
    })
    return { row: info.lines, cells }
  })
  return { rows, problems }
}

const known: ReadonlySet<string> = new Set(batchColumns)

/** The columns whose values are text (or numbers): every one but `camera_positions` and `smart_dashcam`. */
const textFields = batchColumns.filter((c) => c !== "camera_positions" && c !== "smart_dashcam")

const text = (cells: Cells, name: string): string | undefined => {
  const v = cells[name]
  return v === undefined || v === null ? undefined : typeof v === "string" ? v : JSON.stringify(v)
}

const positionsOf = (value: unknown): ReadonlyArray<string> | undefined =>
  value === undefined || value === null
    ? undefined
    : Array.isArray(value)
    ? value.map(String)
    // `;`, spaces, or commas in a quoted cell ("front_facing,driver_facing", as a spreadsheet writes a list).
    : String(value).split(/[;,\s]+/).filter((p) => p !== "")

/**
 * A cell's list with an empty item among its positions (`front_facing;;rear`, a separator at an end): a position
 * left out by mistake, refused as the CLI's `--cameras` refuses it. A blank cell is an empty list, for the rules.
 */
const hasEmptyItem = (value: unknown): boolean => {
  if (typeof value !== "string") return false
  const items = value.split(/[;,]/).map((item) => item.trim())
  return items.length > 1 && items.some((item) => item === "") && items.some((item) => item !== "")
}

/** A `ref` becomes a folder name, so it must be one: no separators, no control characters, not `.` or `..`. */
const refProblem = (ref: string): string | undefined =>
  ref.length > 100
    ? "is longer than 100 characters"
    : new TextEncoder().encode(ref).length > 255
    ? "is longer than 255 bytes in UTF-8, the longest name a folder can have"
    : ref === "." || ref === ".."
    ? "cannot be . or .."
    : /[/\\]/.test(ref)
    ? "contains a path separator"
    // eslint-disable-next-line no-control-regex
    : /[\u0000-\u001f\u007f]/.test(ref)
    ? "contains a control character"
    : undefined

/** A JSON value that is neither text nor a number (nor null): an object, a list, true or false. */
const notTextOrNumber = (value: unknown): boolean =>
  typeof value === "object" && value !== null || typeof value === "boolean"

const kindOf = (value: unknown): string =>
  Array.isArray(value) ? "a list" : typeof value === "boolean" ? String(value) : "an object"

const checkRow = (raw: RawRow): Effect.Effect<Either.Either<BatchRow, ReadonlyArray<RowProblem>>> =>
  Effect.gen(function*() {
    const { cells, row } = raw
    const problems: Array<RowProblem> = []
    const problem = (field: string, rule: string, message: string) =>
      problems.push(new RowProblem({ row, field, rule, message }))
    for (const name of Object.keys(cells)) {
      if (!known.has(name)) problem(name, "column.unknown", `is not a column (columns: ${batchColumns.join(", ")})`)
    }
    // A JSON Lines row's fields are text or numbers (camera_positions also a list, smart_dashcam also true or
    // false): an object written out as text would make a folder named `{"a":1}` or a truck of that number.
    const before = problems.length
    for (const name of textFields) {
      const value = cells[name]
      if (notTextOrNumber(value)) problem(name, "field.not_text", `must be text or a number, not ${kindOf(value)}`)
    }
    // Positions are names, or a list of names: a list inside it would be read as the text of its elements.
    const positions = cells["camera_positions"]
    const odd = Array.isArray(positions)
      ? positions.find(notTextOrNumber)
      : notTextOrNumber(positions)
      ? positions
      : undefined
    if (odd !== undefined) {
      problem(
        "camera_positions",
        "field.not_text",
        `must be a position or a list of positions, not ${Array.isArray(positions) ? "a list holding " : ""}${
          kindOf(odd)
        }`
      )
    }
    // Their rules would say the same fields are missing: only this is said.
    if (problems.length > before) return Either.left(problems)
    const smart = cells["smart_dashcam"]
    const smartDashcam = smart === undefined || smart === null || smart === false || /^false$/i.test(String(smart))
      ? false
      : smart === true || /^true$/i.test(String(smart))
      ? true
      : undefined
    if (smartDashcam === undefined) problem("smart_dashcam", "smart_dashcam.not_boolean", "must be true or false")
    if (hasEmptyItem(positions)) {
      const cell = String(positions).trim()
      // The example speaks of the separator the cell uses: commas in a quoted cell, semicolons otherwise.
      const separator = cell.includes(",") && !cell.includes(";") ? "," : ";"
      problem(
        "camera_positions",
        "camera_positions.empty_item",
        `"${
          cell.length > 80 ? `${cell.slice(0, 79)}…` : cell
        }" has an empty item: separate positions with one "${separator}" (e.g. front_facing${separator}rear)`
      )
    }
    const ref = text(cells, "ref")?.trim()
    const refWrong = ref === undefined ? undefined : refProblem(ref)
    if (refWrong !== undefined) problem("ref", "ref.not_a_folder_name", refWrong)
    const duration = cells["duration"]
    const durationText = text(cells, "duration")
    // With a unit as the CLI's --duration takes it (120s, 2m, 1h): the body carries whole minutes.
    const withUnit = durationText === undefined
      ? null
      : /^\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|secs|seconds?|m|min|mins|minutes?|h|hr|hrs|hours?)\s*$/i.exec(durationText)
    const unitMinutes = withUnit === null ? undefined : Number(withUnit[1]) * (
      /^ms$/i.test(withUnit[2]!) ? 1 / 60_000 : /^h/i.test(withUnit[2]!) ? 60 : /^s/i.test(withUnit[2]!) ? 1 / 60 : 1
    )
    const wholeMinutes = unitMinutes !== undefined && Math.abs(unitMinutes - Math.round(unitMinutes)) < 1e-9
      ? Math.round(unitMinutes)
      : undefined
    const notWhole = unitMinutes !== undefined && wholeMinutes === undefined
    if (notWhole) {
      problem(
        "duration",
        "duration.not_allowed",
        `duration "${
          durationText!.trim()
        }" is not a whole number of minutes: Motive recalls whole minutes (e.g. 1, 2m, 10m)`
      )
    }
    const input: VideoRecallInput = {
      vehicleNumber: text(cells, "vehicle_number"),
      assetName: text(cells, "asset_name"),
      startTime: text(cells, "start_time"),
      duration: typeof duration === "number"
        ? duration
        : wholeMinutes !== undefined
        ? String(wholeMinutes)
        : durationText,
      recallType: text(cells, "recall_type"),
      cameraPositions: positionsOf(cells["camera_positions"])
    }
    const validated = yield* Effect.either(
      validateVideoRecall(input, smartDashcam === true ? { dashcam: "smart" } : {})
    )
    if (Either.isLeft(validated)) {
      for (const v of validated.left.violations) {
        // Said above, in the cell's words.
        if (notWhole && v.path === "duration") continue
        // The rule quotes the minutes it read: the cell's own words are said too.
        problem(
          v.path,
          v.rule,
          v.path === "duration" && wholeMinutes !== undefined
            ? `${v.message} (the cell says "${durationText!.trim()}")`
            : v.message
        )
      }
    }
    if (problems.length > 0 || Either.isLeft(validated)) return Either.left(problems)
    return Either.right(
      new BatchRow({
        row,
        ...(ref === undefined || ref === "" ? {} : { ref }),
        smartDashcam: smartDashcam === true,
        body: encodeVideoRecallBody(validated.right)
      })
    )
  })

/** What makes two rows the same recall at Motive. */
const sameRecallKey = (row: BatchRow): string => {
  const b = row.body
  return JSON.stringify([
    b.vehicle_number ?? null,
    b.asset_name ?? null,
    Date.parse(b.start_time),
    b.duration,
    b.recall_type ?? "regular",
    b.camera_positions === undefined ? null : [...b.camera_positions].sort()
  ])
}

const hex = (bytes: ArrayBuffer) => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("")

/**
 * The identity of a list of rows (sha-256 over their row numbers, refs and exact bodies).
 *
 * @since 0.1.0
 */
export const batchIdOf = (rows: ReadonlyArray<BatchRow>): Effect.Effect<string> =>
  Effect.promise(() =>
    crypto.subtle.digest(
      "SHA-256",
      new TextEncoder().encode(JSON.stringify(rows.map((r) => [r.row, r.ref ?? null, r.smartDashcam, r.body])))
    )
  ).pipe(Effect.map((digest) => hex(digest).slice(0, 32)))

const notText = (file: string, message: string) =>
  new BatchFileInvalid({ file, problems: [new RowProblem({ row: 0, field: "file", rule: "file.not_text", message })] })

// A spreadsheet's binary file (.xlsx), an image: no row of it can be read, nor shown.
const holdsNul = (file: string) =>
  notText(
    file,
    "is not UTF-8 text (it holds NUL bytes: UTF-16 text, or a binary file such as .xlsx): save it as CSV UTF-8, " +
      "or give a JSON Lines file"
  )

/**
 * A file's bytes as text, decoded strictly: bytes that are not UTF-8 (a file saved as Latin-1 or Windows-1252,
 * `Zürich` as `Z\xfcrich`) are refused, naming the first line holding them, rather than sent as `Z\ufffdrich`.
 */
const textOf = (file: string, bytes: Uint8Array): Effect.Effect<string, BatchFileInvalid> => {
  if (bytes.includes(0)) return Effect.fail(holdsNul(file))
  const strict = new TextDecoder("utf-8", { fatal: true })
  try {
    return Effect.succeed(strict.decode(bytes))
  } catch {
    // Lines end at LF, CR LF, or a CR alone (a classic Mac "CSV (Macintosh)" file, often Mac Roman: this case).
    let line = 1
    for (let start = 0; start <= bytes.length; line++) {
      let stop = start
      while (stop < bytes.length && bytes[stop] !== 0x0a && bytes[stop] !== 0x0d) stop++
      try {
        strict.decode(bytes.subarray(start, stop))
      } catch {
        break
      }
      start = stop + (bytes[stop] === 0x0d && bytes[stop + 1] === 0x0a ? 2 : 1)
    }
    return Effect.fail(
      notText(
        file,
        `is not UTF-8 text (line ${line} holds bytes that are not UTF-8: a file saved as Latin-1 or Windows-1252?): ` +
          "save it as CSV UTF-8, or give a JSON Lines file"
      )
    )
  }
}

/**
 * Reads and checks a batch file: every problem of every row is reported at once (`BatchFileInvalid`, nothing to
 * send), a row asking for the same recall as an earlier one is left out and listed. "Now" comes from the `Clock`.
 *
 * Give the file's bytes as they were read (`fs.readFile`): they are decoded strictly, so a file that is not UTF-8
 * is refused instead of sent with its letters replaced by `\ufffd`. Text already decoded is taken as it is.
 *
 * @since 0.1.0
 */
export const parseBatch = (file: string, content: string | Uint8Array): Effect.Effect<Batch, BatchFileInvalid> =>
  Effect.gen(function*() {
    if (typeof content !== "string") return yield* parseBatch(file, yield* textOf(file, content))
    if (content.includes("\u0000")) return yield* holdsNul(file)
    const { problems, rows: raw } = isJsonLines(file, content) ? readJsonLines(content) : readCsv(content)
    const all = [...problems]
    const rows: Array<BatchRow> = []
    for (const r of raw) {
      const checked = yield* checkRow(r)
      if (Either.isLeft(checked)) all.push(...checked.left)
      else rows.push(checked.right)
    }
    if (raw.length === 0 && all.length === 0) {
      all.push(new RowProblem({ row: 0, field: "file", rule: "file.no_rows", message: "has no rows" }))
    }
    const [first, ...rest] = all
    if (first !== undefined) return yield* new BatchFileInvalid({ file, problems: [first, ...rest] })
    const seen = new Map<string, number>()
    const duplicates: Array<DuplicateRow> = []
    const unique = rows.filter((row) => {
      const key = sameRecallKey(row)
      const earlier = seen.get(key)
      if (earlier !== undefined) {
        duplicates.push({ row: row.row, sameAs: earlier })
        return false
      }
      seen.set(key, row.row)
      return true
    })
    return { id: yield* batchIdOf(unique), file, rows: unique, duplicates }
  })

/**
 * Checks a batch built in code rather than by {@link parseBatch} (whose rows pass these by construction), before
 * anything of it is recorded or sent: row numbers positive, whole and each once; each `ref` a folder name; each
 * body one that reads back as a request (`start_time` a timestamp, `duration` allowed for its type, …). Every
 * problem at once, as `BatchFileInvalid`.
 *
 * @since 0.1.0
 */
export const checkBatch = (batch: Batch): Effect.Effect<void, BatchFileInvalid> =>
  Effect.suspend(() => {
    const problems: Array<RowProblem> = []
    const seen = new Set<number>()
    for (const r of batch.rows) {
      const at = Number.isSafeInteger(r.row) && r.row > 0 ? r.row : 0
      if (at === 0) {
        problems.push(
          new RowProblem({ row: 0, field: "row", rule: "row.invalid", message: `${r.row} is no row number` })
        )
      } else if (seen.has(at)) {
        problems.push(new RowProblem({ row: at, field: "row", rule: "row.repeated", message: "is given twice" }))
      }
      seen.add(at)
      const refWrong = r.ref === undefined ? undefined : refProblem(r.ref)
      if (refWrong !== undefined) {
        problems.push(new RowProblem({ row: at, field: "ref", rule: "ref.not_a_folder_name", message: refWrong }))
      }
      try {
        requestOf(r)
      } catch (e) {
        problems.push(
          new RowProblem({
            row: at,
            field: "body",
            rule: "body.invalid",
            message: `is no video recall request: ${(e instanceof Error ? e.message : String(e)).split("\n")[0]}`
          })
        )
      }
    }
    const [first, ...rest] = problems
    return first === undefined ? Effect.void : new BatchFileInvalid({ file: batch.file, problems: [first, ...rest] })
  })

/**
 * The validated request a row's body stands for. The body was produced from one, so it reads back exactly
 * (the "now" rules are not checked again: a row valid at submission stays sendable when a batch resumes).
 *
 * @since 0.1.0
 */
export const requestOf = (row: { readonly body: VideoRecallRequestBody }): VideoRecallRequest => {
  const body = row.body
  return new VideoRecallRequest({
    target: body.vehicle_number !== undefined
      ? VehicleByNumber.make({ number: body.vehicle_number })
      : AssetByName.make({ name: body.asset_name ?? "" }),
    startTime: DateTime.unsafeMake(Date.parse(body.start_time)),
    durationMinutes: body.duration,
    recallType: body.recall_type ?? "regular",
    ...(body.camera_positions === undefined ? {} : { cameraPositions: body.camera_positions })
  })
}
