import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { BatchFile } from "../src/index.js"
import { ago, csvRows } from "./support.js"

/**
 * The refusal of a batch file. One read without a refusal fails the test with a short message: the whole batch as
 * the failure kept vitest's reporter busy for minutes.
 */
const refusal = (file: string, text: string | Uint8Array) =>
  Effect.flatMap(Effect.either(BatchFile.parseBatch(file, text)), (parsed) =>
    parsed._tag === "Left"
      ? Effect.succeed(parsed.left)
      : Effect.dieMessage(`read ${parsed.right.rows.length} rows where a refusal was expected`))

const problemsOf = (file: string, text: string) =>
  refusal(file, text).pipe(
    Effect.map((e) => e.problems.map((p) => `${p.row} ${p.field} ${p.rule}`))
  )

describe("batch files", () => {
  it.live("report every broken rule of every row with its row number and rule code, and send nothing", () =>
    Effect.gen(function*() {
      const text = [
        "vehicle_number,asset_name,start_time,duration,recall_type,camera_positions,smart_dashcam,ref,colour",
        `TRK-101,,${ago(30)},1,,front_facing,,A,`,
        `,,${ago(30)},4,,,,B,`,
        `TRK-101,TRAILER-7,2026-01-01T10:00:00,1,timelapse,sideways,maybe,../x,red`
      ].join("\n")
      // A column no row may use is the header's problem (row 1), said once.
      expect(yield* problemsOf("rows.csv", text)).toEqual([
        "1 colour column.unknown",
        "3 vehicle_number entity.exactly_one",
        "3 duration duration.not_allowed",
        "4 smart_dashcam smart_dashcam.not_boolean",
        "4 ref ref.not_a_folder_name",
        "4 vehicle_number entity.exactly_one",
        "4 duration duration.not_allowed",
        "4 camera_positions[0] camera_positions.unknown",
        "4 start_time start_time.no_offset"
      ])
    }))

  it.live("read a CSV cell's camera list separated by semicolons, spaces, or commas inside quotes", () =>
    Effect.gen(function*() {
      const text = [
        "vehicle_number,start_time,duration,camera_positions,ref",
        `TRK-101,${ago(30)},1,front_facing;driver_facing,a`,
        `TRK-101,${ago(32)},1,front_facing driver_facing,b`,
        `TRK-101,${ago(34)},1,"front_facing, driver_facing",c`
      ].join("\n")
      const ok = yield* BatchFile.parseBatch("rows.csv", text)
      expect(ok.rows.map((r) => r.body.camera_positions)).toEqual([
        ["front_facing", "driver_facing"],
        ["front_facing", "driver_facing"],
        ["front_facing", "driver_facing"]
      ])
    }))

  it.live("refuse a CSV cell's camera list with an empty item, as a position left out, naming the cell", () =>
    Effect.gen(function*() {
      const text = [
        "vehicle_number,start_time,duration,camera_positions,ref",
        `TRK-101,${ago(30)},1,front_facing;;driver_facing,a`,
        `TRK-101,${ago(32)},1,front_facing;,b`,
        `TRK-101,${ago(34)},1,"front_facing, ,driver_facing",c`,
        `TRK-101,${ago(36)},1,front_facing ; driver_facing,d`
      ].join("\n")
      const parsed = yield* Effect.either(BatchFile.parseBatch("rows.csv", text))
      expect(parsed._tag).toBe("Left")
      const problems = parsed._tag === "Left" ? parsed.left.problems : []
      expect(problems.map((p) => `${p.row} ${p.field} ${p.rule}: ${p.message}`)).toEqual([
        "2 camera_positions camera_positions.empty_item: \"front_facing;;driver_facing\" has an empty item: " +
        "separate positions with one \";\" (e.g. front_facing;rear)",
        "3 camera_positions camera_positions.empty_item: \"front_facing;\" has an empty item: " +
        "separate positions with one \";\" (e.g. front_facing;rear)",
        "4 camera_positions camera_positions.empty_item: \"front_facing, ,driver_facing\" has an empty item: " +
        "separate positions with one \",\" (e.g. front_facing,rear)"
      ])
      // A JSON Lines row's text the same (a list is checked position by position).
      const lines = JSON.stringify({
        vehicle_number: "TRK-101",
        start_time: ago(30),
        duration: 1,
        camera_positions: "front_facing;;rear"
      })
      expect(yield* problemsOf("rows.jsonl", lines)).toEqual(["1 camera_positions camera_positions.empty_item"])
    }))

  it.live("read a duration in minutes, bare or with the CLI's units (2m, 1h), and refuse other units", () =>
    Effect.gen(function*() {
      const text = [
        "vehicle_number,start_time,duration,recall_type",
        `TRK-101,${ago(30)},2,regular`,
        `TRK-101,${ago(32)},2m,regular`,
        `TRK-101,${ago(240)},1h,timelapse`,
        `TRK-101,${ago(34)}, 3 min ,regular`,
        `TRK-101,${ago(36)},120s,regular`,
        `TRK-101,${ago(38)},60000ms,regular`
      ].join("\n")
      const ok = yield* BatchFile.parseBatch("rows.csv", text)
      expect(ok.rows.map((r) => r.body.duration)).toEqual([2, 2, 60, 3, 2, 1])
      const wrong = [
        "vehicle_number,start_time,duration",
        `TRK-101,${ago(30)},90s`,
        `TRK-101,${ago(30)},4m`,
        `TRK-101,${ago(30)},1.5m`
      ].join("\n")
      expect(yield* problemsOf("rows.csv", wrong)).toEqual([
        "2 duration duration.not_allowed",
        "3 duration duration.not_allowed",
        "4 duration duration.not_allowed"
      ])
      const { problems } = yield* refusal("rows.csv", wrong)
      expect(problems[0]!.message).toContain("duration \"90s\" is not a whole number of minutes")
      expect(problems[1]!.message).toContain("(the cell says \"4m\")")
      expect(problems[2]!.message).toContain("duration \"1.5m\" is not a whole number of minutes")
    }))

  it.live("read JSON Lines by line number, with camera lists as arrays or cells", () =>
    Effect.gen(function*() {
      const text = [
        JSON.stringify({ vehicle_number: "TRK-101", start_time: ago(30), duration: 1, camera_positions: ["rear"] }),
        "",
        JSON.stringify({ asset_name: "TRAILER-7", start_time: ago(40), duration: "1", ref: "claim 7" }),
        "not json"
      ].join("\n")
      expect(yield* problemsOf("rows.jsonl", text)).toEqual(["4 line row.invalid_json"])
      const ok = yield* BatchFile.parseBatch("rows.jsonl", text.split("\n").slice(0, 3).join("\n"))
      expect(ok.rows.map((r) => [r.row, r.folder, r.body.camera_positions ?? null])).toEqual([
        [1, "1", ["rear"]],
        [3, "claim 7", null]
      ])
    }))

  it.live("refuse a JSON Lines row nested deeper than a row can be, unread, even 200,000 deep", () =>
    Effect.gen(function*() {
      const deep = (n: number) => `${"[".repeat(n)}"rear"${"]".repeat(n)}`
      const text = [
        `{"vehicle_number":"TRK-101","start_time":"${ago(30)}","duration":1,"camera_positions":${deep(200_000)}}`,
        `{"vehicle_number":"TRK-101","start_time":"${ago(30)}","duration":1,"ref":${deep(5)}}`
      ].join("\n")
      expect(yield* problemsOf("rows.jsonl", text)).toEqual(["1 line row.too_deep", "2 ref field.not_text"])
    }))

  it.live("refuse a JSON Lines key given twice, and an object, list or true where text goes", () =>
    Effect.gen(function*() {
      const start = ago(30)
      const text = [
        `{"vehicle_number":"TRK-101","start_time":"${start}","duration":1,"vehicle_number":"TRK-102"}`,
        JSON.stringify({ vehicle_number: "TRK-101", start_time: start, duration: 1, ref: { a: 1 } }),
        JSON.stringify({ vehicle_number: ["TRK-101"], start_time: start, duration: true }),
        // Nested keys, and text that looks like a key, are not the row's keys.
        JSON.stringify({
          vehicle_number: "TRK-1 \"duration\": 2",
          start_time: start,
          duration: 2,
          camera_positions: ["rear"]
        })
      ].join("\n")
      expect(yield* problemsOf("rows.jsonl", text)).toEqual([
        "1 vehicle_number column.repeated",
        "2 ref field.not_text",
        "3 vehicle_number field.not_text",
        "3 duration field.not_text"
      ])
      const messages = yield* refusal("rows.jsonl", text).pipe(
        Effect.map((e) => e.problems.map((p) => p.message))
      )
      expect(messages.slice(1)).toEqual([
        "must be text or a number, not an object",
        "must be text or a number, not a list",
        "must be text or a number, not true"
      ])
    }))

  it.live("refuse a binary file in one line, and cut a CSV parser's message short", () =>
    Effect.gen(function*() {
      // What a spreadsheet's own format (.xlsx, a zip) looks like read as text.
      const binary = `PK\u0003\u0004\u0014\u0000\u0006\u0000${"\ufffd".repeat(400)}`
      expect(yield* problemsOf("incidents.csv", binary)).toEqual(["0 file file.not_text"])
      const quote = `vehicle_number,start_time,duration\n"TRK-101${"x".repeat(500)},2026-01-01T00:00:00Z,1\n`
      const [problem] = yield* refusal("rows.csv", quote).pipe(Effect.map((e) => e.problems))
      expect(problem!.rule).toBe("file.invalid_csv")
      expect(problem!.message.length).toBeLessThanOrEqual(200)
      // Where it is, as rows are numbered (the parser's own count takes the CR LF in a quoted cell for two lines).
      const closing = [
        "vehicle_number,start_time,duration,ref",
        `TRK-101,${ago(30)},1,"a\r\nb"`,
        "",
        `TRK-101,${ago(40)},1,"x"y`
      ]
      const refused = yield* refusal("rows.csv", closing.join("\r\n"))
      expect(refused.problems.map((p) => p.message)).toEqual([
        expect.stringMatching(/^Invalid Closing Quote: got "y" in the row starting at line 5 instead of delimiter/)
      ])
      const unclosed = yield* refusal("rows.csv", ["vehicle_number,ref", "TRK-101,\"a", "TRK-102,b"].join("\r\n"))
      expect(unclosed.problems.map((p) => p.message)).toEqual([
        "Quote Not Closed: the parsing is finished with an opening quote in the row starting at line 2"
      ])
    }))

  it.live("refuse a file's bytes that are not UTF-8 (a Latin-1 CSV), naming the first line holding them", () =>
    Effect.gen(function*() {
      const start = ago(30)
      const utf8 = new TextEncoder().encode(`vehicle_number,start_time,duration,ref\nTRK-101,${start},1,Zürich-1\n`)
      // The same file saved as Latin-1: ü is the one byte 0xfc.
      const latin1 = Uint8Array.from(
        `vehicle_number,start_time,duration,ref\nTRK-101,${start},1,Zürich-1\n`,
        (c) => c.charCodeAt(0)
      )
      const refused = yield* refusal("incidents.csv", latin1)
      expect(refused.problems.map((p) => [p.row, p.field, p.rule])).toEqual([[0, "file", "file.not_text"]])
      expect(refused.problems[0]!.message).toContain("line 2 holds bytes that are not UTF-8")
      // Saved with CR alone between lines (a classic Mac "CSV (Macintosh)" file), and with CR LF.
      for (const breakBytes of ["\r", "\r\n"]) {
        const mac = Uint8Array.from(
          `vehicle_number,start_time,duration,ref${breakBytes}TRK-101,${start},1,Zürich-1${breakBytes}`,
          (c) => c.charCodeAt(0)
        )
        const refusedMac = yield* refusal("incidents.csv", mac)
        expect(refusedMac.problems[0]!.message).toContain("line 2 holds bytes that are not UTF-8")
      }
      const good = yield* BatchFile.parseBatch("incidents.csv", utf8)
      expect(good.rows.map((r) => r.ref)).toEqual(["Zürich-1"])
      // A byte-order mark is no problem, and bytes with NUL are still UTF-16 or binary.
      const bom = yield* BatchFile.parseBatch("incidents.csv", Uint8Array.from([0xef, 0xbb, 0xbf, ...utf8]))
      expect(bom.rows.map((r) => r.ref)).toEqual(["Zürich-1"])
      const utf16 = Uint8Array.from([0xff, 0xfe, ...[...utf8].flatMap((b) => [b, 0])])
      const nul = yield* refusal("incidents.csv", utf16)
      expect(nul.problems[0]!.message).toContain("NUL bytes")
    }))

  it.live("refuse camera positions that hold a list or an object, rather than read them as text", () =>
    Effect.gen(function*() {
      const start = ago(30)
      const row = (positions: unknown) =>
        JSON.stringify({ vehicle_number: "TRK-101", start_time: start, duration: 1, camera_positions: positions })
      const text = [row([["rear"]]), row([{ a: "rear" }]), row({ a: "rear" }), row(true), row(["rear", "side_left"])]
        .join("\n")
      const refused = yield* refusal("rows.jsonl", text)
      expect(refused.problems.map((p) => `${p.row} ${p.field} ${p.rule}: ${p.message}`)).toEqual([
        "1 camera_positions field.not_text: must be a position or a list of positions, not a list holding a list",
        "2 camera_positions field.not_text: must be a position or a list of positions, not a list holding an object",
        "3 camera_positions field.not_text: must be a position or a list of positions, not an object",
        "4 camera_positions field.not_text: must be a position or a list of positions, not true"
      ])
    }))

  it.live("leave out a row that asks for the same recall as an earlier one, and say which", () =>
    Effect.gen(function*() {
      const start = ago(30)
      const text = [
        "vehicle_number,start_time,duration,camera_positions",
        `TRK-101,${start},1,front_facing driver_facing`,
        `TRK-101,${start},1,driver_facing;front_facing`,
        `TRK-102,${start},1,`
      ].join("\n")
      const batch = yield* BatchFile.parseBatch("rows.csv", text)
      expect(batch.rows.map((r) => r.row)).toEqual([2, 4])
      expect(batch.duplicates).toEqual([{ row: 3, sameAs: 2 }])
    }))

  it.live("give the same rows the same identity whatever the file is called, and changed rows a new one", () =>
    Effect.gen(function*() {
      const text = csvRows(3)
      const a = yield* BatchFile.parseBatch("a.csv", text)
      const b = yield* BatchFile.parseBatch("b.csv", text)
      const c = yield* BatchFile.parseBatch("a.csv", text.replace("INC-3", "INC-9"))
      expect(a.id).toBe(b.id)
      expect(c.id).not.toBe(a.id)
    }))

  it.live("number CSV rows by their line, blank lines counted, and refuse a column named twice", () =>
    Effect.gen(function*() {
      const text = [
        "vehicle_number,start_time,duration",
        `TRK-101,${ago(30)},1`,
        "",
        "",
        `TRK-101,${ago(40)},9`
      ].join("\n")
      expect(yield* problemsOf("rows.csv", text)).toEqual(["5 duration duration.not_allowed"])
      const ok = yield* BatchFile.parseBatch("rows.csv", text.replace(",9", ",1"))
      expect(ok.rows.map((r) => [r.row, r.folder])).toEqual([[2, "2"], [5, "5"]])
      // A quoted cell over two lines: the row is numbered by the line it starts on.
      const quoted = [
        "vehicle_number,start_time,duration,ref",
        `TRK-101,${ago(30)},1,"a/`,
        `b"`,
        `TRK-101,${ago(40)},9,c`
      ]
      expect(yield* problemsOf("rows.csv", quoted.join("\n"))).toEqual([
        "2 ref ref.not_a_folder_name",
        "4 duration duration.not_allowed"
      ])
      // The same with CR LF everywhere (a cell's own line break too), with a CR alone (a classic Mac file, a cell's
      // line break too), and with one line of an LF file ending in CR LF: a line break counts once, whatever it is.
      const expected = ["2 ref ref.not_a_folder_name", "4 duration duration.not_allowed"]
      expect(yield* problemsOf("rows.csv", quoted.join("\r\n"))).toEqual(expected)
      expect(yield* problemsOf("rows.csv", quoted.join("\r"))).toEqual(expected)
      expect(yield* problemsOf("rows.csv", `\uFEFF${quoted.join("\r\n")}`)).toEqual(expected)
      const stray = ["vehicle_number,start_time,duration", `TRK-101,${ago(30)},1\r`, "", `TRK-101,${ago(40)},9`]
      expect(yield* problemsOf("rows.csv", stray.join("\n"))).toEqual(["4 duration duration.not_allowed"])
      // The last of two vehicle_number columns silently won: a recall of the wrong truck.
      const twice = ["vehicle_number,start_time,duration,vehicle_number", `TRK-101,${ago(30)},2,TRK-102`].join("\n")
      expect(yield* problemsOf("rows.csv", twice)).toEqual(["1 vehicle_number column.repeated"])
    }))

  it.live("refuse a ref longer than a folder name can be in bytes, before anything is sent", () =>
    Effect.gen(function*() {
      const text = ["vehicle_number,start_time,duration,ref", `TRK-101,${ago(30)},1,${"€".repeat(100)}`].join("\n")
      expect(yield* problemsOf("rows.csv", text)).toEqual(["2 ref ref.not_a_folder_name"])
      const fits = ["vehicle_number,start_time,duration,ref", `TRK-101,${ago(30)},1,${"€".repeat(85)}`].join("\n")
      expect((yield* BatchFile.parseBatch("rows.csv", fits)).rows).toHaveLength(1)
    }))

  it.live("refuse an empty file", () =>
    Effect.gen(function*() {
      expect(yield* problemsOf("rows.csv", "vehicle_number,start_time,duration\n")).toEqual(["0 file file.no_rows"])
    }))
})
