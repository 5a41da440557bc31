/**
 * Waiting for a request to finish: polling with the configured schedule until a terminal status, within a
 * time budget.
 *
 * @since 0.1.0
 */
import {
  type ImageCapture,
  isTerminalStatus,
  type RecallStatus,
  statusText,
  type VideoRecall
} from "@effect-motive/domain"
import { Clock, Context, Duration, Effect, Layer, Option, Ref, Schedule, Stream } from "effect"
import { type ImageCaptureRef, MotiveClient } from "./MotiveClient.js"
import { MotiveConfig } from "./MotiveConfig.js"
import { type CallError, InvalidRequest, RequestFailed, WaitTimedOut } from "./MotiveError.js"
import * as RequestJournal from "./RequestJournal.js"
import * as RetryPolicy from "./RetryPolicy.js"

/**
 * Options of the waits.
 *
 * @since 0.1.0
 */
export interface WaitOptions {
  /** Time budget of the whole wait (default: the configured polling timeout). */
  readonly timeout?: Duration.DurationInput
  /** Told the status after every poll (`pending`, `in_progress`, …), e.g. to show progress. */
  readonly onStatus?: (status: string) => Effect.Effect<void>
}

/**
 * A wait's budget: `timeout`, or `fallback`. One that is no duration (`"10 secs"`, from an untyped caller or a
 * config string) is refused as `InvalidRequest` naming it, before anything is sent.
 */
const budgetOf = (
  timeout: Duration.DurationInput | undefined,
  fallback: Duration.DurationInput
): Effect.Effect<Duration.Duration, InvalidRequest> =>
  Option.match(Duration.decodeUnknown(timeout ?? fallback), {
    onSome: Effect.succeed,
    onNone: () =>
      Effect.fail(
        new InvalidRequest({
          message: `timeout ${
            JSON.stringify(timeout ?? fallback)
          } is not a duration (e.g. "10 minutes"); nothing was sent`,
          source: "client",
          violations: []
        })
      )
  })

/**
 * Polls `poll` until its status is terminal (`success` or `failed`) and returns that last answer. Fails with
 * `WaitTimedOut`, naming the last status seen, when the budget runs out first, and with `InvalidRequest`, before
 * the first poll, when the budget is no duration.
 *
 * @since 0.1.0
 */
export const awaitTerminal = <A extends { readonly status: RecallStatus }, E, R>(
  poll: Effect.Effect<A, E, R>,
  polling: { readonly schedule: Schedule.Schedule<unknown>; readonly timeout: Duration.DurationInput },
  options: WaitOptions = {}
): Effect.Effect<A, E | WaitTimedOut | InvalidRequest, R> =>
  Effect.gen(function*() {
    const budget = yield* budgetOf(options.timeout, polling.timeout)
    const started = yield* Clock.currentTimeMillis
    const last = yield* Ref.make<Option.Option<A>>(Option.none())
    const onStatus = options.onStatus
    const interval: Schedule.Schedule<unknown, A> = polling.schedule
    const finished = yield* poll.pipe(
      Effect.tap((a) =>
        onStatus === undefined
          ? Ref.set(last, Option.some(a))
          : Effect.zipRight(Ref.set(last, Option.some(a)), onStatus(statusText(a.status)))
      ),
      Effect.repeat({ schedule: Schedule.passthrough(interval), until: (a) => isTerminalStatus(a.status) }),
      Effect.timeoutOption(budget)
    )
    if (Option.isNone(finished)) return yield* timedOut(budget, started, Option.getOrUndefined(yield* Ref.get(last)))
    // A schedule that ends (a `RetryPolicy` of your own with `Schedule.recurs`) ends the wait, short of done.
    if (!isTerminalStatus(finished.value.status)) return yield* pollsEnded(started, finished.value)
    return finished.value
  })

/** The polling schedule ended before a terminal status: the wait is over, short of done. */
const pollsEnded = (started: number, last: { readonly status: RecallStatus }): Effect.Effect<never, WaitTimedOut> =>
  Effect.flatMap(Clock.currentTimeMillis, (now) => {
    const lastStatus = statusText(last.status)
    return new WaitTimedOut({
      message: `still ${lastStatus} when the polling schedule ended, after ${
        Duration.format(Duration.millis(now - started))
      }`,
      lastStatus,
      elapsedMillis: now - started
    })
  })

