import { defaultFleet } from "@effect-motive/sandbox"
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { existsSync } from "node:fs"
import { join } from "node:path"
import { main } from "../src/index.js"
import { motive, motiveBackground, sandboxEnv, tempDir, until } from "./support.js"

/** Runs the command in-process with stderr taken for a terminal (where retries are announced). */
const onTerminal = (args: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    let stdout = "", stderr = ""
    const code = yield* main(["node", "motive", ...args], {
      stdout: (text) => void (stdout += text),
      stderr: (text) => void (stderr += text),
      stderrIsTerminal: true
    }).pipe(Effect.provide(NodeContext.layer))
    return { code, stdout, stderr }
  })

describe("motive: vehicles and assets by the names people use", () => {
  it.scopedLive("motive vehicles and motive assets list the fleet as a table, or one JSON document", () =>
    Effect.gen(function*() {
      const { env } = yield* sandboxEnv()
      const vehicles = yield* motive(["vehicles"], { env })
      expect(vehicles).toEqual({
        code: 0,
        stderr: "",
        stdout: [
          "ID   NUMBER   MAKE          MODEL     STATUS",
          "101  TRK-101  Freightliner  Cascadia  active",
          "102  TRK-102  Volvo         VNL 860   active",
          "103  TRK-103  Ford          Transit   active",
          ""
        ].join("\n")
      })
      const assets = yield* motive(["assets", "--json"], { env })
      expect(assets.code).toBe(0)
      expect(JSON.parse(assets.stdout)).toEqual({
        assets: [{ id: 7, name: "TRAILER-7", type: "trailer", status: "active" }]
      })
    }))

  it.scopedLive("a vehicle number matches as written before another case, and several vehicles carrying it are refused", () =>
    Effect.gen(function*() {
      const [trk101, trk102] = defaultFleet.vehicles
      const { env, sandbox } = yield* sandboxEnv({
        fleet: {
          ...defaultFleet,
          vehicles: [{ ...trk101!, id: 201, number: "trk-101" }, ...defaultFleet.vehicles, { ...trk102!, id: 302 }]
        }
      })
      const capture = (number: string) =>
        motive(["image", "capture", "--vehicle-number", number, "--position", "front_facing", "--json"], { env })
      // Listed first, "trk-101" used to be taken for TRK-101: the capture went to the wrong truck.
      const exact = yield* capture("TRK-101")
      expect(exact.code).toBe(0)
      expect(JSON.parse(exact.stdout)).toMatchObject({ capture: { vehicle: { id: 101, number: "TRK-101" } } })
      const ambiguous = yield* capture("Trk-101")
      expect(ambiguous.code).toBe(3)
      expect(JSON.parse(ambiguous.stdout).error.message).toBe(
        "2 vehicles are numbered \"Trk-101\" in the fleet: ids 201 (\"trk-101\", active), 101 (\"TRK-101\", active); nothing was sent: name one with --vehicle-id"
      )
      const twice = yield* capture("TRK-102")
      expect(twice.code).toBe(3)
      expect(JSON.parse(twice.stdout).error.message).toContain(
        "ids 102 (\"TRK-102\", active), 302 (\"TRK-102\", active)"
      )
      // Only the exact one was sent.
      expect((yield* sandbox.requests).filter((r) => r.method === "POST").map((r) => r.body)).toEqual([
        { vehicle_id: 101, position: "front_facing" }
      ])
    }))

  it.scopedLive("image capture takes --vehicle-number / --asset-name and sends the id it looks up", () =>
    Effect.gen(function*() {
      const { env, sandbox } = yield* sandboxEnv()
      const run = yield* motive(["image", "capture", "--vehicle-number", "trk-102", "--position", "driver_facing"], {
        env
      })
      expect(run.code).toBe(0)
      expect(run.stdout).toContain("Image capture 1 for vehicle TRK-102: pending")
      expect(run.stdout.trimEnd().split("\n").at(-1)).toBe("Next: motive image get 1 --wait")
      const asset = yield* motive(["image", "capture", "--asset-name", "TRAILER-7", "--position", "rear", "--json"], {
        env
      })
      expect(JSON.parse(asset.stdout)).toMatchObject({
        capture: { request_id: 2, camera_type: "omnicam" },
        next: "motive image get 2 --wait"
      })
      const posted = (yield* sandbox.requests).filter((r) => r.method === "POST").map((r) => r.body)
      expect(posted).toEqual([
        { vehicle_id: 102, position: "driver_facing" },
        { asset_id: 7, position: "rear" }
      ])
      // The camera type is remembered from the capture: `image get` needs only the id.
      const get = yield* motive(["image", "get", "2"], { env })
      expect(get.code).toBe(0)
      expect(get.stdout).toContain("Image capture 2 for asset TRAILER-7")
      const unknown = yield* motive(["image", "capture", "--vehicle-number", "TRK-999", "--position", "rear"], { env })
      expect(unknown).toEqual({
        code: 3,
        stdout: "",
        stderr: "error: no vehicle numbered \"TRK-999\" in the fleet ('motive vehicles' lists them)\n"
      })
      const both = yield* motive(
        ["image", "capture", "--vehicle-number", "TRK-101", "--vehicle-id", "101", "--position", "rear"],
        { env }
      )
      expect(both.code).toBe(2)
      expect(both.stderr).toBe(
        "error: give exactly one of --vehicle-number, --asset-name, --vehicle-id or --asset-id\n"
      )
    }))

  it.scopedLive("image capture --dry-run prints the body and the camera type and sends nothing (exit 0, or 2)", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const run = yield* motive(["image", "capture", "--vehicle-id", "101", "--position", "driver_facing", "--dry-run"])
      expect(run).toEqual({
        code: 0,
        stderr: "",
        stdout: [
          "Dry run: the request is valid and nothing was sent.",
          "POST /v1/image_captures",
          "{",
          "  \"vehicle_id\": 101,",
          "  \"position\": \"driver_facing\"",
          "}",
          "camera type: dashcam",
          ""
        ].join("\n")
      })
      const named = yield* motive(["image", "capture", "--asset-name", "TRAILER-7", "--position", "rear", "--dry-run"])
      expect(named.stdout).toContain("\"asset_id\": \"<id of asset TRAILER-7, looked up when sent>\"")
      expect(named.stdout).toContain("camera type: omnicam")
      const bad = yield* motive(["image", "capture", "--asset-id", "7", "--position", "front_facing", "--dry-run"])
      expect(bad.code).toBe(2)
      expect(bad.stderr).toContain("[position.vehicle_only]")
      const out = join(dir, "x.jpg")
      const both = yield* motive([
        "image",
        "capture",
        "--vehicle-id",
        "1",
        "--position",
        "rear",
        "--dry-run",
        "--out",
        out
      ])
      expect(both.code).toBe(2)
      expect(existsSync(out)).toBe(false)
    }))
})

