import { Sandbox } from "@effect-motive/sandbox"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { createHmac } from "node:crypto"
import { ago, motiveBackground, until } from "./support.js"

describe("motive long-running commands", () => {
  it.scopedLive("motive sandbox prints MOTIVE_BASE_URL and MOTIVE_API_KEY lines, then serves the API", () =>
    Effect.gen(function*() {
      const proc = yield* motiveBackground(["sandbox", "--port", "0", "--quota-minutes", "5"])
      const baseUrl = yield* until(() => proc.lines.find((l) => l.startsWith("MOTIVE_BASE_URL="))?.slice(16))
      const apiKey = yield* until(() => proc.lines.find((l) => l.startsWith("MOTIVE_API_KEY="))?.slice(15))
      expect(proc.lines.slice(0, 2)).toEqual([`MOTIVE_BASE_URL=${baseUrl}`, `MOTIVE_API_KEY=${apiKey}`])
      const quota = yield* Effect.promise(() =>
        fetch(`${baseUrl}/v1/video_recall_requests/quota`, { headers: { "x-api-key": apiKey } }).then((
          r
        ): Promise<unknown> => r.json())
      )
      expect(quota).toMatchObject({ quota_info: { regular: { total_minutes: 5 } } })
      yield* until(() => proc.lines.find((l) => l.includes("TRAILER-7")))
    }))

  it.scopedLive("motive sandbox --accept-duplicates makes a recall again where it answers 409 by default", () =>
    Effect.gen(function*() {
      const ids = (flags: ReadonlyArray<string>) =>
        Effect.gen(function*() {
          const proc = yield* motiveBackground(["sandbox", "--port", "0", ...flags])
          const baseUrl = yield* until(() => proc.lines.find((l) => l.startsWith("MOTIVE_BASE_URL="))?.slice(16))
          const apiKey = yield* until(() => proc.lines.find((l) => l.startsWith("MOTIVE_API_KEY="))?.slice(15))
          const body = JSON.stringify({ vehicle_number: "TRK-101", start_time: ago(30), duration: 1 })
          const create = Effect.promise(() =>
            fetch(`${baseUrl}/v1/video_recall_requests`, {
              method: "POST",
              headers: { "x-api-key": apiKey, "content-type": "application/json" },
              body
            }).then(async (r) => `${r.status} ${((await r.json()) as { id?: number }).id}`)
          )
          return [yield* create, yield* create]
        })
      expect(yield* ids([])).toEqual(["201 1", "409 1"])
      expect(yield* ids(["--accept-duplicates"])).toEqual(["201 1", "201 2"])
    }))

  it.scopedLive("motive sandbox --video-bytes serves recalled videos of that size", () =>
    Effect.gen(function*() {
      const proc = yield* motiveBackground(["sandbox", "--port", "0", "--video-bytes", "1500000"])
      const baseUrl = yield* until(() => proc.lines.find((l) => l.startsWith("MOTIVE_BASE_URL="))?.slice(16))
      const apiKey = yield* until(() => proc.lines.find((l) => l.startsWith("MOTIVE_API_KEY="))?.slice(15))
      const get = (path: string) =>
        Effect.promise(() =>
          fetch(`${baseUrl}${path}`, { headers: { "x-api-key": apiKey } }).then((r): Promise<unknown> => r.json())
        )
      yield* Effect.promise(() =>
        fetch(`${baseUrl}/v1/video_recall_requests`, {
          method: "POST",
          headers: { "x-api-key": apiKey, "content-type": "application/json" },
          body: JSON.stringify({ vehicle_number: "TRK-101", start_time: ago(30), duration: 1 })
        })
      )
      // The sandbox's default lifecycle finishes a recall in about 2 s.
      let url: string | undefined
      for (let i = 0; i < 100 && url === undefined; i++) {
        const recall = yield* get("/v1/video_recall_requests/1")
        if (typeof recall === "object" && recall !== null && "cameras" in recall && Array.isArray(recall.cameras)) {
          const first: unknown = recall.cameras[0]
          if (typeof first === "object" && first !== null && "download_url" in first) {
            url = typeof first.download_url === "string" ? first.download_url : undefined
          }
        }
        if (url === undefined) yield* Effect.sleep("100 millis")
      }
      if (url === undefined) return expect.fail("the recall never got a download URL")
      const bytes = yield* Effect.promise(() => fetch(url).then((r) => r.arrayBuffer()))
      expect(bytes.byteLength).toBe(1_500_000)
    }))

  it.scopedLive("motive sandbox refuses a bad --faults list with exit 2", () =>
    Effect.gen(function*() {
      const proc = yield* motiveBackground(["sandbox", "--port", "0", "--faults", "nowhere=500"])
      const code = yield* Effect.async<number | null>((resume) => {
        proc.child.on("exit", (c) => resume(Effect.succeed(c)))
      })
      expect(code).toBe(2)
      expect(proc.stderr()).toContain("unknown route \"nowhere\"")
    }))

  it.scopedLive("Ctrl-C while a created recall is awaited exits 130 and says how to pick it up again", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make({ lifecycle: { recallPendingMillis: 60_000 } })
      const proc = yield* motiveBackground(
        ["recall", "create", "--vehicle-number", "TRK-101", "--start", "-30m", "--duration", "1m", "--wait"],
        { MOTIVE_BASE_URL: sandbox.baseUrl, MOTIVE_API_KEY: Redacted.value(sandbox.apiKey) }
      )
      yield* until(() => proc.stderr().includes("Video recall 1 requested") ? true : undefined)
      const exited = Effect.async<number | null>((resume) => {
        proc.child.on("exit", (c) => resume(Effect.succeed(c)))
      })
      proc.child.kill("SIGINT")
      expect(yield* exited).toBe(130)
      // Said to be interrupted, as batch run says it.
      expect(proc.stderr()).toContain("\ninterrupted: video recall 1 exists: motive recall wait 1\n")
    }))

  it.scopedLive("motive webhook listen prints each verified delivery as one JSON line", () =>
    Effect.gen(function*() {
      const port = yield* Effect.scoped(Effect.map(Sandbox.make(), (s) => s.port))
      const proc = yield* motiveBackground(["webhook", "listen", "--port", String(port), "--secret", "hook-secret"])
      yield* until(() => proc.stderr().includes("Listening") ? true : undefined)
      const sandbox = yield* Sandbox.make({ lifecycle: { recallPendingMillis: 20, recallProcessingMillis: 20 } })
      yield* sandbox.registerWebhook(`http://127.0.0.1:${port}/`, Redacted.make("hook-secret"))
      yield* Effect.promise(() =>
        fetch(`${sandbox.baseUrl}/v1/video_recall_requests`, {
          method: "POST",
          headers: { "x-api-key": Redacted.value(sandbox.apiKey), "content-type": "application/json" },
          body: JSON.stringify({ vehicle_number: "TRK-101", start_time: ago(10), duration: 1 })
        })
      )
      const line = yield* until(() => proc.lines[0])
      expect(JSON.parse(line)).toMatchObject({ action: "video_recall_request_completed", id: 1, status: "success" })
      // A forged delivery is refused, printed nowhere on stdout, and told on stderr.
      const forged = yield* Effect.promise(() =>
        fetch(`http://127.0.0.1:${port}/`, {
          method: "POST",
          headers: { "x-kt-webhook-signature": "0".repeat(40) },
          body: "{\"action\":\"x\",\"id\":2}"
        }).then((r) => r.status)
      )
      expect(forged).toBe(403)
      yield* until(() => proc.stderr().includes("does not match --secret") ? true : undefined)
      // A signed body that is no event (the docs' test vector body) is acknowledged and told on stderr.
      const body = "[\"fault_code_closed\"]"
      const signed = yield* Effect.promise(() =>
        fetch(`http://127.0.0.1:${port}/`, {
          method: "POST",
          headers: { "x-kt-webhook-signature": createHmac("sha1", "hook-secret").update(body).digest("hex") },
          body
        }).then((r) => r.status)
      )
      expect(signed).toBe(200)
      yield* until(() => proc.stderr().includes(`not an event (acknowledged): ${body}`) ? true : undefined)
      expect(proc.lines.length).toBe(1)
    }))

  it.scopedLive("motive webhook listen --quiet --port 0 still tells the port it picked, and nothing else", () =>
    Effect.gen(function*() {
      const proc = yield* motiveBackground(["webhook", "listen", "--quiet", "--port", "0", "--secret", "hook-secret"])
      const port = yield* until(() => proc.stderr().match(/on http:\/\/127\.0\.0\.1:(\d+)\//)?.[1])
      expect(Number(port)).toBeGreaterThan(0)
      const body = "{\"action\":\"video_recall_request_completed\",\"id\":5}"
      const status = yield* Effect.promise(() =>
        fetch(`http://127.0.0.1:${port}/`, {
          method: "POST",
          headers: { "x-kt-webhook-signature": createHmac("sha1", "hook-secret").update(body).digest("hex") },
          body
        }).then((r) => r.status)
      )
      expect(status).toBe(200)
      const line = yield* until(() => proc.lines[0])
      expect(JSON.parse(line)).toMatchObject({ action: "video_recall_request_completed", id: 5 })
      expect(proc.stderr().trim().split("\n")).toHaveLength(1)
    }))
})
