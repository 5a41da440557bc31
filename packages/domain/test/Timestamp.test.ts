import { describe, expect, it } from "@effect/vitest"
import { DateTime, Either, Schema } from "effect"
import { formatTimestamp, parseTimestamp, TimestampWithOffset } from "../src/index.js"

const millis = (s: string) => Either.map(parseTimestamp(s), DateTime.toEpochMillis)

describe("Timestamp", () => {
  it("parses Z, ±hh:mm, ±hhmm and ±hh offsets, with or without seconds and fractions", () => {
    const noon = Date.UTC(2026, 10, 24, 12, 0, 0)
    expect(millis("2026-11-24T12:00:00Z")).toEqual(Either.right(noon))
    expect(millis("2026-11-24T12:00Z")).toEqual(Either.right(noon))
    expect(millis("2026-11-24T07:00:00-05:00")).toEqual(Either.right(noon))
    expect(millis("2026-11-24T17:30:00+0530")).toEqual(Either.right(noon))
    expect(millis("2026-11-24T17:00:00+05")).toEqual(Either.right(noon))
    expect(millis("2026-11-24T07:00-05")).toEqual(Either.right(noon))
    expect(millis("2026-11-24T12:00:00.250Z")).toEqual(Either.right(noon + 250))
  })

  it("parses ISO 8601's basic form too, and refuses the two forms mixed", () => {
    const noon = Date.UTC(2026, 10, 24, 12, 0, 0)
    expect(millis("20261124T120000Z")).toEqual(Either.right(noon))
    expect(millis("20261124T1200Z")).toEqual(Either.right(noon))
    expect(millis("20261124T173000+0530")).toEqual(Either.right(noon))
    expect(millis("20261124T070000.5-05")).toEqual(Either.right(noon + 500))
    expect(parseTimestamp("20261124T120000")).toEqual(Either.left("no_offset"))
    for (const s of ["2026-11-24T120000Z", "20261124T12:00:00Z", "20261124 120000Z", "20261324T120000Z"]) {
      expect(parseTimestamp(s)).toEqual(Either.left("invalid"))
    }
  })

  it("refuses a timestamp without an offset as no_offset", () => {
    expect(parseTimestamp("2026-11-24T12:00:00")).toEqual(Either.left("no_offset"))
  })

  it("refuses impossible dates and malformed strings as invalid", () => {
    for (const s of ["2026-13-01T00:00Z", "2026-02-29T00:00Z", "2026-11-24T24:00Z", "2026-11-24", "now", ""]) {
      expect(parseTimestamp(s)).toEqual(Either.left("invalid"))
    }
    expect(Either.isRight(parseTimestamp("2028-02-29T00:00Z"))).toBe(true)
  })

  it("formats without milliseconds when there are none", () => {
    expect(formatTimestamp(DateTime.unsafeMake(Date.UTC(2026, 0, 2, 3, 4, 5)))).toBe("2026-01-02T03:04:05Z")
    expect(formatTimestamp(DateTime.unsafeMake(Date.UTC(2026, 0, 2, 3, 4, 5, 6)))).toBe("2026-01-02T03:04:05.006Z")
  })

  it("decodes through the schema with a message that names the problem", () => {
    const result = Schema.decodeUnknownEither(TimestampWithOffset)("2026-11-24T12:00:00")
    expect(Either.isLeft(result) && result.left.message).toContain("has no UTC offset")
  })
})
