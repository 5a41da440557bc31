import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { createServer as createHttpServer, type Server as HttpServer } from "node:http"
import { type AddressInfo, createServer, type Server } from "node:net"
import { join } from "node:path"
import { isLoopbackHost, sentInClear } from "../src/Client.js"
import { main } from "../src/index.js"
import { motive, sandboxEnv, tempDir } from "./support.js"

/** A valid recall create, to which a test adds flags. */
const create20m = ["recall", "create", "--vehicle-number", "TRK-101", "--start", "-20m", "--duration", "1m"]

describe("motive: output modes and failures after a request exists", () => {
  it.scopedLive("honours --json after a global flag that takes a value", () =>
    Effect.gen(function*() {
      const { env, sandbox } = yield* sandboxEnv()
      const run = yield* motive(["recall", "quota", "--api-key", Redacted.value(sandbox.apiKey), "--json"], {
        env: { MOTIVE_BASE_URL: env.MOTIVE_BASE_URL }
      })
      expect(run.code).toBe(0)
      expect(JSON.parse(run.stdout).quota_info.regular.total_minutes).toBe(1000)
    }))

  it.scopedLive("takes a global flag's value that names a command as the value, wherever the flag stands", () =>
    Effect.gen(function*() {
      const { env } = yield* sandboxEnv({ apiKeys: ["demo", "recall"] })
      for (
        const line of [
          ["vehicles", "--api-key", "demo", "--json"],
          ["--api-key", "recall", "vehicles", "--json"],
          ["--api-key=demo", "vehicles", "--json"]
        ]
      ) {
        const run = yield* motive(line, { env: { MOTIVE_BASE_URL: env.MOTIVE_BASE_URL } })
        expect(run.code, line.join(" ")).toBe(0)
        expect(run.stderr, line.join(" ")).toBe("")
        expect(JSON.parse(run.stdout).vehicles.length, line.join(" ")).toBeGreaterThan(0)
      }
    }))

  it.scopedLive("reports the id of a recall that exists when the wait after it fails", () =>
    Effect.gen(function*() {
      const { env } = yield* sandboxEnv({ lifecycle: { recallPendingMillis: 60_000 } })
      const run = yield* motive(
        [
          "recall",
          "create",
          "--vehicle-number",
          "TRK-101",
          "--start",
          "-10m",
          "--duration",
          "1m",
          "--wait",
          "--timeout",
          "300ms",
          "--json"
        ],
        { env }
      )
      expect(run.code).toBe(5)
      expect(JSON.parse(run.stdout).error).toMatchObject({
        tag: "WaitTimedOut",
        details: { lastStatus: "pending" },
        request: { kind: "video_recall", id: 1, resume: "motive recall wait 1" }
      })
      const human = yield* motive([...create20m, "--wait", "--timeout", "300ms"], { env })
      expect(human.stderr).toContain("video recall 2 exists: motive recall wait 2")
    }))

  it.scopedLive("with --sandbox, no command to pick a request up is given: that emulator ends with the run", () =>
    Effect.gen(function*() {
      const made = yield* motive(["--sandbox", ...create20m])
      expect(made.code).toBe(0)
      expect(made.stdout).not.toContain("Next:")
      const image = yield* motive([
        "--sandbox",
        "--json",
        "image",
        "capture",
        "--vehicle-id",
        "101",
        "--position",
        "rear"
      ])
      expect(JSON.parse(image.stdout).next).toBeUndefined()
      const timedOut = yield* motive(["--sandbox", ...create20m, "--wait", "--timeout", "1ms"])
      expect(timedOut.code).toBe(5)
      expect(timedOut.stderr).toContain(
        "video recall 1 exists: nothing to resume (it was in the built-in sandbox, which ended with this run)"
      )
    }))

  it.scopedLive("answers a duplicate with the recall Motive already holds (a 409 naming it is no failure)", () =>
    Effect.gen(function*() {
      const { env, sandbox } = yield* sandboxEnv()
      const start = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 30 * 60_000).toISOString()
      const args = [
        "recall",
        "create",
        "--vehicle-number",
        "TRK-101",
        "--start",
        start,
        "--duration",
        "1m"
      ]
      yield* motive([...args], { env })
      const again = yield* motive([...args, "--json"], { env })
      expect(again.code, again.stdout).toBe(0)
      expect(JSON.parse(again.stdout), again.stdout).toMatchObject({
        recall: { id: 1 },
        deduplicated: true,
        duplicateOf: 1,
        next: "motive recall wait 1"
      })
      const human = yield* motive(args, { env })
      expect(human.code).toBe(0)
      expect(human.stderr).toContain("Motive already has this recall as video recall 1 (409 duplicate)\n")
      expect(human.stderr).not.toContain("requested")
      expect(yield* sandbox.recalls).toHaveLength(1)
    }))
})

