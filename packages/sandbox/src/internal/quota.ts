/** The monthly quota ledger: minutes of video recalled this month, per recall type. */
import type { QuotaInfo, RecallType } from "@effect-motive/domain"
import { Effect, Ref } from "effect"
import type { QuotaOptions } from "../SandboxOptions.js"

type Used = Readonly<Record<RecallType, number>>

const none: Used = { regular: 0, timelapse: 0 }

const totalOf = (options: QuotaOptions, type: RecallType) =>
  type === "regular" ? options.regularMinutes : options.timelapseMinutes

/**
 * The quota ledger.
 */
export interface Quota {
  /** Spends `minutes` of `type` if they fit in the quota; answers the minutes used before, and whether it spent. */
  readonly spend: (
    type: RecallType,
    minutes: number,
    options: QuotaOptions
  ) => Effect.Effect<{ readonly spent: boolean; readonly used: number; readonly total: number }>
  /** Used, remaining and total minutes per type. */
  readonly info: (options: QuotaOptions) => Effect.Effect<QuotaInfo>
  readonly reset: Effect.Effect<void>
}

/**
 * An empty ledger.
 */
export const makeQuota: Effect.Effect<Quota> = Effect.map(Ref.make(none), (ref) => ({
  spend: (type, minutes, options) =>
    Ref.modify(ref, (used) => {
      const total = totalOf(options, type)
      const spent = used[type] + minutes <= total
      return [{ spent, used: used[type], total }, spent ? { ...used, [type]: used[type] + minutes } : used]
    }),
  info: (options) =>
    Effect.map(Ref.get(ref), (used) => {
      const bucket = (type: RecallType) => {
        const total = totalOf(options, type)
        return { usedMinutes: used[type], remainingMinutes: Math.max(0, total - used[type]), totalMinutes: total }
      }
      return { regular: bucket("regular"), timelapse: bucket("timelapse") }
    }),
  reset: Ref.set(ref, none)
}))
