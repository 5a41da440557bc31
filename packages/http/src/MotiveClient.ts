/**
 * Motive's camera API calls as an Effect service: each request built, sent through the rate limit, retried by
 * the policy, and its answer decoded or mapped to a typed error.
 *
 * @since 0.1.0
 */
import {
  AssetsPage,
  AvailableTimelines,
  type CaptureValidationError,
  encodeImageCaptureBody,
  encodeVideoRecallBody,
  type FleetAsset,
  type FleetVehicle,
  formatTimestamp,
  headers as motiveHeaders,
  ImageCapture,
  type ImageCaptureInput,
  ImageCaptureRequest,
  pageSize,
  paths,
  RecallQuota,
  type RecallValidationError,
  validateImageCapture,
  validateVideoRecall,
  VehiclesPage,
  type VideoRecall,
  VideoRecallFromBody,
  type VideoRecallInput,
  type VideoRecallOptions,
  VideoRecallRequest,
  Violation
} from "@effect-motive/domain"
import type { HttpClient } from "@effect/platform"
import {
  Chunk,
  Clock,
  type ConfigError,
  Context,
  DateTime,
  Effect,
  Fiber,
  identity,
  Layer,
  Option,
  Redacted,
  Ref,
  Schema,
  type Scope,
  Stream
} from "effect"
import { type ApiRequest, ApiTransport, isSuccess, layerHttpClient as transportOverHttpClient } from "./ApiTransport.js"
import { captureRefProblem, idProblem } from "./internal/callerInput.js"
import { decodeAnswer, errorFromAnswer } from "./internal/transport.js"
import { type ConfigOptions, layerConfig as configFromEnvironment, MotiveConfig } from "./MotiveConfig.js"
import {
  type CallError,
  CreateUncertain,
  InvalidRequest,
  isAmbiguous,
  isRetryable,
  type MotiveError
} from "./MotiveError.js"
import * as RequestGate from "./RequestGate.js"
import * as RequestJournal from "./RequestJournal.js"
import * as RetryPolicy from "./RetryPolicy.js"

/**
 * The result of creating a recall: the request, and whether Motive answered 409 naming one it already held.
 *
 * @since 0.1.0
 */
export interface RecallCreated {
  readonly recall: VideoRecall
  /**
   * Motive answered 409 naming a recall it already held, read back as `recall`: a duplicate is not a failure.
   * Either an earlier attempt of this call made it and its answer was lost (`afterLostAnswer`), or it was
   * requested before this call (another run, someone else).
   */
  readonly deduplicated: boolean
  /** The recall Motive named was made by an earlier attempt of this same call, whose answer was lost. */
  readonly afterLostAnswer: boolean
  /** How many times the create was sent. */
  readonly attempts: number
  /**
   * An earlier attempt's outcome was unknown (its answer lost, a 5xx), and the attempt sent after it was answered
   * with a new recall (a 201, not a 409). Where Motive rejects duplicates, as re-sending counts on, the earlier
   * attempt made none; where it does not, it may have made one too, spending its minutes.
   */
  readonly earlierMayExist: boolean
}

/**
 * Identifies an image capture: the GET path needs the camera type the POST returned.
 *
 * @since 0.1.0
 */
export interface ImageCaptureRef {
  readonly cameraType: string
  readonly requestId: number
}

/**
 * Which footage to ask the timelines endpoint about.
 *
 * @since 0.1.0
 */
export type TimelineQuery =
  & ({ readonly vehicleNumber: string } | { readonly assetName: string })
  & { readonly from: DateTime.DateTime; readonly to: DateTime.DateTime }

/**
 * Options of the creates. `onCreated` runs as soon as Motive's answer arrives, before an interruption that
 * came meanwhile takes effect (to show or keep the id).
 *
 * @since 0.1.0
 */
