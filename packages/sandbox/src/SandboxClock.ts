/**
 * The sandbox's sense of time: injectable, so a test can set and move "now" without sleeping.
 *
 * @since 0.1.0
 */
import { Clock, Duration, Effect } from "effect"

/**
 * A source of "now" in epoch milliseconds.
 *
 * @since 0.1.0
 */
export interface SandboxClock {
  readonly now: () => number
}

/**
 * A manual clock: time moves only when the test moves it.
 *
 * @since 0.1.0
 */
export interface ManualClock extends SandboxClock {
  readonly set: (epochMillis: number) => void
  readonly advance: (millis: number) => void
}

/**
 * The machine's clock.
 *
 * @since 0.1.0
 */
export const systemClock: SandboxClock = { now: () => Date.now() }

/**
 * A clock that stands still at `start` until moved.
 *
 * @since 0.1.0
 */
export const manualClock = (start: number = Date.now()): ManualClock => {
  let current = start
  return {
    now: () => current,
    set: (t) => {
      current = t
    },
    advance: (ms) => {
      current += ms
    }
  }
}

/**
 * The sandbox clock as an Effect `Clock`, so the domain's time rules read the sandbox's "now". Sleeping still
 * uses real time.
 *
 * @since 0.1.0
 */
export const toEffectClock = (clock: SandboxClock): Clock.Clock => {
  const millis = () => clock.now()
  const live = Clock.make()
  return {
    [Clock.ClockTypeId]: Clock.ClockTypeId,
    unsafeCurrentTimeMillis: millis,
    unsafeCurrentTimeNanos: () => BigInt(millis()) * 1_000_000n,
    currentTimeMillis: Effect.sync(millis),
    currentTimeNanos: Effect.sync(() => BigInt(millis()) * 1_000_000n),
    sleep: (duration: Duration.Duration) => live.sleep(duration)
  }
}
