import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { parseFaultSpec, Sandbox } from "../src/index.js"
import { noFaults, scriptFault, setRandomFaults, takeFault } from "../src/internal/faultPlan.js"
import { ago, call, field } from "./support.js"

const recallBody = () => ({ vehicle_number: "TRK-101", start_time: ago(30), duration: 2 })
const fast = { recallPendingMillis: 0, recallProcessingMillis: 0 }

describe("Sandbox faults", () => {
  it.scopedLive("answers scripted 500/502/503 for the next N calls to a route, then normally", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make()
      yield* sandbox.injectFault("getVideoRecall", { kind: "status", status: 503 }, 2)
      yield* sandbox.injectFault("recallQuota", { kind: "status", status: 502 })
      const get = call(sandbox.baseUrl, "GET", "/v1/video_recall_requests/1")
      expect((yield* get).status).toBe(503)
      expect((yield* get).status).toBe(503)
      expect((yield* get).status).toBe(404)
      expect((yield* call(sandbox.baseUrl, "GET", "/v1/video_recall_requests/quota")).status).toBe(502)
      expect((yield* call(sandbox.baseUrl, "GET", "/v1/video_recall_requests/quota")).status).toBe(200)
    }))

  it.scopedLive("keeps a count, not copies: a billion, or Infinity (every call), until reset", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make()
      yield* sandbox.injectFault("getVideoRecall", { kind: "status", status: 503 }, 1_000_000_000)
      yield* sandbox.injectFault("recallQuota", { kind: "status", status: 502 }, Infinity)
      for (let i = 0; i < 3; i++) {
        expect((yield* call(sandbox.baseUrl, "GET", "/v1/video_recall_requests/1")).status).toBe(503)
        expect((yield* call(sandbox.baseUrl, "GET", "/v1/video_recall_requests/quota")).status).toBe(502)
      }
      yield* sandbox.reset
      expect((yield* call(sandbox.baseUrl, "GET", "/v1/video_recall_requests/quota")).status).toBe(200)
    }))

  it.scopedLive("refuses a fault its route cannot act on, or a count that is not one, changing nothing", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make()
      const refused = yield* Effect.flip(sandbox.injectFault("vehicles", { kind: "truncate", afterBytes: 5 }))
      expect(refused).toMatchObject({ _tag: "InvalidFault", message: expect.stringContaining("only the media route") })
      expect((yield* Effect.flip(sandbox.injectFault("media", { kind: "commit_then_drop" }))).message)
        .toContain("use reset or truncate for media")
      for (const times of [0, 1.5, -1, Number.NaN]) {
        expect((yield* Effect.flip(sandbox.injectFault("vehicles", { kind: "reset" }, times)))._tag).toBe(
          "InvalidFault"
        )
      }
      // Nothing was queued: the 503 after them is the first fault a call meets.
      yield* sandbox.injectFault("vehicles", { kind: "status", status: 503 })
      expect((yield* call(sandbox.baseUrl, "GET", "/v1/vehicles")).status).toBe(503)
      expect((yield* call(sandbox.baseUrl, "GET", "/v1/vehicles")).status).toBe(200)
    }))

  it.scopedLive("resets the connection before doing anything: nothing is stored", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make()
      yield* sandbox.injectFault("createVideoRecall", { kind: "reset" })
      const result = yield* Effect.either(
        call(sandbox.baseUrl, "POST", "/v1/video_recall_requests", { body: recallBody() })
      )
      expect(Either.isLeft(result)).toBe(true)
      expect(yield* sandbox.recalls).toEqual([])
    }))

  it.scopedLive("commit then drop: stores the create, cuts the connection, and the retry meets 409 with the id", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make()
      yield* sandbox.injectFault("createVideoRecall", { kind: "commit_then_drop" })
      const body = recallBody()
      const lost = yield* Effect.either(call(sandbox.baseUrl, "POST", "/v1/video_recall_requests", { body }))
      expect(Either.isLeft(lost)).toBe(true)
      const stored = yield* sandbox.recalls
      expect(stored.map((r) => r.id)).toEqual([1])
      const retry = yield* call(sandbox.baseUrl, "POST", "/v1/video_recall_requests", { body })
      expect(retry.status).toBe(409)
      expect(field(retry, "id")).toBe(1)
      expect((yield* sandbox.recalls).length).toBe(1)
    }))

  it.scopedLive("answers slowly when told to", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make()
      yield* sandbox.injectFault("vehicles", { kind: "slow", delayMillis: 300 })
      const started = Date.now()
      expect((yield* call(sandbox.baseUrl, "GET", "/v1/vehicles")).status).toBe(200)
      expect(Date.now() - started).toBeGreaterThanOrEqual(290)
    }))

  it.scopedLive("truncates a media body after N bytes while promising the full Content-Length", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make({ lifecycle: fast, media: { videoBytes: 2 * 1024 * 1024 } })
      yield* call(sandbox.baseUrl, "POST", "/v1/video_recall_requests", {
        body: { ...recallBody(), camera_positions: ["rear"] }
      })
      const details = yield* call(sandbox.baseUrl, "GET", "/v1/video_recall_requests/1")
      const url = (field(details, "cameras") as Array<{ download_url: string }>)[0]!.download_url
      yield* sandbox.injectFault("media", { kind: "truncate", afterBytes: 100_000 })
      const received = yield* Effect.promise(async () => {
        const response = await fetch(url)
        const reader = response.body!.getReader()
        let bytes = 0
        try {
          for (;;) {
            const { done, value } = await reader.read()
            if (done) return { bytes, failed: false, length: response.headers.get("content-length") }
            bytes += value.length
          }
        } catch {
          return { bytes, failed: true, length: response.headers.get("content-length") }
        }
      })
      expect(received).toEqual({ bytes: 100_000, failed: true, length: String(2 * 1024 * 1024) })
      // The next download is whole.
      const whole = yield* call(sandbox.baseUrl, "GET", url)
      expect(whole.bytes.length).toBe(2 * 1024 * 1024)
    }))

  it.scopedLive("injects random faults at a seeded rate, the same ones for the same seed", () =>
    Effect.gen(function*() {
      const run = (seed: number) =>
        Effect.scoped(Effect.gen(function*() {
          const sandbox = yield* Sandbox.make()
          yield* sandbox.randomFaults({
            rate: 0.3,
            seed,
            faults: [{ kind: "status", status: 500 }],
            routes: ["vehicles"]
          })
          const statuses: Array<number> = []
          for (let i = 0; i < 40; i++) statuses.push((yield* call(sandbox.baseUrl, "GET", "/v1/vehicles")).status)
          expect((yield* call(sandbox.baseUrl, "GET", "/v1/assets")).status).toBe(200)
          return statuses
        }))
      const first = yield* run(3)
      const failures = first.filter((s) => s === 500).length
      expect(failures).toBeGreaterThan(3)
      expect(failures).toBeLessThan(25)
      expect(yield* run(3)).toEqual(first)
    }))

  it("parses a fault list as the CLI gives it, naming what is wrong", () => {
    expect(parseFaultSpec("createVideoRecall=503*2,media=truncate:1000,random=0.1")).toEqual(Either.right({
      scripted: [
        { route: "createVideoRecall", fault: { kind: "status", status: 503 }, times: 2 },
        { route: "media", fault: { kind: "truncate", afterBytes: 1000 }, times: 1 }
      ],
      randomRate: 0.1
    }))
    expect(parseFaultSpec("createImageCapture=408")).toEqual(Either.right({
      scripted: [{ route: "createImageCapture", fault: { kind: "status", status: 408 }, times: 1 }]
    }))
    expect(parseFaultSpec("nowhere=500")).toEqual(Either.left(expect.stringContaining("unknown route \"nowhere\"")))
    expect(parseFaultSpec("vehicles=teapot")).toEqual(Either.left(expect.stringContaining("unknown fault \"teapot\"")))
    expect(parseFaultSpec("random=2")).toEqual(Either.left(expect.stringContaining("between 0 and 1")))
    // A fault its route cannot act on would wait forever, and hold up the faults after it.
    expect(parseFaultSpec("vehicles=truncate:5,vehicles=503")).toEqual(
      Either.left(
        "fault \"vehicles=truncate:5\": truncate cuts a media body: it fits only the media route, not vehicles"
      )
    )
    expect(parseFaultSpec("media=drop")).toEqual(
      Either.left(expect.stringContaining("use reset or truncate for media"))
    )
    expect(parseFaultSpec("media=reset*9007199254740993")).toEqual(
      Either.left(expect.stringContaining("must be a whole number from 1 to 9007199254740991"))
    )
  })
})