export interface CreateOptions<A> {
  readonly onCreated?: ((created: A) => Effect.Effect<void>) | undefined
  /**
   * Runs as each attempt is about to go on the wire (after the rate limit admitted it): once it has run, Motive
   * may receive the request, whatever happens next; until it has, nothing was sent. It delays the send.
   */
  readonly onSending?: (() => Effect.Effect<void>) | undefined
  /**
   * Runs as an attempt that went on the wire fails (before an interruption that came meanwhile takes effect):
   * `isAmbiguous(error)` says whether Motive may have taken it all the same; otherwise it surely did not.
   */
  readonly onAttemptFailed?: ((error: CallError) => Effect.Effect<void>) | undefined
}

/**
 * Options of a recall's create: those of every create, and `onDuplicateOf`, which runs as soon as Motive answers
 * 409 naming the recall it holds for this request (before it is read back, and before an interruption that came
 * meanwhile takes effect), with whether an earlier attempt's answer was lost (then the recall may be this call's).
 *
 * @since 0.1.0
 */
export interface RecallCreateOptions extends CreateOptions<VideoRecall> {
  readonly onDuplicateOf?: ((recallId: number, afterLostAnswer: boolean) => Effect.Effect<void>) | undefined
  /** For this call, instead of the settings' `retry.resendLostCreates`. */
  readonly resendLostCreates?: boolean | undefined
}

/**
 * The operations. The creates are safe to interrupt: before the request is sent, nothing is sent; once it
 * is on the wire, the interruption waits for Motive's answer (within the request timeout), and a request
 * Motive created is recorded in the `RequestJournal` (when one is provided) and told to `onCreated` before the
 * interruption takes effect. Motive has no endpoint that lists requests, so this is how none is ever lost.
 *
 * @since 0.1.0
 */
export interface MotiveClientService {
  /**
   * Asks for a still image from one camera. The request, loose input or an {@link ImageCaptureRequest}, is
   * checked against every rule first (`InvalidRequest` with every violation, nothing sent).
   */
  readonly createImageCapture: (
    request: ImageCaptureRequest | ImageCaptureInput,
    options?: CreateOptions<ImageCapture>
  ) => Effect.Effect<ImageCapture, CallError>
  /** An image capture as Motive has it now: its status, and the image's URL once it is done. */
  readonly getImageCapture: (ref: ImageCaptureRef) => Effect.Effect<ImageCapture, CallError>
  /**
   * Asks for a video recall; survives a lost answer without creating two. The request, loose input or a
   * {@link VideoRecallRequest}, is checked against every rule first (with `options`; nothing sent on a violation).
   */
  readonly createVideoRecall: (
    request: VideoRecallRequest | VideoRecallInput,
    options?: VideoRecallOptions & RecallCreateOptions
  ) => Effect.Effect<RecallCreated, MotiveError>
  /** A video recall as Motive has it now: its status, and each camera's download URL once it is done. */
  readonly getVideoRecall: (id: number) => Effect.Effect<VideoRecall, CallError>
  /** This month's video recall quota, in minutes per recall type: used, remaining and total. */
  readonly getRecallQuota: Effect.Effect<RecallQuota, CallError>
  /** The windows of one vehicle's or asset's video that can be recalled between `from` and `to`. */
  readonly availableTimelines: (query: TimelineQuery) => Effect.Effect<AvailableTimelines, CallError>
  /** Every vehicle, page by page. */
  readonly vehicles: Stream.Stream<FleetVehicle, CallError>
  /** Every asset, page by page. */
  readonly assets: Stream.Stream<FleetAsset, CallError>
  /**
   * Whether a video recall create whose answer was lost may be sent again, counting on Motive's duplicate check
   * (the settings' `retry.resendLostCreates`). Whoever sends creates on top of this client (footage jobs, on a
   * later run too) follows it. Absent in a client of your own: `true`.
   */
  readonly resendLostCreates?: boolean | undefined
}

/**
 * The Motive client.
 *
 * @since 0.1.0
 */
export class MotiveClient
  extends Context.Tag("@effect-motive/http/MotiveClient")<MotiveClient, MotiveClientService>()
{}

/**
 * Whether the `HttpClient` enforces the request timeout itself (see `ApiTransport.TransportTimeouts`).
 *
 * @since 0.1.0
 */
export { TransportTimeouts } from "./ApiTransport.js"

