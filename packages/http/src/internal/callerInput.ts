/**
 * Checks of what a JavaScript caller may pass where the types forbid it (`NaN`, text or `null` for an id, `null`
 * for options): each is refused as `InvalidRequest`, naming the argument, before anything is sent or written.
 */
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
