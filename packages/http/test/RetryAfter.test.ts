import { describe, expect, it } from "@effect/vitest"
import { Duration, Option } from "effect"
import { parseRetryAfter } from "../src/internal/transport.js"
import { describeWait } from "../src/MotiveError.js"

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

  it("reads a date against the answer's Date when this machine's clock is off, and against this clock when they agree", () => {
    const readSent = (value: string, sentAt: string) =>
      Option.map(parseRetryAfter(value, now, sentAt), (r) => Duration.toMillis(r.retryAfter))
    // The server's clock 10 s behind this one: its date 2 s after its Date is a wait of 2 s, not none.
    expect(readSent("Sat, 05 Dec 2026 09:59:52 GMT", "Sat, 05 Dec 2026 09:59:50 GMT")).toEqual(Option.some(2000))
    // Two minutes ahead: 2 s, not 2 min 2 s.
    expect(readSent("Sat, 05 Dec 2026 10:02:02 GMT", "Sat, 05 Dec 2026 10:02:00 GMT")).toEqual(Option.some(2000))
    // Date counts whole seconds: a clock within them (or the moment the answer took) is this machine's, more precise.
    expect(
      Option.map(
        parseRetryAfter("Sat, 05 Dec 2026 10:00:03 GMT", now + 400, "Sat, 05 Dec 2026 10:00:00 GMT"),
        (r) => Duration.toMillis(r.retryAfter)
      )
    ).toEqual(Option.some(2600))
    // No Date, or one that does not read as a date: this machine's clock.
    expect(readSent("Sat, 05 Dec 2026 10:00:03 GMT", "yesterday")).toEqual(Option.some(3000))
    // Seconds are seconds whatever the clocks say.
    expect(readSent("2", "Sat, 05 Dec 2026 10:02:00 GMT")).toEqual(Option.some(2000))
  })

  it("reads anything else as no wait given (the default applies), not as a date long past", () => {
    // V8's lenient date parser reads ".5x" and "1,5" as dates in 2001: a wait of zero.
    for (const value of ["-1", "1,5", ".5x", "1e3", "soon", "2026-12-05T10:00:03Z", "", "  "]) {
      expect(read(value)).toEqual(Option.none())
    }
  })
})

describe("a wait Motive named, told to a person", () => {
  it("is in whole seconds rounded up past a second, and not counted past a year", () => {
    expect(describeWait(Duration.millis(3_599_912))).toBe("1h")
    expect(describeWait(Duration.millis(100_000))).toBe("1m 40s")
    expect(describeWait(Duration.millis(1_001))).toBe("2s")
    expect(describeWait(Duration.millis(400))).toBe("400ms")
    expect(describeWait(Duration.days(365))).toBe("365d")
    expect(describeWait(Duration.millis(1e20))).toBe("more than a year")
  })
})
