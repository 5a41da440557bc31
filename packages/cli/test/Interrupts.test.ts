import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { appendFileSync, mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { interrupted, motive, sandboxEnv, tempDir } from "./support.js"

/** A seeded sequence of moments in 0–1.5 s, so a failure can be replayed. */
const moments = (count: number, seed: number) => {
  let x = seed
  return Array.from({ length: count }, () => {
    x = (x * 1103515245 + 12345) % 2 ** 31
    return Math.round((x / 2 ** 31) * 1500)
  })
}

describe("motive: Ctrl-C at any moment loses no request Motive accepted", () => {
  it.scopedLive(
    "20 interrupts of recall create --download and image capture --out, in text and --json",
    () =>
      Effect.gen(function*() {
        // A one-second lifecycle, so interrupts land before, during and after the create, the wait and the download.
        const { env, sandbox } = yield* sandboxEnv({
          lifecycle: {
            recallPendingMillis: 300,
            recallProcessingMillis: 500,
            capturePendingMillis: 300,
            captureProcessingMillis: 300
          },
          media: { videoBytes: 4_000_000 }
        })
        const dir = yield* tempDir
        const state = mkdtempSync(join(tmpdir(), "motive-interrupt-state-"))
        const runEnv = { ...env, MOTIVE_STATE_DIR: state }
        const outputs: Array<{ kind: "recall" | "capture"; text: string; code: number | null }> = []
        // Moments after the command has started: its cold start on this machine, now, is measured first.
        const started = Date.now()
        yield* motive(["--version"])
        const startup = Date.now() - started
        const at = moments(20, 7).map((ms) => startup + ms)
        for (let i = 0; i < at.length; i++) {
          const json = i % 2 === 1
          const recall = i % 4 < 2
          const args = recall
            ? [
              "recall",
              "create",
              "--vehicle-number",
              "TRK-101",
              "--start",
              new Date(Date.now() - (20 + i * 2) * 60_000).toISOString(),
              "--duration",
              "1m",
              "--download",
              join(dir, `r${i}`)
            ]
            : ["image", "capture", "--vehicle-id", "101", "--position", "rear", "--out", join(dir, `c${i}.jpg`)]
          const run = yield* interrupted(json ? ["--json", ...args] : args, at[i]!, runEnv)
          // A signal that arrives before Node has run any of the command kills it unheard: nothing was sent then.
          const unstarted = run.code === null && run.stdout === "" && run.stderr === ""
          if (!unstarted) {
            expect([0, 130], JSON.stringify({ at: at[i], run })).toContain(run.code)
            if (json) expect(() => JSON.parse(run.stdout)).not.toThrow() // exactly one JSON document
          }
          outputs.push({ kind: recall ? "recall" : "capture", text: run.stdout + run.stderr, code: run.code })
        }
        // Every request the sandbox stored was named by the run that made it, and is listed.
        const recalls = (yield* sandbox.recalls).map((r) => r.id)
        const captures = (yield* sandbox.captures).map((c) => c.requestId)
        const named = (kind: "recall" | "capture", id: number) =>
          outputs.some((o) =>
            o.kind === kind &&
            (kind === "recall"
              ? new RegExp(`(video[ _]recall ${id}\\b|"id": ${id}\\b)`, "i").test(o.text)
              : new RegExp(`(image[ _]capture ${id}\\b|"(request_)?id": ${id}\\b)`, "i").test(o.text))
          )
        for (const id of recalls) expect(named("recall", id), `recall ${id} named`).toBe(true)
        for (const id of captures) expect(named("capture", id), `capture ${id} named`).toBe(true)
        const listed = JSON.parse((yield* motive(["--json", "recall", "list"], { env: runEnv })).stdout)
        expect(listed.requests.map((r: { id: number }) => r.id).sort()).toEqual([...recalls].sort())
        const images = JSON.parse((yield* motive(["--json", "image", "list"], { env: runEnv })).stdout)
        expect(images.requests.map((r: { id: number }) => r.id).sort()).toEqual([...captures].sort())
        expect(recalls.length + captures.length).toBeGreaterThan(0) // the interrupts did not all land before sending
      }),
    120_000
  )

  it.scopedLive("recall list --refresh lists every request when Motive fails to answer for one, and names it", () =>
    Effect.gen(function*() {
      const { env, sandbox } = yield* sandboxEnv({ lifecycle: { recallPendingMillis: 0, recallProcessingMillis: 0 } })
      const runEnv = {
        ...env,
        MOTIVE_STATE_DIR: mkdtempSync(join(tmpdir(), "motive-list-state-")),
        MOTIVE_MAX_ATTEMPTS: "1"
      }
      for (const start of ["-30m", "-40m", "-50m"]) {
        yield* motive(["recall", "create", "--vehicle-number", "TRK-101", "--start", start, "--duration", "1m"], {
          env: runEnv
        })
      }
      // The newest is asked about first: its 503 leaves it as recorded; the others are still asked.
      yield* sandbox.injectFault("getVideoRecall", { kind: "status", status: 503 }, 1)
      const run = yield* motive(["--json", "recall", "list", "--refresh"], { env: runEnv })
      expect(run.code).toBe(0)
      const listed = JSON.parse(run.stdout)
      expect(listed.requests.map((r: { id: number; status: string }) => `${r.id} ${r.status}`)).toEqual([
        "3 pending",
        "2 success",
        "1 success"
      ])
      expect(listed.not_refreshed).toEqual([{ id: 3, message: expect.stringContaining("503") }])
      expect(run.stderr).toContain("video recall 3 could not be refreshed, left as recorded")
      // A key Motive refuses would be refused for each: the first refusal is said, and the others are not asked.
      yield* motive(["recall", "create", "--vehicle-number", "TRK-101", "--start", "-60m", "--duration", "1m"], {
        env: runEnv
      })
      const asked = (yield* sandbox.requests).length
      const refused = yield* motive(["--json", "recall", "list", "--refresh"], {
        env: { ...runEnv, MOTIVE_API_KEY: "not-the-key" }
      })
      expect(refused.code).toBe(0)
      const after = JSON.parse(refused.stdout)
      expect(after.not_refreshed.map((r: { id: number }) => r.id)).toEqual([4, 3])
      expect(after.not_refreshed[1].message).toMatch(/^not asked after: /)
      expect((yield* sandbox.requests).length).toBe(asked + 1)
    }))

  it.scopedLive("recall get and image get record the status they read of requests made here, as waits do: list shows it without --refresh", () =>
    Effect.gen(function*() {
      const { env } = yield* sandboxEnv({
        lifecycle: { recallPendingMillis: 0, recallProcessingMillis: 0, capturePendingMillis: 0 }
      })
      const runEnv = { ...env, MOTIVE_STATE_DIR: mkdtempSync(join(tmpdir(), "motive-get-state-")) }
      yield* motive(["recall", "create", "--vehicle-number", "TRK-101", "--start", "-30m", "--duration", "1m"], {
        env: runEnv
      })
      yield* motive(["image", "capture", "--vehicle-id", "101", "--position", "rear"], { env: runEnv })
      const statuses = (kind: string) =>
        Effect.map(
          motive(["--json", kind, "list"], { env: runEnv }),
          (run) => JSON.parse(run.stdout).requests.map((r: { status: string }) => r.status)
        )
      expect(yield* statuses("recall")).toEqual(["pending"])
      expect(yield* statuses("image")).toEqual(["pending"])
      expect((yield* motive(["recall", "get", "1"], { env: runEnv })).code).toBe(0)
      expect((yield* motive(["image", "get", "1"], { env: runEnv })).code).toBe(0)
      expect(yield* statuses("recall")).toEqual(["success"])
      expect(yield* statuses("image")).toEqual(["success"])
      // A request made elsewhere (another journal) is read, not added: the list is what this machine made.
      yield* motive(["recall", "create", "--vehicle-number", "TRK-101", "--start", "-40m", "--duration", "1m"], {
        env: { ...env, MOTIVE_STATE_DIR: mkdtempSync(join(tmpdir(), "motive-other-state-")) }
      })
      // A record from before servers were recorded may be another server's request: it does not count as held.
      appendFileSync(
        join(runEnv.MOTIVE_STATE_DIR, "requests.jsonl"),
        `${
          JSON.stringify({
            kind: "video_recall",
            id: 2,
            entity: "vehicle OLD-9",
            createdAt: "2026-01-01T00:00:00Z",
            status: "pending",
            seenAt: "2026-01-01T00:00:00Z"
          })
        }\n`
      )
      expect((yield* motive(["recall", "get", "2"], { env: runEnv })).code).toBe(0)
      const listed = JSON.parse((yield* motive(["--json", "recall", "list"], { env: runEnv })).stdout).requests
      expect(listed.map((r: { id: number; entity: string; status: string }) => `${r.id} ${r.entity} ${r.status}`))
        .toEqual(["1 vehicle TRK-101 success", "2 vehicle OLD-9 pending"])
    }))

  it.scopedLive("recall list shows what this machine created, newest first; --refresh asks Motive", () =>
    Effect.gen(function*() {
      const { env, sandbox } = yield* sandboxEnv({ lifecycle: { recallPendingMillis: 0, recallProcessingMillis: 0 } })
      const state = mkdtempSync(join(tmpdir(), "motive-list-state-"))
      const runEnv = { ...env, MOTIVE_STATE_DIR: state }
      const empty = yield* motive(["recall", "list"], { env: runEnv })
      expect(empty.stdout).toContain("No video recalls were created from this machine yet.")
      yield* motive(["recall", "create", "--vehicle-number", "TRK-101", "--start", "-30m", "--duration", "1m"], {
        env: runEnv
      })
      yield* motive(["recall", "create", "--asset-name", "TRAILER-7", "--start", "-40m", "--duration", "1m"], {
        env: runEnv
      })
      const listed = yield* motive(["recall", "list"], { env: runEnv })
      expect(listed.code).toBe(0)
      const lines = listed.stdout.trim().split("\n")
      expect(lines[0]).toMatch(/^ID\s+ENTITY\s+WHAT\s+CREATED\s+STATUS$/)
      expect(lines.slice(1).map((l) => l.split(/\s{2,}/)[1])).toEqual(["asset TRAILER-7", "vehicle TRK-101"])
      expect(lines.slice(1).every((l) => l.endsWith("pending"))).toBe(true)
      // A request Motive does not know (another account's, a sandbox's) is listed as recorded, and named.
      const journalFile = join(state, "requests.jsonl")
      const recorded = readFileSync(journalFile, "utf8").trim().split("\n")
      const stranger = { ...JSON.parse(recorded[0]!), id: 9999 }
      appendFileSync(journalFile, `${JSON.stringify(stranger)}\n`)
      const run = yield* motive(["--json", "recall", "list", "--refresh"], { env: runEnv })
      expect(run.code).toBe(0)
      const refreshed = JSON.parse(run.stdout)
      expect(refreshed.requests.map((r: { id: number; status: string }) => `${r.id} ${r.status}`).sort()).toEqual([
        "1 success",
        "2 success",
        "9999 pending"
      ])
      expect(refreshed.not_found).toEqual([{ id: 9999, message: expect.stringContaining("9999") }])
      expect(run.stderr).toContain("video recall 9999 is not known to Motive (404)")
      // A journal that cannot be written (its directory under a file) is said on stderr; the recall is made.
      const unwritable = yield* motive(
        ["recall", "create", "--vehicle-number", "TRK-101", "--start", "-50m", "--duration", "1m"],
        { env: { ...env, MOTIVE_STATE_DIR: join(journalFile, "state") } }
      )
      expect(unwritable.code).toBe(0)
      expect(unwritable.stderr).toContain(
        "warning: could not write the request journal: ENOTDIR: not a directory"
      )
      expect(unwritable.stderr).toContain("video recall 3 is not in it (motive recall list will not show it)")
      const quiet = yield* motive(
        ["--quiet", "recall", "create", "--vehicle-number", "TRK-101", "--start", "-55m", "--duration", "1m"],
        { env: { ...env, MOTIVE_STATE_DIR: join(journalFile, "state") } }
      )
      expect(quiet.code).toBe(0)
      expect(quiet.stderr).toContain("video recall 4 is not in it (motive recall list will not show it)")
      // Under /proc no folder can be made: said at once (a recursive mkdir spun there for ever, uninterruptibly).
      const proc = yield* motive(
        ["recall", "create", "--vehicle-number", "TRK-101", "--start", "-57m", "--duration", "1m"],
        { env: { ...env, MOTIVE_STATE_DIR: "/proc/self/no/state" } }
      )
      expect(proc.code).toBe(0)
      expect(proc.stderr).toContain("video recall 5 is not in it")
      // Finished requests are not asked about again: only the unknown one is.
      const asked = (yield* sandbox.requests).filter((r) => r.route === "getVideoRecall").length
      yield* motive(["recall", "list", "--refresh"], { env: runEnv })
      expect((yield* sandbox.requests).filter((r) => r.route === "getVideoRecall").length).toBe(asked + 1)
      // A recall Motive names in a 409 is recorded twice (when named, then as read back): the warning is said once.
      const at = new Date(Date.now() - 45 * 60_000).toISOString().replace(/\.\d+Z$/, "Z")
      const twice = ["recall", "create", "--vehicle-number", "TRK-101", "--start", at, "--duration", "1m"]
      expect((yield* motive(twice, { env: runEnv })).code).toBe(0)
      const again = yield* motive(twice, { env: { ...env, MOTIVE_STATE_DIR: join(journalFile, "state") } })
      expect(again.code).toBe(0)
      expect(again.stdout).toContain("Video recall 6 ")
      expect(again.stderr.match(/video recall 6 is not in it/g)).toHaveLength(1)
    }))

  it.scopedLive("recall list keeps the requests of each server apart: two servers' recall 1 are two recalls", () =>
    Effect.gen(function*() {
      const state = mkdtempSync(join(tmpdir(), "motive-list-servers-"))
      const first = yield* sandboxEnv()
      const second = yield* sandboxEnv()
      const create = (env: Record<string, string>, vehicle: string) =>
        motive(["recall", "create", "--vehicle-number", vehicle, "--start", "-30m", "--duration", "1m"], {
          env: { ...env, MOTIVE_STATE_DIR: state }
        })
      expect((yield* create(first.env, "TRK-102")).stdout).toContain("Video recall 1 ")
      expect((yield* create(second.env, "TRK-103")).stdout).toContain("Video recall 1 ")
      const listed = JSON.parse(
        (yield* motive(["--json", "recall", "list"], { env: { MOTIVE_STATE_DIR: state } })).stdout
      ).requests as ReadonlyArray<{ readonly id: number; readonly entity: string; readonly server: string }>
      expect(listed.map((r) => `${r.id} ${r.entity} ${r.server}`).sort()).toEqual([
        `1 vehicle TRK-102 ${first.env.MOTIVE_BASE_URL}`,
        `1 vehicle TRK-103 ${second.env.MOTIVE_BASE_URL}`
      ])
      const table = (yield* motive(["recall", "list"], { env: { MOTIVE_STATE_DIR: state } })).stdout.split("\n")
      expect(table[0]).toMatch(/^ID\s+ENTITY\s+WHAT\s+CREATED\s+STATUS\s+SERVER$/)
      // --refresh asks each server only about its own.
      yield* motive(["recall", "list", "--refresh"], { env: { ...first.env, MOTIVE_STATE_DIR: state } })
      expect((yield* first.sandbox.requests).filter((r) => r.route === "getVideoRecall").length).toBe(1)
      expect((yield* second.sandbox.requests).filter((r) => r.route === "getVideoRecall").length).toBe(0)
    }))
})
