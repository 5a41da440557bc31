import { Effect, Either, TestClock } from "effect"
import type { RuleCode } from "../src/index.js"

/** A fixed "now" for time rules: 2026-11-24T12:00:00Z. */
export const NOW = Date.UTC(2026, 10, 24, 12, 0, 0)

/** An instant `minutes` before {@link NOW}, as ISO 8601 with `Z`. */
export const minutesAgo = (minutes: number): string => new Date(NOW - minutes * 60_000).toISOString()

/** Runs `effect` with the TestClock set to {@link NOW}. */
export const atNow = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.zipRight(TestClock.setTime(NOW), effect)

/** The rule codes of a failed validation, or `[]` when it passed. */
export const rulesOf = <A, E extends { readonly violations: ReadonlyArray<{ readonly rule: RuleCode }> }, R>(
  effect: Effect.Effect<A, E, R>
) =>
  Effect.map(
    Effect.either(effect),
    Either.match({ onLeft: (e) => e.violations.map((v) => v.rule), onRight: () => [] as Array<RuleCode> })
  )
