import { InvalidRequest, RateLimited, ResponseDecodeError, ServerError } from "@effect-motive/http"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Option } from "effect"
import { afterCreateFailure, defaultSettings, JobSlots, layerSlots, mayHaveMade } from "../src/FootageWorkflow.js"

/** How many permits a semaphore has: all of them can be taken at once, one more cannot. */
const capacity = (s: Effect.Semaphore, expected: number) =>
  Effect.gen(function*() {
    expect(Option.isSome(yield* s.withPermitsIfAvailable(expected)(Effect.void))).toBe(true)
    expect(Option.isNone(yield* s.withPermitsIfAvailable(expected + 1)(Effect.void))).toBe(true)
  })

describe("the workflows' slots", () => {
  it.effect("creates take `concurrency`; downloads 4 × that, at most 32 and never fewer, unless set", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<readonly [number, number | undefined, number]> = [
        [1, undefined, 4],
        [8, undefined, 32],
        [16, undefined, 32],
        [64, undefined, 64],
        [2, 3, 3]
      ]
      for (const [concurrency, downloadConcurrency, downloads] of cases) {
        const slots = yield* JobSlots.pipe(
          Effect.provide(layerSlots({ ...defaultSettings("w"), concurrency, downloadConcurrency }))
        )
        yield* capacity(slots.creates, concurrency)
        yield* capacity(slots.downloads, downloads)
      }
    }))

  it.effect("a limit below 1 or not whole is refused at once, naming the setting", () =>
    Effect.gen(function*() {
      for (
        const [settings, message] of [
          [{ concurrency: 0 }, "FootageSettings.concurrency must be a whole number of at least 1, not 0"],
          [
            { downloadConcurrency: 2.5 },
            "FootageSettings.downloadConcurrency must be a whole number of at least 1, not 2.5"
          ]
        ] as const
      ) {
        const exit = yield* Effect.exit(
          JobSlots.pipe(Effect.provide(layerSlots({ ...defaultSettings("w"), ...settings })))
        )
        expect(Exit.isFailure(exit) && Cause.pretty(exit.cause)).toContain(message)
      }
    }))
})

describe("a create that failed", () => {
  it("may have made a recall when its answer was lost or unreadable (a 2xx whose body could not be read)", () => {
    const unreadable = new ResponseDecodeError({
      message: "201 with a body that is not a recall",
      status: 201,
      excerpt: "{}"
    })
    const lost = new ServerError({ message: "bad gateway", status: 502 })
    const refused = new InvalidRequest({ message: "no", source: "motive", violations: [] })
    const limited = new RateLimited({ message: "slow down", status: 429 })
    expect([unreadable, lost, refused, limited].map(mayHaveMade)).toEqual([true, true, false, false])
    // The row stops for the next run, which finds the recall by its 409, rather than failing as refused.
    expect(afterCreateFailure(unreadable).state).toBe("stopped")
    expect(afterCreateFailure(refused).state).toBe("failed")
  })
})
