import { manualClock, Sandbox } from "@effect-motive/sandbox"
import { NodeContext, NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Exit, Fiber, Layer, Redacted, Ref, Schedule, TestClock } from "effect"
import { Motive, MotiveConfig, type RateLimited, RequestGate, RetryPolicy } from "../src/index.js"
import { NodeMediaTransport, NodeMotive } from "../src/node.js"
import { serverWith } from "./loopbackServer.js"
import { ago, clientFor, liveSleep, seen, waitFor, withClient } from "./support.js"

/**
 * A sandbox whose bucket refills only when the test moves its clock, and a TestClock at the same instant (or
 * `serverAhead` ms before it: Motive's clock ahead of this machine's).
 */
const rateLimitedSandbox = (
  retryAfter: "seconds" | "http-date" | "none",
  requestsPerSecond: number,
  serverAhead = 0
) =>
  Effect.gen(function*() {
    const start = Math.ceil(Date.now() / 1000) * 1000
    const clock = manualClock(start + serverAhead)
    yield* TestClock.setTime(start)
    const sandbox = yield* Sandbox.make({ clock, rateLimit: { requestsPerSecond, burst: 1, retryAfter } })
    return { clock, sandbox }
  })

/** A second quota read, refused 429 asking for one second, is sent again after that second and not before. */
const retriedAfterOneSecond = ({ clock, sandbox }: Effect.Effect.Success<ReturnType<typeof rateLimitedSandbox>>) =>
  Effect.gen(function*() {
    const layer = clientFor(sandbox, { retry: { maxAttempts: 3 } })
    yield* withClient(layer, (c) => c.getRecallQuota)
    const fiber = yield* Effect.fork(withClient(layer, (c) => c.getRecallQuota))
    yield* waitFor(Effect.map(seen(sandbox, "recallQuota"), (n) => n === 2))
    yield* TestClock.adjust(Duration.millis(999))
    yield* liveSleep(100)
    expect(yield* seen(sandbox, "recallQuota")).toBe(2)
    clock.advance(1000)
    yield* TestClock.adjust(Duration.millis(1))
    yield* Fiber.join(fiber)
    expect(yield* seen(sandbox, "recallQuota")).toBe(3)
  })

/**
 * A recall created, then waited for with a time budget of `timeout`, by a client that waits out a Retry-After of
 * 5 s at most, polling every second.
 */
const createThenAwait = (
  sandbox: Sandbox.SandboxService,
  clock: { readonly now: () => number },
  timeout: Duration.Duration
) =>
  withClient(
    clientFor(sandbox, {
      retry: { maxAttempts: 3, maxRetryAfter: Duration.seconds(5) },
      polling: { initialInterval: Duration.seconds(1), maxInterval: Duration.seconds(1), timeout }
    }),
    (c) =>
      Effect.flatMap(
        c.createVideoRecall({ vehicleNumber: "TRK-101", startTime: ago(30, clock.now()), duration: 1 }),
        (created) => c.awaitVideoRecall(created.recall.id)
      )
  )