describe("motive: destinations and values checked before anything is sent", () => {
  it.scopedLive("refuses an empty or unusable --download, --dir or --out with exit 2, sending nothing", () =>
    Effect.gen(function*() {
      const { env, sandbox } = yield* sandboxEnv()
      const dir = yield* tempDir
      mkdirSync(join(dir, "taken"))
      const empty = yield* motive(
        ["recall", "create", "--vehicle-number", "TRK-101", "--start", "-10m", "--duration", "1m", "--download", ""],
        { env }
      )
      expect(empty.code).toBe(2)
      const intoDirectory = yield* motive(
        ["image", "capture", "--vehicle-id", "101", "--position", "rear", "--out", join(dir, "taken")],
        { env }
      )
      expect(intoDirectory.code).toBe(2)
      expect(intoDirectory.stderr).toContain("is a directory")
      const noCameras = yield* motive(["recall", "download", "1", "--dir", dir, "--cameras", ""], { env })
      expect(noCameras.code).toBe(2)
      // /proc passes every permission check for root, yet refuses new directories: the check tries for real.
      const proc = yield* motive(
        [
          "recall",
          "create",
          "--vehicle-number",
          "TRK-101",
          "--start",
          "-10m",
          "--duration",
          "1m",
          "--download",
          "/proc/x"
        ],
        { env }
      )
      expect(proc.code).toBe(2)
      expect(proc.stderr).toContain("--download: nothing can be written in /proc")
      expect(readdirSync(dir)).toEqual(["taken"])
      expect(yield* sandbox.requests).toEqual([])
    }))

  it.scoped("refuses an absurd relative time, a bad MOTIVE_MAX_ATTEMPTS, blank or contradictory credentials and a missing --file with exit 2", () =>
    Effect.gen(function*() {
      const far = yield* motive([
        "recall",
        "create",
        "--vehicle-number",
        "TRK-101",
        "--start",
        "-99999999999d",
        "--duration",
        "1m",
        "--dry-run"
      ])
      expect(far.code).toBe(2)
      // Said as what it is: it used to be called no ISO 8601 timestamp ([start_time.invalid]).
      expect(far.stderr).toContain("--start -99999999999d is more than 100 years ago: no footage is that old")
      const century = yield* motive([
        "recall",
        "create",
        "--vehicle-number",
        "TRK-101",
        "--start",
        "-36501d",
        "--duration",
        "1m",
        "--dry-run"
      ])
      expect(century).toMatchObject({
        code: 2,
        stderr: "error: --start -36501d is more than 100 years ago: no footage is that old\n"
      })
      const attempts = yield* motive(["recall", "quota"], { env: { MOTIVE_API_KEY: "k", MOTIVE_MAX_ATTEMPTS: "abc" } })
      expect(attempts.code).toBe(2)
      expect(attempts.stderr).toContain("MOTIVE_MAX_ATTEMPTS")
      const both = yield* motive(["demo"], { env: { MOTIVE_API_KEY: "k", MOTIVE_OAUTH_TOKEN: "t" } })
      expect(both.code).toBe(2)
      const dryWait = yield* motive(
        [
          "recall",
          "create",
          "--vehicle-number",
          "TRK-101",
          "--start",
          "-10m",
          "--duration",
          "1m",
          "--dry-run",
          "--wait"
        ]
      )
      expect(dryWait.code).toBe(2)
      expect(dryWait.stderr).toContain("--dry-run sends nothing")
      const ignoring = yield* motive(["recall", "quota", "--sandbox", "--base-url", "http://127.0.0.1:9"])
      expect(ignoring.code).toBe(0)
      expect(ignoring.stderr).toContain("--sandbox: ignoring --base-url")
      const blank = yield* motive(["recall", "quota", "--api-key", " "])
      expect(blank.code).toBe(2)
      expect(blank.stderr).toContain("--api-key is empty")
      const missing = join(yield* tempDir, "nonexistent")
      const noFile = yield* motive(["webhook", "verify", "--secret", "s", "--signature", "00", "--file", missing])
      expect(noFile.code).toBe(2)
      expect(noFile.stderr).toBe(
        `error: could not read --file: ENOENT: no such file or directory, open '${missing}'\n`
      )
      // --file is a regular file (a device or a FIFO never ends, or blocks past Ctrl-C); a body is at most 16 MiB.
      const endless = yield* motive(["webhook", "verify", "--secret", "s", "--signature", "00", "--file", "/dev/zero"])
      expect(endless.code).toBe(2)
      expect(endless.stderr).toBe("error: --file /dev/zero is not a regular file: send its content to stdin instead\n")
      const folder = yield* tempDir
      const asFile = yield* motive(["webhook", "verify", "--secret", "s", "--signature", "00", "--file", folder])
      expect(asFile.code).toBe(2)
      expect(asFile.stderr).toBe(`error: --file ${folder} is a directory: give the body's file\n`)
      const huge = yield* motive(["webhook", "verify", "--secret", "s", "--signature", "00"], {
        input: Buffer.alloc(17 * 1024 * 1024)
      })
      expect(huge.code).toBe(2)
      expect(huge.stderr).toBe("error: stdin is over 16 MiB: not a webhook body\n")
      // A directory as stdin (`< dir`) reads as an empty body in Node: refused, not "the signature does not match".
      const directory = yield* tempDir
      const fd = openSync(directory, "r")
      const fromDirectory = yield* Effect.ensuring(
        motive(["webhook", "verify", "--secret", "s", "--signature", "00"], { stdin: fd }),
        Effect.sync(() => closeSync(fd))
      )
      expect(fromDirectory.code).toBe(2)
      expect(fromDirectory.stderr).toBe("error: stdin is a directory: send the body's file instead\n")
    }))

  it.scopedLive("a command to paste repeats the connection flags given as flags, a credential as <KEY>", () =>
    Effect.gen(function*() {
      const { sandbox } = yield* sandboxEnv()
      const run = yield* motive([
        "--base-url",
        sandbox.baseUrl,
        "--api-key",
        Redacted.value(sandbox.apiKey),
        "--time-zone",
        "Eastern Time (US & Canada)",
        ...create20m
      ])
      expect(run.code).toBe(0)
      expect(run.stdout).toContain(
        `Next: motive --base-url ${sandbox.baseUrl} --api-key <KEY> --time-zone 'Eastern Time (US & Canada)' recall wait 1`
      )
      expect(run.stdout + run.stderr).not.toContain(Redacted.value(sandbox.apiKey))
    }))

  it.scopedLive("a command to paste never shows the password of a --base-url (a proxy's), only <PASSWORD>", () =>
    Effect.gen(function*() {
      const { sandbox } = yield* sandboxEnv()
      const withPassword = sandbox.baseUrl.replace("http://", "http://fleet:s3cr3t@proxy@")
      const run = yield* motive(["--base-url", withPassword, "--api-key", Redacted.value(sandbox.apiKey), ...create20m])
      expect(run.code).toBe(0)
      expect(run.stdout).toContain(
        `Next: motive --base-url '${
          sandbox.baseUrl.replace("http://", "http://fleet:<PASSWORD>@")
        }' --api-key <KEY> recall wait 1`
      )
      expect(run.stdout + run.stderr).not.toContain("s3cr3t")
    }))

  it.scopedLive("warns that a plain http base URL to another machine carries the credential unencrypted", () =>
    Effect.gen(function*() {
      const { env, sandbox } = yield* sandboxEnv()
      // The same sandbox, named by an address that is not 127.x (an IPv4-mapped IPv6 one): as another machine.
      const elsewhere = sandbox.baseUrl.replace("127.0.0.1", "[::ffff:127.0.0.1]")
      const run = yield* motive(["recall", "quota"], { env: { ...env, MOTIVE_BASE_URL: elsewhere } })
      expect(run.code).toBe(0)
      expect(run.stderr).toContain("is plain http to another machine: the credential travels unencrypted (use https)")
      // Loopback is this machine: no warning.
      expect((yield* motive(["recall", "quota"], { env })).stderr).toBe("")
    }))

  it("takes only loopback addresses and localhost as this machine, not a name that starts like one", () => {
    const warned = [
      "http://127.0.0.1.nip.io:4811",
      "http://127.0.0.1.example.com/",
      "http://[::ffff:127.0.0.1]:80",
      "http://10.0.0.5",
      "http://localhost.example.com"
    ]
    const quiet = [
      "http://127.0.0.1:4811",
      "http://127.1:80",
      "http://2130706433/",
      "http://LOCALHOST:1",
      "http://localhost.:1",
      "http://[0:0:0:0:0:0:0:1]:9",
      "https://api.example.com"
    ]
    expect(warned.filter((u) => !sentInClear(u))).toEqual([])
    expect(quiet.filter(sentInClear)).toEqual([])
    // The same rule tells a worker's --listen host that only this machine reaches.
    expect(["127.0.0.1", "127.9.9.9", "::1", "[::1]", "localhost"].filter((h) => !isLoopbackHost(h))).toEqual([])
    expect(["127.0.0.1.nip.io", "10.0.0.5", "0.0.0.0", "worker-2"].filter(isLoopbackHost)).toEqual([])
  })

  it.scopedLive("a credential flag is the one used: a MOTIVE_OAUTH_TOKEN left in the environment is not read", () =>
    Effect.gen(function*() {
      const { env, sandbox } = yield* sandboxEnv()
      const run = yield* motive(["recall", "quota", "--api-key", Redacted.value(sandbox.apiKey)], {
        env: { MOTIVE_BASE_URL: env.MOTIVE_BASE_URL, MOTIVE_OAUTH_TOKEN: "stale-token" }
      })
      expect(run.stderr).toBe("")
      expect(run.code).toBe(0)
      expect((yield* sandbox.requests).map((r) => r.status)).toEqual([200])
    }))

  it.scoped("motive sandbox refuses a rate, quota or port that cannot work", () =>
    Effect.gen(function*() {
      for (const args of [["--rate", "0"], ["--quota-minutes", "-5"], ["--port", "70000"]]) {
        const run = yield* motive(["sandbox", ...args])
        expect(run.code, args.join(" ")).toBe(2)
      }
      // A port another program holds.
      const holder = yield* Effect.acquireRelease(
        Effect.async<Server>((resume) => {
          const server = createServer()
          server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
        }),
        (server) => Effect.sync(() => server.close())
      )
      const busy = yield* motive(["sandbox", "--port", String((holder.address() as AddressInfo).port)])
      expect(busy.code).toBe(2)
      expect(busy.stderr).toContain("is already in use: choose another port, or 0 for any free one")
    }))
})

