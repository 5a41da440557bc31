import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber } from "effect"
import { callbackEffect } from "../src/internal/callbackEffect.js"

/** Work that settles when the test says so: each start is recorded with its input, resume and cancel count. */
const controlled = () => {
  const runs: Array<{ input: string; resume: (result: Effect.Effect<string, string>) => void; cancelled: number }> = []
  const run = callbackEffect<string, string, string>((input, resume) => {
    const entry = { input, resume, cancelled: 0 }
    runs.push(entry)
    return () => {
      entry.cancelled++
    }
  })
  return { runs, run }
}

describe("callbackEffect", () => {
  it.effect("resumes with the value or the failure the callback gives, and only with the first", () =>
    Effect.gen(function*() {
      const { run, runs } = controlled()
      const fiber = yield* Effect.fork(run("a"))
      yield* Effect.yieldNow()
      runs[0]!.resume(Effect.succeed("done a"))
      runs[0]!.resume(Effect.fail("late"))
      expect(yield* Fiber.join(fiber)).toBe("done a")
      const failing = yield* Effect.fork(run("b"))
      yield* Effect.yieldNow()
      runs[1]!.resume(Effect.fail("broke b"))
      expect(yield* Fiber.await(failing)).toStrictEqual(Exit.fail("broke b"))
      expect(runs.map((r) => [r.input, r.cancelled])).toStrictEqual([["a", 0], ["b", 0]])
    }))

  it.effect("settles at once when the callback answers before start returns", () =>
    Effect.gen(function*() {
      const run = callbackEffect<number, number, never>((input, resume) => resume(Effect.succeed(input * 2)))
      expect(yield* run(21)).toBe(42)
    }))

  it.effect("interrupting a waiting run cancels it once; a settled run is never cancelled", () =>
    Effect.gen(function*() {
      const { run, runs } = controlled()
      const settled = yield* Effect.fork(run("settled"))
      yield* Effect.yieldNow()
      runs[0]!.resume(Effect.succeed("ok"))
      yield* Fiber.join(settled)
      const waiting = yield* Effect.fork(run("waiting"))
      yield* Effect.yieldNow()
      yield* Fiber.interrupt(waiting)
      expect(runs.map((r) => r.cancelled)).toStrictEqual([0, 1])
    }))

  it.effect("a run interrupted after its callback, before its fiber took the result, is still cancelled", () =>
    Effect.gen(function*() {
      const { run, runs } = controlled()
      const fiber = yield* Effect.fork(run("holds a connection"))
      yield* Effect.yieldNow()
      // Both reach the fiber before it runs again: the answer first, then the interruption (a race lost at once).
      runs[0]!.resume(Effect.succeed("answer"))
      const exit = yield* Fiber.interrupt(fiber)
      expect(Exit.isInterrupted(exit)).toBe(true)
      expect(runs[0]!.cancelled).toBe(1)
    }))

  it.effect("a cancelled run's late callback reaches neither the fiber nor the next run on it", () =>
    Effect.gen(function*() {
      const { run, runs } = controlled()
      const second = yield* Deferred.make<string>()
      // The second run starts in the first one's finalizer, on the same fiber, before the first run's late answer.
      const fiber = yield* Effect.fork(
        Effect.onInterrupt(
          run("first"),
          () => Effect.flatMap(Effect.orDie(run("second")), (value) => Deferred.succeed(second, value))
        )
      )
      yield* Effect.yieldNow()
      const interrupted = yield* Effect.fork(Fiber.interrupt(fiber))
      while (runs.length < 2) yield* Effect.yieldNow()
      expect(runs.map((r) => r.input)).toStrictEqual(["first", "second"])
      runs[0]!.resume(Effect.succeed("late answer to the first"))
      runs[1]!.resume(Effect.succeed("answer to the second"))
      expect(yield* Deferred.await(second)).toBe("answer to the second")
      expect(Exit.isInterrupted(yield* Fiber.join(interrupted))).toBe(true)
      expect(runs.map((r) => r.cancelled)).toStrictEqual([1, 0])
    }))

  it.effect("runs on many fibers at once each keep their own input and canceler", () =>
    Effect.gen(function*() {
      const { run, runs } = controlled()
      const fibers = yield* Effect.forEach(["a", "b", "c", "d"], (input) => Effect.fork(run(input)))
      yield* Effect.yieldNow()
      expect(runs.map((r) => r.input)).toStrictEqual(["a", "b", "c", "d"])
      runs[2]!.resume(Effect.succeed("C"))
      runs[0]!.resume(Effect.succeed("A"))
      yield* Fiber.interrupt(fibers[1]!)
      runs[3]!.resume(Effect.succeed("D"))
      expect(yield* Fiber.join(fibers[0]!)).toBe("A")
      expect(yield* Fiber.join(fibers[2]!)).toBe("C")
      expect(yield* Fiber.join(fibers[3]!)).toBe("D")
      expect(runs.map((r) => r.cancelled)).toStrictEqual([0, 1, 0, 0])
    }))
})