describe("motive: times, durations and what comes next", () => {
  const create = ["recall", "create", "--vehicle-number", "TRK-101", "--dry-run"]
  it.effect("takes now, -15m, -2h, -1d and durations with a unit; a bare number is refused with both forms", () =>
    Effect.gen(function*() {
      for (const start of ["-15m", "-2h", "-1d"]) {
        const run = yield* motive([...create, "--start", start, "--duration", "2m"])
        expect(run.code, start).toBe(0)
      }
      const seconds = yield* motive([...create, "--start", "-1h", "--duration", "120s", "--json"])
      expect(JSON.parse(seconds.stdout).body.duration).toBe(2)
      expect(yield* motive([...create, "--start", "-15", "--duration", "2m"])).toEqual({
        code: 2,
        stdout: "",
        stderr: "error: --start -15 needs a unit: -15m for minutes ago, or -15s, -15h, -15d\n"
      })
      expect(yield* motive([...create, "--start", "-1h", "--duration", "2"])).toEqual({
        code: 2,
        stdout: "",
        // A recall lasts whole minutes: seconds are not offered, nor a fraction.
        stderr: "error: --duration 2 needs a unit: 2m for minutes\n"
      })
      expect((yield* motive([...create, "--start", "-1h", "--duration", "2.5"])).stderr).toBe(
        "error: --duration 2.5 needs a unit, and a recall lasts whole minutes (e.g. 1m, 2m, 10m)\n"
      )
      // An empty item in a list of cameras is refused, not dropped: the list sent is the list written.
      for (const cameras of ["front_facing,,rear", "front_facing,", ",rear"]) {
        expect(yield* motive([...create, "--start", "-1h", "--duration", "1m", "--cameras", cameras])).toEqual({
          code: 2,
          stdout: "",
          stderr:
            `error: --cameras "${cameras}" has an empty item: separate positions with one comma (e.g. front_facing,rear)\n`
        })
      }
      // Nothing shorter than a minute is offered (30s never fits a recall).
      for (const none of ["0m", "0", "-1m", "0.0h"]) {
        expect((yield* motive([...create, "--start", "-1h", "--duration", none])).stderr, none).toBe(
          `error: --duration ${none} must be 1m or more: a recall lasts whole minutes (1m, 2m, 10m)\n`
        )
      }
      const window = yield* motive([...create, "--start", "now", "--duration", "1m"])
      expect(window.code).toBe(2)
      expect(window.stderr).toContain("[window.ends_in_future]")
      const yesterday = yield* motive([...create, "--start", "yesterday", "--duration", "1m"])
      expect(yesterday.stderr).toContain("--start also takes now, -15m, -2h or -1d [start_time.invalid]")
    }))

  it.scopedLive("--timeout takes 1d and refuses a bare 1, 0 or more than 7d; a bad base URL is refused; a create without --wait ends with the command that follows", () =>
    Effect.gen(function*() {
      const { env } = yield* sandboxEnv()
      const bare = yield* motive(["recall", "wait", "1", "--timeout", "1"], { env })
      expect(bare).toEqual({
        code: 2,
        stdout: "",
        stderr: "error: --timeout 1 needs a unit: 1m for minutes or 1s for seconds\n"
      })
      for (const zero of ["0s", "0", "-5m"]) {
        expect(yield* motive(["recall", "wait", "1", "--timeout", zero], { env })).toEqual({
          code: 2,
          stdout: "",
          stderr: `error: --timeout ${zero} must be longer than 0, e.g. 30s or 10m\n`
        })
      }
      for (const noNumber of ["s", "ms", "."]) {
        expect((yield* motive(["recall", "wait", "1", "--timeout", noNumber], { env })).stderr).toBe(
          `error: --timeout "${noNumber}" is not a duration: use e.g. 30s, 10m, 1h or 1d\n`
        )
      }
      // A base URL is checked before anything is sent, naming the flag or the variable.
      expect(yield* motive(["recall", "quota", "--base-url", "api.gomotive.com"], { env })).toEqual({
        code: 2,
        stdout: "",
        stderr: `error: --base-url "api.gomotive.com" is not an http(s) URL, e.g. https://api.gomotive.com\n`
      })
      expect(yield* motive(["recall", "quota"], { env: { ...env, MOTIVE_BASE_URL: "ftp://x" } })).toEqual({
        code: 2,
        stdout: "",
        stderr: `error: bad setting: MOTIVE_BASE_URL "ftp://x" is not an http(s) URL\n`
      })
      // A proxy's password in a URL that is refused is never shown, however malformed the URL.
      for (
        const [given, shown] of [
          ["htps://user:hunter2@proxy", "htps://<USER INFO>@proxy"],
          [" htps://user:hunter2@proxy", "htps://<USER INFO>@proxy"],
          ["https:/user:hunter2@proxy", "https:/<USER INFO>@proxy"],
          ["user:hunter2@proxy:8080", "user:<USER INFO>@proxy:8080"]
        ]
      ) {
        const flag = yield* motive(["recall", "quota", "--base-url", given!], { env })
        expect([flag.code, flag.stderr]).toEqual([
          2,
          `error: --base-url "${shown}" is not an http(s) URL, e.g. https://api.gomotive.com\n`
        ])
        const variable = yield* motive(["recall", "quota"], { env: { ...env, MOTIVE_BASE_URL: given! } })
        expect([variable.code, variable.stderr]).toEqual([
          2,
          `error: bad setting: MOTIVE_BASE_URL "${shown}" is not an http(s) URL\n`
        ])
      }
      const long = yield* motive(["recall", "wait", "1", "--timeout", "99999999999d"], { env })
      expect(long).toEqual({ code: 2, stdout: "", stderr: "error: --timeout 99999999999d is too long: at most 7d\n" })
      const created = yield* motive([
        "recall",
        "create",
        "--vehicle-number",
        "TRK-101",
        "--start",
        "-1h",
        "--duration",
        "1m"
      ], {
        env
      })
      expect(created.code).toBe(0)
      expect(created.stdout.trimEnd().split("\n").at(-1)).toBe("Next: motive recall wait 1")
      const waited = yield* motive(["recall", "wait", "1", "--timeout", "1d", "--json"], { env })
      expect(waited.code).toBe(0)
      expect(JSON.parse(waited.stdout).next).toBeUndefined()
      const unbounded = yield* motive(
        ["recall", "create", "--vehicle-number", "TRK-101", "--start", "-2h", "--duration", "1m", "--timeout", "5m"],
        { env }
      )
      expect(unbounded.code).toBe(0)
      expect(unbounded.stderr).toContain(
        "--timeout bounds --wait and --download; without either, nothing is waited for"
      )
    }))
})

