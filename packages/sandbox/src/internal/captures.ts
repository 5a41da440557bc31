/** Image capture requests: creating one under Motive's rules, keeping them, and moving them through their statuses. */
import { cameraPositionInfo, imageCaptureInputFromBody, validateImageCapture } from "@effect-motive/domain"
import { Effect, Either, Ref } from "effect"
import type { StoredCapture } from "../Records.js"
import { type ApiAnswer, refuse } from "./answers.js"
import type { Config } from "./config.js"
import { findEntity } from "./fleet.js"
import { advanceAll, type Outcomes } from "./lifecycle.js"
import { problemsMessage } from "./recalls.js"
import { captureBodyTypeProblems } from "./wireTypes.js"

interface CaptureBook {
  readonly nextId: number
  readonly byId: ReadonlyMap<number, StoredCapture>
}

const emptyBook: CaptureBook = { nextId: 1, byId: new Map() }

/**
 * The stored image captures.
 */
export interface Captures {
  /** Creates a capture from a request body, or answers why not. */
  readonly create: (body: unknown) => Effect.Effect<Either.Either<StoredCapture, ApiAnswer>>
  readonly find: (id: number) => Effect.Effect<StoredCapture | undefined>
  readonly all: Effect.Effect<ReadonlyArray<StoredCapture>>
  /** Moves every capture to its status at `now`. */
  readonly advance: (now: number) => Effect.Effect<void>
  readonly reset: Effect.Effect<void>
}

/**
 * The capture store.
 */
export const makeCaptures = (deps: { readonly config: Config; readonly outcomes: Outcomes }): Effect.Effect<Captures> =>
  Effect.map(Ref.make(emptyBook), (ref) => {
    const { config, outcomes } = deps
    const create = (body: unknown) =>
      Effect.gen(function*() {
        const validated = yield* Effect.either(validateImageCapture(imageCaptureInputFromBody(body)))
        const typeProblems = captureBodyTypeProblems(body)
        if (Either.isLeft(validated) || typeProblems.length > 0) {
          return Either.left(refuse(400, problemsMessage(typeProblems, validated)))
        }
        const request = validated.right
        const settings = yield* config.settings
        const found = findEntity(settings.fleet, request.target)
        if (found === undefined) {
          return Either.left(refuse(404, `No ${request.target._tag} with id ${request.target.id}`))
        }
        if (!found.cameras.includes(request.position)) {
          return Either.left(
            refuse(400, `${found.label} has no ${request.position} camera (it has ${found.cameras.join(", ")})`)
          )
        }
        const now = settings.clock.now()
        const { lifecycle, speed } = settings
        // A capture is `pending` until it is done: Motive names no status in between for captures (motive-api.md).
        const pendingUntil = now + (lifecycle.capturePendingMillis + lifecycle.captureProcessingMillis) / speed
        const outcome = yield* outcomes.draw(found.entity)
        return yield* Ref.modify(ref, (book) => {
          const capture: StoredCapture = {
            requestId: book.nextId,
            entity: found.entity,
            position: request.position,
            cameraType: cameraPositionInfo[request.position].cameraType,
            createdAt: now,
            pendingUntil,
            doneAt: pendingUntil,
            outcome,
            status: "pending",
            updatedAt: now
          }
          return [
            Either.right(capture),
            { nextId: book.nextId + 1, byId: new Map(book.byId).set(capture.requestId, capture) }
          ] as const
        })
      })
    return {
      create,
      find: (id) => Effect.map(Ref.get(ref), (book) => book.byId.get(id)),
      all: Effect.map(Ref.get(ref), (book) => [...book.byId.values()]),
      advance: (now) =>
        Ref.update(ref, (book) => {
          const byId = advanceAll(book.byId, now)
          return byId === book.byId ? book : { ...book, byId }
        }),
      reset: Ref.set(ref, emptyBook)
    }
  })