describe("Sandbox fault plan (as a value)", () => {
  it("takes scripted faults in order, keeping one the route cannot act on for a call that can", () => {
    const truncate = { kind: "truncate", afterBytes: 10 } as const
    const status = { kind: "status", status: 503 } as const
    const plan = scriptFault(scriptFault(noFaults, "media", truncate, 1), "media", status, 1)
    const [none, kept] = takeFault(plan, "media", (f) => f.kind !== "truncate")
    expect(none).toBeUndefined()
    const [first, rest] = takeFault(kept, "media", () => true)
    expect([first, takeFault(rest, "media", () => true)[0]]).toEqual([truncate, status])
  })

  it("draws random faults from the plan's value: the same plan gives the same fault", () => {
    const plan = setRandomFaults(noFaults, {
      rate: 0.5,
      seed: 3,
      faults: [{ kind: "reset" }, { kind: "slow", delayMillis: 1 }]
    })
    const draws = (start: typeof plan) => {
      const out: Array<string | undefined> = []
      let state = start
      for (let i = 0; i < 20; i++) {
        const [fault, next] = takeFault(state, "vehicles", () => true)
        out.push(fault?.kind)
        state = next
      }
      return out
    }
    expect(draws(plan)).toEqual(draws(plan))
    expect(new Set(draws(plan))).toEqual(new Set([undefined, "reset", "slow"]))
  })
})
