/**
 * The JSON types of a create's body, checked before its rules: the rules read loose input (a CLI's text, a
 * number given as a string), but Motive's bodies carry a capture's entity ids as integers, `duration` as whole
 * minutes, names and times as strings, and exactly one of the two entity fields.
 */
import { captureEntityFields } from "@effect-motive/domain"

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

const given = (body: Record<string, unknown>, key: string) => body[key] !== undefined && body[key] !== null

const shown = (u: unknown) => JSON.stringify(u) ?? String(u)

const problemsOf = (
  body: unknown,
  fields: ReadonlyArray<readonly [key: string, kind: "string" | "integer" | "array"]>,
  either: readonly [string, string]
): ReadonlyArray<string> => {
  if (!isRecord(body)) return []
  const problems: Array<string> = []
  const [a, b] = either
  // Both with values the rules see too; both where one is blank ("") only the body's keys show.
  const blank = (key: string) => typeof body[key] === "string" && String(body[key]).trim() === ""
  if (given(body, a) && given(body, b) && (blank(a) || blank(b))) {
    problems.push(`give exactly one of ${a} or ${b}: the body has both keys (one of them blank)`)
  }
  for (const [key, kind] of fields) {
    if (!given(body, key)) continue
    const value = body[key]
    const fits = kind === "string"
      ? typeof value === "string"
      : kind === "integer"
      ? typeof value === "number" && Number.isSafeInteger(value)
      : Array.isArray(value)
    if (!fits) {
      problems.push(
        `${key} must be ${kind === "string" ? "a string" : kind === "integer" ? "an integer" : "an array"} (got ${
          shown(value)
        })`
      )
    }
  }
  return problems
}

/** What is wrong with the JSON types of a video recall body (nothing when it has none of its fields). */
export const recallBodyTypeProblems = (body: unknown): ReadonlyArray<string> =>
  problemsOf(body, [
    ["vehicle_number", "string"],
    ["asset_name", "string"],
    ["start_time", "string"],
    ["duration", "integer"],
    ["recall_type", "string"],
    ["camera_positions", "array"]
  ], ["vehicle_number", "asset_name"])

/** What is wrong with the JSON types of an image capture body. */
export const captureBodyTypeProblems = (body: unknown): ReadonlyArray<string> =>
  problemsOf(body, [[captureEntityFields.vehicle, "integer"], [captureEntityFields.asset, "integer"], [
    "position",
    "string"
  ]], [captureEntityFields.vehicle, captureEntityFields.asset])
