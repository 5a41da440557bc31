import { describe, expect, it } from "@effect/vitest"
import { Clock, Duration, Effect, Fiber, Layer, Ref, TestClock } from "effect"
import { RateLimited, RequestGate } from "../src/index.js"
import { initialState, nextLatency, searchCap } from "../src/internal/adaptiveRate.js"
import { ago, clientFor, setup, withClient } from "./support.js"

/** What a stand-in server answered, in milliseconds since it started. */
type Answers = ReadonlyArray<{ readonly at: number; readonly ok: boolean }>

/**
 * A stand-in for Motive on Effect's clock: a token bucket of `burst` refilled at `requestsPerSecond`, holding
 * `tokens` at first (full by default). A request that finds it empty fails with the milliseconds to the next
 * token, in whole milliseconds as the sandbox says it.
 */
const tokenBucket = (
  bucket: { readonly requestsPerSecond: number; readonly burst: number },
  tokens = bucket.burst
) =>
  Effect.gen(function*() {
    const start = yield* Clock.currentTimeMillis
    const state = yield* Ref.make({ tokens, at: start })
    const answers = yield* Ref.make<Answers>([])
    const take = Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Ref.modify(state, (b): readonly [number, { tokens: number; at: number }] => {
        const refilled = Math.min(bucket.burst, b.tokens + ((now - b.at) / 1000) * bucket.requestsPerSecond)
        return refilled >= 1
          ? [0, { tokens: refilled - 1, at: now }]
          : [Math.ceil(((1 - refilled) / bucket.requestsPerSecond) * 1000), { tokens: refilled, at: now }]
      }).pipe(Effect.tap((wait) =>
        Ref.update(answers, (as) => [...as, { at: now - start, ok: wait === 0 }])
      )))
    const request: Effect.Effect<void, number> = Effect.flatMap(
      take,
      (wait) => wait === 0 ? Effect.void : Effect.fail(wait)
    )
    return { request, answers: Ref.get(answers) }
  })

/**
 * How the stand-in server's 429 says when to come back: its exact wait in (fractional) seconds, that wait rounded
 * up to whole seconds, or nothing (the caller then waits a second, `MotiveClient`'s default); `false`: the caller
 * pauses the gate by itself for the exact wait, telling it nothing.
 */
type Tells = "fraction" | "whole seconds" | "nothing" | false

/**
 * `fibers` callers sending `request` through the gate without end, each waiting `gap` (if any) after an answer;
 * after a 429 the caller pauses the gate and retries as `MotiveClient` does: for the wait the 429 named (or a
 * second when it named none), passing the 429 on as the gate's `cause`.
 */
const callers = (
  gate: RequestGate.RequestGate["Type"],
  request: Effect.Effect<void, number>,
  fibers: number,
  options: { readonly tells: Tells; readonly gap?: Duration.DurationInput }
) => {
  const once = gate.admit(request).pipe(
    Effect.catchAll((wait) => {
      const whole = Duration.seconds(Math.ceil(wait / 1000))
      const [pause, cause] = options.tells === "fraction"
        ? [Duration.millis(wait), rateLimited(Duration.millis(wait))]
        : options.tells === "whole seconds"
        ? [whole, rateLimited(whole)]
        : options.tells === "nothing"
        ? [Duration.seconds(1), rateLimited()]
        : [Duration.millis(wait), undefined]
      return Effect.zipRight(gate.pause(pause, cause), Effect.sleep(pause))
    })
  )
  const caller = Effect.forever(options.gap === undefined ? once : Effect.zipRight(once, Effect.sleep(options.gap)))
  return Effect.forkScoped(Effect.all(Array.from({ length: fibers }, () => caller), { concurrency: "unbounded" }))
}

/** A 429 as the client reads it: its `Retry-After` in seconds (or as an HTTP date), or none. */
const rateLimited = (retryAfter?: Duration.Duration, form: "delay" | "date" = "delay") =>
  new RateLimited(
    retryAfter === undefined
      ? { message: "Too many requests", status: 429 }
      : { message: "Too many requests", status: 429, retryAfter, retryAfterForm: form }
  )

