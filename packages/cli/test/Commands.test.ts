import { manualClock, Sandbox, type SandboxOptions } from "@effect-motive/sandbox"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { createHmac } from "node:crypto"
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { join } from "node:path"
import { dryRun, motive, sandboxEnv as sandboxEnvWith, stackTrace, tempDir } from "./support.js"

const instant = {
  recallPendingMillis: 50,
  recallProcessingMillis: 50,
  capturePendingMillis: 20,
  captureProcessingMillis: 20
}

/** A sandbox with quick lifecycles, and the environment that points the bin at it. */
const sandboxEnv = (options: SandboxOptions = {}) => sandboxEnvWith({ lifecycle: instant, ...options })

const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b))

describe("motive: help and usage", () => {
  it.effect("prints its version, the same as package.json", () =>
    Effect.gen(function*() {
      const run = yield* motive(["--version"])
      const pkg = JSON.parse(readFileSync(join(__dirname, "..", "package.json"), "utf8"))
      expect(run.code).toBe(0)
      expect(run.stdout.trim()).toBe(pkg.version)
    }))

  it.effect("documents every command and the exit codes in --help", () =>
    Effect.gen(function*() {
      const run = yield* motive(["--help"])
      expect(run.code).toBe(0)
      for (
        const word of [
          "image",
          "recall",
          "webhook",
          "sandbox",
          "demo",
          "Exit codes"
        ]
      ) {
        expect(run.stdout).toContain(word)
      }
      expect(run.stdout).toMatch(
        /\n {2}6 +the request itself ended in failed, or finished without footage from a\s+camera/
      )
    }))

  it.effect("answers a usage error with exit 2, and with one JSON error document under --json", () =>
    Effect.gen(function*() {
      const human = yield* motive(["recall", "explode"])
      expect(human.code).toBe(2)
      expect(human.stdout + human.stderr).not.toMatch(stackTrace)
      const json = yield* motive(["--json", "recall", "create", "--no-such-flag"])
      expect(json.code).toBe(2)
      expect(JSON.parse(json.stdout).error.tag).toBe("UsageError")
    }))

  it.effect("says exactly what is missing when there are no credentials and no --sandbox", () =>
    Effect.gen(function*() {
      const run = yield* motive(["recall", "quota"])
      expect(run.code).toBe(2)
      expect(run.stderr).toContain("MOTIVE_API_KEY")
      expect(run.stderr).toContain("--sandbox")
      expect(run.stdout).toBe("")
    }))
})