/** What each header the client sends is, in words (an error names it, never its value). */
const headerNames: Record<string, string> = {
  [motiveHeaders.apiKey]: "the API key",
  authorization: "the OAuth token",
  "user-agent": "the user agent",
  [motiveHeaders.timeZone]: "the time zone"
}

const validationToInvalid = (error: RecallValidationError | CaptureValidationError) =>
  new InvalidRequest({ message: error.message, source: "client", violations: error.violations })

/** A field of a caller's input for a span's attributes, before the input is checked (it may not be an object). */
const fieldOf = (input: unknown, name: string): unknown =>
  typeof input === "object" && input !== null ? (input as Record<string, unknown>)[name] : undefined

/** A value for a span's attribute: text as it is, anything else by its type (never written out: it may be huge). */
const textOf = (value: unknown): string => typeof value === "string" ? value : typeof value

/** The tracer a program has when none is installed: its spans go nowhere. */
const nativeTracer = Effect.runSync(Effect.tracer)

/**
 * A `motive.<name>` span around a call when a tracer is installed (`Layer.setTracer`, OpenTelemetry). Without
 * one, no span is made: Effect's native spans would be dropped anyway, and making one costs ~11 µs, the
 * largest single cost this client adds to a call (profiled against `undici.request`).
 */
const span = (name: string, attributes: Record<string, unknown> = {}) => <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.tracerWith((tracer) =>
    tracer === nativeTracer ? self : Effect.withSpan(self, `motive.${name}`, { captureStackTrace: false, attributes })
  )

/**
 * Builds the client from an `ApiTransport` and `MotiveConfig`. The retry policy and the request gate are taken
 * from the context when provided (`RetryPolicy`, `RequestGate`), and otherwise built from the settings; the
 * gate's rate limiter lives as long as the scope.
 *
 * @since 0.1.0
 */
export const make: Effect.Effect<
  MotiveClientService,
  ConfigError.ConfigError,
  ApiTransport | MotiveConfig | Scope.Scope