/** A token bucket (full at first) and `fibers` callers sending through `gate` to it: what it answered. */
const driveAgainstBucket = (
  gate: RequestGate.RequestGate["Type"],
  bucket: { readonly requestsPerSecond: number; readonly burst: number },
  fibers: number,
  tells: Tells = false
) =>
  Effect.gen(function*() {
    const server = yield* tokenBucket(bucket)
    yield* callers(gate, server.request, fibers, { tells })
    return server.answers
  })

/** How many answers of a kind fell in `[from, to)` seconds. */
const count = (
  answers: ReadonlyArray<{ readonly at: number; readonly ok: boolean }>,
  from: number,
  to: number,
  ok: boolean | "any" = "any"
) => answers.filter((a) => a.at >= from * 1000 && a.at < to * 1000 && (ok === "any" || a.ok === ok)).length

describe("RequestGate", () => {
  it.scopedLive("keeps 429s rare when many fibers share one client against a rate-limited sandbox", () =>
    Effect.gen(function*() {
      const { client, sandbox } = yield* setup(
        { rateLimit: { requestsPerSecond: 40, burst: 10 } },
        { rateLimit: { requestsPerSecond: 36, burst: 8 }, maxConcurrency: 16 }
      )
      yield* withClient(client, (c) =>
        Effect.flatMap(
          c.createVideoRecall({ vehicleNumber: "TRK-101", startTime: ago(30), duration: 1 }),
          ({ recall }) =>
            Effect.forEach(Array.from({ length: 60 }), () => c.getVideoRecall(recall.id), { concurrency: 30 })
        ))
      const statuses = (yield* sandbox.requests).map((r) => r.status)
      expect(statuses.filter((s) => s === 200 || s === 201).length).toBe(61)
      expect(statuses.filter((s) => s === 429).length).toBeLessThanOrEqual(1)
    }))

  it.scopedLive("caps the requests in flight", () =>
    Effect.gen(function*() {
      const { client, sandbox } = yield* setup({}, { maxConcurrency: 2 })
      yield* sandbox.injectFault("recallQuota", { kind: "slow", delayMillis: 150 }, 4)
      const started = Date.now()
      yield* withClient(client, (c) =>
        Effect.forEach(Array.from({ length: 4 }), () => c.getRecallQuota, { concurrency: 4 }))
      // Four 150 ms calls, two at a time: at least two rounds.
      expect(Date.now() - started).toBeGreaterThanOrEqual(290)
    }))
})