describe("motive recall create", () => {
  it.scopedLive("--dry-run prints the exact body and the camera selection, and sends nothing", () =>
    Effect.gen(function*() {
      const { env, sandbox } = yield* sandboxEnv()
      const run = yield* motive(
        [
          "recall",
          "create",
          "--vehicle-number",
          "TRK-101",
          "--start",
          "2026-01-05T10:00:00-05:00",
          "--duration",
          "2m",
          "--cameras",
          "front_facing,rear,front_facing",
          "--dry-run",
          "--json"
        ],
        { env }
      )
      expect(run.code).toBe(0)
      expect(JSON.parse(run.stdout)).toEqual({
        dryRun: true,
        method: "POST",
        path: "/v1/video_recall_requests",
        body: {
          vehicle_number: "TRK-101",
          start_time: "2026-01-05T15:00:00Z",
          duration: 2,
          recall_type: "regular",
          camera_positions: ["front_facing", "rear"]
        },
        cameraSelection: { mode: "mixed", roadFacingOnly: true }
      })
      const human = yield* motive(dryRun, { env })
      expect(human.stdout).toContain("nothing was sent")
      expect(human.stdout).toContain("camera selection: all")
      expect(yield* sandbox.requests).toEqual([])
    }))

  it.scopedLive("refuses broken rules with exit 2, one line per problem naming field and rule, nothing sent", () =>
    Effect.gen(function*() {
      const { env, sandbox } = yield* sandboxEnv()
      const run = yield* motive(
        [
          "recall",
          "create",
          "--asset-name",
          "TRAILER-7",
          "--start",
          "2026-11-24T10:00:00",
          "--duration",
          "4m",
          "--cameras",
          "driver_facing"
        ],
        { env }
      )
      expect(run.code).toBe(2)
      const lines = run.stderr.trim().split("\n")
      expect(lines[0]).toMatch(/^error: 3 problems/)
      expect(lines.slice(1).map((l) => l.match(/\[([a-z_.]+)\]$/)?.[1])).toEqual([
        "duration.not_allowed",
        "camera_positions.dashcam_on_asset",
        "start_time.no_offset"
      ])
      expect(lines[1]).toMatch(/^ {2}duration: /)
      const json = yield* motive([
        "recall",
        "create",
        "--vehicle-number",
        "TRK-101",
        "--start",
        "-1m",
        "--duration",
        "3m",
        "--json"
      ], { env })
      expect(json.code).toBe(2)
      expect(JSON.parse(json.stdout).error.violations).toEqual([
        expect.objectContaining({ path: "start_time", rule: "window.ends_in_future" })
      ])
      // A --type given blank is no "regular": refused like every flag given empty.
      const blankType = yield* motive([...dryRun, "--type", " "], { env })
      expect(blankType).toMatchObject({ code: 2, stderr: expect.stringContaining("--type is empty") })
      expect(yield* sandbox.requests).toEqual([])
    }))

  it.scopedLive("creates, waits and downloads, byte for byte, with a JSON result", () =>
    Effect.gen(function*() {
      const { env, sandbox } = yield* sandboxEnv()
      const dir = yield* tempDir
      const run = yield* motive(
        [
          "recall",
          "create",
          "--vehicle-number",
          "TRK-101",
          "--start",
          "-10m",
          "--duration",
          "2m",
          "--cameras",
          "front_facing,driver_facing",
          "--download",
          join(dir, "incident"),
          "--json"
        ],
        { env }
      )
      expect(run.code).toBe(0)
      const result = JSON.parse(run.stdout)
      expect(result.recall).toMatchObject({ id: 1, status: "success", vehicle: { number: "TRK-101" } })
      expect(result.files.map((f: { position: string }) => f.position)).toEqual(["front_facing", "driver_facing"])
      expect(readdirSync(join(dir, "incident")).sort()).toEqual(["1-driver_facing.mp4", "1-front_facing.mp4"])
      expect(
        same(readFileSync(join(dir, "incident", "1-front_facing.mp4")), yield* sandbox.videoBytes(1, "front_facing"))
      )
        .toBe(true)
      expect(run.stderr).not.toContain("\r") // no progress drawn when stderr is not a terminal
    }))

  it.scopedLive("prints a short human summary by default", () =>
    Effect.gen(function*() {
      const { env } = yield* sandboxEnv()
      const run = yield* motive([
        "recall",
        "create",
        "--asset-name",
        "TRAILER-7",
        "--start",
        "-10m",
        "--duration",
        "1m",
        "--wait"
      ], { env })
      expect(run.code).toBe(0)
      expect(run.stdout).toMatch(/^Video recall 1 for asset TRAILER-7: success\n {2}window/)
      expect(run.stdout).toContain("side_left success, side_right success, rear success")
      expect(run.stderr).toContain("Video recall 1 requested")
      const quiet = yield* motive(["--quiet", "recall", "get", "1"], { env })
      expect(quiet.stderr).toBe("")
    }))

  it.scopedLive("exits 6 when the recall itself ends in failed", () =>
    Effect.gen(function*() {
      const { env } = yield* sandboxEnv({ lifecycle: { ...instant, failEntities: ["TRK-102"] } })
      const run = yield* motive([
        "recall",
        "create",
        "--vehicle-number",
        "TRK-102",
        "--start",
        "-10m",
        "--duration",
        "1m",
        "--wait"
      ], { env })
      expect(run.code).toBe(6)
      expect(run.stderr).toContain("ended in failed")
      const wait = yield* motive(["recall", "wait", "1", "--json"], { env })
      expect(wait.code).toBe(6)
      expect(JSON.parse(wait.stdout).error.tag).toBe("RequestFailed")
    }))

  it.scopedLive("exits 4 when the monthly quota is spent, without retrying", () =>
    Effect.gen(function*() {
      const { env, sandbox } = yield* sandboxEnv({ quota: { regularMinutes: 1 } })
      const run = yield* motive([
        "recall",
        "create",
        "--vehicle-number",
        "TRK-101",
        "--start",
        "-10m",
        "--duration",
        "2m",
        "--json"
      ], { env })
      expect(run.code).toBe(4)
      expect(JSON.parse(run.stdout).error).toMatchObject({ tag: "QuotaExhausted", status: 429 })
      expect((yield* sandbox.requests).filter((r) => r.route === "createVideoRecall").length).toBe(1)
    }))

  it.scopedLive("exits 4 when still rate limited after retries", () =>
    Effect.gen(function*() {
      const { env } = yield* sandboxEnv({ rateLimit: { requestsPerSecond: 0.001, burst: 1, retryAfter: "none" } })
      const first = yield* motive(["recall", "quota"], { env })
      expect(first.code).toBe(0)
      const run = yield* motive(["recall", "quota"], { env: { ...env, MOTIVE_MAX_ATTEMPTS: "1" } })
      expect(run.code).toBe(4)
    }))

  it.scopedLive("exits 4 at once when Motive asks to wait longer than a minute, saying how long", () =>
    Effect.gen(function*() {
      // 0.01 requests per second: come back in 100 s, more than the 60 s the client waits out. The sandbox's clock
      // stands still, so that the wait is 100 s however long the two commands take to start on a busy machine.
      const { env, sandbox } = yield* sandboxEnv({
        clock: manualClock(Date.now()),
        rateLimit: { requestsPerSecond: 0.01, burst: 1 }
      })
      expect((yield* motive(["recall", "quota"], { env })).code).toBe(0)
      const run = yield* motive(["recall", "quota", "--json"], { env })
      expect(run.code).toBe(4)
      const { error } = JSON.parse(run.stdout)
      expect(error).toMatchObject({ tag: "RateLimited", status: 429, details: { attempts: 1 } })
      expect(error.details.retryAfterSeconds).toBe(100)
      expect(error.message).toContain("; Motive asks to come back in 1m 40s")
      expect((yield* sandbox.requests).filter((r) => r.route === "recallQuota")).toHaveLength(2)
    }))
})