/** The budget ran out: what was last seen (nothing, or its status) and how long it took. */
const timedOut = (
  budget: Duration.Duration,
  started: number,
  last: { readonly status: RecallStatus } | undefined
): Effect.Effect<never, WaitTimedOut> =>
  Effect.flatMap(Clock.currentTimeMillis, (now) => {
    const lastStatus = last === undefined ? "unknown" : statusText(last.status)
    return new WaitTimedOut({
      message: last === undefined
        ? `no status from Motive within ${Duration.format(budget)}`
        : `still ${lastStatus} after ${Duration.format(budget)}`,
      lastStatus,
      elapsedMillis: now - started
    })
  })

/**
 * Fails with `RequestFailed` when the finished request ended `failed` at Motive, so no caller re-checks the
 * status: `waiting.awaitVideoRecall(id).pipe(Waiting.requireSuccess("video recall", id))`.
 *
 * @since 0.1.0
 */
export const requireSuccess = (what: string, id: number) =>
<A extends { readonly status: RecallStatus }, E, R>(
  self: Effect.Effect<A, E, R>
): Effect.Effect<A, E | RequestFailed, R> =>
  Effect.flatMap(self, (a) =>
    statusText(a.status) === "failed"
      ? Effect.fail(new RequestFailed({ message: `${what} ${id} ended in failed at Motive`, id }))
      : Effect.succeed(a))

/**
 * Whether two polls show the same progress: statuses compared by their text (an unknown status is an object), a
 * download URL by its presence (a pre-signed URL may be signed afresh on every poll).
 */
const sameProgress = (a: VideoRecall, b: VideoRecall): boolean =>
  statusText(a.status) === statusText(b.status) && a.cameras.length === b.cameras.length &&
  a.cameras.every((c, i) => {
    const d = b.cameras[i]
    return d !== undefined && c.position === d.position && (c.downloadUrl == null) === (d.downloadUrl == null) &&
      (c.status == null ? d.status == null : d.status != null && statusText(c.status) === statusText(d.status))
  })

/**
 * The waits.
 *
 * @since 0.1.0
 */
export interface WaitingService {
  /** Polls until the recall is `success` or `failed`. */
  readonly awaitVideoRecall: (
    id: number,
    options?: WaitOptions
  ) => Effect.Effect<VideoRecall, CallError | WaitTimedOut>
  /** Polls until the capture is `success` or `failed`. */
  readonly awaitImageCapture: (
    ref: ImageCaptureRef,
    options?: WaitOptions
  ) => Effect.Effect<ImageCapture, CallError | WaitTimedOut>
  /**
   * The recall each time its status or a camera's (status, position, download URL) changes, ending at a terminal
   * status. Fails with `WaitTimedOut` when the time budget (`timeout`, default the polling timeout) runs out
   * first, so a status Motive keeps and the client does not know cannot keep it open.
   */
  readonly watchVideoRecall: (
    id: number,
    options?: { readonly timeout?: Duration.DurationInput }
  ) => Stream.Stream<VideoRecall, CallError | WaitTimedOut>
}

/**
 * Waiting, as a service.
 *
 * @since 0.1.0
 */
export class Waiting extends Context.Tag("@effect-motive/http/Waiting")<Waiting, WaitingService>() {}

/**
 * The waits over the client, polling as the settings say.
 *
 * @since 0.1.0
 */
