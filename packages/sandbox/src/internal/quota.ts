/** The monthly quota ledger: minutes of video recalled this month, per recall type. */
import type { QuotaInfo, RecallType } from "@effect-motive/domain"
import { Effect, Ref } from "effect"
import type { QuotaOptions } from "../SandboxOptions.js"

interface Ledger {
  /** The month the minutes were used in (UTC year × 12 + month); `undefined` until a first spend. */
  readonly month: number | undefined
  readonly regular: number
  readonly timelapse: number
}

const none: Ledger = { month: undefined, regular: 0, timelapse: 0 }

const totalOf = (options: QuotaOptions, type: RecallType) =>
  type === "regular" ? options.regularMinutes : options.timelapseMinutes

/** The calendar month (UTC) of an instant. */
const monthOf = (nowMillis: number) => {
  const date = new Date(nowMillis)
  return date.getUTCFullYear() * 12 + date.getUTCMonth()
}

/** The ledger as it stands at `nowMillis`: a new month starts with nothing used. */
const asOf = (ledger: Ledger, nowMillis: number): Ledger =>
  ledger.month === monthOf(nowMillis) ? ledger : { month: monthOf(nowMillis), regular: 0, timelapse: 0 }

/**
 * The quota ledger. Quota is counted per calendar month (UTC, on the sandbox clock): the minutes used go back to
 * 0 when a month begins.
 */
export interface Quota {
  /**
   * Spends `minutes` of `type` at `nowMillis` if they fit in the month's quota; answers the minutes used before,
   * and whether it spent.
   */
  readonly spend: (
    type: RecallType,
    minutes: number,
    options: QuotaOptions,
    nowMillis: number
  ) => Effect.Effect<{ readonly spent: boolean; readonly used: number; readonly total: number }>
  /** Used, remaining and total minutes per type in the month of `nowMillis`. */
  readonly info: (options: QuotaOptions, nowMillis: number) => Effect.Effect<QuotaInfo>
  readonly reset: Effect.Effect<void>
}

/**
 * An empty ledger.
 */
export const makeQuota: Effect.Effect<Quota> = Effect.map(Ref.make(none), (ref) => ({
  spend: (type, minutes, options, nowMillis) =>
    Ref.modify(ref, (ledger) => {
      const used = asOf(ledger, nowMillis)
      const total = totalOf(options, type)
      const spent = used[type] + minutes <= total
      return [{ spent, used: used[type], total }, spent ? { ...used, [type]: used[type] + minutes } : used]
    }),
  info: (options, nowMillis) =>
    Effect.map(Ref.get(ref), (ledger) => {
      const used = asOf(ledger, nowMillis)
      const bucket = (type: RecallType) => {
        const total = totalOf(options, type)
        return { usedMinutes: used[type], remainingMinutes: Math.max(0, total - used[type]), totalMinutes: total }
      }
      return { regular: bucket("regular"), timelapse: bucket("timelapse") }
    }),
  reset: Ref.set(ref, none)
}))