describe("motive exit codes for Motive's refusals and outages", () => {
  it.scopedLive("exits 3 for 404, 401 and 403", () =>
    Effect.gen(function*() {
      const { env } = yield* sandboxEnv()
      const missing = yield* motive(["recall", "get", "999"], { env })
      expect(missing.code).toBe(3)
      expect(missing.stderr).toContain("(HTTP 404)")
      const unauthorized = yield* motive(["recall", "quota", "--api-key", "not-the-key"], { env })
      expect(unauthorized.code).toBe(3)
      expect(unauthorized.stderr).not.toContain("not-the-key")
      const off = yield* sandboxEnv({ videoMonitoring: false })
      const forbidden = yield* motive(["recall", "quota", "--json"], { env: off.env })
      expect(forbidden.code).toBe(3)
      expect(JSON.parse(forbidden.stdout).error).toMatchObject({ tag: "FeatureDisabled" })
      expect(JSON.parse(forbidden.stdout).error.message).toContain("video_monitoring")
    }))

  it.scopedLive("exits 5 when Motive cannot be reached", () =>
    Effect.gen(function*() {
      const port = yield* Effect.scoped(Effect.map(Sandbox.make(), (s) => s.port))
      const run = yield* motive(["recall", "quota", "--json"], {
        env: { MOTIVE_BASE_URL: `http://127.0.0.1:${port}`, MOTIVE_API_KEY: "k", MOTIVE_MAX_ATTEMPTS: "2" }
      })
      expect(run.code).toBe(5)
      expect(JSON.parse(run.stdout).error).toMatchObject({ tag: "TransportError" })
    }))

  it.scopedLive("exits 5 on server errors after retries", () =>
    Effect.gen(function*() {
      const { env, sandbox } = yield* sandboxEnv()
      yield* sandbox.injectFault("recallQuota", { kind: "status", status: 502 }, 10)
      const run = yield* motive(["recall", "quota"], { env: { ...env, MOTIVE_MAX_ATTEMPTS: "2" } })
      expect(run.code).toBe(5)
      expect(run.stderr).toContain("(HTTP 502)")
    }))
})

