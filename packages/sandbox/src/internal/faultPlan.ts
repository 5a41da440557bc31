/** The fault plan as a value: scripted faults per route and random faults, taken one call at a time. */
import { Effect, Ref } from "effect"
import type { Fault, RandomFaults } from "../Faults.js"
import { nextRandom, randomState } from "./random.js"
import type { RouteKey } from "./routes.js"

/**
 * Faults still to meet: a queue per route, and random faults with their PRNG state.
 */
export interface FaultState {
  /** Per route, faults in order, each with how many more calls meet it (`Infinity`: every call from then on). */
  readonly scripted: ReadonlyMap<RouteKey, ReadonlyArray<ScriptedFault>>
  readonly random: { readonly options: RandomFaults; readonly state: number } | undefined
}

/**
 * A scripted fault and how many more calls meet it: a count, not that many copies (a count of a billion costs
 * nothing).
 */
export interface ScriptedFault {
  readonly fault: Fault
  readonly remaining: number
}

/**
 * No faults.
 */
export const noFaults: FaultState = { scripted: new Map(), random: undefined }

/**
 * The next `times` calls to `route` meet `fault`, after the faults already scripted for it. `times` is a whole
 * number of at least 1, or `Infinity` (checked by the callers).
 */
export const scriptFault = (state: FaultState, route: RouteKey, fault: Fault, times: number): FaultState => ({
  ...state,
  scripted: new Map(state.scripted).set(route, [...(state.scripted.get(route) ?? []), { fault, remaining: times }])
})

/**
 * Random faults on (or off, with `undefined`).
 */
export const setRandomFaults = (state: FaultState, options: RandomFaults | undefined): FaultState => ({
  ...state,
  random: options === undefined ? undefined : { options, state: randomState(options.seed) }
})

/**
 * The fault for this call to `route`, if any, and the plan after. `accept` says which kinds the route can
 * act on: a scripted fault it cannot act on waits for a call that can.
 */
export const takeFault = (
  state: FaultState,
  route: RouteKey,
  accept: (fault: Fault) => boolean
): readonly [Fault | undefined, FaultState] => {
  const queue = state.scripted.get(route)
  const head = queue?.[0]
  if (queue !== undefined && head !== undefined && accept(head.fault)) {
    const rest = head.remaining > 1 ? [{ ...head, remaining: head.remaining - 1 }, ...queue.slice(1)] : queue.slice(1)
    return [head.fault, { ...state, scripted: new Map(state.scripted).set(route, rest) }]
  }
  const random = state.random
  if (random === undefined) return [undefined, state]
  if (random.options.routes !== undefined && !random.options.routes.includes(route)) return [undefined, state]
  const [roll, afterRoll] = nextRandom(random.state)
  const rolled = { ...state, random: { ...random, state: afterRoll } }
  if (roll >= random.options.rate) return [undefined, rolled]
  const candidates = random.options.faults.filter(accept)
  if (candidates.length === 0) return [undefined, rolled]
  const [pick, afterPick] = nextRandom(afterRoll)
  return [candidates[Math.floor(pick * candidates.length)], { ...state, random: { ...random, state: afterPick } }]
}

/**
 * How many calls scripted faults still wait for (`Infinity` when one meets every call).
 */
export const pendingFaults = (state: FaultState): number => {
  let n = 0
  for (const queue of state.scripted.values()) for (const { remaining } of queue) n += remaining
  return n
}

/**
 * The sandbox's fault plan.
 */
export interface Faults {
  readonly script: (route: RouteKey, fault: Fault, times: number) => Effect.Effect<void>
  readonly setRandom: (options: RandomFaults | undefined) => Effect.Effect<void>
  readonly take: (route: RouteKey, accept: (fault: Fault) => boolean) => Effect.Effect<Fault | undefined>
  readonly reset: Effect.Effect<void>
}

/**
 * An empty fault plan.
 */
export const makeFaults: Effect.Effect<Faults> = Effect.map(Ref.make(noFaults), (ref) => ({
  script: (route, fault, times) => Ref.update(ref, (state) => scriptFault(state, route, fault, times)),
  setRandom: (options) => Ref.update(ref, (state) => setRandomFaults(state, options)),
  take: (route, accept) => Ref.modify(ref, (state) => takeFault(state, route, accept)),
  reset: Ref.set(ref, noFaults)
}))
