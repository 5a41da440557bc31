/**
 * `X-Time-Zone`: Motive writes the times of its answers in the zone a request names (Rails' zone names, such as
 * `Pacific Time (US & Canada)`), UTC otherwise [docs: time-zone]. The sandbox knows the zones below and IANA names
 * (`America/Chicago`); a name it does not know is answered in UTC [assumed: Motive's docs do not say].
 */

/** Rails' names for the zones of North American fleets (and a few more), as IANA zones. */
const railsZones: Readonly<Record<string, string>> = {
  "UTC": "UTC",
  "Hawaii": "Pacific/Honolulu",
  "Alaska": "America/Juneau",
  "Pacific Time (US & Canada)": "America/Los_Angeles",
  "Arizona": "America/Phoenix",
  "Mountain Time (US & Canada)": "America/Denver",
  "Central Time (US & Canada)": "America/Chicago",
  "Saskatchewan": "America/Regina",
  "Mexico City": "America/Mexico_City",
  "Eastern Time (US & Canada)": "America/New_York",
  "Indiana (East)": "America/Indiana/Indianapolis",
  "Atlantic Time (Canada)": "America/Halifax",
  "Newfoundland": "America/St_Johns",
  "London": "Europe/London",
  "Berlin": "Europe/Berlin",
  "New Delhi": "Asia/Kolkata",
  "Kolkata": "Asia/Kolkata"
}

const isZone = (zone: string): boolean => {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone })
    return true
  } catch {
    return false
  }
}

/** The IANA zone `X-Time-Zone` names, or undefined for UTC (absent, blank or unknown). */
export const zoneOf = (header: string | undefined): string | undefined => {
  const name = header?.trim()
  if (name === undefined || name === "") return undefined
  const zone = railsZones[name] ?? (name.includes("/") && isZone(name) ? name : undefined)
  return zone === "UTC" ? undefined : zone
}

/** The offset of `zone` from UTC at the instant `ms`, in minutes. */
const offsetMinutes = (zone: string, ms: number): number => {
  const parts: Record<string, string> = {}
  for (
    const p of new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit"
    }).formatToParts(ms)
  ) parts[p.type] = p.value
  const wall = Date.UTC(+parts.year!, +parts.month! - 1, +parts.day!, +parts.hour!, +parts.minute!, +parts.second!)
  return Math.round((wall - (ms - (((ms % 1000) + 1000) % 1000))) / 60_000)
}

const utcTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/

/** A UTC timestamp (`…Z`) written at `zone`'s offset: the same instant, as `2026-12-06T13:20:48-08:00`. */
export const inZone = (utc: string, zone: string): string => {
  const ms = Date.parse(utc)
  const offset = offsetMinutes(zone, ms)
  const local = new Date(ms + offset * 60_000).toISOString()
  const fraction = utcTime.exec(utc)?.[1] === undefined ? "" : local.slice(19, 23)
  const sign = offset < 0 ? "-" : "+"
  const abs = Math.abs(offset)
  return `${local.slice(0, 19)}${fraction}${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${
    String(abs % 60).padStart(2, "0")
  }`
}

const timeKeys: ReadonlySet<string> = new Set(["start_time", "end_time", "created_at", "updated_at", "expires_at"])

/** `body` with every time of an answer (`start_time`, `created_at`, …) written in `zone`. */
export const answerInZone = (body: unknown, zone: string): unknown => {
  if (Array.isArray(body)) return body.map((b) => answerInZone(b, zone))
  if (typeof body !== "object" || body === null) return body
  return Object.fromEntries(
    Object.entries(body).map(([key, value]) => [
      key,
      typeof value === "string" && timeKeys.has(key) && utcTime.test(value)
        ? inZone(value, zone)
        : answerInZone(value, zone)
    ])
  )
}
