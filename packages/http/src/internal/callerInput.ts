/**
 * Checks of what a JavaScript caller may pass where the types forbid it (`NaN`, text or `null` for an id, `null`
 * for options): each is refused as `InvalidRequest`, naming the argument, before anything is sent or written.
 */
import { Duration, Option } from "effect"
import { InvalidRequest } from "../MotiveError.js"

/** A value for a message: a number or text as written (text cut at 40 characters), anything else by its type. */
const shown = (u: unknown): string => {
  if (u === undefined) return "missing"
  if (typeof u === "number") return String(u)
  if (typeof u === "string") return u.length <= 40 ? JSON.stringify(u) : `${JSON.stringify(u.slice(0, 39))}…`
  return u === null ? "null" : Array.isArray(u) ? "an array" : typeof u === "object" ? "an object" : typeof u
}

const refused = (message: string) =>
  new InvalidRequest({ message: `${message}; nothing was sent`, source: "client", violations: [] })

/** Why `id` cannot name one of Motive's requests (ids are positive whole numbers), or `undefined` when it can. */
export const idProblem = (argument: string, id: unknown): InvalidRequest | undefined =>
  typeof id === "number" && Number.isSafeInteger(id) && id > 0
    ? undefined
    : refused(`${argument} is ${shown(id)}: Motive's ids are positive whole numbers`)

/** Why `ref` is no image capture reference (`{ cameraType, requestId }`), or `undefined` when it is one. */
export const captureRefProblem = (argument: string, ref: unknown): InvalidRequest | undefined => {
  if (typeof ref !== "object" || ref === null) {
    return refused(`${argument} is ${shown(ref)}: give { cameraType, requestId } as createImageCapture answered`)
  }
  const { cameraType, requestId } = ref as Record<string, unknown>
  return typeof cameraType !== "string" || cameraType.trim() === ""
    ? refused(`${argument}.cameraType is ${shown(cameraType)}: give "dashcam" or "omnicam", as Motive answered it`)
    : idProblem(`${argument}.requestId`, requestId)
}

/** Why `options` is not an options object, or `undefined` when it is one. */
export const optionsProblem = (argument: string, options: unknown): InvalidRequest | undefined =>
  typeof options === "object" && options !== null && !Array.isArray(options)
    ? undefined
    : refused(`${argument} is ${shown(options)}: give an object`)

/** Why `value`, when given, is not an array, or `undefined` when it is one or absent. */
export const listProblem = (argument: string, value: unknown): InvalidRequest | undefined =>
  value === undefined || Array.isArray(value) ? undefined : refused(`${argument} is ${shown(value)}: give an array`)

/** Why `value` is no directory or file path (non-blank text), or `undefined` when it is one. */
export const pathProblem = (argument: string, value: unknown): InvalidRequest | undefined =>
  typeof value === "string" && value.trim() !== ""
    ? undefined
    : refused(`${argument} is ${shown(value)}: give a path`)

/** A setting's value for a message: text quoted, anything else as `String` writes it (`NaN`, `1.5`). */
const settingShown = (u: unknown): string => typeof u === "string" ? JSON.stringify(u) : String(u)

/** Why a count setting (`given`, when given) is not a whole number of at least 1, or `undefined`. */
export const countProblem = (name: string, given: unknown): string | undefined =>
  given === undefined || (typeof given === "number" && Number.isInteger(given) && given >= 1)
    ? undefined
    : `${name} ${settingShown(given)} must be a whole number, at least 1`

/**
 * Why a duration setting (`given`, when given) is no duration (`"10 secs"`; `example` shows one), or is 0 where
 * it must be longer; `undefined` when it is usable.
 */
export const durationProblem = (
  name: string,
  given: unknown,
  example: string,
  above: "zero" | "none"
): string | undefined => {
  if (given === undefined) return undefined
  const decoded = Duration.decodeUnknown(given)
  if (Option.isNone(decoded)) return `${name} ${settingShown(given)} is not a duration (e.g. "${example}")`
  return above === "zero" && !Duration.greaterThan(decoded.value, Duration.zero)
    ? `${name} must be longer than 0`
    : undefined
}
