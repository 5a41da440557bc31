/** Video recall requests: creating one under Motive's rules, keeping them, and moving them through their statuses. */
import { quotaExceededCode, validateVideoRecall, videoRecallInputFromBody, type Violation } from "@effect-motive/domain"
import { DateTime, Effect, Either, Ref } from "effect"
import type { StoredRecall } from "../Records.js"
import { toEffectClock } from "../SandboxClock.js"
import { type ApiAnswer, refuse } from "./answers.js"
import { iso } from "./bodies.js"
import type { Config } from "./config.js"
import { availableSpans, findEntity, vehicleByNumber } from "./fleet.js"
import { advanceTo, isDone, type Outcomes } from "./lifecycle.js"
import type { Quota } from "./quota.js"
import { recallBodyTypeProblems } from "./wireTypes.js"

/** A violation's message, led by its field unless it starts with it (`camera_positions[0]: "roof" is not …`). */
const withField = (v: Violation) =>
  v.message.startsWith(v.path.replace(/\[.*$/, "")) ? v.message : `${v.path}: ${v.message}`

/**
 * A message naming every problem of a body: its JSON types first, then every violated rule with its field, but
 * those of a field whose type is already said to be wrong (`duration must be an integer (got 1.5)` says it; that
 * 1.5 is not an allowed duration adds nothing).
 */
export const problemsMessage = (
  typeProblems: ReadonlyArray<string>,
  validated: Either.Either<unknown, { readonly violations: ReadonlyArray<Violation> }>
): string => {
  const mistyped = (v: Violation) => {
    const field = v.path.replace(/\[.*$/, "")
    return typeProblems.some((p) => p.startsWith(`${field} must be `))
  }
  const rules = Either.isLeft(validated) ? validated.left.violations.filter((v) => !mistyped(v)).map(withField) : []
  return [...typeProblems, ...rules].join("; ")
}

interface RecallBook {
  readonly nextId: number
  readonly byId: ReadonlyMap<number, StoredRecall>
  /** The recall each set of parameters created, so that a repeat is refused with its id. */
  readonly dedupe: ReadonlyMap<string, number>
}

const emptyBook: RecallBook = { nextId: 1, byId: new Map(), dedupe: new Map() }

/**
 * The stored recalls.
 */
export interface Recalls {
  /** Creates a recall from a request body, or answers why not. */
  readonly create: (body: unknown) => Effect.Effect<Either.Either<StoredRecall, ApiAnswer>>
  readonly find: (id: number) => Effect.Effect<StoredRecall | undefined>
  readonly all: Effect.Effect<ReadonlyArray<StoredRecall>>
  /** Moves every recall to its status at `now`; answers the recalls that have just completed. */
  readonly advance: (now: number) => Effect.Effect<ReadonlyArray<StoredRecall>>
  readonly reset: Effect.Effect<void>
}

const advanceBook = (book: RecallBook, now: number): readonly [ReadonlyArray<StoredRecall>, RecallBook] => {
  let byId: Map<number, StoredRecall> | undefined
  const completed: Array<StoredRecall> = []
  for (const recall of book.byId.values()) {
    const moved = advanceTo(recall, now)
    if (moved === recall) continue
    const notify = isDone(moved.status) && !moved.notified
    const next = notify ? { ...moved, notified: true } : moved
    if (notify) completed.push(next)
    ;(byId ??= new Map(book.byId)).set(next.id, next)
  }
  return [completed, byId === undefined ? book : { ...book, byId }]
}

/**
 * The recall store. Creations take turns (a semaphore), so that a duplicate is always seen and the quota never
 * overspent. Reads and status moves do not wait for them: a `SynchronizedRef` would make every GET take the
 * semaphore too, which measured several times the cost of a plain `Ref`.
 */
export const makeRecalls = (deps: {
  readonly config: Config
  readonly quota: Quota
  readonly outcomes: Outcomes
}): Effect.Effect<Recalls> =>
  Effect.gen(function*() {
    const ref = yield* Ref.make(emptyBook)
    const turn = yield* Effect.makeSemaphore(1)
    const { config, outcomes, quota } = deps
    const create = (body: unknown) =>
      Effect.gen(function*() {
        const { fleetSetUpAt, settings } = yield* config.current
        const input = videoRecallInputFromBody(body)
        const vehicle = vehicleByNumber(settings.fleet, input.vehicleNumber)
        const validated = yield* validateVideoRecall(input, { dashcam: vehicle?.dashcam === "smart" ? "smart" : "ai" })
          .pipe(Effect.withClock(toEffectClock(settings.clock)), Effect.either)
        const typeProblems = recallBodyTypeProblems(body)
        if (Either.isLeft(validated) || typeProblems.length > 0) {
          return Either.left(refuse(400, problemsMessage(typeProblems, validated)))
        }
        const request = validated.right
        const found = findEntity(settings.fleet, request.target)
        if (found === undefined) {
          return Either.left(refuse(
            404,
            request.target._tag === "vehicle"
              ? `No vehicle with vehicle_number "${request.target.number}"`
              : `No asset with asset_name "${request.target.name}"`
          ))
        }
        const { cameras: available, entity, label } = found
        const requested = request.cameraPositions
        // Positions asked for filter the footage (Motive: "a mix … filters the footage accordingly"): a camera
        // the entity does not carry is left out; none of them at all is a request for no video.
        const cameras = requested === undefined ? available : requested.filter((p) => available.includes(p))
        if (cameras.length === 0) {
          return Either.left(
            refuse(
              400,
              requested === undefined
                ? `${label} has no cameras`
                : `${label} has no ${requested.join(", ")} camera (it has ${available.join(", ")})`
            )
          )
        }
        const start = DateTime.toEpochMillis(request.startTime)
        const end = start + request.durationMinutes * 60_000
        // To the millisecond, as the client checks that the window has ended.
        const spans = availableSpans(settings.fleet, entity, start, end, settings.clock.now(), fleetSetUpAt)
        if (!(spans.length === 1 && spans[0]![0] === start && spans[0]![1] === end)) {
          return Either.left(refuse(
            400,
            `No video available for ${label} between ${iso(start)} and ${iso(end)}: see available_timelines`
          ))
        }
        const dedupeKey = JSON.stringify([
          entity.kind,
          entity.id,
          start,
          request.durationMinutes,
          request.recallType,
          requested === undefined ? null : [...requested].sort()
        ])
        return yield* turn.withPermits(1)(
          Effect.gen(function*() {
            const book = yield* Ref.get(ref)
            const existing = book.dedupe.get(dedupeKey)
            // A request the same as one that ended failed is asked again, not a duplicate: it gets a new recall
            // (an assumption: the reference says only that duplicates "may be rejected"; refusing it forever would
            // leave a failed window impossible to ask for again).
            const failedBefore = existing !== undefined &&
              advanceTo(book.byId.get(existing)!, settings.clock.now()).status === "failed"
            if (existing !== undefined && !failedBefore && settings.rejectDuplicates) {
              const duplicate = refuse(
                409,
                `Duplicate video recall request: request ${existing} has the same parameters`,
                { id: existing }
              )
              return Either.left(duplicate)
            }
            const { spent, total, used } = yield* quota.spend(
              request.recallType,
              request.durationMinutes,
              settings.quota,
              settings.clock.now()
            )
            if (!spent) {
              const exceeded = refuse(
                429,
                `Monthly video recall quota exceeded for ${request.recallType} recalls (${used} of ${total} minutes used)`,
                { code: quotaExceededCode }
              )
              return Either.left(exceeded)
            }
            const now = settings.clock.now()
            const { lifecycle, speed } = settings
            const pendingUntil = now + lifecycle.recallPendingMillis / speed
            const recall: StoredRecall = {
              id: book.nextId,
              entity,
              startTime: start,
              durationMinutes: request.durationMinutes,
              recallType: request.recallType,
              requestedPositions: requested,
              cameras,
              failedCameras: cameras.filter((p) => lifecycle.failCameras.includes(p)),
              createdAt: now,
              pendingUntil,
              doneAt: pendingUntil + lifecycle.recallProcessingMillis / speed,
              outcome: yield* outcomes.draw(entity),
              status: "pending",
              updatedAt: now,
              notified: false,
              dedupeKey
            }
            // An update, not a set: status moves made meanwhile are kept.
            yield* Ref.update(ref, (current) => ({
              nextId: current.nextId + 1,
              byId: new Map(current.byId).set(recall.id, recall),
              dedupe: new Map(current.dedupe).set(dedupeKey, recall.id)
            }))
            return Either.right(recall)
          })
        )
      })
    return {
      create,
      find: (id) => Effect.map(Ref.get(ref), (book) => book.byId.get(id)),
      all: Effect.map(Ref.get(ref), (book) => [...book.byId.values()]),
      advance: (now) => Ref.modify(ref, (book) => advanceBook(book, now)),
      reset: Ref.set(ref, emptyBook)
    }
  })
