/** How a stored request moves through its statuses, and which requests end `failed`. */
import { Effect, Ref } from "effect"
import type { LifecycleStatus, StoredEntity } from "../Records.js"
import type { Config } from "./config.js"
import { nextRandom, randomState } from "./random.js"

/**
 * The timing of a stored request, fixed when it is created.
 */
export interface Timed {
  readonly pendingUntil: number
  readonly doneAt: number
  readonly outcome: "success" | "failed"
  readonly status: LifecycleStatus
  readonly updatedAt: number
}

/**
 * Whether a status is final.
 */
export const isDone = (status: LifecycleStatus): status is "success" | "failed" =>
  status === "success" || status === "failed"

/**
 * The request moved to the status its timing gives it at `now` (the same object when nothing changed).
 */
export const advanceTo = <A extends Timed>(request: A, now: number): A => {
  if (isDone(request.status)) return request
  const status: LifecycleStatus = now < request.pendingUntil
    ? "pending"
    : now < request.doneAt
    ? "in_progress"
    : request.outcome
  if (status === request.status) return request
  const changedAt = status === "in_progress" ? request.pendingUntil : request.doneAt
  return { ...request, status, updatedAt: status === "pending" ? request.updatedAt : changedAt }
}

/**
 * Moves every request of a map to its status at `now`; the same map when nothing changed.
 */
export const advanceAll = <K, A extends Timed>(
  requests: ReadonlyMap<K, A>,
  now: number
): ReadonlyMap<K, A> => {
  let changed: Map<K, A> | undefined
  for (const [key, request] of requests) {
    const next = advanceTo(request, now)
    if (next !== request) (changed ??= new Map(requests)).set(key, next)
  }
  return changed ?? requests
}

/**
 * Draws whether new requests end `failed`: always for a scripted entity, otherwise at the configured rate,
 * from a PRNG seeded with the sandbox seed.
 */
export interface Outcomes {
  readonly draw: (entity: StoredEntity) => Effect.Effect<"success" | "failed">
  /** Starts the draws again from `seed`. */
  readonly restart: (seed: number) => Effect.Effect<void>
}

/**
 * Outcomes reading the lifecycle settings from `config`.
 */
export const makeOutcomes = (config: Config, seed: number): Effect.Effect<Outcomes> =>
  Effect.map(Ref.make(randomState(seed)), (ref) => ({
    draw: (entity) =>
      Effect.flatMap(config.settings, ({ lifecycle }) => {
        const names = lifecycle.failEntities
        const scripted = names.includes(String(entity.id)) ||
          names.includes(entity.kind === "vehicle" ? entity.number : entity.name)
        return scripted
          ? Effect.succeed("failed" as const)
          : Ref.modify(ref, (state) => {
            const [value, next] = nextRandom(state)
            return [value < lifecycle.failureRate ? "failed" as const : "success" as const, next]
          })
      }),
    restart: (seed) => Ref.set(ref, randomState(seed))
  }))