describe("motive image, recall reads, webhooks", () => {
  it.scopedLive("captures an image, waits and writes it to --out", () =>
    Effect.gen(function*() {
      const { env, sandbox } = yield* sandboxEnv()
      const dir = yield* tempDir
      const out = join(dir, "cab.jpg")
      const run = yield* motive([
        "image",
        "capture",
        "--vehicle-id",
        "101",
        "--position",
        "driver_facing",
        "--out",
        out,
        "--json"
      ], { env })
      expect(run.code).toBe(0)
      expect(JSON.parse(run.stdout).capture).toMatchObject({ request_id: 1, camera_type: "dashcam", status: "success" })
      expect(same(readFileSync(out), yield* sandbox.imageBytes(1, "driver_facing"))).toBe(true)
      const asked = (yield* sandbox.requests).filter((r) => r.route === "getImageCapture").length
      // Not captured from here (another state directory): its camera type is looked up, and that answer shown.
      const get = yield* motive(["image", "get", "1"], { env: { ...env, MOTIVE_STATE_DIR: yield* tempDir } })
      expect(get.code).toBe(0)
      expect(get.stdout).toContain("Image capture 1 for vehicle TRK-101: success")
      expect((yield* sandbox.requests).filter((r) => r.route === "getImageCapture").length).toBe(asked + 1)
      const bad = yield* motive(["image", "capture", "--asset-id", "7", "--position", "front_facing"], { env })
      expect(bad.code).toBe(2)
      expect(bad.stderr).toContain("[position.vehicle_only]")
      // An id Motive knows under neither camera type is said so, not as an omnicam's only (the last type tried).
      const unknown = yield* motive(["image", "get", "42"], { env })
      expect(unknown.code).toBe(3)
      expect(unknown.stderr).toContain("No image capture request with id 42, neither a dashcam's nor an omnicam's")
    }))

  it.scopedLive("image get asks under the camera type Motive returned, as recorded, whatever it is called", () =>
    Effect.gen(function*() {
      const state = yield* tempDir
      const at = new Date().toISOString()
      writeFileSync(
        join(state, "requests.jsonl"),
        JSON.stringify({
          kind: "image_capture",
          id: 5,
          cameraType: "dashcam_v2",
          entity: "vehicle TRK-101",
          position: "front_facing",
          createdAt: at,
          status: "pending",
          seenAt: at
        }) + "\n"
      )
      const asked: Array<string> = []
      const server = createServer((req, res) => {
        asked.push(req.url ?? "")
        const found = req.url === "/v1/image_captures/dashcam_v2/5"
        res.writeHead(found ? 200 : 404, { "content-type": "application/json" })
        res.end(JSON.stringify(
          found
            ? {
              request_id: 5,
              camera_type: "dashcam_v2",
              position: "front_facing",
              status: "pending",
              vehicle: { id: 101, number: "TRK-101" }
            }
            : { error_message: "Not found" }
        ))
      })
      yield* Effect.acquireRelease(
        Effect.async<void>((resume) => {
          server.listen(0, "127.0.0.1", () => resume(Effect.void))
        }),
        () => Effect.sync(() => server.close())
      )
      const port = (server.address() as AddressInfo).port
      const get = yield* motive(["image", "get", "5"], {
        env: { MOTIVE_STATE_DIR: state, MOTIVE_BASE_URL: `http://127.0.0.1:${port}`, MOTIVE_API_KEY: "k" }
      })
      expect(get.code, get.stderr).toBe(0)
      expect(asked).toEqual(["/v1/image_captures/dashcam_v2/5"])
    }))

  it.scopedLive("reads the quota and the available timelines", () =>
    Effect.gen(function*() {
      const { env } = yield* sandboxEnv()
      const quota = yield* motive(["recall", "quota", "--json"], { env })
      expect(JSON.parse(quota.stdout).quota_info.regular).toEqual({
        used_minutes: 0,
        remaining_minutes: 1000,
        total_minutes: 1000
      })
      const timelines = yield* motive([
        "recall",
        "timelines",
        "--vehicle-number",
        "TRK-102",
        "--from",
        "-4h",
        "--to",
        "-1h"
      ], { env })
      expect(timelines.code).toBe(0)
      expect(timelines.stdout.trim().split("\n").length).toBe(3)
      const bad = yield* motive([
        "recall",
        "timelines",
        "--vehicle-number",
        "TRK-102",
        "--from",
        "yesterday",
        "--to",
        "now"
      ], { env })
      expect(bad.code).toBe(2)
    }))

  it.scopedLive("downloads a finished recall with recall download", () =>
    Effect.gen(function*() {
      const { env } = yield* sandboxEnv()
      const dir = yield* tempDir
      yield* motive(
        ["recall", "create", "--vehicle-number", "TRK-101", "--start", "-10m", "--duration", "1m", "--wait"],
        { env }
      )
      const run = yield* motive(["recall", "download", "1", "--dir", dir, "--cameras", "rear"], { env })
      expect(run.code).toBe(0)
      expect(readdirSync(dir)).toEqual(["1-rear.mp4"])
      const unknown = yield* motive(["recall", "download", "1", "--dir", dir, "--cameras", "roof"], { env })
      expect(unknown.code).toBe(2)
    }))

  it.effect("verifies a webhook signature from a file or stdin: the documented vector passes, a tampered body fails", () =>
    Effect.gen(function*() {
      const secret = "d9d36bea41c44ae49d1bfc4a48ba2abe"
      const body = "[\"fault_code_closed\"]"
      const signature = "f04a8386a21a6cba0447024e83b3f0983352bb72"
      const ok = yield* motive(["webhook", "verify", "--secret", secret, "--signature", signature], { input: body })
      expect(ok.code).toBe(0)
      expect(ok.stdout).toContain("valid")
      const tampered = yield* motive(["webhook", "verify", "--signature", signature], {
        input: "[\"fault_code_opened\"]",
        env: { MOTIVE_WEBHOOK_SECRET: secret }
      })
      expect(tampered.code).toBe(2)
      expect(tampered.stderr).not.toContain(secret)
      // What is not a signature at all is said so, not "does not match" (which says the body changed).
      const notHex = yield* motive(["webhook", "verify", "--secret", secret, "--signature", "zz"], { input: body })
      expect(notHex).toMatchObject({ code: 2, stdout: "" })
      expect(notHex.stderr).toBe(
        "error: --signature is not an X-KT-Webhook-Signature: that is 40 hex digits (an HMAC-SHA1), got 2 characters that are not all hex digits\n"
      )
      const short = yield* motive(["webhook", "verify", "--secret", secret, "--signature", signature.slice(1)], {
        input: body
      })
      expect(short.stderr).toContain("got 39 characters\n")
    }))

  it.scopedLive("verifies a body read from --file", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = join(dir, "body.json")
      const body = JSON.stringify({ action: "video_recall_request_completed", id: 3 })
      writeFileSync(file, body)
      const signature = createHmac("sha1", "s3").update(body).digest("hex")
      const run = yield* motive([
        "webhook",
        "verify",
        "--secret",
        "s3",
        "--signature",
        signature,
        "--file",
        file,
        "--json"
      ])
      expect(run.code).toBe(0)
      expect(JSON.parse(run.stdout)).toEqual({ valid: true, bytes: body.length })
    }))

  it.scopedLive("runs the demo end to end into a directory", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const state = join(dir, "state")
      const run = yield* motive(["demo", "--dir", "out"], { cwd: dir, env: { MOTIVE_STATE_DIR: state } })
      expect(run.code).toBe(0)
      expect(run.stdout).toContain("Demo done")
      // The in-process sandbox's requests vanish with it: this machine's request journal is not told of them.
      expect(existsSync(join(state, "requests.jsonl"))).toBe(false)
      expect((yield* motive(["recall", "list"], { env: { MOTIVE_STATE_DIR: state } })).stdout).toContain(
        "No video recalls were created from this machine yet."
      )
      expect(readdirSync(join(dir, "out")).sort()).toEqual([
        "1-driver_facing.mp4",
        "1-front_facing.jpg",
        "1-front_facing.mp4",
        "batch"
      ])
      expect(existsSync(join(dir, "out", "1-front_facing.mp4.part"))).toBe(false)
      // The batch step: three rows, each in its ref's folder.
      expect(run.stdout).toContain("3 of 3 rows done")
      expect(readdirSync(join(dir, "out", "batch")).sort()).toEqual(["incident-1", "incident-2", "incident-3"])
      expect(readdirSync(join(dir, "out", "batch", "incident-3"))).toEqual(["4-rear.mp4"])
    }), 30_000)

  it.scopedLive("runs the demo against Motive (here: a sandbox by URL) on the named vehicle, a smart dashcam too", () =>
    Effect.gen(function*() {
      const { env, sandbox } = yield* sandboxEnv()
      const dir = yield* tempDir
      const unnamed = yield* motive(["demo"], { cwd: dir, env })
      expect(unnamed.code).toBe(2)
      expect(unnamed.stderr).toContain("--vehicle-number")
      expect(yield* sandbox.requests).toEqual([])
      // TRK-103 carries a smart dashcam, which refuses recalls longer than a minute.
      const run = yield* motive(["demo", "--vehicle-number", "TRK-103", "--dir", "out"], { cwd: dir, env })
      expect(run.code).toBe(0)
      expect(run.stdout).toContain(`Demo done against ${sandbox.baseUrl}`)
      expect((yield* sandbox.recalls).map((r) => r.entity)).toEqual([{ kind: "vehicle", id: 103, number: "TRK-103" }])
    }))

  it.scopedLive("works against the in-process sandbox with --sandbox, given anywhere on the line", () =>
    Effect.gen(function*() {
      const run = yield* motive(["recall", "quota", "--sandbox", "--json"])
      expect(run.code).toBe(0)
      expect(JSON.parse(run.stdout).quota_info.timelapse.total_minutes).toBe(10000)
    }))
})