describe("MotiveClient retries", () => {
  it.scoped("waits exactly a fractional Retry-After before retrying a 429", () =>
    Effect.gen(function*() {
      const { clock, sandbox } = yield* rateLimitedSandbox("seconds", 4)
      const layer = clientFor(sandbox, { retry: { maxAttempts: 3 } })
      yield* withClient(layer, (c) => c.getRecallQuota)
      const fiber = yield* Effect.fork(withClient(layer, (c) => c.getRecallQuota))
      yield* waitFor(Effect.map(seen(sandbox, "recallQuota"), (n) => n === 2))
      // The 429 said Retry-After: 0.25.
      yield* TestClock.adjust(Duration.millis(249))
      yield* liveSleep(100)
      expect(yield* seen(sandbox, "recallQuota")).toBe(2)
      clock.advance(250)
      yield* TestClock.adjust(Duration.millis(1))
      const quota = yield* Fiber.join(fiber)
      expect(quota.quotaInfo.regular.totalMinutes).toBe(1000)
      expect(yield* seen(sandbox, "recallQuota")).toBe(3)
    }))

  it.scoped("honours Retry-After given as an HTTP date", () =>
    // The date is one second after the refusal.
    Effect.flatMap(rateLimitedSandbox("http-date", 1), retriedAfterOneSecond))

  it.scoped("reads a Retry-After date by the server's clock when this machine's is two minutes behind it", () =>
    // Motive's clock two minutes ahead of this machine's: its date is 121 s away here, but 1 s away there.
    Effect.flatMap(rateLimitedSandbox("http-date", 1, 120_000), retriedAfterOneSecond))

  it.scoped("a Retry-After of zero is no wait named: the client backs off as after a 429 naming none, not at once", () =>
    Effect.gen(function*() {
      const server = yield* serverWith((_req, res) => {
        res.writeHead(429, { "content-type": "application/json", "retry-after": "0" })
        res.end(JSON.stringify({ error_message: "Too many requests" }))
      })
      const layer = NodeMotive.layer({
        credentials: { _tag: "ApiKey", apiKey: Redacted.make("k") },
        baseUrl: server.url,
        rateLimit: false,
        retry: { maxAttempts: 3, defaultRetryAfter: Duration.seconds(1) }
      })
      const fiber = yield* Effect.fork(withClient(layer, (c) => Effect.flip(c.getRecallQuota)))
      yield* waitFor(Effect.sync(() => server.received.length === 1))
      // Six attempts used to go out within 100 ms.
      yield* liveSleep(200)
      expect(server.received.length).toBe(1)
      yield* TestClock.adjust(Duration.seconds(1))
      yield* waitFor(Effect.sync(() => server.received.length === 2))
      yield* TestClock.adjust(Duration.seconds(2))
      const error = yield* Fiber.join(fiber)
      expect(error).toMatchObject({ _tag: "RateLimited", status: 429 })
      expect(server.received.length).toBe(3)
    }))

  it.scoped("tells its gate each 429 and how it gave its wait: in seconds, as a date, or not at all", () =>
    Effect.gen(function*() {
      const seenBy = (style: "seconds" | "http-date" | "none") =>
        Effect.gen(function*() {
          const { sandbox } = yield* rateLimitedSandbox(style, 4)
          const causes = yield* Ref.make<ReadonlyArray<RateLimited | undefined>>([])
          // A gate of the user's own: it admits everything and records what each pause was told.
          const gate = Layer.succeed(RequestGate.RequestGate, {
            admit: (request) => request,
            pause: (_, cause) => Ref.update(causes, (cs) => [...cs, cause])
          })
          const layer = clientFor(sandbox, { retry: { maxAttempts: 1 } }).pipe(Layer.provide(gate))
          yield* withClient(layer, (c) => c.getRecallQuota)
          const refused = yield* withClient(layer, (c) => Effect.flip(c.getRecallQuota))
          const [cause] = yield* Ref.get(causes)
          expect(refused._tag).toBe("RateLimited")
          return cause
        })
      const seconds = yield* seenBy("seconds")
      expect(seconds?.retryAfterForm).toBe("delay")
      expect(Duration.toMillis(seconds!.retryAfter!)).toBe(250)
      const dated = yield* seenBy("http-date")
      expect(dated?.retryAfterForm).toBe("date")
      const silent = yield* seenBy("none")
      expect(silent?._tag).toBe("RateLimited")
      expect(silent?.retryAfter).toBeUndefined()
      expect(silent?.retryAfterForm).toBeUndefined()
    }))

  it.scoped("does not retry a 429 asking for longer than maxRetryAfter: RateLimited carries the wait", () =>
    Effect.gen(function*() {
      // 0.01 requests per second: the sandbox says come back in 100 s, more than the 5 s this client waits out.
      const { sandbox } = yield* rateLimitedSandbox("seconds", 0.01)
      const layer = clientFor(sandbox, { retry: { maxAttempts: 3, maxRetryAfter: Duration.seconds(5) } })
      yield* withClient(layer, (c) => c.getRecallQuota)
      const refused = yield* Effect.flip(withClient(layer, (c) => c.getRecallQuota))
      expect(refused._tag).toBe("RateLimited")
      expect(refused._tag === "RateLimited" && Duration.toMillis(refused.retryAfter!)).toBe(100_000)
      expect(yield* seen(sandbox, "recallQuota")).toBe(2)
    }))

  it.scoped("a wait outlasts a 429 asking for longer than maxRetryAfter, within its own time budget", () =>
    Effect.gen(function*() {
      // 0.01 requests per second: after the create, the sandbox says come back in 100 s.
      const { clock, sandbox } = yield* rateLimitedSandbox("seconds", 0.01)
      const fiber = yield* Effect.fork(createThenAwait(sandbox, clock, Duration.minutes(10)))
      yield* waitFor(Effect.map(seen(sandbox, "getVideoRecall"), (n) => n === 1))
      clock.advance(100_000)
      yield* TestClock.adjust(Duration.seconds(100))
      const recall = yield* Fiber.join(fiber)
      expect(recall.status).toBe("success")
      expect(yield* seen(sandbox, "getVideoRecall")).toBe(2)
    }))

  it.scoped("a wait whose budget ends before such a Retry-After fails RateLimited at once", () =>
    Effect.gen(function*() {
      const { clock, sandbox } = yield* rateLimitedSandbox("seconds", 0.01)
      const failure = yield* Effect.flip(createThenAwait(sandbox, clock, Duration.minutes(1)))
      expect(failure._tag).toBe("RateLimited")
      expect(yield* seen(sandbox, "getVideoRecall")).toBe(1)
    }))

  it.scoped("pauses the whole client after a 429, not just the fiber that got it", () =>
    Effect.gen(function*() {
      const { clock, sandbox } = yield* rateLimitedSandbox("seconds", 1)
      const layer = clientFor(sandbox, { retry: { maxAttempts: 3 } })
      yield* withClient(layer, (c) =>
        Effect.gen(function*() {
          yield* c.getRecallQuota
          const first = yield* Effect.fork(c.getRecallQuota)
          yield* waitFor(Effect.map(seen(sandbox, "recallQuota"), (n) => n === 2))
          // The sandbox has recorded the request; its 429 reaches the client (which pauses as it reads it) a moment
          // later: on a loaded machine, a call started at once could go out first (seen in a CI run).
          yield* liveSleep(300)
          // A second call, started after the 429, waits out the same pause instead of meeting its own 429.
          const second = yield* Effect.fork(c.getVideoRecall(1).pipe(Effect.exit))
          yield* liveSleep(100)
          expect(yield* seen(sandbox, "getVideoRecall")).toBe(0)
          // Then both go through, one token a second.
          for (let i = 0; i < 6 && (yield* Fiber.poll(first))._tag === "None"; i++) {
            clock.advance(1_000)
            yield* TestClock.adjust(Duration.seconds(1))
            yield* liveSleep(50)
          }
          yield* Fiber.join(first)
          const exit = yield* Fiber.join(second)
          expect(Exit.isFailure(exit)).toBe(true) // recall 1 does not exist: 404, after the pause
          expect(yield* seen(sandbox, "getVideoRecall")).toBeGreaterThanOrEqual(1)
        }))
    }))

  it.scopedLive("lets a user replace the retry policy through a layer", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make()
      yield* sandbox.injectFault("recallQuota", { kind: "status", status: 503 }, 3)
      const base = Layer.mergeAll(
        MotiveConfig.layer({ credentials: { _tag: "ApiKey", apiKey: sandbox.apiKey }, baseUrl: sandbox.baseUrl }),
        NodeHttpClient.layerUndici,
        NodeContext.layer
      )
      const neverRetry = Motive.layerWithoutDefaults.pipe(
        Layer.provide(
          Layer.mergeAll(RetryPolicy.fromSchedule(Schedule.stop), RequestGate.layer, NodeMediaTransport.layer())
        ),
        Layer.provide(base)
      )
      expect(yield* withClient(neverRetry, (c) => Effect.flip(c.getRecallQuota))).toMatchObject({
        _tag: "ServerError",
        status: 503
      })
      expect(yield* seen(sandbox, "recallQuota")).toBe(1)
    }))
})
