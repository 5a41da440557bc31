import { InvalidRequest, RateLimited, ResponseDecodeError, ServerError } from "@effect-motive/http"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Either, Layer, Option } from "effect"
import { existsSync } from "node:fs"
import { join } from "node:path"
import {
  afterCreateFailure,
  checkSettings,
  defaultSettings,
  type FootageSettings,
  JobSlots,
  layerSlots,
  mayHaveMade,
  notSentUntil
} from "../src/FootageWorkflow.js"
import { jobsFor, sandboxFor, tempDir, testSettings } from "./support.js"

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

  it.effect("a limit below 1 or not whole is refused at once as FootageSettingsInvalid, naming the setting", () =>
    Effect.gen(function*() {
      for (
        const [settings, message] of [
          [{ concurrency: 0 }, "concurrency must be a whole number of at least 1, not 0"],
          [{ downloadConcurrency: 2.5 }, "downloadConcurrency must be a whole number of at least 1, not 2.5"]
        ] as const
      ) {
        const error = yield* Effect.flip(
          JobSlots.pipe(Effect.provide(layerSlots({ ...defaultSettings("w"), ...settings })))
        )
        expect(error._tag).toBe("FootageSettingsInvalid")
        expect(error.message).toContain(message)
      }
    }))

  it("checkSettings names every setting a process could not work with, each with its rule", () => {
    const untyped = {
      ...defaultSettings(" "),
      firstPoll: "30 seconds",
      maxPollInterval: { minutes: 10 },
      maxPolls: Number.NaN,
      concurrency: -1,
      root: "",
      retryBase: Duration.millis(-5),
      retryFor: 60_000
    } as unknown as FootageSettings
    const checked = checkSettings(untyped)
    expect(Either.isLeft(checked) && checked.left.message.split("; ")).toEqual([
      `invalid FootageSettings: firstPoll must be a Duration (Duration.seconds(30)), not "30 seconds"`,
      "maxPollInterval must be a Duration (Duration.seconds(30)), not {\"minutes\":10}",
      "maxPolls must be a whole number of at least 1, not NaN",
      "concurrency must be a whole number of at least 1, not -1",
      `worker must name this process (e.g. its host and pid), not " "`,
      `root must be a directory's path, not ""`,
      "retryBase must be longer than 0",
      "retryFor must be a Duration (Duration.seconds(30)), not 60000"
    ])
    const usable = {
      ...defaultSettings("w"),
      firstPoll: Duration.zero,
      maxPollInterval: Duration.zero,
      retryFor: Duration.zero,
      downloadConcurrency: 1,
      root: "/srv/footage"
    }
    expect(checkSettings(usable)).toEqual(Either.right(usable))
  })

  it.scoped("the embedded layer refuses such settings before its journal (or the journal's directory) exists", () =>
    Effect.gen(function*() {
      const sandbox = yield* sandboxFor()
      const dir = yield* tempDir("settings")
      const file = join(dir, "journal", "jobs.db")
      const error = yield* Effect.flip(
        Layer.build(jobsFor(sandbox, file, { ...testSettings(100), maxPolls: 0 }))
      )
      expect(error._tag).toBe("FootageSettingsInvalid")
      expect(error.message).toContain("maxPolls must be a whole number of at least 1, not 0")
      expect(existsSync(join(dir, "journal"))).toBe(false)
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

  it("met a Retry-After past what a date can hold: later rows say to come back in over a year, not a RangeError", () => {
    const now = Date.parse("2026-12-06T12:00:00Z")
    expect(notSentUntil(now + 60_000, now)).toBe(
      "not sent: Motive asked this run's creates to come back at 2026-12-06T12:01:00.000Z; running the batch again then sends it"
    )
    expect(notSentUntil(now + 1e23, now)).toBe(
      "not sent: Motive asked this run's creates to come back in more than a year; running the batch again then sends it"
    )
  })
})
