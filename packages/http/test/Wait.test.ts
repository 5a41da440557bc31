import { statusText } from "@effect-motive/domain"
import { Sandbox } from "@effect-motive/sandbox"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Duration, Effect, Layer, Redacted, Schedule, Stream } from "effect"
import { MotiveConfig, RetryPolicy, Waiting } from "../src/index.js"
import { NodeMotive } from "../src/node.js"
import { serverWith } from "./loopbackServer.js"
import { ago, quick, seen, setup, withClient } from "./support.js"

const lifecycle = {
  recallPendingMillis: 100,
  recallProcessingMillis: 200,
  capturePendingMillis: 50,
  captureProcessingMillis: 50
}

/** The client for `sandbox`, polling on `poll` (a `RetryPolicy` layer of the caller's) instead of the default. */
const pollingOn = (sandbox: Sandbox.SandboxService, poll: Schedule.Schedule<unknown>) =>
  NodeMotive.layerWithoutConfig.pipe(
    Layer.provide(
      Layer.effect(
        RetryPolicy.RetryPolicy,
        Effect.map(MotiveConfig.MotiveConfig, (c) => ({ ...RetryPolicy.make(c), poll }))
      )
    ),
    Layer.provideMerge(
      MotiveConfig.layer({ credentials: { _tag: "ApiKey", apiKey: sandbox.apiKey }, baseUrl: sandbox.baseUrl })
    )
  )