> = Effect
  .gen(function*() {
    const config = yield* MotiveConfig
    const transport = yield* ApiTransport
    const policy = Option.getOrElse(
      yield* Effect.serviceOption(RetryPolicy.RetryPolicy),
      () => RetryPolicy.make(config)
    )
    const gate = yield* Option.match(yield* Effect.serviceOption(RequestGate.RequestGate), {
      // MotiveConfig's layers check these settings; one built by hand (`makeSettings`) is checked here.
      onNone: () => RequestGate.make(config),
      onSome: Effect.succeed
    })
    const journal = yield* Effect.serviceOption(RequestJournal.RequestJournal)

    const remember = RequestJournal.recordIn(journal)

    /**
     * Sends a request and waits for its answer even when interrupted meanwhile (the wait stays bounded by the
     * request timeout), then runs `answered` (or `refused`, on a failure) before that interruption takes effect.
     */
    const onWire = <A>(
      send: Effect.Effect<A, CallError>,
      answered: (a: A) => Effect.Effect<void>,
      refused?: (e: CallError) => Effect.Effect<void>
    ): Effect.Effect<A, CallError> =>
      Effect.uninterruptible(
        // The fiber ends with the answer's Exit, not its failure: a failure is the caller's to handle, not one the
        // runtime should log as unhandled.
        Effect.forkDaemon(Effect.exit(Effect.interruptible(send))).pipe(
          Effect.flatMap(Fiber.join),
          Effect.flatten,
          Effect.tap(answered),
          refused === undefined ? identity : Effect.tapError(refused)
        )
      )

    const fixedHeaders: Record<string, string> = {
      accept: "application/json",
      "user-agent": config.userAgent,
      ...(config.credentials._tag === "ApiKey"
        ? { [motiveHeaders.apiKey]: Redacted.value(config.credentials.apiKey) }
        : { authorization: `Bearer ${Redacted.value(config.credentials.token)}` }),
      ...Option.match(config.timeZone, { onNone: () => ({}), onSome: (zone) => ({ [motiveHeaders.timeZone]: zone }) })
    }
    // A header value no HTTP client may send (a pasted line break, a character beyond Latin-1) is refused here, the
    // same for every client, before anything is sent: clients report it their own way, some quoting the value.
    const unusableHeader = Object.entries(fixedHeaders).find(([, value]) => /[^\t\x20-\x7e\x80-\xff]/.test(value))
    const unsendable = unusableHeader === undefined ? undefined : new InvalidRequest({
      message: `the request could not be built, so nothing was sent: ${
        headerNames[unusableHeader[0]] ?? unusableHeader[0]
      } contains a character no HTTP header may carry (a line break, a control character or one beyond Latin-1)`,
      source: "client",
      violations: []
    })
    const get = (path: string, query?: Record<string, string>): ApiRequest => ({
      method: "GET",
      url: query === undefined ? config.baseUrl + path : `${config.baseUrl}${path}?${new URLSearchParams(query)}`,
      headers: fixedHeaders
    })
    const post = (path: string, body: unknown): ApiRequest => ({
      method: "POST",
      url: config.baseUrl + path,
      headers: fixedHeaders,
      body: JSON.stringify(body)
    })

    /**
     * One exchange: through the gate and the transport (which bounds it by the request timeout), answer decoded or
     * mapped to its error. A 429 pauses the gate.
     * With `answered` (creates), once the request is on the wire it is seen through {@link onWire}.
     */
    const exchange = <A, I>(
      request: ApiRequest,
      schema: Schema.Schema<A, I>,
      answered?: (a: A) => Effect.Effect<void>,
      sending?: () => Effect.Effect<void>,
      refused?: (e: CallError) => Effect.Effect<void>
    ): Effect.Effect<A, CallError> => {
      if (unsendable !== undefined) return Effect.fail(unsendable)
      const decode = decodeAnswer(schema)
      const exchanged = Effect.flatMap(
        transport.exchange(request),
        (answer): Effect.Effect<A, CallError> => isSuccess(answer.status) ? decode(answer) : errorFromAnswer(answer)
      )
      // Within what onWire sees through: once `sending` has run, the request goes, interrupted or not.
      const send = sending === undefined ? exchanged : Effect.zipRight(Effect.suspend(sending), exchanged)
      return gate.admit(answered === undefined ? send : onWire(send, answered, refused)).pipe(
        Effect.tapError((error) =>
          error._tag === "RateLimited"
            ? gate.pause(RetryPolicy.retryAfter(error, config.retry), error)
            : Effect.void
        )
      )
    }

    /** An exchange retried by the policy while the error is retryable for this kind of call. */
    const call = <A, I>(
      request: ApiRequest,
      schema: Schema.Schema<A, I>,
      repeatable: boolean,
      answered?: (a: A) => Effect.Effect<void>,
      sending?: () => Effect.Effect<void>,
      refused?: (e: CallError) => Effect.Effect<void>
    ) =>
      // The retry machinery (a schedule driver per call) is entered only after a first failure; that failure is
      // replayed as its first input, so the schedule (Retry-After included) sees every failure, as before.
      Effect.catchAll(exchange(request, schema, answered, sending, refused), (first) => {
        if (!isRetryable(first, { repeatable })) return Effect.fail(first)
        let replayed = false
        return Effect.retry(
          Effect.suspend(() => {
            if (replayed) return exchange(request, schema, answered, sending, refused)
            replayed = true
            return Effect.fail(first)
          }),
          { schedule: policy.api, while: (e) => isRetryable(e, { repeatable }) }
        )
      })

    const pages = <P, I, A>(
      url: string,
      schema: Schema.Schema<P, I>,
      items: (page: P) => ReadonlyArray<A>,
      total: (page: P) => number
    ): Stream.Stream<A, CallError> =>
      // Asks for the largest pages, but goes on by what arrived: a server may answer smaller pages than asked for.
      Stream.paginateChunkEffect({ pageNo: 1, received: 0 }, ({ pageNo, received }) =>
        call(
          get(url, { per_page: String(pageSize.max), page_no: String(pageNo) }),
          schema,
          true
        ).pipe(
          Effect.map((page) => {
            const got = items(page)
            const next = { pageNo: pageNo + 1, received: received + got.length }
            const more = got.length > 0 && next.received < total(page)
            return [Chunk.fromIterable(got), more ? Option.some(next) : Option.none()] as const
          })
        ))

    const createImageCapture = (
      input: ImageCaptureRequest | ImageCaptureInput,
      options?: CreateOptions<ImageCapture>
    ) =>
      Effect.gen(function*() {
        // A request built with `new` is checked too: its constructor checks only the types.
        const request = yield* Effect.mapError(validateImageCapture(input), validationToInvalid)
        const entity = `${request.target._tag} ${request.target.id}`
        // Captures have no duplicate detection: re-send only when Motive surely did not take the request.
        return yield* call(
          post(paths.imageCaptures, encodeImageCaptureBody(request)),
          ImageCapture,
          false,
          (capture) =>
            Effect.zipRight(
              remember(RequestJournal.captureEntry(capture, entity)),
              options?.onCreated?.(capture) ?? Effect.void
            ),
          options?.onSending,
          options?.onAttemptFailed
        )
      }).pipe(span("createImageCapture", { "motive.position": textOf(fieldOf(input, "position")) }))

    // An id a JavaScript caller got wrong (`NaN`, text, `null`) is refused before it is put in a path.
    const getImageCapture = (ref: ImageCaptureRef) => {
      const problem = captureRefProblem("ref", ref)
      return problem !== undefined
        ? Effect.fail(problem)
        : call(get(paths.imageCapture(ref.cameraType, ref.requestId)), ImageCapture, true).pipe(
          span("getImageCapture", { "motive.request_id": ref.requestId, "motive.camera_type": ref.cameraType })
        )
    }

    const getVideoRecall = (id: number) => {
      const problem = idProblem("id", id)
      return problem !== undefined
        ? Effect.fail(problem)
        : call(get(paths.videoRecall(id)), VideoRecallFromBody, true).pipe(
          span("getVideoRecall", { "motive.recall_id": id })
        )
    }

    const createVideoRecall = (
      input: VideoRecallRequest | VideoRecallInput,
      options?: VideoRecallOptions & RecallCreateOptions
    ) =>
      Effect.gen(function*() {
        const request = yield* Effect.mapError(validateVideoRecall(input, options), validationToInvalid)
        const entity = request.target._tag === "vehicle"
          ? `vehicle ${request.target.number}`
          : `asset ${request.target.name}`
        const created = (recall: VideoRecall) =>
          Effect.zipRight(
            remember(RequestJournal.recallEntry(recall, entity)),
            options?.onCreated?.(recall) ?? Effect.void
          )
        const create = post(paths.videoRecalls, encodeVideoRecallBody(request))
        const attempts = yield* Ref.make(0)
        const ambiguous = yield* Ref.make(false)
        // Attempts whose answer was lost: the last failure's message says whether it was the only one.
        const lost = yield* Ref.make(0)
        const resend = options?.resendLostCreates ?? config.retry.resendLostCreates
        // Told as the 409 arrives, within what onWire sees through (so that an interruption does not lose it).
        const onDuplicateOf = options?.onDuplicateOf
        const onAttemptFailed = options?.onAttemptFailed
        const duplicateOf = (e: CallError) =>
          Effect.zipRight(
            e._tag === "DuplicateRequest" && e.existingId !== undefined && onDuplicateOf !== undefined
              ? Effect.flatMap(Ref.get(ambiguous), (wasAmbiguous) => onDuplicateOf(e.existingId!, wasAmbiguous))
              : Effect.void,
            onAttemptFailed?.(e) ?? Effect.void
          )
        const named = yield* Ref.make<number | undefined>(undefined)
        return yield* Ref.update(attempts, (n) => n + 1).pipe(
          Effect.zipRight(exchange(create, VideoRecallFromBody, created, options?.onSending, duplicateOf)),
          Effect.tapError((e) =>
            isAmbiguous(e) ? Effect.zipRight(Ref.set(ambiguous, true), Ref.update(lost, (n) => n + 1)) : Effect.void
          ),
          // Motive detects duplicates, so an ambiguous failure may be re-sent: a 409 then names the original. Unless
          // the settings say not to count on it (`resendLostCreates`): a lost answer then ends the call, uncertain.
          Effect.retry({
            schedule: policy.api,
            while: (e) => isRetryable(e, { repeatable: resend })
          }),
          Effect.flatMap((recall) =>
            Effect.map(
              Effect.zip(Ref.get(attempts), Ref.get(ambiguous)),
              ([n, wasAmbiguous]): RecallCreated => ({
                recall,
                deduplicated: false,
                afterLostAnswer: false,
                attempts: n,
                earlierMayExist: wasAmbiguous
              })
            )
          ),
          // A 409 naming the recall Motive holds is not a failure: that recall is the answer. After a lost answer it
          // is this call's own; otherwise it was requested before (and is not told to `onCreated`: not made here).
          Effect.catchTag("DuplicateRequest", (duplicate) =>
            Effect.gen(function*() {
              const wasAmbiguous = yield* Ref.get(ambiguous)
              if (duplicate.existingId === undefined) return yield* duplicate
              const id = duplicate.existingId
              yield* Ref.set(named, id)
              // Known to exist before it is read back: recorded at once, in case reading it fails or is interrupted.
              yield* remember(Effect.map(Clock.currentTimeMillis, (ms) => {
                const at = formatTimestamp(DateTime.unsafeMake(ms))
                return new RequestJournal.JournalEntry({
                  kind: "video_recall",
                  id,
                  entity,
                  start: formatTimestamp(request.startTime),
                  end: formatTimestamp(request.endTime),
                  createdAt: at,
                  status: "unknown",
                  seenAt: at
                })
              }))
              if (!wasAmbiguous) {
                // Motive named it, so it exists: a failure to read it back says so, with its id (to pick it up).
                const recall = yield* Effect.mapError(getVideoRecall(id), (failure) =>
                  new CreateUncertain({
                    message:
                      `Motive already holds this recall as ${id} (409 duplicate), but it could not be read back: ${failure.message}`,
                    failure,
                    recallId: id,
                    afterLostAnswer: false
                  }))
                yield* Effect.uninterruptible(remember(RequestJournal.recallEntry(recall, entity)))
                return {
                  recall,
                  deduplicated: true,
                  afterLostAnswer: false,
                  attempts: yield* Ref.get(attempts),
                  earlierMayExist: false
                }
              }
              const recall = yield* getVideoRecall(id)
              yield* Effect.uninterruptible(created(recall))
              return {
                recall,
                deduplicated: true,
                afterLostAnswer: true,
                attempts: yield* Ref.get(attempts),
                earlierMayExist: false
              }
            })),
          // After a lost answer the recall may exist: the failure says so, with its id when Motive named it.
          Effect.catchAll((failure) =>
            Effect.gen(function*() {
              if (failure._tag === "CreateUncertain" || !(yield* Ref.get(ambiguous))) return yield* failure
              const id = yield* Ref.get(named)
              // The failure is the only lost answer: said as its own, not an earlier attempt's.
              const onlyThis = (yield* Ref.get(lost)) === 1 && isAmbiguous(failure)
              return yield* new CreateUncertain({
                message: id === undefined
                  ? `${failure.message}; ${
                    onlyThis ?
                      "Motive may have created the recall all the same" :
                      "an earlier attempt's answer was lost, so Motive may have created the recall"
                  }${resend ? "" : " (a lost create is not sent again: resendLostCreates is false)"}`
                  : `Motive holds this recall as ${id} (its answer to an earlier attempt was lost), but it could not be read back: ${failure.message}`,
                failure,
                afterLostAnswer: true,
                ...(id === undefined ? {} : { recallId: id })
              })
            })
          )
        )
      }).pipe(span("createVideoRecall", {
        "motive.entity": input instanceof VideoRecallRequest
          ? input.target._tag
          : fieldOf(input, "vehicleNumber") === undefined
          ? "asset"
          : "vehicle"
      }))

    const availableTimelines = (given: TimelineQuery) => {
      // A JavaScript caller's `null` is a query with no fields: the checks below name what is missing.
      const query: Partial<Record<"vehicleNumber" | "assetName" | "from" | "to", unknown>> =
        typeof given === "object" && (given as unknown) !== null ? given : {}
      const entity = "vehicleNumber" in query ? "vehicle" as const : "asset" as const
      // Checked before anything is sent, as a create is: a blank name, a time that is not a `DateTime`, a window
      // that ends before it starts.
      const name = "vehicleNumber" in query ? query.vehicleNumber : query.assetName
      const field = entity === "vehicle" ? "vehicle_number" : "asset_name"
      const notATime = (key: "from" | "to", path: "start_time" | "end_time") =>
        DateTime.isDateTime(query[key]) ? [] : [
          new Violation({
            path,
            rule: `${path}.invalid`,
            message:
              `${path} (\`${key}\`) is not a DateTime: give one, e.g. DateTime.unsafeMake("2026-11-24T09:30:00Z")`
          })
        ]
      const { from, to } = query
      const violations = [
        ...(typeof name === "string" && name.trim() !== ""
          ? []
          : [
            new Violation({
              path: field,
              rule: "entity.exactly_one",
              message: `${field} is blank: give the ${entity === "vehicle" ? "vehicle's number" : "asset's name"}`
            })
          ]),
        ...notATime("from", "start_time"),
        ...notATime("to", "end_time"),
        ...(DateTime.isDateTime(from) && DateTime.isDateTime(to) && DateTime.lessThan(to, from)
          ? [
            new Violation({
              path: "end_time",
              rule: "window.end_before_start",
              message: `end_time ${formatTimestamp(DateTime.toUtc(to))} is before start_time ${
                formatTimestamp(DateTime.toUtc(from))
              }`
            })
          ]
          : [])
      ]
      if (violations.length > 0 || typeof name !== "string" || !DateTime.isDateTime(from) || !DateTime.isDateTime(to)) {
        return Effect.fail(
          new InvalidRequest({
            message: `Invalid available timelines query: ${
              violations.map((v) => `${v.path}: ${v.message} [${v.rule}]`).join("; ")
            }; nothing was sent`,
            source: "client",
            violations
          })
        )
      }
      return call(
        get(paths.availableTimelines(entity), {
          [field]: name,
          start_time: formatTimestamp(DateTime.toUtc(from)),
          end_time: formatTimestamp(DateTime.toUtc(to))
        }),
        AvailableTimelines,
        true
      ).pipe(span("availableTimelines", { "motive.entity": entity }))
    }

    return MotiveClient.of({
      createImageCapture,
      getImageCapture,
      createVideoRecall,
      getVideoRecall,
      getRecallQuota: call(get(paths.recallQuota), RecallQuota, true).pipe(span("getRecallQuota")),
      availableTimelines,
      vehicles: pages(paths.vehicles, VehiclesPage, (p) => p.vehicles.map((v) => v.vehicle), (p) => p.pagination.total),
      assets: pages(paths.assets, AssetsPage, (p) => p.assets.map((a) => a.asset), (p) => p.pagination.total),
      resendLostCreates: config.retry.resendLostCreates
    })
  })

