/** The sandbox stopping: waits in progress (a `slow` fault's) end at once rather than keep the process alive. */
import { Clock, Deferred, Effect } from "effect"

/**
 * Waits that a stop ends.
 */
export interface StopSignal {
  /** Waits `millis` of real time, or until the sandbox stops, whichever comes first. */
  readonly pause: (millis: number) => Effect.Effect<void>
  /** Ends every {@link StopSignal.pause} in progress, and any to come. */
  readonly stop: Effect.Effect<void>
}

// Real time even inside a test that controls the Effect clock.
const live = Clock.make()

/**
 * A signal not yet given.
 */
export const makeStopSignal: Effect.Effect<StopSignal> = Effect.map(Deferred.make<void>(), (stopped) => ({
  // The server runs the app uninterruptibly (`HttpApp.toHandled`), and the race would wait for its loser: each side of
  // the race is interruptible itself, so that the side that loses is stopped at once.
  pause: (millis) =>
    Effect.raceFirst(
      Effect.interruptible(Effect.withClock(Effect.sleep(millis), live)),
      Effect.interruptible(Deferred.await(stopped))
    ),
  stop: Effect.asVoid(Deferred.succeed(stopped, undefined))
}))
