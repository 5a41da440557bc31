/**
 * Fault injection: what the sandbox does instead of (or besides) answering normally, scripted or at random.
 *
 * @since 0.1.0
 */
import { Either, Schema } from "effect"
import * as Routes from "./internal/routes.js"

/**
 * The routes faults can target. `media` is every pre-signed media URL. Read from the sandbox's route table.
 *
 * @since 0.1.0
 */
export type RouteKey = Routes.RouteKey

/**
 * A fault:
 * - `status`: answer 500, 502, 503 or 504 without doing anything, or 408 (as a proxy does when a request does
 *   not arrive whole in time);
 * - `reset`: destroy the connection before doing anything (the client sees a reset);
 * - `commit_then_drop`: do the work (a create is stored), then destroy the connection before the answer;
 * - `slow`: wait `delayMillis` (real time) before answering normally;
 * - `truncate`: for media, send the headers and `afterBytes` of the body, then cut the connection.
 *
 * @since 0.1.0
 */
export type Fault =
  | { readonly kind: "status"; readonly status: 408 | 500 | 502 | 503 | 504 }
  | { readonly kind: "reset" }
  | { readonly kind: "commit_then_drop" }
  | { readonly kind: "slow"; readonly delayMillis: number }
  | { readonly kind: "truncate"; readonly afterBytes: number }

/**
 * Random faults: each request to one of `routes` (all when omitted) meets one of `faults` with probability
 * `rate`, drawn from `seed`.
 *
 * @since 0.1.0
 */
export interface RandomFaults {
  readonly rate: number
  readonly seed: number
  readonly faults: ReadonlyArray<Fault>
  readonly routes?: ReadonlyArray<RouteKey>
}

/**
 * Whether `route` can act on `fault`: `truncate` cuts a body, so only `media` takes it; `commit_then_drop` does
 * the work before cutting the answer, which a media download has none of, so `media` does not take it.
 *
 * @since 0.1.0
 */
export const faultFits = (route: RouteKey, fault: Fault): boolean =>
  route === "media" ? fault.kind !== "commit_then_drop" : fault.kind !== "truncate"

/**
 * Why `fault` cannot be scripted `times` times on `route`, or `undefined` when it can. `times` is a whole number
 * of at least 1, or `Infinity` (every call from then on).
 *
 * @since 0.1.0
 */
export const faultProblem = (route: RouteKey, fault: Fault, times: number): string | undefined => {
  if (!(Number.isSafeInteger(times) && times >= 1) && times !== Infinity) {
    return `fault count ${times} must be a whole number from 1 to ${Number.MAX_SAFE_INTEGER} (or Infinity: every call)`
  }
  if (faultFits(route, fault)) return undefined
  return fault.kind === "truncate"
    ? `truncate cuts a media body: it fits only the media route, not ${route}`
    : "drop (commit_then_drop) cuts an answer after its work, which a media download has none of: " +
      "use reset or truncate for media"
}

/**
 * A fault that cannot be injected (a kind the route cannot act on, or a count that is not one); nothing was
 * changed.
 *
 * @since 0.1.0
 */
export class InvalidFault extends Schema.TaggedError<InvalidFault>()("InvalidFault", {
  message: Schema.String
}) {}

/**
 * A parsed `--faults` list.
 *
 * @since 0.1.0
 */
export interface FaultSpec {
  readonly scripted: ReadonlyArray<{ readonly route: RouteKey; readonly fault: Fault; readonly times: number }>
  readonly randomRate?: number
}

/**
 * Parses a fault list as the CLI gives it: `createVideoRecall=503*2,media=truncate:1000,random=0.1`.
 * Fails with a message naming the part that is wrong.
 *
 * @since 0.1.0
 */
export const parseFaultSpec = (spec: string): Either.Either<FaultSpec, string> => {
  const scripted: Array<{ route: RouteKey; fault: Fault; times: number }> = []
  let randomRate: number | undefined
  for (const part of spec.split(",").map((s) => s.trim()).filter((s) => s !== "")) {
    const [lhs, rhs] = part.split("=", 2)
    if (lhs === undefined || rhs === undefined) return Either.left(`fault "${part}" is not route=fault`)
    if (lhs === "random") {
      randomRate = Number(rhs)
      if (!(randomRate >= 0 && randomRate <= 1)) return Either.left(`random rate "${rhs}" is not between 0 and 1`)
      continue
    }
    const route = routeKeys.find((k) => k === lhs)
    if (route === undefined) return Either.left(`unknown route "${lhs}" (use ${routeKeys.join(", ")})`)
    const [faultText, timesText] = rhs.split("*", 2)
    const times = timesText === undefined ? 1 : Number(timesText)
    if (!Number.isInteger(times)) return Either.left(`fault count "${timesText}" is not a whole number`)
    if (times < 1) {
      return Either.left(`fault count "${timesText}" must be at least 1 (the fault happens that many times)`)
    }
    const fault = parseFault(faultText ?? "")
    if (fault === undefined) {
      return Either.left(
        `unknown fault "${faultText}" (use 500, 502, 503, 504, 408, reset, drop, slow[:ms], truncate[:bytes])`
      )
    }
    const problem = faultProblem(route, fault, times)
    if (problem !== undefined) return Either.left(`fault "${part}": ${problem}`)
    scripted.push({ route, fault, times })
  }
  return Either.right(randomRate === undefined ? { scripted } : { scripted, randomRate })
}

/**
 * Every route key, in the order of the sandbox's route table.
 *
 * @since 0.1.0
 */
export const routeKeys: ReadonlyArray<RouteKey> = Routes.routeKeys

const parseFault = (s: string): Fault | undefined => {
  const [name, arg] = s.split(":", 2)
  const n = arg === undefined ? undefined : Number(arg)
  if (n !== undefined && !(Number.isInteger(n) && n >= 0)) return undefined
  switch (name) {
    case "408":
    case "500":
    case "502":
    case "503":
    case "504":
      return { kind: "status", status: Number(name) as 408 | 500 | 502 | 503 | 504 }
    case "reset":
      return { kind: "reset" }
    case "drop":
    case "commit_then_drop":
      return { kind: "commit_then_drop" }
    case "slow":
      return { kind: "slow", delayMillis: n ?? 5_000 }
    case "truncate":
      return { kind: "truncate", afterBytes: n ?? 1024 }
    default:
      return undefined
  }
}
