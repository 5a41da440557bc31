import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { execFileSync } from "node:child_process"
import { readdirSync } from "node:fs"
import { createServer as createHttpServer, type Server as HttpServer } from "node:http"
import type { AddressInfo } from "node:net"
import { join } from "node:path"
import { motive, sandboxEnv, tempDir } from "./support.js"

const create = ["recall", "create", "--vehicle-number", "TRK-101", "--start", "-10m", "--duration", "1m"]
const instant = { recallPendingMillis: 0, recallProcessingMillis: 0 }

describe("motive recall create: every recall Motive may have taken reaches the user", () => {
  it.scopedLive("a lost answer, then a 409 naming the recall that cannot be read back: names it and how to resume", () =>
    Effect.gen(function*() {
      const { env, sandbox } = yield* sandboxEnv({ lifecycle: instant })
      const dir = yield* tempDir
      yield* sandbox.injectFault("createVideoRecall", { kind: "commit_then_drop" }, 1)
      yield* sandbox.injectFault("getVideoRecall", { kind: "reset" }, 20)
      // A folder whose name a shell would expand or run: the command given to paste quotes it.
      const folder = join(dir, "it's $HOME `id` d")
      const run = yield* motive([...create, "--download", folder], {
        env: { ...env, MOTIVE_MAX_ATTEMPTS: "3" }
      })
      expect(run.code).toBe(5)
      expect(run.stderr).toContain("Motive holds this recall as 1")
      const quoted = `'${dir}/it'\\''s $HOME \`id\` d'`
      expect(run.stderr).toContain(`video recall 1 exists: motive recall wait 1 --download ${quoted}`)
      expect(execFileSync("sh", ["-c", `printf %s ${quoted}`], { encoding: "utf8" })).toBe(folder)
      expect((yield* sandbox.recalls).map((r) => r.id)).toEqual([1])
    }))

  it.scopedLive("a lost answer, then server errors: says the recall may exist (--json too)", () =>
    Effect.gen(function*() {
      const { env, sandbox } = yield* sandboxEnv()
      yield* sandbox.injectFault("createVideoRecall", { kind: "commit_then_drop" }, 1)
      yield* sandbox.injectFault("createVideoRecall", { kind: "status", status: 500 }, 10)
      const run = yield* motive(["--json", ...create], { env: { ...env, MOTIVE_MAX_ATTEMPTS: "3" } })
      expect(run.code).toBe(5)
      const document = JSON.parse(run.stdout)
      expect(document.error.tag).toBe("CreateUncertain")
      expect(document.error.message).toContain("an earlier attempt's answer was lost, so Motive may have created")
    }))

  it.scopedLive("a lost answer where Motive makes duplicates: --json says the create was made anew after it", () =>
    Effect.gen(function*() {
      const { env, sandbox } = yield* sandboxEnv({ rejectDuplicates: false })
      yield* sandbox.injectFault("createVideoRecall", { kind: "commit_then_drop" }, 1)
      const run = yield* motive(["--json", ...create], { env })
      expect(run.code).toBe(0)
      expect(JSON.parse(run.stdout)).toMatchObject({ recall: { id: 2 }, deduplicated: false, earlierMayExist: true })
      expect((yield* sandbox.recalls).map((r) => r.id)).toEqual([1, 2])
    }))

  it.scopedLive("with --wait, a 409 naming an existing recall follows that recall and says so", () =>
    Effect.gen(function*() {
      const { env, sandbox } = yield* sandboxEnv({ lifecycle: instant })
      const start = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000).toISOString()
      const first = yield* motive([...create.slice(0, 4), "--start", start, "--duration", "1m"], { env })
      expect(first.code).toBe(0)
      const args = [...create.slice(0, 4), "--start", start, "--duration", "1m", "--wait"]
      const again = yield* motive(args, { env })
      expect(again.code).toBe(0)
      expect(again.stderr).toContain("Motive already has this recall as video recall 1 (409 duplicate): following it")
      const json = yield* motive(["--json", ...args], { env })
      expect(json.code).toBe(0)
      const document = JSON.parse(json.stdout)
      expect(document).toMatchObject({ duplicateOf: 1, recall: { id: 1, status: "success" } })
      expect(yield* sandbox.recalls).toHaveLength(1)
    }))

  it.scopedLive("a recall that finished without footage asked for exits 6, with what did arrive downloaded", () =>
    Effect.gen(function*() {
      const { env } = yield* sandboxEnv({ lifecycle: { ...instant, failCameras: ["rear"] } })
      const dir = yield* tempDir
      const some = yield* motive([...create, "--cameras", "rear,front_facing", "--download", join(dir, "a")], { env })
      expect(some.code).toBe(6)
      expect(some.stderr).toContain("video recall 1 finished with no footage from rear (1 file downloaded)")
      expect(some.stderr).not.toContain("exists: motive recall wait")
      expect(readdirSync(join(dir, "a"))).toEqual(["1-front_facing.mp4"])
      const json = yield* motive(["--json", "recall", "wait", "1", "--download", join(dir, "b")], { env })
      expect(json.code).toBe(0)
      const none = yield* motive(["--json", ...create, "--cameras", "rear", "--download", join(dir, "c")], { env })
      expect(none.code).toBe(6)
      const document = JSON.parse(none.stdout)
      expect(document.error).toMatchObject({ tag: "FootageMissing", summary: { files: [] } })
      expect(document.error.message).toBe("video recall 2 finished with no footage from rear")
      // Waiting on it again, naming no camera: no footage at all.
      const again = yield* motive(["recall", "wait", "2", "--download", join(dir, "d")], { env })
      expect(again.code).toBe(6)
      expect(again.stderr).toContain("video recall 2 finished with no footage from any camera")
      const download = yield* motive(["recall", "download", "2", "--dir", join(dir, "e")], { env })
      expect(download.code).toBe(6)
      // Naming the cameras: the one with footage is downloaded, the failed one reported (exit 6, not a usage error).
      const named = yield* motive([
        "recall",
        "download",
        "1",
        "--dir",
        join(dir, "f"),
        "--cameras",
        "rear,front_facing"
      ], {
        env
      })
      expect(named.code).toBe(6)
      expect(named.stderr).toContain("video recall 1 finished with no footage from rear (1 file downloaded)")
      expect(readdirSync(join(dir, "f"))).toEqual(["1-front_facing.mp4"])
      // With --quiet the files that did arrive are still named.
      const quiet = yield* motive([
        "--quiet",
        ...create,
        "--cameras",
        "rear,front_facing",
        "--download",
        join(dir, "q")
      ], {
        env
      })
      expect(quiet.code).toBe(6)
      expect(quiet.stderr).toContain(join(dir, "q", "3-front_facing.mp4"))
    }))

  it.scopedLive("image capture after a 503 is not sent again, and says the capture may exist", () =>
    Effect.gen(function*() {
      const { env, sandbox } = yield* sandboxEnv()
      yield* sandbox.injectFault("createImageCapture", { kind: "status", status: 503 }, 1)
      const run = yield* motive(["image", "capture", "--vehicle-id", "101", "--position", "rear"], { env })
      expect(run.code).toBe(5)
      expect(run.stderr).toBe(
        "error: Injected 503; the capture's answer was lost: Motive may have taken it, and it is not sent again (a capture has no duplicate check) (HTTP 503)\n  Motive request id: sbx-000001\n"
      )
      // --json says it too, as a recall's create that may exist: CreateUncertain.
      yield* sandbox.injectFault("createImageCapture", { kind: "status", status: 503 }, 1)
      const json = yield* motive(["--json", "image", "capture", "--vehicle-id", "101", "--position", "rear"], { env })
      expect(json.code).toBe(5)
      expect(JSON.parse(json.stdout).error).toMatchObject({
        tag: "CreateUncertain",
        status: 503,
        message: expect.stringContaining("Motive may have taken it"),
        details: { requestId: expect.stringMatching(/^sbx-/) }
      })
      // Nothing sent (the vehicle's lookup failed): nothing said of a capture.
      yield* sandbox.injectFault("vehicles", { kind: "status", status: 503 }, 1)
      const lookup = yield* motive(["image", "capture", "--vehicle-number", "TRK-101", "--position", "rear"], {
        env: { ...env, MOTIVE_MAX_ATTEMPTS: "1" }
      })
      expect(lookup.code).toBe(5)
      expect(lookup.stderr).not.toContain("capture")
      expect((yield* sandbox.requests).filter((r) => r.route === "createImageCapture")).toHaveLength(2)
    }))

  it.scopedLive("image capture answered 2xx with a body it cannot read says Motive took it, and sends it once", () =>
    Effect.gen(function*() {
      const posts: Array<string> = []
      const server = yield* Effect.acquireRelease(
        Effect.async<HttpServer>((resume) => {
          const s = createHttpServer((req, res) => {
            if (req.method === "POST") posts.push(req.url ?? "")
            res.writeHead(201, { "content-type": "application/json" })
            res.end(JSON.stringify({ request_id: "twelve", status: "pending" }))
          })
          s.listen(0, "127.0.0.1", () => resume(Effect.succeed(s)))
        }),
        (s) => Effect.sync(() => s.close())
      )
      const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      const run = yield* motive([
        "--api-key",
        "k",
        "--base-url",
        baseUrl,
        "image",
        "capture",
        "--vehicle-id",
        "101",
        "--position",
        "rear"
      ])
      expect(run.code).toBe(5)
      expect(run.stderr).toMatch(
        /^error: Motive took the capture \(HTTP 201\) but its answer could not be read \(.+\): it is not sent again \(a capture has no duplicate check\)/m
      )
      expect(posts).toEqual(["/v1/image_captures"])
    }))
})