describe("motive: flags with nothing to act on", () => {
  it.scopedLive("--timeout where nothing waits and --force where nothing is written are said to do nothing", () =>
    Effect.gen(function*() {
      const { env } = yield* sandboxEnv()
      const capture = ["image", "capture", "--vehicle-id", "101", "--position", "rear"]
      const captured = yield* motive([...capture, "--timeout", "5m", "--force"], { env })
      expect(captured.code).toBe(0)
      expect(captured.stderr).toContain("--timeout bounds --wait and --out; without either, nothing is waited for\n")
      expect(captured.stderr).toContain(
        "--force replaces a file --out would write; without --out, nothing is written\n"
      )
      const got = yield* motive(["image", "get", "1", "--timeout", "5m"], { env })
      expect(got.code).toBe(0)
      expect(got.stderr).toContain("--timeout bounds --wait; without it, nothing is waited for\n")
      const waited = yield* motive(["recall", "wait", "1", "--force"], { env })
      expect(waited.stderr).toContain(
        "--force replaces a file --download would write; without --download, nothing is written\n"
      )
      // Where they act, nothing is said of them.
      const bounded = yield* motive(["image", "get", "1", "--wait", "--timeout", "5m"], { env })
      expect(bounded.code).toBe(0)
      expect(bounded.stderr).not.toContain("--timeout")
    }))

  it.scopedLive("the global flags of Motive's calls are said to do nothing for commands that make none", () =>
    Effect.gen(function*() {
      const verify = [
        "webhook",
        "verify",
        "--secret",
        "d9d36bea41c44ae49d1bfc4a48ba2abe",
        "--signature",
        "f04a8386a21a6cba0447024e83b3f0983352bb72"
      ]
      const input = "[\"fault_code_closed\"]"
      const given = yield* motive(["--sandbox", "--api-key", "k", "--time-zone", "UTC", ...verify], { input })
      expect(given.code).toBe(0)
      expect(given.stderr).toBe(
        "--sandbox, --api-key and --time-zone are not used by `motive webhook verify`, which makes no call to Motive\n"
      )
      // The key's value is not repeated; from the environment, nothing is said (it serves other commands).
      const fromEnv = yield* motive(verify, { input, env: { MOTIVE_API_KEY: "k", MOTIVE_BASE_URL: "http://x" } })
      expect(fromEnv).toMatchObject({ code: 0, stderr: "" })
      const sandbox = yield* motiveBackground(["sandbox", "--sandbox", "--port", "0"])
      yield* until(() => sandbox.lines.find((l) => l.startsWith("MOTIVE_BASE_URL=")))
      yield* until(() =>
        sandbox.stderr().includes(
            "--sandbox is not used by `motive sandbox`, which serves Motive's API rather than calling it\n"
          )
          ? true
          : undefined
      )
    }))
})