describe("MotiveClient waits", () => {
  it.scopedLive("awaits a recall until success", () =>
    Effect.gen(function*() {
      const { client } = yield* setup({ lifecycle })
      const recall = yield* withClient(client, (c) =>
        Effect.flatMap(
          c.createVideoRecall({ vehicleNumber: "TRK-101", startTime: ago(30), duration: 1 }),
          ({ recall }) => c.awaitVideoRecall(recall.id)
        ))
      expect(recall.status).toBe("success")
      expect(recall.cameras.length).toBe(6)
      expect(recall.cameras.every((c) => typeof c.downloadUrl === "string")).toBe(true)
    }))

  it.scopedLive("tells onStatus each polled status, in order, ending with the terminal one", () =>
    Effect.gen(function*() {
      const { client } = yield* setup({ lifecycle })
      const seen: Array<string> = []
      yield* withClient(client, (c) =>
        Effect.flatMap(
          c.createVideoRecall({ vehicleNumber: "TRK-101", startTime: ago(30), duration: 1 }),
          ({ recall }) => c.awaitVideoRecall(recall.id, { onStatus: (s) => Effect.sync(() => seen.push(s)) })
        ))
      const distinct = seen.filter((s, i) => s !== seen[i - 1])
      expect(distinct).toEqual(["pending", "in_progress", "success"])
    }))

  it.scopedLive("awaits a recall until failed", () =>
    Effect.gen(function*() {
      const { client } = yield* setup({ lifecycle: { ...lifecycle, failEntities: ["TRAILER-7"] } })
      const recall = yield* withClient(client, (c) =>
        Effect.flatMap(
          c.createVideoRecall({ assetName: "TRAILER-7", startTime: ago(30), duration: 1 }),
          ({ recall }) => c.awaitVideoRecall(recall.id)
        ))
      expect(recall.status).toBe("failed")
    }))

  it.scopedLive("gives up when the time budget runs out, saying the last status", () =>
    Effect.gen(function*() {
      const { client } = yield* setup({ lifecycle: { ...lifecycle, recallPendingMillis: 60_000 } })
      const error = yield* withClient(client, (c) =>
        Effect.flatMap(
          c.createVideoRecall({ vehicleNumber: "TRK-101", startTime: ago(30), duration: 1 }),
          ({ recall }) => Effect.flip(c.awaitVideoRecall(recall.id, { timeout: Duration.millis(150) }))
        ))
      expect(error).toMatchObject({ _tag: "WaitTimedOut", lastStatus: "pending" })
    }))

  it.scopedLive("refuses a timeout that is no duration as InvalidRequest, polling nothing (was a defect)", () =>
    Effect.gen(function*() {
      const { client, sandbox } = yield* setup({ lifecycle })
      // What a config string or an untyped caller may give.
      const timeout = "10 secs" as Duration.DurationInput
      const [wait, watch] = yield* withClient(client, (c) =>
        Effect.all([
          Effect.flip(c.awaitVideoRecall(1, { timeout })),
          Effect.flip(Stream.runDrain(c.watchVideoRecall(1, { timeout })))
        ]))
      for (const refused of [wait, watch]) {
        expect(refused).toMatchObject({ _tag: "InvalidRequest", source: "client" })
        expect(refused.message).toContain("timeout \"10 secs\" is not a duration")
      }
      expect(yield* sandbox.requests).toEqual([])
    }))

  it.effect("Waiting.awaitTerminal refuses a budget that is no duration as InvalidRequest before its first poll", () =>
    Effect.gen(function*() {
      let polls = 0
      const poll = Effect.sync(() => {
        polls++
        return { status: "pending" as const }
      })
      const polling = { schedule: Schedule.spaced("10 millis"), timeout: "10 secs" as Duration.DurationInput }
      const refused = yield* Effect.flip(Waiting.awaitTerminal(poll, polling))
      expect(refused).toMatchObject({ _tag: "InvalidRequest", source: "client" })
      expect(refused.message).toContain("timeout \"10 secs\" is not a duration")
      expect(polls).toBe(0)
    }))

  it.scopedLive("awaits an image capture", () =>
    Effect.gen(function*() {
      const { client } = yield* setup({ lifecycle })
      const capture = yield* withClient(client, (c) =>
        Effect.flatMap(
          c.createImageCapture({ vehicleId: 101, position: "front_facing" }),
          (created) => c.awaitImageCapture(created)
        ))
      expect(capture.status).toBe("success")
      expect(Object.keys(capture.images ?? {})).toEqual(["front_facing"])
    }))

  it.scopedLive("watches a recall's status changes for progress display, ending at the terminal status", () =>
    Effect.gen(function*() {
      const { client } = yield* setup({ lifecycle })
      const seen = yield* withClient(client, (c) =>
        Effect.flatMap(
          c.createVideoRecall({ vehicleNumber: "TRK-102", startTime: ago(30), duration: 1 }),
          ({ recall }) => Stream.runCollect(c.watchVideoRecall(recall.id))
        ))
      expect(Chunk.toArray(seen).map((r) => r.status)).toEqual(["pending", "in_progress", "success"])
    }))

  it.scopedLive("a watch ends WaitTimedOut when its budget runs out, and a status it does not know is told once", () =>
    Effect.gen(function*() {
      // A Motive that keeps a recall in a status the client does not know, re-signing its URL on every poll.
      let polls = 0
      const server = yield* serverWith((_req, res) => {
        polls++
        res.writeHead(200, { "content-type": "application/json" })
        res.end(JSON.stringify({
          id: 7,
          status: "queued",
          primary_entity: "vehicle",
          vehicle: { id: 101, number: "TRK-101" },
          asset: null,
          start_time: ago(30),
          end_time: ago(29),
          recall_type: "regular",
          created_at: ago(1),
          updated_at: ago(1),
          cameras: [{ position: "front_facing", status: "transcoding", download_url: `https://media.test/${polls}` }]
        }))
      })
      const layer = NodeMotive.layer({
        credentials: { _tag: "ApiKey", apiKey: Redacted.make("k") },
        baseUrl: server.url,
        ...quick
      })
      const started = Date.now()
      const [seen, error] = yield* withClient(layer, (c) =>
        Effect.gen(function*() {
          const seen: Array<string> = []
          const error = yield* c.watchVideoRecall(7, { timeout: "400 millis" }).pipe(
            Stream.runForEach((recall) => Effect.sync(() => seen.push(statusText(recall.status)))),
            Effect.flip
          )
          return [seen, error] as const
        }))
      expect(error).toMatchObject({ _tag: "WaitTimedOut", lastStatus: "queued" })
      expect(Date.now() - started).toBeLessThan(5_000)
      expect(polls).toBeGreaterThan(3)
      expect(seen).toEqual(["queued"])
    }))

  it.scopedLive("polls on the RetryPolicy layer's schedule when one is provided", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make({ lifecycle: { recallPendingMillis: 200, recallProcessingMillis: 200 } })
      // Polling every second (the default) sees this recall twice at most; every 5 ms, many times.
      const fast = pollingOn(sandbox, Schedule.spaced("5 millis"))
      const recall = yield* withClient(fast, (c) =>
        Effect.flatMap(
          c.createVideoRecall({ vehicleNumber: "TRK-101", startTime: ago(30), duration: 1 }),
          ({ recall }) => c.awaitVideoRecall(recall.id)
        ))
      expect(recall.status).toBe("success")
      expect(yield* seen(sandbox, "getVideoRecall")).toBeGreaterThan(10)
    }))

  it.scopedLive("a polling schedule that ends short of a terminal status ends the wait and the watch with WaitTimedOut", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make({ lifecycle: { recallPendingMillis: 60_000, recallProcessingMillis: 0 } })
      // Three more polls, then the schedule is done: the recall is still pending.
      const few = pollingOn(sandbox, Schedule.spaced("5 millis").pipe(Schedule.intersect(Schedule.recurs(3))))
      const [waited, watched, seenStatuses] = yield* withClient(few, (c) =>
        Effect.gen(function*() {
          const { recall } = yield* c.createVideoRecall({ vehicleNumber: "TRK-101", startTime: ago(30), duration: 1 })
          const waited = yield* Effect.flip(c.awaitVideoRecall(recall.id))
          const seenStatuses: Array<string> = []
          const watched = yield* c.watchVideoRecall(recall.id).pipe(
            Stream.runForEach((r) => Effect.sync(() => seenStatuses.push(statusText(r.status)))),
            Effect.flip
          )
          return [waited, watched, seenStatuses] as const
        }))
      for (const error of [waited, watched]) {
        expect(error).toMatchObject({ _tag: "WaitTimedOut", lastStatus: "pending" })
        expect(error.message).toMatch(/^still pending when the polling schedule ended, after /)
      }
      expect(seenStatuses).toEqual(["pending"])
      expect(yield* seen(sandbox, "getVideoRecall")).toBe(8)
    }))
})
