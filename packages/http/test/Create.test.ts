import { AssetById, AssetId, ImageCaptureRequest, VehicleByNumber, VideoRecallRequest } from "@effect-motive/domain"
import { describe, expect, expectTypeOf, it } from "@effect/vitest"
import { DateTime, Effect, Logger, LogLevel, Redacted } from "effect"
import { type CreateUncertain, isAmbiguous, type MotiveClient } from "../src/index.js"
import { ago, clientFor, seen, setup, withClient } from "./support.js"

const recall = () => ({ vehicleNumber: "TRK-101", startTime: ago(30), duration: 2, cameraPositions: ["front_facing"] })

describe("MotiveClient creates", () => {
  it.scopedLive("creates a recall and returns it, sent once", () =>
    Effect.gen(function*() {
      const { client, sandbox } = yield* setup()
      const created = yield* withClient(client, (c) => c.createVideoRecall(recall()))
      expect(created).toMatchObject({ deduplicated: false, attempts: 1 })
      expect(created.recall.id).toBe(1)
      expect(created.recall.status).toBe("pending")
      const [request] = yield* sandbox.requests
      expect(request!.body).toEqual({
        vehicle_number: "TRK-101",
        start_time: expect.stringMatching(/Z$/),
        duration: 2,
        recall_type: "regular",
        camera_positions: ["front_facing"]
      })
    }))

  it.scopedLive("a create Motive refuses fails the call only: nothing is logged as an unhandled failure", () =>
    Effect.gen(function*() {
      const { sandbox } = yield* setup()
      const logged: Array<string> = []
      const refused = yield* withClient(
        clientFor(sandbox, {}, Redacted.make("not-the-key")),
        (c) => Effect.flip(c.createVideoRecall(recall()))
      ).pipe(
        Effect.provide(
          Logger.replace(Logger.defaultLogger, Logger.make(({ message }) => logged.push(String(message))))
        ),
        Logger.withMinimumLogLevel(LogLevel.All)
      )
      expect(refused._tag).toBe("Unauthorized")
      expect(logged.filter((m) => m.includes("unhandled"))).toEqual([])
    }))

  it.scopedLive("null from an untyped caller is an InvalidRequest naming the missing fields, nothing sent", () =>
    Effect.gen(function*() {
      const { client, sandbox } = yield* setup()
      // What a JavaScript caller may pass where the types ask for an input.
      const untyped = null as unknown as Parameters<MotiveClient.MotiveClientService["createVideoRecall"]>[0]
      const refused = yield* withClient(client, (c) => Effect.flip(c.createVideoRecall(untyped)))
      expect(refused._tag === "InvalidRequest" && refused.violations.map((v) => v.rule).sort()).toEqual([
        "duration.required",
        "entity.exactly_one",
        "start_time.required"
      ])
      const capture = null as unknown as Parameters<MotiveClient.MotiveClientService["createImageCapture"]>[0]
      const refusedCapture = yield* withClient(client, (c) => Effect.flip(c.createImageCapture(capture)))
      expect(refusedCapture._tag === "InvalidRequest" && refusedCapture.violations.map((v) => v.rule).sort())
        .toEqual(["entity.exactly_one", "position.required"])
      // A position nested thousands deep: named by the rules, not a stack overflow while naming the span.
      let deep: unknown = []
      for (let i = 0; i < 6000; i++) deep = [deep]
      const nested = { vehicleId: 101, position: deep } as unknown as typeof capture
      const refusedDeep = yield* withClient(client, (c) => Effect.flip(c.createImageCapture(nested)))
      expect(refusedDeep._tag === "InvalidRequest" && refusedDeep.violations.map((v) => v.rule)).toEqual([
        "position.unknown"
      ])
      expect(yield* sandbox.requests).toEqual([])
    }))

  it.scopedLive("checks a request built with new against every rule too: InvalidRequest, nothing sent", () =>
    Effect.gen(function*() {
      const { client, sandbox } = yield* setup()
      const now = yield* DateTime.now
      // The constructors check only types: a start an hour ahead, a duration no recall type allows.
      const recallRequest = new VideoRecallRequest({
        target: VehicleByNumber.make({ number: "TRK-101" }),
        startTime: DateTime.add(now, { hours: 1 }),
        durationMinutes: 4,
        recallType: "regular"
      })
      const refused = yield* withClient(client, (c) => Effect.flip(c.createVideoRecall(recallRequest)))
      expect(refused).toMatchObject({ _tag: "InvalidRequest", source: "client" })
      expect(refused._tag === "InvalidRequest" && refused.violations.map((v) => v.rule).sort()).toEqual([
        "duration.not_allowed",
        "start_time.future"
      ])
      // An asset has no dashcam positions: only Omnicam ones.
      const captureRequest = new ImageCaptureRequest({
        target: AssetById.make({ id: AssetId.make(7) }),
        position: "front_facing"
      })
      const refusedCapture = yield* withClient(client, (c) => Effect.flip(c.createImageCapture(captureRequest)))
      expect(refusedCapture).toMatchObject({ _tag: "InvalidRequest", source: "client" })
      expect(yield* sandbox.requests).toEqual([])
      // A valid one built the same way is sent, exactly as built.
      const valid = new VideoRecallRequest({
        target: VehicleByNumber.make({ number: "TRK-101" }),
        startTime: DateTime.subtract(now, { minutes: 30 }),
        durationMinutes: 2,
        recallType: "regular"
      })
      const created = yield* withClient(client, (c) => c.createVideoRecall(valid))
      expect(created.recall.id).toBe(1)
      const [sent] = yield* sandbox.requests
      expect(sent!.body).toMatchObject({ start_time: DateTime.formatIso(valid.startTime), duration: 2 })
    }))

  it.scopedLive("commit then drop: the lost answer resolves to exactly one stored request, flagged deduplicated", () =>
    Effect.gen(function*() {
      const { client, sandbox } = yield* setup()
      yield* sandbox.injectFault("createVideoRecall", { kind: "commit_then_drop" })
      const created = yield* withClient(client, (c) => c.createVideoRecall(recall()))
      expect(created).toMatchObject({ deduplicated: true, afterLostAnswer: true, attempts: 2 })
      expect(created.recall.id).toBe(1)
      expect((yield* sandbox.recalls).map((r) => r.id)).toEqual([1])
      const quota = yield* withClient(client, (c) => c.getRecallQuota)
      expect(quota.quotaInfo.regular.usedMinutes).toBe(2)
    }))

  it.scopedLive("a lost answer that cannot be resolved fails CreateUncertain, with the id when Motive named it", () =>
    Effect.gen(function*() {
      const named = yield* setup({}, { retry: { maxAttempts: 3 } })
      yield* named.sandbox.injectFault("createVideoRecall", { kind: "commit_then_drop" })
      yield* named.sandbox.injectFault("getVideoRecall", { kind: "reset" }, 10)
      const unread = yield* withClient(named.client, (c) => Effect.flip(c.createVideoRecall(recall())))
      expect(unread).toMatchObject({
        _tag: "CreateUncertain",
        recallId: 1,
        afterLostAnswer: true,
        failure: { _tag: "TransportError" }
      })
      const unnamed = yield* setup({}, { retry: { maxAttempts: 3 } })
      yield* unnamed.sandbox.injectFault("createVideoRecall", { kind: "commit_then_drop" })
      yield* unnamed.sandbox.injectFault("createVideoRecall", { kind: "status", status: 500 }, 10)
      const lost = yield* withClient(unnamed.client, (c) => Effect.flip(c.createVideoRecall(recall())))
      expect(lost).toMatchObject({
        _tag: "CreateUncertain",
        afterLostAnswer: true,
        failure: { _tag: "ServerError", status: 500 }
      })
      expect(lost._tag === "CreateUncertain" && lost.recallId).toBeUndefined()
      expect((yield* unnamed.sandbox.recalls).map((r) => r.id)).toEqual([1])
    }))

  it.scopedLive("where Motive makes duplicates, a lost answer re-sent makes two recalls; resendLostCreates: false sends one", () =>
    Effect.gen(function*() {
      // What the default counts on: Motive's docs say only that duplicates "may be rejected".
      const counting = yield* setup({ rejectDuplicates: false })
      yield* counting.sandbox.injectFault("createVideoRecall", { kind: "commit_then_drop" })
      const twice = yield* withClient(counting.client, (c) => c.createVideoRecall(recall()))
      // Said: the lost attempt may have made a recall too (it did: 1 and 2).
      expect(twice).toMatchObject({ deduplicated: false, attempts: 2, earlierMayExist: true })
      expect((yield* counting.sandbox.recalls).map((r) => r.id)).toEqual([1, 2])
      const careful = yield* setup({ rejectDuplicates: false }, { retry: { resendLostCreates: false } })
      yield* careful.sandbox.injectFault("createVideoRecall", { kind: "commit_then_drop" })
      const uncertain = yield* withClient(careful.client, (c) => Effect.flip(c.createVideoRecall(recall())))
      expect(uncertain).toMatchObject({
        _tag: "CreateUncertain",
        afterLostAnswer: true,
        failure: { _tag: "TransportError" }
      })
      expect(uncertain.message).toMatch(
        /; Motive may have created the recall all the same \(a lost create is not sent again: resendLostCreates is false\)$/
      )
      expect(yield* seen(careful.sandbox, "createVideoRecall")).toBe(1)
      expect((yield* careful.sandbox.recalls).map((r) => r.id)).toEqual([1])
      // The same for one call of a client that otherwise re-sends: its options win.
      yield* counting.sandbox.injectFault("createVideoRecall", { kind: "commit_then_drop" })
      const once = yield* withClient(
        counting.client,
        (c) => Effect.flip(c.createVideoRecall({ ...recall(), startTime: ago(40) }, { resendLostCreates: false }))
      )
      expect(once._tag).toBe("CreateUncertain")
      expect((yield* counting.sandbox.recalls).map((r) => r.id)).toEqual([1, 2, 3])
    }))

  it.scopedLive("re-sends after an ambiguous 502 and still creates one request", () =>
    Effect.gen(function*() {
      const { client, sandbox } = yield* setup()
      yield* sandbox.injectFault("createVideoRecall", { kind: "status", status: 502 })
      const created = yield* withClient(client, (c) => c.createVideoRecall(recall()))
      expect(created).toMatchObject({ deduplicated: false, attempts: 2 })
      expect((yield* sandbox.recalls).length).toBe(1)
    }))

  it.scopedLive("sends a create again after a 408 (the request did not arrive whole), a capture too, and calls neither uncertain", () =>
    Effect.gen(function*() {
      // Even where a lost answer is not re-sent: a 408 is no lost answer, Motive acted on nothing.
      const { client, sandbox } = yield* setup({ rejectDuplicates: false }, { retry: { resendLostCreates: false } })
      yield* sandbox.injectFault("createVideoRecall", { kind: "status", status: 408 })
      const created = yield* withClient(client, (c) => c.createVideoRecall(recall()))
      expect(created).toMatchObject({ deduplicated: false, attempts: 2 })
      expect(created.earlierMayExist).not.toBe(true)
      expect((yield* sandbox.recalls).map((r) => r.id)).toEqual([1])
      yield* sandbox.injectFault("createImageCapture", { kind: "status", status: 408 })
      const captured = yield* withClient(client, (c) => c.createImageCapture({ vehicleId: 101, position: "rear" }))
      expect(captured.requestId).toBe(1)
      expect(yield* seen(sandbox, "createImageCapture")).toBe(2)
      expect((yield* sandbox.captures).length).toBe(1)
      // Where it keeps coming, the call fails as a server error, which made nothing.
      yield* sandbox.injectFault("createImageCapture", { kind: "status", status: 408 }, 100)
      const error = yield* withClient(
        client,
        (c) => Effect.flip(c.createImageCapture({ vehicleId: 101, position: "rear" }))
      )
      expect(error).toMatchObject({ _tag: "ServerError", status: 408 })
      expect(isAmbiguous(error)).toBe(false)
    }))

  it.scopedLive("never re-sends a create whose first answer was a clear refusal", () =>
    Effect.gen(function*() {
      const { client, sandbox } = yield* setup()
      const error = yield* withClient(
        client,
        (c) => Effect.flip(c.createVideoRecall({ ...recall(), vehicleNumber: "TRK-999" }))
      )
      expect(error._tag).toBe("NotFound")
      expect(yield* seen(sandbox, "createVideoRecall")).toBe(1)
    }))

  it.scopedLive("does not re-send an image capture after an ambiguous failure (captures have no duplicate check), nor call it uncertain", () =>
    Effect.gen(function*() {
      const { client, sandbox } = yield* setup()
      yield* sandbox.injectFault("createImageCapture", { kind: "commit_then_drop" })
      const error = yield* withClient(
        client,
        (c) => Effect.flip(c.createImageCapture({ vehicleId: 101, position: "rear" }))
      )
      expect(error).toMatchObject({ _tag: "TransportError", requestSent: true })
      expect(yield* seen(sandbox, "createImageCapture")).toBe(1)
      expect((yield* sandbox.captures).length).toBe(1)
      // Only a recall's create can end CreateUncertain: the other calls' error types leave it out.
      type Fails<K extends keyof MotiveClient.MotiveClientService> = MotiveClient.MotiveClientService[K] extends
        (...args: ReadonlyArray<never>) => Effect.Effect<unknown, infer E> ? E : never
      expectTypeOf<Extract<Fails<"createImageCapture">, CreateUncertain>>().toBeNever()
      expectTypeOf<Extract<Fails<"getVideoRecall">, CreateUncertain>>().toBeNever()
      expectTypeOf<Extract<Fails<"createVideoRecall">, CreateUncertain>>().toEqualTypeOf<CreateUncertain>()
    }))

  it.scopedLive("never re-sends an image capture after a 503 (server errors are retried for safe calls only)", () =>
    Effect.gen(function*() {
      const { client, sandbox } = yield* setup()
      yield* sandbox.injectFault("createImageCapture", { kind: "status", status: 503 })
      const error = yield* Effect.flip(
        withClient(client, (c) => c.createImageCapture({ assetId: 7, position: "side_right" }))
      )
      expect(error).toMatchObject({ _tag: "ServerError", status: 503 })
      expect(isAmbiguous(error)).toBe(true)
      expect(yield* seen(sandbox, "createImageCapture")).toBe(1)
      // A recall's create, which Motive deduplicates, is sent again after a 503.
      yield* sandbox.injectFault("createVideoRecall", { kind: "status", status: 503 })
      const created = yield* withClient(client, (c) => c.createVideoRecall(recall()))
      expect(created.recall.id).toBe(1)
      expect(yield* seen(sandbox, "createVideoRecall")).toBe(2)
    }))
})