describe("motive: retries said out loud", () => {
  it.scopedLive("on a terminal each retry says why and when; the final error says how many attempts were made", () =>
    Effect.gen(function*() {
      const { env, sandbox } = yield* sandboxEnv()
      const flags = ["--api-key", env.MOTIVE_API_KEY, "--base-url", env.MOTIVE_BASE_URL]
      yield* sandbox.injectFault("recallQuota", { kind: "status", status: 503 }, 1)
      const retried = yield* onTerminal(["recall", "quota", ...flags])
      expect(retried.code).toBe(0)
      expect(retried.stderr).toMatch(/^Motive answered 503; retrying in \d+\.\d s \(attempt 2 of \d+\)$/m)
      yield* sandbox.injectFault("recallQuota", { kind: "status", status: 503 }, 10)
      process.env.MOTIVE_MAX_ATTEMPTS = "3"
      const failed = yield* onTerminal(["recall", "quota", ...flags]).pipe(
        Effect.ensuring(Effect.sync(() => delete process.env.MOTIVE_MAX_ATTEMPTS))
      )
      expect(failed.code).toBe(5)
      expect(failed.stderr).toMatch(/\(attempt 3 of 3\)\n/)
      expect(failed.stderr).toMatch(/^error: .* \(after 3 attempts\) \(HTTP 503\)$/m)
      // Not on a terminal, and never in --json: no notices, but the count is in the error document.
      yield* sandbox.injectFault("recallQuota", { kind: "status", status: 503 }, 10)
      const json = yield* motive(["recall", "quota", "--json"], { env: { ...env, MOTIVE_MAX_ATTEMPTS: "2" } })
      expect(json.code).toBe(5)
      expect(json.stderr).toBe("")
      expect(JSON.parse(json.stdout).error.details.attempts).toBe(2)
    }))
})