/**
 * The client over the `ApiTransport` and settings you provide (`NodeMotive` provides Node's).
 *
 * @since 0.1.0
 */
export const layerWithoutTransport: Layer.Layer<
  MotiveClient,
  ConfigError.ConfigError,
  ApiTransport | MotiveConfig
> = Layer.scoped(
  MotiveClient,
  make
)

/**
 * The client over the `HttpClient` and settings you provide (`ApiTransport.layerHttpClient`). Provide a
 * `RetryPolicy` or a `RequestGate` layer as well to replace the defaults built from the settings.
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<MotiveClient, ConfigError.ConfigError, HttpClient.HttpClient | MotiveConfig> =
  layerWithoutTransport
    .pipe(Layer.provide(transportOverHttpClient))
/**
 * The client over the `HttpClient` you provide, its settings read through `Config` (the environment:
 * `MOTIVE_API_KEY` or `MOTIVE_OAUTH_TOKEN`, `MOTIVE_BASE_URL`, …), each overridable in `options`.
 *
 * @since 0.1.0
 */
export const layerConfig = (
  options: ConfigOptions = {}
): Layer.Layer<MotiveClient, ConfigError.ConfigError, HttpClient.HttpClient> =>
  layer.pipe(Layer.provide(configFromEnvironment(options)))