describe("motive: what a server says reaches the terminal escaped and cut", () => {
  it.scopedLive("an error body with terminal escapes, or of 200 KB, is shown escaped and cut", () =>
    Effect.gen(function*() {
      const bodies = [
        { type: "text/html", body: `\x1b[31mRED\x1b]0;pwned-title\x07${"x".repeat(200_000)}` },
        { type: "application/json", body: JSON.stringify({ error_message: `bad \x1b[2J${"y".repeat(5_000)}` }) }
      ]
      let next = 0
      const server = yield* Effect.acquireRelease(
        Effect.async<HttpServer>((resume) => {
          const s = createHttpServer((_, res) => {
            const { body, type } = bodies[next++ % bodies.length]!
            res.writeHead(400, { "content-type": type })
            res.end(body)
          })
          s.listen(0, "127.0.0.1", () => resume(Effect.succeed(s)))
        }),
        (s) => Effect.sync(() => s.close())
      )
      const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      for (const expected of ["Motive answered 400: \\u001b[31mRED", "bad \\u001b[2J"]) {
        const run = yield* motive(["--api-key", "k", "--base-url", baseUrl, "recall", "get", "5"])
        expect(run.code).toBe(3)
        expect(run.stderr).not.toContain("\x1b")
        expect(run.stderr).not.toContain("\x07")
        expect(run.stderr).toContain(expected)
        expect(run.stderr.length).toBeLessThan(1_200)
      }
    }))

  it.scopedLive("a table cell from Motive can neither draw a row of its own nor shift the columns", () =>
    Effect.gen(function*() {
      const server = yield* Effect.acquireRelease(
        Effect.async<HttpServer>((resume) => {
          const s = createHttpServer((_, res) => {
            res.writeHead(200, { "content-type": "application/json" })
            res.end(JSON.stringify({
              vehicles: [
                { vehicle: { id: 1, number: "TRK-1", make: "Ford\u001b[31m", model: "F", status: "active" } },
                { vehicle: { id: 2, number: "TRK-2", make: "Volvo\n999  TRK-999  Fake", model: "V", status: "active" } }
              ],
              pagination: { per_page: 100, page_no: 1, total: 2 }
            }))
          })
          s.listen(0, "127.0.0.1", () => resume(Effect.succeed(s)))
        }),
        (s) => Effect.sync(() => s.close())
      )
      const run = yield* motive(["vehicles"], {
        env: { MOTIVE_API_KEY: "k", MOTIVE_BASE_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
      })
      expect(run.code).toBe(0)
      const lines = run.stdout.trimEnd().split("\n")
      expect(lines).toHaveLength(3)
      expect(lines[2]).toContain("Volvo\\u000a999  TRK-999  Fake")
      // Every row's MODEL column starts where the header's does.
      const at = lines[0]!.indexOf("MODEL")
      expect(lines.slice(1).map((l) => l.slice(at, at + 2))).toEqual(["F ", "V "])
    }))

  it.scopedLive("--json writes what a terminal could act on (C1, DEL, bidi overrides) as \\u escapes, the same JSON", () =>
    Effect.gen(function*() {
      const hostile = "TRK\u009b2J\u009d0;T\u009c\u202eevil\u007f\u2028"
      const server = yield* Effect.acquireRelease(
        Effect.async<HttpServer>((resume) => {
          const s = createHttpServer((_, res) => {
            res.writeHead(200, { "content-type": "application/json" })
            res.end(JSON.stringify({
              vehicles: [{ vehicle: { id: 1, number: hostile, make: "Ford", model: "F", status: "active" } }],
              pagination: { per_page: 100, page_no: 1, total: 1 }
            }))
          })
          s.listen(0, "127.0.0.1", () => resume(Effect.succeed(s)))
        }),
        (s) => Effect.sync(() => s.close())
      )
      const run = yield* motive(["vehicles", "--json"], {
        env: { MOTIVE_API_KEY: "k", MOTIVE_BASE_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
      })
      expect(run.code).toBe(0)

      expect(run.stdout).not.toMatch(/[\u007f-\u009f\u2028\u202e]/)
      expect(run.stdout).toContain("TRK\\u009b2J")
      expect(JSON.stringify(JSON.parse(run.stdout))).toContain(JSON.stringify(hostile).slice(1, -1))
    }))

  it.scopedLive("a warning or a table quoting a server is escaped too (a 404 met by recall list --refresh)", () =>
    Effect.gen(function*() {
      const { env } = yield* sandboxEnv()
      const state = yield* tempDir
      const made = yield* motive([
        "recall",
        "create",
        "--vehicle-number",
        "TRK-101",
        "--start",
        "-20m",
        "--duration",
        "1m"
      ], {
        env: { ...env, MOTIVE_STATE_DIR: state }
      })
      expect(made.code).toBe(0)
      const server = yield* Effect.acquireRelease(
        Effect.async<HttpServer>((resume) => {
          const s = createHttpServer((_, res) => {
            res.writeHead(404, { "content-type": "application/json" })
            res.end(JSON.stringify({ error_message: "gone \u001b]0;PWNED\u0007\u001b[2J\u001b[31mRED" }))
          })
          s.listen(0, "127.0.0.1", () => resume(Effect.succeed(s)))
        }),
        (s) => Effect.sync(() => s.close())
      )
      // The recall as if made at this server: --refresh asks each server about its own requests only.
      const other = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      const journal = join(state, "requests.jsonl")
      writeFileSync(journal, readFileSync(journal, "utf8").replaceAll(env.MOTIVE_BASE_URL, other))
      const run = yield* motive(["recall", "list", "--refresh"], {
        env: { MOTIVE_API_KEY: "k", MOTIVE_BASE_URL: other, MOTIVE_STATE_DIR: state }
      })
      expect(run.code).toBe(0)
      expect(run.stderr).toContain("left as recorded: gone \\u001b]0;PWNED\\u0007\\u001b[2J\\u001b[31mRED")
      expect(run.stderr + run.stdout).not.toContain("\u001b")
      expect(run.stderr + run.stdout).not.toContain("\u0007")
    }))
})

describe("motive: ids, help, the wizard and wait progress", () => {
  it.scopedLive("refuses an id of 0 or less, an unknown camera type and a backwards window with exit 2, sending nothing", () =>
    Effect.gen(function*() {
      const { env, sandbox } = yield* sandboxEnv()
      const recall = yield* motive(["recall", "get", "0"], { env })
      expect(recall.code).toBe(2)
      expect(recall.stderr).toBe(
        "error: ID must be a positive whole number, not '0'\nRun 'motive recall get --help' for usage.\n"
      )
      const huge = yield* motive(["--json", "image", "get", "99999999999999999999999"], { env })
      expect(huge.code).toBe(2)
      expect(huge.stderr).toBe("")
      expect(JSON.parse(huge.stdout).error.message).toBe(
        "ID must be a positive whole number, not '99999999999999999999999'"
      )
      const image = yield* motive(["image", "get", "-3", "--camera-type", "dashcam"], { env })
      expect(image.code).toBe(2)
      expect(image.stderr).toContain("ID must be a positive whole number, not '-3'")
      const cameraType = yield* motive(["image", "get", "1", "--camera-type", "foo"], { env })
      expect(cameraType.code).toBe(2)
      expect(cameraType.stderr).toContain("dashcam")
      const window = yield* motive([
        "recall",
        "timelines",
        "--vehicle-number",
        "TRK-101",
        "--from",
        "-1h",
        "--to",
        "-4h"
      ], {
        env
      })
      expect(window.code).toBe(2)
      expect(window.stderr).toContain("[window.end_before_start]")
      // In the flags' words, as typed, with the times they were read as.
      expect(window.stderr).toMatch(
        /^ {2}--to: --to -4h \(\S+Z\) is before --from -1h \(\S+Z\) \[window\.end_before_start\]$/m
      )
      expect(yield* sandbox.requests).toEqual([])
    }))

  it.effect("shows the help after global flags, and refuses --wizard without a terminal instead of waiting", () =>
    Effect.gen(function*() {
      for (const args of [["--sandbox", "-q", "--help"], ["--help"], ["recall", "--quiet", "--help"]]) {
        const run = yield* motive(args)
        expect(run.code, args.join(" ")).toBe(0)
        expect(run.stdout, args.join(" ")).toContain("Usage:")
      }
      // In --json mode stdout carries one JSON document: the help is its text.
      const help = yield* motive(["--json", "--help"])
      expect(help.code).toBe(0)
      expect(JSON.parse(help.stdout).help).toContain("Usage:\n  motive COMMAND")
      const version = yield* motive(["--json", "--version"])
      expect(version.code).toBe(0)
      expect(version.stdout + version.stderr).toContain("0.1.0")
      const wizard = yield* motive(["--wizard"])
      expect(wizard.code).toBe(2)
      expect(wizard.stderr).toContain("--wizard asks its questions in an interactive terminal")
      const json = yield* motive(["--json", "--wizard"])
      expect(json.code).toBe(2)
      expect(JSON.parse(json.stdout).error.tag).toBe("UsageError")
    }))

  it.scopedLive("shows the recall's status while waiting on a terminal", () =>
    Effect.gen(function*() {
      const { env } = yield* sandboxEnv({ lifecycle: { recallPendingMillis: 300, recallProcessingMillis: 2_000 } })
      let stdout = "", stderr = ""
      const code = yield* main(
        ["node", "motive", "recall", "create", "--vehicle-number", "TRK-101", "--start", "-30m", "--duration", "1m"]
          .concat(["--wait", "--api-key", env.MOTIVE_API_KEY!, "--base-url", env.MOTIVE_BASE_URL!]),
        {
          stdout: (text) => void (stdout += text),
          stderr: (text) => void (stderr += text),
          stderrIsTerminal: true
        }
      ).pipe(Effect.provide(NodeContext.layer))
      expect(code).toBe(0)
      expect(stdout).toContain("success")
      expect(stderr).toMatch(/waiting for video recall 1… pending, \d+s/)
      expect(stderr).toMatch(/waiting for video recall 1… in_progress, \d+s/)
    }))

  it.scopedLive("image get --wait waits for an existing capture; a request that ended failed suggests no resume", () =>
    Effect.gen(function*() {
      const { env } = yield* sandboxEnv({
        lifecycle: { capturePendingMillis: 300, captureProcessingMillis: 300, failEntities: ["TRAILER-7"] }
      })
      const dir = yield* tempDir
      const captured = yield* motive(["image", "capture", "--vehicle-id", "101", "--position", "rear", "--json"], {
        env
      })
      expect(captured.code).toBe(0)
      const id = String(JSON.parse(captured.stdout).capture.request_id)
      const out = join(dir, "rear.jpg")
      const got = yield* motive(["image", "get", id, "--wait", "--out", out], {
        env
      })
      expect(got.code).toBe(0)
      expect(readFileSync(out).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]))
      const failed = yield* motive(
        ["recall", "create", "--asset-name", "TRAILER-7", "--start", "-30m", "--duration", "1m", "--wait"],
        { env }
      )
      expect(failed.code).toBe(6)
      expect(failed.stderr).toContain("failed")
      expect(failed.stderr).not.toContain("exists:")
    }))
})
