import { describe, expect, it } from "@effect/vitest"
import { Duration, Option } from "effect"
import { parseRetryAfter } from "../src/internal/transport.js"

const now = Date.parse("2026-12-05T10:00:00Z")
const read = (value: string) =>
  Option.map(parseRetryAfter(value, now), (r) => [Duration.toMillis(r.retryAfter), r.retryAfterForm] as const)

describe("Retry-After", () => {
  it("reads seconds, whole or fractional, with or without a leading digit", () => {
    expect(read("1")).toEqual(Option.some([1000, "delay"]))
    expect(read(" 0.4 ")).toEqual(Option.some([400, "delay"]))
    expect(read(".5")).toEqual(Option.some([500, "delay"]))
    expect(read("2.")).toEqual(Option.some([2000, "delay"]))
    expect(read("0")).toEqual(Option.some([0, "delay"]))
  })

  it("reads an HTTP date in each of its three forms, as GMT", () => {
    expect(read("Sat, 05 Dec 2026 10:00:03 GMT")).toEqual(Option.some([3000, "date"]))
    expect(read("Saturday, 05-Dec-26 10:00:04 GMT")).toEqual(Option.some([4000, "date"]))
    expect(read("Sat Dec  5 10:00:05 2026")).toEqual(Option.some([5000, "date"]))
    // A date already past is no wait at all.
    expect(read("Sat, 05 Dec 2026 09:59:00 GMT")).toEqual(Option.some([0, "date"]))
  })

  it("reads anything else as no wait given (the default applies), not as a date long past", () => {
    // V8's lenient date parser reads ".5x" and "1,5" as dates in 2001: a wait of zero.
    for (const value of ["-1", "1,5", ".5x", "1e3", "soon", "2026-12-05T10:00:03Z", "", "  "]) {
      expect(read(value)).toEqual(Option.none())
    }
  })
})