describe("RequestGate, adaptive", () => {
  it.scoped("halves the admitted rate after a 429, then climbs back by a fixed step per second", () =>
    Effect.gen(function*() {
      const gate = yield* RequestGate.make({
        rateLimit: { requestsPerSecond: 10, burst: 1 },
        maxConcurrency: 4,
        adaptive: { decrease: 0.5, increase: 0.1 }
      })
      // A server that never refuses: only the gate sets the pace.
      const answers = yield* driveAgainstBucket(gate, { requestsPerSecond: 1e6, burst: 1e6 }, 4)
      yield* TestClock.adjust("2 seconds")
      yield* gate.pause(Duration.zero)
      yield* TestClock.adjust("12 seconds")
      const all = yield* answers
      const perSecond = Array.from({ length: 14 }, (_, s) => count(all, s, s + 1))
      // 10 a second at the configured limit; 5 in the second after the 429.
      expect(perSecond[1]).toBe(10)
      expect(perSecond[2]).toBeGreaterThanOrEqual(4)
      expect(perSecond[2]).toBeLessThanOrEqual(6)
      // Then 0.1 × 5 = 0.5 more per second each second: a straight line back up, not a doubling.
      const climb = perSecond.slice(2, 12)
      for (let i = 1; i < climb.length; i++) {
        // Whole requests per second of a rate that grows by halves: each second the same or one more, give or take one.
        expect(climb[i]! - climb[i - 1]!).toBeGreaterThanOrEqual(-1)
        expect(climb[i]! - climb[i - 1]!).toBeLessThanOrEqual(2)
      }
      expect(climb.at(-1)! - climb[0]!).toBeGreaterThanOrEqual(3)
      // Back at the ceiling, never above it.
      expect(perSecond[13]).toBe(10)
      expect(Math.max(...perSecond)).toBe(10)
    }))

  it.scoped("a configured limit falls by its own decrease after a 429, however long the Retry-After", () =>
    Effect.gen(function*() {
      const gate = yield* RequestGate.make({
        rateLimit: { requestsPerSecond: 10, burst: 1 },
        maxConcurrency: 4,
        adaptive: { decrease: 0.5, increase: 0 }
      })
      const answers = yield* driveAgainstBucket(gate, { requestsPerSecond: 1e6, burst: 1e6 }, 4)
      yield* TestClock.adjust("2 seconds")
      // "Come back in 400 ms" would bound a searching gate's rate by 2.5 a second.
      yield* gate.pause(Duration.zero, rateLimited(Duration.millis(400)))
      yield* TestClock.adjust("3 seconds")
      const all = yield* answers
      expect(count(all, 1, 2)).toBe(10)
      expect(count(all, 3, 4)).toBe(5)
    }))

  it.scoped("refuses limits it could not work with (a rate of 0 would hold every request), naming each", () =>
    Effect.gen(function*() {
      const refused = yield* Effect.flip(RequestGate.make({
        rateLimit: { requestsPerSecond: 0, burst: 0 },
        maxConcurrency: 0,
        adaptive: { min: NaN }
      }))
      for (
        const problem of [
          "maxConcurrency 0 must be a whole number, at least 1",
          "rateLimit.requestsPerSecond 0 must be a number above 0",
          "rateLimit.burst 0 must be a whole number, at least 1",
          "adaptive.min NaN must be a number above 0"
        ]
      ) expect(String(refused)).toContain(problem)
      const infinite = yield* Effect.flip(
        RequestGate.make({ rateLimit: { requestsPerSecond: Infinity, burst: 1 }, maxConcurrency: 1 })
      )
      expect(String(infinite)).toContain(
        "rateLimit.requestsPerSecond Infinity must be a number above 0 (false for no limit)"
      )
    }))

  it.scoped("never goes above a configured limit, however long requests succeed", () =>
    Effect.gen(function*() {
      const configured = yield* RequestGate.make({ rateLimit: { requestsPerSecond: 20, burst: 1 }, maxConcurrency: 8 })
      const searching = yield* RequestGate.make({ rateLimit: "adaptive", maxConcurrency: 8, adaptive: { max: 20 } })
      const free = { requestsPerSecond: 1e6, burst: 1e6 }
      const fromConfigured = yield* driveAgainstBucket(configured, free, 8)
      const fromSearching = yield* driveAgainstBucket(searching, free, 8)
      yield* TestClock.adjust("20 seconds")
      for (const answers of [yield* fromConfigured, yield* fromSearching]) {
        const perSecond = Array.from({ length: 20 }, (_, s) => count(answers, s, s + 1))
        expect(Math.max(...perSecond)).toBe(20)
        expect(perSecond.at(-1)).toBe(20)
      }
    }))

  it.scoped("finds an unpublished limit: most of it used, few 429s, no ceiling configured", () =>
    Effect.gen(function*() {
      const gate = yield* RequestGate.make({ rateLimit: "adaptive", maxConcurrency: 8 })
      const answers = yield* driveAgainstBucket(gate, { requestsPerSecond: 40, burst: 40 }, 8)
      yield* TestClock.adjust("30 seconds")
      const all = yield* answers
      // 30 s at 40 a second, and the first burst: at most 1240 can succeed.
      expect(count(all, 0, 30, true)).toBeGreaterThanOrEqual(0.9 * 1240)
      expect(count(all, 0, 30, false)).toBeLessThanOrEqual(0.01 * all.length)
      // Once found, the limit holds: no 429 storm later on.
      expect(count(all, 5, 30, true)).toBeGreaterThanOrEqual(0.9 * 40 * 25)
    }))

  it.scopedLive("keeps 429s rare and loses no call when many fibers share one client on the adaptive gate", () =>
    Effect.gen(function*() {
      const { sandbox } = yield* setup({ rateLimit: { requestsPerSecond: 50, burst: 10 } })
      const maxConcurrency = 16
      const client = clientFor(sandbox, { maxConcurrency }).pipe(
        Layer.provide(RequestGate.layerWith({ rateLimit: "adaptive", maxConcurrency }))
      )
      const results = yield* withClient(client, (c) =>
        Effect.flatMap(
          c.createVideoRecall({ vehicleNumber: "TRK-101", startTime: ago(30), duration: 1 }),
          ({ recall }) =>
            Effect.forEach(Array.from({ length: 150 }), () => Effect.either(c.getVideoRecall(recall.id)), {
              concurrency: 32
            })
        ))
      const statuses = (yield* sandbox.requests).map((r) => r.status)
      expect(results.filter((r) => r._tag === "Left")).toEqual([])
      expect(statuses.filter((s) => s === 200 || s === 201).length).toBe(151)
      expect(statuses.filter((s) => s === 429).length).toBeLessThanOrEqual(0.1 * statuses.length)
    }))

  it.scoped("falls to 0.7 of the rate a sub-second Retry-After allows after its first 429, where lacking one it halves", () =>
    Effect.gen(function*() {
      const free = { requestsPerSecond: 1e6, burst: 1e6 }
      const told = yield* RequestGate.make({ rateLimit: "adaptive", maxConcurrency: 8 })
      const guessed = yield* RequestGate.make({ rateLimit: "adaptive", maxConcurrency: 8 })
      const fromTold = yield* driveAgainstBucket(told, free, 8)
      const fromGuessed = yield* driveAgainstBucket(guessed, free, 8)
      const dated = yield* RequestGate.make({ rateLimit: "adaptive", maxConcurrency: 8 })
      const fromDated = yield* driveAgainstBucket(dated, free, 8)
      yield* TestClock.adjust("600 millis")
      // One 429 each: "come back in 20 ms" bounds the server's rate by 50 a second.
      yield* told.pause(Duration.millis(20), rateLimited(Duration.millis(20)))
      yield* guessed.pause(Duration.millis(20))
      yield* dated.pause(Duration.millis(20), rateLimited(Duration.millis(20), "date"))
      yield* TestClock.adjust("400 millis")
      const after = (answers: ReadonlyArray<{ readonly at: number }>) =>
        answers.filter((a) => a.at >= 620 && a.at < 1000).length
      // 35 a second, doubling each second: about 15 in those 380 ms.
      const withBound = after(yield* fromTold)
      expect(withBound).toBeGreaterThanOrEqual(12)
      expect(withBound).toBeLessThanOrEqual(19)
      // Half of what it had reached (about 260 a second after 600 ms of doubling each second from 200), growing
      // again: about 50.
      const halved = after(yield* fromGuessed)
      expect(halved).toBeGreaterThanOrEqual(40)
      expect(halved).toBeLessThanOrEqual(65)
      // An HTTP date is whole seconds read against this machine's clock: under a second of it bounds nothing.
      expect(after(yield* fromDated)).toBe(halved)
    }))

  it.scoped("after a 429 that named no wait (or 0), pauses only until the lowered rate's next request; a named wait is honoured whole", () =>
    Effect.gen(function*() {
      const limits = {
        rateLimit: { requestsPerSecond: 10, burst: 1 },
        maxConcurrency: 4,
        adaptive: { decrease: 0.5, increase: 0 }
      } as const
      const free = { requestsPerSecond: 1e6, burst: 1e6 }
      const silent = yield* RequestGate.make(limits)
      const told = yield* RequestGate.make(limits)
      const zero = yield* RequestGate.make(limits)
      const fromSilent = yield* driveAgainstBucket(silent, free, 4)
      const fromTold = yield* driveAgainstBucket(told, free, 4)
      const fromZero = yield* driveAgainstBucket(zero, free, 4)
      yield* TestClock.adjust("2 seconds")
      // `MotiveClient` passes its default wait (a second) when the 429 named none, and when it said 0.
      yield* silent.pause(Duration.seconds(1), rateLimited())
      yield* told.pause(Duration.seconds(1), rateLimited(Duration.seconds(1)))
      yield* zero.pause(Duration.seconds(1), rateLimited(Duration.zero))
      yield* TestClock.adjust("3 seconds")
      // 5 a second from 200 ms after the 429 (and perhaps one admitted at its instant); `Retry-After: 0` names no
      // wait either.
      for (const answers of [yield* fromSilent, yield* fromZero]) {
        expect(count(answers, 2, 3)).toBeGreaterThanOrEqual(4)
        expect(count(answers, 2, 3)).toBeLessThanOrEqual(5)
      }
      expect(count(yield* fromTold, 2.05, 3)).toBe(0)
      expect(count(yield* fromTold, 3, 4)).toBe(5)
    }))

  it.scoped(
    "settles near the server's rate when its 429s name whole seconds or no wait at all",
    () =>
      Effect.gen(function*() {
        // A server whose bucket holds a tenth of a second: a one-second pause loses most of what it makes.
        const bucket = { requestsPerSecond: 50, burst: 5 }
        const wholeSeconds = yield* driveAgainstBucket(
          yield* RequestGate.make({ rateLimit: "adaptive", maxConcurrency: 8 }),
          bucket,
          8,
          "whole seconds"
        )
        const nothing = yield* driveAgainstBucket(
          yield* RequestGate.make({ rateLimit: "adaptive", maxConcurrency: 8 }),
          bucket,
          8,
          "nothing"
        )
        yield* TestClock.adjust("60 seconds")
        for (const answers of [yield* wholeSeconds, yield* nothing]) {
          expect(count(answers, 20, 60, true)).toBeGreaterThanOrEqual(0.85 * 50 * 40)
          expect(count(answers, 0, 60, false)).toBeLessThanOrEqual(0.01 * answers.length)
        }
      }),
    120_000
  )

  it.scoped(
    "starts with 3 requests in flight, then as many as the rate and the typical answer need, and one more each second",
    () =>
      Effect.gen(function*() {
        /**
         * Requests in flight at most, when the first answer takes `first` and the others `latency`; with `refused`,
         * the gate met a 429 before its first answer.
         */
        const peakInFlight = (first: Duration.DurationInput, latency: Duration.DurationInput, refused = false) =>
          Effect.gen(function*() {
            const gate = yield* RequestGate.make({ rateLimit: "adaptive", maxConcurrency: 8 })
            if (refused) yield* gate.pause(Duration.millis(5), rateLimited(Duration.millis(5)))
            const inFlight = yield* Ref.make({ now: 0, peak: 0, sent: 0 })
            const request = Effect.acquireUseRelease(
              Ref.modify(
                inFlight,
                (s) => [s.sent, { now: s.now + 1, peak: Math.max(s.peak, s.now + 1), sent: s.sent + 1 }]
              ),
              (sent) => Effect.sleep(sent === 0 ? first : latency),
              () => Ref.update(inFlight, (s) => ({ ...s, now: s.now - 1 }))
            )
            yield* Effect.forkScoped(
              Effect.all(Array.from({ length: 16 }, () => Effect.forever(gate.admit(request))), {
                concurrency: "unbounded"
              })
            )
            return Effect.map(Ref.get(inFlight), (s) => s.peak)
          })
        const slow = yield* peakInFlight("50 millis", "50 millis")
        const refused = yield* peakInFlight("50 millis", "50 millis", true)
        // One 1 ms answer, then 50 ms ones: the typical answer soon takes 50 ms.
        const fastFirst = yield* peakInFlight("1 millis", "50 millis")
        yield* TestClock.adjust("40 millis")
        // Before any answer, at 200 requests/s that would fill 8 in 40 ms: 3, also after a 429 (no answer yet).
        expect(yield* slow).toBe(3)
        expect(yield* refused).toBe(3)
        yield* TestClock.adjust("260 millis")
        // Answered in 50 ms, twice rate × latency is more than the client's cap of 8.
        expect(yield* slow).toBe(8)
        // One fast answer among slower ones does not hold it back.
        expect(yield* fastFirst).toBe(8)
        // However fast the answers, one more each second since the first request (a limit out of reach).
        const fast = { ...initialState(RequestGate.adaptiveDefaults, true), latency: 1, started: 0 }
        expect(searchCap(RequestGate.adaptiveDefaults, 8, fast, 999)).toBe(3)
        expect(searchCap(RequestGate.adaptiveDefaults, 8, fast, 2000)).toBe(5)
        expect(searchCap(RequestGate.adaptiveDefaults, 8, fast, 60_000)).toBe(8)
        // One very slow answer among 30 ms ones widens the cap a little, not to the client's whole maximum (64 here);
        // a server that stays slow is followed within a few answers.
        const typical = { ...initialState(RequestGate.adaptiveDefaults, true), latency: 30, started: 0 }
        expect(searchCap(RequestGate.adaptiveDefaults, 64, typical, 0)).toBe(12)
        const outlier = { ...typical, latency: nextLatency(30, 10_000) }
        expect(outlier.latency).toBe(52.5)
        expect(searchCap(RequestGate.adaptiveDefaults, 64, outlier, 0)).toBe(21)
        let slowing: number | undefined = 30
        for (let i = 0; i < 12; i++) slowing = nextLatency(slowing, 1000)
        expect(slowing).toBeGreaterThan(900)
        expect(nextLatency(0, 50)).toBe(0.25) // from nothing, it can still grow
      }),
    120_000
  )

  it.scoped(
    "requests that never answer hold the search's first places, and it still goes on: one more place each second",
    () =>
      Effect.gen(function*() {
        // The first 3 requests hang (a server that lost them); every later one is answered at once, never a 429.
        const gate = yield* RequestGate.make({ rateLimit: "adaptive", maxConcurrency: 8 })
        const sent = yield* Ref.make(0)
        const answered = yield* Ref.make({ count: 0, first: Number.POSITIVE_INFINITY })
        const request = Effect.flatMap(Ref.getAndUpdate(sent, (n) => n + 1), (n) =>
          n < 3
            ? Effect.never
            : Effect.zipRight(
              Effect.sleep("1 millis"),
              Effect.flatMap(
                Clock.currentTimeMillis,
                (now) => Ref.update(answered, (a) => ({ count: a.count + 1, first: Math.min(a.first, now) }))
              )
            ))
        yield* Effect.forkScoped(
          Effect.all(Array.from({ length: 16 }, () => Effect.forever(gate.admit(request))), {
            concurrency: "unbounded"
          })
        )
        yield* TestClock.adjust("999 millis")
        // The 3 places the search starts with are all held: nothing else was sent.
        expect(yield* Ref.get(sent)).toBe(3)
        expect((yield* Ref.get(answered)).count).toBe(0)
        yield* TestClock.adjust("1001 millis")
        // From the first second, a fourth place: requests are answered again.
        const after2s = yield* Ref.get(answered)
        expect(after2s.count).toBeGreaterThan(10)
        expect(after2s.first).toBeGreaterThanOrEqual(1000)
      }),
    120_000
  )

  it.scoped(
    "a trickle of requests between busy spells, or a first answer that is a 429, does not pass for the server's rate",
    () =>
      Effect.gen(function*() {
        const perSecond = (answers: Answers, from: number, to: number) => count(answers, from, to, true) / (to - from)

        // Busy, then one request a second for a minute, then busy again: the server still allows 50 a second.
        const spells = yield* RequestGate.make({ rateLimit: "adaptive", maxConcurrency: 8 })
        const first = yield* tokenBucket({ requestsPerSecond: 50, burst: 5 })
        const busy = yield* callers(spells, first.request, 8, { tells: "fraction" })
        yield* TestClock.adjust("5 seconds")
        yield* Fiber.interrupt(busy)
        const trickle = yield* callers(spells, first.request, 1, { tells: "fraction", gap: "1 second" })
        yield* TestClock.adjust("60 seconds")
        yield* Fiber.interrupt(trickle)
        yield* callers(spells, first.request, 8, { tells: "fraction" })
        // A server whose bucket is empty when the client starts: its first answer is a 429.
        const empty = yield* RequestGate.make({ rateLimit: "adaptive", maxConcurrency: 8 })
        const second = yield* tokenBucket({ requestsPerSecond: 50, burst: 10 }, 0)
        yield* callers(empty, second.request, 8, { tells: "fraction" })
        yield* TestClock.adjust("40 seconds")
        // Busy again from 65 s: the quiet minute does not count as time the server made nothing, for the next
        // bursts of 429s either.
        expect(perSecond(yield* first.answers, 75, 105)).toBeGreaterThan(0.9 * 50)
        expect(perSecond(yield* second.answers, 10, 30)).toBeGreaterThan(0.9 * 50)
      }),
    120_000
  )
})