export const make: Effect.Effect<WaitingService, never, MotiveClient | MotiveConfig> = Effect.gen(function*() {
  const client = yield* MotiveClient
  const config = yield* MotiveConfig
  // Polls on the provided `RetryPolicy`'s schedule, or the settings' default.
  const policy = Option.getOrElse(yield* Effect.serviceOption(RetryPolicy.RetryPolicy), () => RetryPolicy.make(config))
  const polling = { schedule: policy.poll, timeout: config.polling.timeout }
  // A 429 asking for longer than a call waits out (`maxRetryAfter`) ends the call, but not a wait: the wait has
  // its own time budget, so it waits the whole Retry-After and polls again, when that fits before `deadline`
  // (otherwise the RateLimited, at once: sleeping out the budget would only end it as a timeout).
  const outlasting = <A>(poll: Effect.Effect<A, CallError>, deadline: number): Effect.Effect<A, CallError> => {
    const attempt: Effect.Effect<A, CallError> = Effect.catchIf(
      poll,
      (e) => RetryPolicy.waitsTooLong(e, config.retry),
      (e) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          const wait = e._tag === "RateLimited" && e.retryAfter !== undefined ? Duration.toMillis(e.retryAfter) : 0
          return now + wait < deadline
            ? Effect.zipRight(Effect.sleep(Duration.millis(wait)), Effect.suspend(() => attempt))
            : Effect.fail(e)
        })
    )
    return attempt
  }
  /** `f` with the wait's budget and the instant it ends (from now). */
  const withDeadline = <A, E>(
    timeout: Duration.DurationInput | undefined,
    f: (budget: Duration.Duration, deadline: number) => Effect.Effect<A, E>
  ) =>
    Effect.flatMap(
      budgetOf(timeout, polling.timeout),
      (budget) => Effect.flatMap(Clock.currentTimeMillis, (started) => f(budget, started + Duration.toMillis(budget)))
    )
  const journal = yield* Effect.serviceOption(RequestJournal.RequestJournal)
  /** The finished status goes to the journal, when there is one. */
  const remember = <A>(entry: (a: A) => Effect.Effect<RequestJournal.JournalEntry>) => (a: A) =>
    RequestJournal.recordIn(journal)(entry(a))
  return Waiting.of({
    awaitVideoRecall: (id, options) =>
      withDeadline(
        options?.timeout,
        (timeout, deadline) =>
          awaitTerminal(outlasting(client.getVideoRecall(id), deadline), polling, { ...options, timeout })
      ).pipe(
        Effect.tap(remember((recall) => RequestJournal.recallEntry(recall))),
        Effect.withSpan("motive.awaitVideoRecall", { captureStackTrace: false, attributes: { "motive.recall_id": id } })
      ),
    awaitImageCapture: (ref, options) =>
      withDeadline(
        options?.timeout,
        (timeout, deadline) =>
          awaitTerminal(outlasting(client.getImageCapture(ref), deadline), polling, { ...options, timeout })
      ).pipe(
        Effect.tap(remember((capture) => RequestJournal.captureEntry(capture))),
        Effect.withSpan("motive.awaitImageCapture", {
          captureStackTrace: false,
          attributes: { "motive.request_id": ref.requestId }
        })
      ),
    watchVideoRecall: (id, options) =>
      Stream.unwrap(Effect.gen(function*() {
        const budget = yield* budgetOf(options?.timeout, polling.timeout)
        const started = yield* Clock.currentTimeMillis
        let last: VideoRecall | undefined
        const deadline = started + Duration.toMillis(budget)
        return Stream.repeatEffectWithSchedule(outlasting(client.getVideoRecall(id), deadline), policy.poll).pipe(
          Stream.tap((recall) =>
            Effect.sync(() => {
              last = recall
            })
          ),
          Stream.changesWith(sameProgress),
          Stream.takeUntil((recall) => isTerminalStatus(recall.status)),
          // A schedule that ends before a terminal status ends the watch, short of done.
          Stream.concat(
            Stream.fromEffect(
              Effect.suspend(() =>
                last === undefined || isTerminalStatus(last.status) ? Effect.void : pollsEnded(started, last)
              )
            ).pipe(Stream.drain)
          ),
          Stream.interruptWhen(
            Effect.zipRight(
              Effect.sleep(budget),
              Effect.suspend(() => timedOut(budget, started, last))
            )
          )
        )
      }))
  })
})

/**
 * The waits, as a layer.
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<Waiting, never, MotiveClient | MotiveConfig> = Layer.effect(Waiting, make)
