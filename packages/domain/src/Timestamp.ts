/**
 * Strict ISO 8601 timestamps with an explicit offset, as `start_time` requires.
 *
 * @since 0.1.0
 */
import { DateTime, Either, ParseResult, Schema } from "effect"

// ISO 8601's extended form (2026-12-06T20:00:00Z), and its basic form (20261206T200000Z), each with its own
// separators throughout.
const extendedPattern =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/
const basicPattern =
  /^(\d{4})(\d{2})(\d{2})[Tt](\d{2})(\d{2})(?:(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d{2})(\d{2})?)?$/

/**
 * Why a string is not an acceptable timestamp.
 *
 * @since 0.1.0
 */
export type TimestampProblem = "invalid" | "no_offset"

const monthLengths = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

const isLeapYear = (year: number): boolean => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)

const daysInMonth = (year: number, month: number): number =>
  month === 2 && isLeapYear(year) ? 29 : monthLengths[month - 1] ?? 31

/**
 * Parses an ISO 8601 calendar date-time that carries an offset (`Z` or `±hh:mm`; ISO 8601's `±hhmm` and `±hh`
 * too), in the extended form (`2026-12-06T20:00:00Z`) or the basic one (`20261206T200000Z`). A timestamp without
 * an offset is ambiguous, so it is refused as `no_offset` [assumed, `motive-api.md`]. Ordinal and week dates are
 * not read.
 *
 * @since 0.1.0
 */
export const parseTimestamp = (input: string): Either.Either<DateTime.Utc, TimestampProblem> => {
  const trimmed = input.trim()
  const m = extendedPattern.exec(trimmed) ?? basicPattern.exec(trimmed)
  if (m === null) return Either.left("invalid")
  const [, y, mo, d, h, mi, s, frac, z, sign, oh, om] = m
  const year = Number(y), month = Number(mo), day = Number(d)
  const hour = Number(h), minute = Number(mi), second = s === undefined ? 0 : Number(s)
  const millis = frac === undefined ? 0 : Math.floor(Number(`0.${frac}`) * 1000)
  if (
    month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 ||
    second > 59
  ) return Either.left("invalid")
  if (z === undefined && sign === undefined) return Either.left("no_offset")
  const offsetMinutes = sign === undefined ? 0 : (sign === "-" ? -1 : 1) * (Number(oh) * 60 + Number(om ?? 0))
  if (Number(oh ?? 0) > 23 || Number(om ?? 0) > 59) return Either.left("invalid")
  const date = new Date(0)
  date.setUTCFullYear(year, month - 1, day)
  date.setUTCHours(hour, minute, second, millis)
  return Either.right(DateTime.unsafeMake(date.getTime() - offsetMinutes * 60_000))
}

/**
 * Formats a UTC instant the way the client sends it: `2026-11-24T10:15:00Z` (milliseconds only when present).
 *
 * @since 0.1.0
 */
export const formatTimestamp = (dt: DateTime.Utc): string => DateTime.formatIso(dt).replace(/\.000Z$/, "Z")

/**
 * A `start_time`-style string decoded to a UTC instant; encodes back with {@link formatTimestamp}.
 *
 * @since 0.1.0
 */
export const TimestampWithOffset = Schema.transformOrFail(Schema.String, Schema.DateTimeUtcFromSelf, {
  strict: true,
  decode: (s, _, ast) =>
    Either.match(parseTimestamp(s), {
      onLeft: (problem) =>
        ParseResult.fail(
          new ParseResult.Type(
            ast,
            s,
            problem === "no_offset"
              ? `"${s}" has no UTC offset: add Z or ±hh:mm`
              : `"${s}" is not an ISO 8601 date and time (e.g. 2026-11-24T09:30:00Z)`
          )
        ),
      onRight: ParseResult.succeed
    }),
  encode: (dt) => ParseResult.succeed(formatTimestamp(dt))
}).annotations({ identifier: "TimestampWithOffset" })
