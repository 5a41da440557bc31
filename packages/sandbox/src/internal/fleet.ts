/** The fleet as requests see it: which entity a request names, its cameras, and when it has video. */
import type { CameraPosition } from "@effect-motive/domain"
import type { SandboxFleet, SandboxVehicle } from "../Fleet.js"
import type { StoredEntity } from "../Records.js"

/**
 * An entity of the fleet found for a request: what is stored, its cameras, and how messages name it.
 */
export interface FleetEntity {
  readonly entity: StoredEntity
  readonly cameras: ReadonlyArray<CameraPosition>
  readonly label: string
}

/**
 * How a request names an entity: a vehicle by number or id, an asset by name or id.
 */
export type EntityTarget =
  | { readonly _tag: "vehicle"; readonly number: string }
  | { readonly _tag: "vehicle"; readonly id: number }
  | { readonly _tag: "asset"; readonly name: string }
  | { readonly _tag: "asset"; readonly id: number }

/**
 * The vehicle with this number (surrounding spaces ignored), if the value is a string and there is one.
 */
export const vehicleByNumber = (fleet: SandboxFleet, number: unknown): SandboxVehicle | undefined =>
  typeof number === "string" ? fleet.vehicles.find((v) => v.number === number.trim()) : undefined

/**
 * The entity a request names, if the fleet has it.
 */
export const findEntity = (fleet: SandboxFleet, target: EntityTarget): FleetEntity | undefined => {
  if (target._tag === "vehicle") {
    const v = "number" in target
      ? fleet.vehicles.find((x) => x.number === target.number)
      : fleet.vehicles.find((x) => x.id === target.id)
    return v === undefined ? undefined : {
      entity: { kind: "vehicle", id: v.id, number: v.number },
      cameras: v.cameras,
      label: `vehicle ${v.number}`
    }
  }
  const a = "name" in target
    ? fleet.assets.find((x) => x.name === target.name)
    : fleet.assets.find((x) => x.id === target.id)
  return a === undefined ? undefined : {
    entity: { kind: "asset", id: a.id, name: a.name },
    cameras: a.cameras,
    label: `asset ${a.name}`
  }
}

const gapsOf = (fleet: SandboxFleet, entity: StoredEntity) => {
  const found = entity.kind === "vehicle"
    ? fleet.vehicles.find((v) => v.id === entity.id)
    : fleet.assets.find((a) => a.id === entity.id)
  return found?.gaps ?? []
}

/**
 * Spans with video inside `[from, to]` at `nowMillis`, given retention (rolling with now) and gaps (minutes before
 * `setUpAt`, when the fleet was set up: fixed in time).
 */
export const availableSpans = (
  fleet: SandboxFleet,
  entity: StoredEntity,
  from: number,
  to: number,
  nowMillis: number,
  setUpAt: number
): Array<[number, number]> => {
  const start = Math.max(from, nowMillis - fleet.retentionMinutes * 60_000)
  const end = Math.min(to, nowMillis)
  if (end <= start) return []
  let spans: Array<[number, number]> = [[start, end]]
  for (const gap of gapsOf(fleet, entity)) {
    const g0 = setUpAt - gap.fromMinutesAgo * 60_000
    const g1 = setUpAt - gap.toMinutesAgo * 60_000
    spans = spans.flatMap(([a, b]): Array<[number, number]> => {
      if (g1 <= a || g0 >= b) return [[a, b]]
      const out: Array<[number, number]> = []
      if (g0 > a) out.push([a, g0])
      if (g1 < b) out.push([g1, b])
      return out
    })
  }
  return spans
}
