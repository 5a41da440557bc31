import type { Sandbox } from "@effect-motive/sandbox"
import { describe, expect, it } from "@effect/vitest"
import { Effect, type Scope } from "effect"
import { execFileSync, spawn } from "node:child_process"
import { createHash } from "node:crypto"
import { existsSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs"
import { basename, join } from "node:path"
import { ago, bin, motive, motiveBackground, sandboxEnv, stateDir, tempDir, until } from "./support.js"

/** A CSV of `n` rows, each a distinct minute of a demo vehicle, with refs INC-1… */
const csv = (n: number, cameras = "front_facing") =>
  [
    "vehicle_number,start_time,duration,camera_positions,ref",
    ...Array.from({ length: n }, (_, i) => `TRK-10${1 + (i % 3)},${ago(30 + i * 2)},1,${cameras},INC-${i + 1}`)
  ].join("\n")

/** Every file under `dir`, recursively. */
const filesUnder = (dir: string): Array<string> =>
  existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]
    )
    : []

/**
 * Runs `motive args…` and kills it with SIGKILL as soon as `when` holds (checked every few ms), after running
 * `meanwhile` with its pid.
 */
const killWhen = <A = undefined>(
  args: ReadonlyArray<string>,
  env: Record<string, string>,
  when: Effect.Effect<boolean>,
  meanwhile?: (pid: number) => Effect.Effect<A, never, Scope.Scope>
) =>
  Effect.gen(function*() {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...process.env, MOTIVE_STATE_DIR: stateDir, ...env },
      stdio: ["ignore", "ignore", "pipe"]
    })
    // Never left running, whatever happens to the test.
    yield* Effect.addFinalizer(() => Effect.sync(() => child.exitCode === null && child.kill("SIGKILL")))
    let stderr = ""
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)))
    let killed = false
    let during: A | undefined
    for (let i = 0; i < 30_000 && child.exitCode === null; i++) {
      if (yield* when) {
        if (meanwhile !== undefined) during = yield* meanwhile(child.pid!)
        child.kill("SIGKILL")
        killed = true
        break
      }
      yield* Effect.sleep("2 millis")
    }
    const code = yield* Effect.promise(() => exited)
    return { killed, code, stderr, during }
  })

const routeCount = (sandbox: Sandbox.SandboxService, route: string, ok = false) =>
  Effect.map(
    sandbox.requests,
    (rs) => rs.filter((r) => r.route === route && (!ok || (r.status !== undefined && r.status < 300))).length
  )

describe("motive batch run survives kill -9", () => {
  it.scopedLive(
    "killed during creates, during waits and mid-download, the same command finishes the batch",
    () =>
      Effect.gen(function*() {
        const rows = 6
        const size = 24 * 1024 * 1024
        const { env, sandbox } = yield* sandboxEnv({
          lifecycle: { recallPendingMillis: 300, recallProcessingMillis: 1_500 },
          media: { videoBytes: size }
        })
        const dir = yield* tempDir
        const file = join(dir, "incidents.csv")
        writeFileSync(file, csv(rows))
        const out = join(dir, "footage")
        const args = ["batch", "run", file, "--dir", out, "--journal", join(dir, "jobs.db"), "--poll-after", "1s"]
        const recalls = Effect.map(sandbox.recalls, (rs) => rs.length)

        // 1. During the creates: some recalls exist, the rest not yet asked for.
        const duringCreates = yield* killWhen(args, env, Effect.map(recalls, (n) => n >= 2))
        expect(duringCreates.killed).toBe(true)
        // 2. During the waits: every recall exists, nothing downloaded yet.
        const duringWaits = yield* killWhen(
          args,
          env,
          Effect.zipWith(recalls, routeCount(sandbox, "media"), (n, media) => n === rows && media === 0)
        )
        expect(duringWaits.killed).toBe(true)
        // 3. Mid-download of a large video.
        const sizeOf = (f: string) => {
          try {
            return statSync(f).size
          } catch {
            return 0
          }
        }
        const partial = () => filesUnder(out).some((f) => f.endsWith(".part") && sizeOf(f) > 0)
        const midDownload = yield* killWhen(args, env, Effect.sync(partial))
        expect(midDownload.killed).toBe(true)
        // 4. The same command again.
        const last = yield* motive(args, { env })
        expect(last.stderr).not.toMatch(/error/i)
        expect(last.code).toBe(0)
        // Every recall is this batch's own, those whose create's answer a kill lost included.
        expect(last.stdout).toContain(`${rows} quota minutes`)

        // Exactly one recall per row, each asked for once successfully.
        expect(yield* recalls).toBe(rows)
        expect(yield* routeCount(sandbox, "createVideoRecall", true)).toBe(rows)
        // Every file complete and byte-identical; nothing partial left.
        const written = filesUnder(out)
        expect(written.filter((f) => /\.part/.test(f))).toEqual([])
        expect(written.filter((f) => f.endsWith(".mp4")).length).toBe(rows)
        for (const r of yield* sandbox.recalls) {
          const path = written.find((f) => f.endsWith(`/${r.id}-front_facing.mp4`))
          expect(path).toBeDefined()
          expect(Buffer.compare(readFileSync(path!), Buffer.from(yield* sandbox.videoBytes(r.id, "front_facing"))))
            .toBe(0)
        }
        // The batch's recalls are in the request journal too.
        const listed = yield* motive(["--json", "recall", "list"], { env })
        const ids = (JSON.parse(listed.stdout) as { readonly requests: ReadonlyArray<{ readonly id: number }> })
          .requests
          .map((r) => r.id)
        for (const r of yield* sandbox.recalls) expect(ids).toContain(r.id)
        // And the status says so.
        const status = yield* motive(["--json", "batch", "status", "--journal", join(dir, "jobs.db")], { env })
        expect(status.code).toBe(0)
        expect(JSON.parse(status.stdout).counts.done).toBe(rows)
        // The manifest: one line per file, with the bytes and sha256 of what is on disk.
        const report = yield* motive(["batch", "report", "--journal", join(dir, "jobs.db"), "--out", join(dir, "m")], {
          env
        })
        expect(report.code).toBe(0)
        expect(readFileSync(join(dir, "m.csv"), "utf8").trim().split("\n")).toHaveLength(rows + 1)
        const manifest = JSON.parse(readFileSync(join(dir, "m.json"), "utf8")) as {
          readonly files: ReadonlyArray<{ readonly path: string; readonly bytes: number; readonly sha256: string }>
        }
        for (const f of manifest.files) {
          expect(f.bytes).toBe(size)
          expect(f.sha256).toBe(createHash("sha256").update(readFileSync(f.path)).digest("hex"))
        }
        // A folder not there yet is made; a manifest that cannot be written (under a file) is told of the file
        // named, not of a temporary one beside it.
        const made = yield* motive([
          "batch",
          "report",
          "--journal",
          join(dir, "jobs.db"),
          "--out",
          join(dir, "new", "m")
        ], {
          env
        })
        expect(made.code).toBe(0)
        expect(readFileSync(join(dir, "new", "m.csv"), "utf8").trim().split("\n")).toHaveLength(rows + 1)
        // Under /proc no folder can be made (and Node's recursive mkdir would spin there for ever).
        const proc = yield* motive(["batch", "report", "--journal", join(dir, "jobs.db"), "--out", "/proc/self/no/m"], {
          env
        })
        expect(proc.code).toBe(2)
        const nowhere = join(dir, "m.csv", "m")
        const refused = yield* motive(["batch", "report", "--journal", join(dir, "jobs.db"), "--out", nowhere], { env })
        expect(refused.code).toBe(2)
        // Checked before the journal is opened, as every --out is: the file standing where its folder would be.
        expect(refused.stderr).toContain(`--out: ${join(dir, "m.csv")} exists and is not a directory`)
        expect(refused.stderr).not.toContain(".tmp")
      }),
    120_000
  )
})

describe("motive batch run", () => {
  it.scopedLive(
    "refuses a file with broken rows, naming each row and rule, and sends nothing",
    () =>
      Effect.gen(function*() {
        const { env, sandbox } = yield* sandboxEnv()
        const dir = yield* tempDir
        const file = join(dir, "rows.csv")
        writeFileSync(file, `${csv(2)}\nTRK-101,2026-01-01T10:00:00,4,,bad/ref\n`)
        const run = yield* motive(["batch", "run", file, "--dir", join(dir, "out"), "--journal", join(dir, "j.db")], {
          env
        })
        expect(run.code).toBe(2)
        expect(run.stderr).toContain("row 4 start_time:")
        expect(run.stderr).toContain("[start_time.no_offset]")
        expect(run.stderr).toContain("row 4 duration:")
        expect(run.stderr).toContain("row 4 ref: contains a path separator [ref.not_a_folder_name]")
        // With --json, each problem's row and field also stand apart, for scripts.
        const json = yield* motive(
          ["--json", "batch", "run", file, "--dir", join(dir, "out"), "--journal", join(dir, "j.db")],
          { env }
        )
        expect(json.code).toBe(2)
        expect(JSON.parse(json.stdout).error.violations).toContainEqual({
          path: "row 4 ref",
          row: 4,
          field: "ref",
          rule: "ref.not_a_folder_name",
          message: "contains a path separator"
        })
        expect(yield* sandbox.requests).toEqual([])
      }),
    30_000
  )

  it.scopedLive(
    "counts the quota minutes spent per recall type when timelapse ones were (Motive keeps a quota for each)",
    () =>
      Effect.gen(function*() {
        const { env } = yield* sandboxEnv({ lifecycle: { recallPendingMillis: 0, recallProcessingMillis: 0 } })
        const dir = yield* tempDir
        const file = join(dir, "rows.csv")
        writeFileSync(
          file,
          [
            "vehicle_number,start_time,duration,recall_type,camera_positions,ref",
            `TRK-101,${ago(30)},1,regular,front_facing,a`,
            `TRK-102,${ago(40)},5,timelapse,front_facing,b`
          ].join("\n")
        )
        const args = ["batch", "run", file, "--dir", join(dir, "out"), "--journal", join(dir, "j.db")]
        const run = yield* motive([...args, "--poll-after", "1s"], { env })
        expect(run.code).toBe(0)
        expect(run.stdout).toContain("1 regular + 5 timelapse quota minutes")
        const json = yield* motive(["--json", "batch", "status", "--journal", join(dir, "j.db")], { env })
        expect(JSON.parse(json.stdout)).toMatchObject({
          minutesSpent: 6,
          minutesSpentByType: { regular: 1, timelapse: 5 }
        })
      }),
    30_000
  )

  it.scopedLive(
    "refuses a batch the quota does not cover (exit 4, both numbers) and sends nothing",
    () =>
      Effect.gen(function*() {
        const { env, sandbox } = yield* sandboxEnv({ quota: { regularMinutes: 2 } })
        const dir = yield* tempDir
        const file = join(dir, "rows.csv")
        writeFileSync(file, csv(3))
        const run = yield* motive(["batch", "run", file, "--dir", join(dir, "out"), "--journal", join(dir, "j.db")], {
          env
        })
        expect(run.code).toBe(4)
        expect(run.stderr).toContain("needs 3 minutes of regular recall quota, and Motive has 2 left")
        // With --json, the numbers stand apart, for scripts.
        const json = yield* motive(
          ["--json", "batch", "run", file, "--dir", join(dir, "out"), "--journal", join(dir, "j.db")],
          { env }
        )
        expect(json.code).toBe(4)
        expect(JSON.parse(json.stdout).error.summary).toEqual({
          quota: { recallType: "regular", neededMinutes: 3, remainingMinutes: 2, reservedMinutes: 0, heldBy: [] }
        })
        expect(yield* routeCount(sandbox, "createVideoRecall")).toBe(0)
        // Its status says nothing was sent (not that it may still be running).
        const status = yield* motive(["batch", "status", "--journal", join(dir, "j.db")], { env })
        expect(status.code).toBe(0)
        expect(status.stdout).toContain(
          "(nothing sent yet: refused for quota, or stopped before sending; run it again to send it)"
        )
        // The flags of Motive's calls are said to do nothing here: it reads the journal only.
        const flagged = yield* motive(["--sandbox", "batch", "status", "--journal", join(dir, "j.db")], { env })
        expect(flagged.code).toBe(0)
        expect(flagged.stderr).toContain(
          "--sandbox is not used by `motive batch status`, which reads the journal or database only\n"
        )
      }),
    30_000
  )

  it.scopedLive(
    "with --partial, sends what the quota covers and names the rest, in the resumed batch's count too",
    () =>
      Effect.gen(function*() {
        const { env } = yield* sandboxEnv({
          quota: { regularMinutes: 2 },
          lifecycle: { recallPendingMillis: 0, recallProcessingMillis: 0 }
        })
        const dir = yield* tempDir
        const file = join(dir, "rows.csv")
        writeFileSync(file, csv(3))
        const args = [
          "batch",
          "run",
          file,
          "--dir",
          join(dir, "out"),
          "--journal",
          join(dir, "j.db"),
          "--partial",
          "--poll-after",
          "1s"
        ]
        const first = yield* motive(args, { env })
        expect(first.code).toBe(4)
        expect(first.stderr).toContain("not sent (the quota does not cover them): row 4")
        // Run again: the held row is counted beside the done ones, so that "0 to go" does not read as all of it.
        const again = yield* motive(args, { env })
        expect(again.code).toBe(4)
        expect(again.stderr).toContain("resumed (the same rows ran before): 2 done, 0 to go, 1 not sent (quota)")
      }),
    60_000
  )

  it.scopedLive(
    "says which unfinished batches of the journal go on as it opens, and a quota refusal is this batch's alone",
    () =>
      Effect.gen(function*() {
        // One request a second: the first batch is killed with one recall made and its other rows not sent yet.
        const { env, sandbox } = yield* sandboxEnv({
          quota: { regularMinutes: 3 },
          rateLimit: { requestsPerSecond: 1, burst: 1 },
          lifecycle: { recallPendingMillis: 60_000, recallProcessingMillis: 1_000 }
        })
        const dir = yield* tempDir
        const first = join(dir, "first.csv")
        writeFileSync(first, csv(3))
        const journal = join(dir, "j.db")
        // Every row of it was handed to its workflow: all three go on wherever the journal opens next.
        const killed = yield* killWhen(
          ["batch", "run", first, "--dir", join(dir, "a"), "--journal", journal, "--poll-after", "45s"],
          env,
          Effect.map(sandbox.recalls, (rs) => rs.length === 1)
        )
        expect(killed.killed).toBe(true)
        const second = join(dir, "second.csv")
        writeFileSync(second, `vehicle_number,start_time,duration\nTRK-102,${ago(90)},1\n`)
        const run = yield* motive(["batch", "run", second, "--dir", join(dir, "b"), "--journal", journal], { env })
        expect(run.code).toBe(4)
        // The one made may not be recorded yet when the kill comes: two or three are not sent yet.
        expect(run.stderr).toMatch(
          /Batch [0-9a-f]{12} \(\S*first\.csv\) of this journal is unfinished: its 3 rows left go on in this run, [23] not sent yet \(motive batch cancel [0-9a-f]{12} --journal \S+ stops those\)/
        )
        expect(run.stderr).toContain("nothing of this batch was sent")
      }),
    30_000
  )

  it.scopedLive(
    "an interrupted batch names each recall it made and the command that resumes, in its JSON document",
    () =>
      Effect.gen(function*() {
        const { env, sandbox } = yield* sandboxEnv({
          lifecycle: { recallPendingMillis: 60_000, recallProcessingMillis: 1_000 }
        })
        const dir = yield* tempDir
        const file = join(dir, "rows.csv")
        writeFileSync(file, csv(2))
        const out = join(dir, "out")
        // The flags that change how it runs are repeated by the resume (the secret given as a flag, not its value).
        const flags = ["--webhook-port", "0", "--webhook-secret", "s3cret", "--poll-after", "45s", "--concurrency", "3"]
        const run = yield* motiveBackground(
          ["--json", "batch", "run", file, "--dir", out, "--journal", join(dir, "j.db"), ...flags],
          env
        )
        const exited = Effect.async<number | null>((resume) => {
          run.child.on("close", (code) => resume(Effect.succeed(code)))
        })
        let ids: Array<number> = []
        for (let i = 0; i < 500 && ids.length < 2; i++) {
          ids = (yield* sandbox.recalls).map((r) => r.id)
          yield* Effect.sleep("20 millis")
        }
        expect(ids).toHaveLength(2)
        // The rows record their recalls a moment after Motive answers: waited for in the journal.
        for (let i = 0; i < 100; i++) {
          const status = yield* motive(["--json", "batch", "status", "--journal", join(dir, "j.db")], { env })
          const rows: ReadonlyArray<{ readonly recallId?: number }> = status.code === 0
            ? JSON.parse(status.stdout).rows
            : []
          if (rows.filter((r) => r.recallId !== undefined).length === 2) break
          yield* Effect.sleep("100 millis")
        }
        run.child.kill("SIGINT")
        expect(yield* exited).toBe(130)
        const document = JSON.parse(run.lines.join("\n"))
        expect(document.error.tag).toBe("Interrupted")
        const resume = `motive batch run ${file} --dir ${out} --journal ${
          join(dir, "j.db")
        } --concurrency 3 --webhook-port 0 --webhook-secret <SECRET> --poll-after 45s`
        expect(run.lines.join("\n")).not.toContain("s3cret")
        expect(document.error.requests).toEqual(ids.map((id) => ({ kind: "video_recall", id, resume })))
      }),
    30_000
  )

  it.scopedLive(
    "Ctrl-C stops sending at once: no recall is made after it, each made is named, and the next run makes the rest",
    () =>
      Effect.gen(function*() {
        // Two requests a second: most creates wait for the rate limit when the interrupt comes.
        const { env, sandbox } = yield* sandboxEnv({ rateLimit: { requestsPerSecond: 2, burst: 1 } })
        const dir = yield* tempDir
        const file = join(dir, "rows.csv")
        writeFileSync(file, csv(8))
        const args = ["batch", "run", file, "--dir", join(dir, "out"), "--journal", join(dir, "j.db")]
        const run = yield* motiveBackground(["--json", ...args, "--poll-after", "1s"], env)
        const exited = Effect.async<number | null>((resume) => {
          run.child.on("close", (code) => resume(Effect.succeed(code)))
        })
        for (let i = 0; i < 500 && (yield* sandbox.recalls).length === 0; i++) yield* Effect.sleep("20 millis")
        run.child.kill("SIGINT")
        const interruptedAt = Date.now()
        expect(yield* exited).toBe(130)
        const made = (yield* sandbox.recalls).map((r) => r.id)
        expect(made.length).toBeLessThan(8)
        // Nothing was created once the interrupt came (a create already on the wire is answered first).
        for (const recall of yield* sandbox.recalls) {
          expect(recall.createdAt).toBeLessThan(interruptedAt + 100)
        }
        const document = JSON.parse(run.lines.join("\n"))
        expect(document.error.requests.map((r: { readonly id: number }) => r.id).sort()).toEqual([...made].sort())
        const rows = JSON.parse(
          (yield* motive(["--json", "batch", "status", "--journal", join(dir, "j.db")], { env }))
            .stdout
        ).rows as ReadonlyArray<{ readonly state: string; readonly recallId?: number }>
        expect(rows.filter((r) => r.recallId === undefined).every((r) => r.state === "stopped")).toBe(true)
        const again = yield* motive([...args, "--poll-after", "1s"], { env })
        expect(again.code).toBe(0)
        expect((yield* sandbox.recalls).length).toBe(8)
      }),
    60_000
  )

  it.scopedLive(
    "an interrupted --sandbox batch says there is nothing to resume (the emulator ends with it)",
    () =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        const file = join(dir, "rows.csv")
        writeFileSync(file, csv(2))
        const run = yield* motiveBackground(["--sandbox", "batch", "run", file, "--dir", join(dir, "out")])
        const exited = Effect.async<number | null>((resume) => {
          run.child.on("close", (code) => resume(Effect.succeed(code)))
        })
        yield* until(() => run.stderr().includes("Batch ") ? true : undefined)
        run.child.kill("SIGINT")
        expect(yield* exited).toBe(130)
        expect(run.stderr()).toContain(
          "interrupted (the built-in sandbox ends with this run: there is nothing to resume)"
        )
        expect(run.stderr()).not.toContain("resume with")
      }),
    30_000
  )

  it.scopedLive("reads only a regular batch file of at most 16 MiB: a device, a FIFO or a huge file is refused (exit 2)", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const big = join(dir, "big.csv")
      writeFileSync(big, Buffer.alloc(17 * 1024 * 1024, "a"))
      const fifo = join(dir, "rows.fifo")
      execFileSync("mkfifo", [fifo])
      for (
        const [file, said] of [
          ["/dev/zero", "/dev/zero is not a regular file (CharacterDevice)"],
          [fifo, `${fifo} is not a regular file (FIFO)`],
          [big, `${big} is 17.0 MiB; a batch file is at most 16 MiB`],
          [join(dir, "none.csv"), "ENOENT: no such file or directory"]
        ] as const
      ) {
        const run = yield* motive(["batch", "run", file, "--dir", join(dir, "out"), "--sandbox"])
        expect(run.code).toBe(2)
        expect(run.stderr).toContain(said)
      }
      expect(existsSync(join(dir, "out"))).toBe(false)
    }))

  it.scopedLive("refuses a batch file saved as Latin-1 (exit 2), naming the line, rather than send its rows garbled", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = join(dir, "incidents.csv")
      writeFileSync(
        file,
        Buffer.from(`vehicle_number,start_time,duration,ref\nTRK-101,${ago(30)},1,Zürich-1\n`, "latin1")
      )
      const run = yield* motive(["batch", "run", file, "--dir", join(dir, "out"), "--sandbox"])
      expect(run.code).toBe(2)
      expect(run.stderr).toContain("line 2 holds bytes that are not UTF-8")
      expect(run.stderr).toContain("nothing was sent")
      expect(existsSync(join(dir, "out"))).toBe(false)
    }))

  it.scopedLive("refuses a journal that is a directory or not SQLite, saying which (exit 2)", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const notSqlite = join(dir, "notes.db")
      writeFileSync(notSqlite, "hello, not a database\n")
      const directory = yield* motive(["batch", "status", "--journal", dir])
      expect(directory).toMatchObject({ code: 2, stdout: "" })
      expect(directory.stderr).toBe(
        `error: could not open the job journal ${dir}: it is a directory, not a journal file\n`
      )
      // Under /proc no folder can be made: said at once (a recursive mkdir spun there for ever, uninterruptibly).
      writeFileSync(join(dir, "rows.csv"), `vehicle_number,start_time,duration\nTRK-101,${ago(30)},1\n`)
      const underProc = yield* motive([
        "batch",
        "run",
        join(dir, "rows.csv"),
        "--dir",
        join(dir, "out"),
        "--sandbox",
        "--journal",
        "/proc/self/no/x/jobs.db"
      ])
      expect(underProc.code).toBe(2)
      expect(underProc.stderr).toContain("could not open the job journal /proc/self/no/x/jobs.db")
      const garbage = yield* motive(["batch", "status", "--journal", notSqlite])
      expect(garbage.code).toBe(2)
      expect(garbage.stderr).toContain("file is not a database")
      expect(readFileSync(notSqlite, "utf8")).toBe("hello, not a database\n")
    }))

  it.scopedLive("a manifest's CSV cell a spreadsheet would run as a formula starts with ', its JSON as given; --out names a file", () =>
    Effect.gen(function*() {
      const { env } = yield* sandboxEnv({ lifecycle: { recallPendingMillis: 0, recallProcessingMillis: 0 } })
      const dir = yield* tempDir
      const refs = ["=HYPERLINK(\"\"x\"\")", "@SUM(A1)", "+1", "plain"]
      writeFileSync(
        join(dir, "rows.csv"),
        [
          "vehicle_number,start_time,duration,camera_positions,ref",
          ...refs.map((ref, i) => `TRK-101,${ago(30 + i * 2)},1,front_facing,"${ref}"`)
        ].join("\n")
      )
      const journal = join(dir, "j.db")
      const run = yield* motive(
        ["batch", "run", join(dir, "rows.csv"), "--dir", join(dir, "out"), "--journal", journal, "--poll-after", "1s"],
        { env }
      )
      expect(run.code, run.stderr).toBe(0)
      // A prefix that names no file is refused, writing nothing (it wrote .csv and .json, hidden, in that directory).
      for (const out of ["", `${dir}/`, `${dir}/.`]) {
        const refused = yield* motive(["batch", "report", "--journal", journal, "--out", out], { env })
        expect({ out, code: refused.code }).toEqual({ out, code: 2 })
        expect(refused.stderr).toContain("is not a file name's start: PREFIX.csv and PREFIX.json are written")
      }
      expect(readdirSync(dir).filter((f) => f.endsWith(".csv") || f.endsWith(".json"))).toEqual(["rows.csv"])
      const report = yield* motive(["batch", "report", "--journal", journal, "--out", join(dir, "m")], { env })
      expect(report.code).toBe(0)
      const csvText = readFileSync(join(dir, "m.csv"), "utf8")
      for (const cell of ["'=HYPERLINK(\"\"x\"\")", "'@SUM(A1)", "'+1", ",plain,"]) expect(csvText).toContain(cell)
      const manifest = JSON.parse(readFileSync(join(dir, "m.json"), "utf8")) as {
        readonly files: ReadonlyArray<{ readonly ref: string }>
      }
      expect(manifest.files.map((f) => f.ref).sort()).toEqual(["+1", "=HYPERLINK(\"x\")", "@SUM(A1)", "plain"])
    }))

  it.scopedLive("a jobs database that cannot be reached is unavailable (exit 5), not invalid input; its password unsaid", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      writeFileSync(join(dir, "rows.csv"), `vehicle_number,start_time,duration\nTRK-101,${ago(30)},1\n`)
      // Nothing listens on port 1.
      const database = "postgres://motive:pw-4f1a@127.0.0.1:1/jobs"
      const env = { MOTIVE_RATE_LIMIT: "20", MOTIVE_API_KEY: "k", MOTIVE_BASE_URL: "http://127.0.0.1:9" }
      for (
        const words of [
          ["batch", "run", join(dir, "rows.csv"), "--database", database],
          ["batch", "status", "--database", database],
          ["batch", "cancel", "0123abcd", "--database", database]
        ]
      ) {
        const run = yield* motive(words, { env })
        expect(run.code, words.join(" ")).toBe(5)
        expect(run.stderr).toContain("could not use the jobs database: ")
        expect(run.stderr).toContain("ECONNREFUSED")
        expect(run.stderr + run.stdout).not.toContain("pw-4f1a")
      }
    }))

  it.scopedLive("lets one process at a time run a journal: a second gets exit 2", () =>
    Effect.gen(function*() {
      const { env } = yield* sandboxEnv({ lifecycle: { recallPendingMillis: 5_000, recallProcessingMillis: 5_000 } })
      const dir = yield* tempDir
      const file = join(dir, "rows.csv")
      writeFileSync(file, csv(1))
      const args = ["batch", "run", file, "--dir", join(dir, "out"), "--journal", join(dir, "j.db")]
      const first = yield* motiveBackground(args, env)
      yield* until(() => existsSync(join(dir, "j.db.lock")) ? true : undefined)
      const second = yield* motive(args, { env })
      expect(second.code).toBe(2)
      expect(second.stderr).toMatch(/in use by another motive process \(pid \d+\)/)
      // The same file through a symlink, to it or to its directory, is the same journal.
      symlinkSync(join(dir, "j.db"), join(dir, "alias.db"))
      symlinkSync(dir, join(dir, "..", `${basename(dir)}-alias`))
      for (const journal of [join(dir, "alias.db"), join(dir, "..", `${basename(dir)}-alias`, "j.db")]) {
        const aliased = yield* motive([...args.slice(0, -1), journal], { env })
        expect(aliased.code, journal).toBe(2)
        expect(aliased.stderr).toMatch(/in use by another motive process \(pid \d+\)/)
      }
      rmSync(join(dir, "..", `${basename(dir)}-alias`))
      first.child.kill("SIGINT")
      // A link to a journal not made yet: SQLite makes it through the link, and the lock is the file's own.
      symlinkSync(join(dir, "fresh.db"), join(dir, "fresh-link.db"))
      const viaLink = yield* motiveBackground([...args.slice(0, -1), join(dir, "fresh-link.db")], env)
      yield* until(() => existsSync(join(dir, "fresh.db.lock")) ? true : undefined)
      const direct = yield* motive([...args.slice(0, -1), join(dir, "fresh.db")], { env })
      expect(direct.code).toBe(2)
      expect(direct.stderr).toMatch(/in use by another motive process \(pid \d+\)/)
      viaLink.child.kill("SIGINT")
    }), 30_000)

  it.scopedLive(
    "runs against the built-in sandbox, completed by its webhooks, with one JSON document",
    () =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        const file = join(dir, "rows.jsonl")
        writeFileSync(
          file,
          [
            JSON.stringify({ vehicle_number: "TRK-101", start_time: ago(20), duration: 1, ref: "claim-1" }),
            JSON.stringify({ asset_name: "TRAILER-7", start_time: ago(25), duration: 1, camera_positions: "rear" })
          ].join("\n")
        )
        const out = join(dir, "out")
        const run = yield* motive(["--sandbox", "--json", "batch", "run", file, "--dir", out])
        expect(run.code).toBe(0)
        const doc = JSON.parse(run.stdout)
        expect(doc.counts.done).toBe(2)
        const files = doc.rows.flatMap((r: { readonly files: ReadonlyArray<{ readonly path: string }> }) => r.files)
        expect(files.length).toBeGreaterThan(1)
        for (const f of files) expect(existsSync(f.path)).toBe(true)
        expect(filesUnder(join(out, "claim-1")).length).toBeGreaterThan(0)
        expect(filesUnder(join(out, "2")).length).toBe(1)
      }),
    30_000
  )
})

describe("motive sandbox --webhook-url", () => {
  it.scopedLive("posts signed recall completions to the URL it is given", () =>
    Effect.gen(function*() {
      const secret = "sandbox-webhook-secret"
      const listener = yield* motiveBackground(["webhook", "listen", "--port", "0", "--secret", secret])
      const port = yield* until(() => /http:\/\/127\.0\.0\.1:(\d+)\//.exec(listener.stderr())?.[1])
      const sandbox = yield* motiveBackground([
        "sandbox",
        "--port",
        "0",
        "--webhook-url",
        `http://127.0.0.1:${port}/`,
        "--webhook-secret",
        secret
      ])
      const baseUrl = yield* until(() => sandbox.lines.find((l) => l.startsWith("MOTIVE_BASE_URL="))?.slice(16))
      const env = { MOTIVE_BASE_URL: baseUrl, MOTIVE_API_KEY: "sandbox-demo-key" }
      const created = yield* motive(
        ["--json", "recall", "create", "--vehicle-number", "TRK-101", "--start", "-30m", "--duration", "1m", "--wait"],
        { env }
      )
      expect(created.code).toBe(0)
      const id = JSON.parse(created.stdout).recall.id as number
      const line = yield* until(() => listener.lines.find((l) => l.includes(`"id":${id}`)))
      expect(JSON.parse(line)).toMatchObject({ action: "video_recall_request_completed", id })
    }), 30_000)

  it.scopedLive("refuses a URL without a secret to sign with (exit 2)", () =>
    Effect.gen(function*() {
      const run = yield* motive(["sandbox", "--port", "0", "--webhook-url", "http://127.0.0.1:9/"])
      expect(run.code).toBe(2)
      expect(run.stderr).toContain("--webhook-url needs the secret to sign with")
    }))

  it.scopedLive("refuses a secret given with nothing to use it (exit 2), here and in batch run", () =>
    Effect.gen(function*() {
      const sandbox = yield* motive(["sandbox", "--port", "0", "--webhook-secret", "s"])
      expect(sandbox).toMatchObject({ code: 2, stderr: expect.stringContaining("give --webhook-url too") })
      const batch = yield* motive(["--sandbox", "batch", "run", "rows.csv", "--dir", "out", "--webhook-secret", "s"])
      expect(batch).toMatchObject({ code: 2, stderr: expect.stringContaining("give --webhook-port too") })
      const host = yield* motive(["--sandbox", "batch", "run", "rows.csv", "--dir", "out", "--webhook-host", "0.0.0.0"])
      expect(host).toMatchObject({ code: 2, stderr: expect.stringContaining("--webhook-host is where the receiver") })
    }))

  it.scopedLive("refuses a URL off this machine (exit 2): the sandbox posts to loopback addresses only", () =>
    Effect.gen(function*() {
      const run = yield* motive(
        ["sandbox", "--port", "0", "--webhook-url", "http://192.0.2.2:8787/", "--webhook-secret", "s"]
      )
      expect(run).toMatchObject({
        code: 2,
        stderr: expect.stringContaining(
          "--webhook-url \"http://192.0.2.2:8787/\": url must be an http(s) URL on a loopback address"
        )
      })
    }))
})

describe("motive sandbox --webhook-url with a password in it", () => {
  it.scopedLive("never shows the password: neither where completions go nor in a refusal", () =>
    Effect.gen(function*() {
      const sandbox = yield* motiveBackground(
        ["sandbox", "--port", "0", "--webhook-url", "http://hook:pw-s3cret@127.0.0.1:9/", "--webhook-secret", "s"]
      )
      const note = yield* until(() => sandbox.stderr().split("\n").find((l) => l.includes("posted to")))
      expect(note).toBe("Recall completions are posted to http://hook:<PASSWORD>@127.0.0.1:9/")
      const refused = yield* motive(
        ["sandbox", "--port", "0", "--webhook-url", "http://hook:pw-s3cret@192.0.2.2:8787/", "--webhook-secret", "s"]
      )
      expect(refused.code).toBe(2)
      expect(refused.stderr).toContain(`--webhook-url "http://hook:<PASSWORD>@192.0.2.2:8787/": url must be`)
      expect(`${sandbox.stderr()}${refused.stderr}${refused.stdout}`).not.toContain("pw-s3cret")
    }))
})

describe("motive batch cancel", () => {
  it.scopedLive(
    "stops a killed batch's unsent rows: the journal opened again does not send them, and their quota is free",
    () =>
      Effect.gen(function*() {
        const { env, sandbox } = yield* sandboxEnv({ quota: { regularMinutes: 4 } })
        // The killed run's one create hangs at Motive: row 2 stays creating, rows 3 and 4 are never sent.
        yield* sandbox.injectFault("createVideoRecall", { kind: "slow", delayMillis: 60_000 }, 1)
        const dir = yield* tempDir
        const journal = join(dir, "j.db")
        const [header, ...rows] = csv(5).split("\n")
        writeFileSync(join(dir, "first.csv"), [header, ...rows.slice(0, 3)].join("\n"))
        writeFileSync(join(dir, "second.csv"), [header, ...rows.slice(3)].join("\n"))
        const killed = yield* killWhen(
          [
            "batch",
            "run",
            join(dir, "first.csv"),
            "--dir",
            join(dir, "out"),
            "--journal",
            journal,
            "--concurrency",
            "1"
          ],
          env,
          Effect.map(routeCount(sandbox, "createVideoRecall"), (n) => n === 1)
        )
        expect(killed.killed).toBe(true)
        const status = JSON.parse((yield* motive(["--json", "batch", "status", "--journal", journal], { env })).stdout)
        expect(status.batch.file).toContain("first.csv")
        // A batch is named: the latest may be one just refused, not the one holding the quota.
        expect((yield* motive(["batch", "cancel", "--journal", journal], { env })).code).toBe(2)
        const cancel = yield* motive(["--json", "batch", "cancel", status.batch.id.slice(0, 6), "--journal", journal], {
          env
        })
        expect(cancel.code).toBe(0)
        // No process runs the journal (cancel takes its lock): row 2, left creating by the kill, stops too.
        // Row 2's create was sent: Motive may hold its recall, and the output says so rather than "never sent".
        expect(JSON.parse(cancel.stdout)).toMatchObject({
          batch: status.batch.id,
          cancelled: [2, 3, 4],
          maybeSent: [2]
        })
        // Opening the journal takes the first batch's workflows up again: the cancelled rows are not sent, and the
        // minutes they held are the second batch's.
        const second = yield* motive(
          [
            "batch",
            "run",
            join(dir, "second.csv"),
            "--dir",
            join(dir, "out2"),
            "--journal",
            journal,
            "--poll-after",
            "1s"
          ],
          { env }
        )
        expect(second.stderr).not.toContain("error")
        expect(second.code).toBe(0)
        const first = JSON.parse(
          (yield* motive(["--json", "batch", "status", status.batch.id, "--journal", journal], { env })).stdout
        ).rows as ReadonlyArray<{ readonly state: string; readonly recallId?: number; readonly reason?: string }>
        expect(first.map((r) => [r.state, r.recallId])).toEqual([
          ["stopped", undefined],
          ["stopped", undefined],
          ["stopped", undefined]
        ])
        expect(first.map((r) => r.reason)).toEqual([
          expect.stringContaining("after its create was sent: Motive may hold its recall"),
          expect.stringContaining("before it was sent"),
          expect.stringContaining("before it was sent")
        ])
        // The hung create, and the second batch's two: row 2's was not sent again.
        expect(yield* routeCount(sandbox, "createVideoRecall")).toBe(3)
        const again = yield* motive(["batch", "cancel", status.batch.id, "--journal", journal], { env })
        expect(again.stdout).toContain("nothing left to cancel")
      }),
    60_000
  )

  it.scopedLive(
    "beside the process running the batch, stops the rows not yet sent and leaves the one being created to it",
    () =>
      Effect.gen(function*() {
        const { env, sandbox } = yield* sandboxEnv()
        // Row 2's create hangs at Motive while the run goes on; rows 3 and 4 wait for it (one create at a time).
        yield* sandbox.injectFault("createVideoRecall", { kind: "slow", delayMillis: 60_000 }, 1)
        const dir = yield* tempDir
        const journal = join(dir, "j.db")
        writeFileSync(join(dir, "rows.csv"), csv(3))
        const run = yield* killWhen(
          [
            "batch",
            "run",
            join(dir, "rows.csv"),
            "--dir",
            join(dir, "out"),
            "--journal",
            journal,
            "--concurrency",
            "1"
          ],
          env,
          Effect.map(routeCount(sandbox, "createVideoRecall"), (n) => n === 1),
          (pid) =>
            Effect.gen(function*() {
              const status = JSON.parse(
                (yield* motive(["--json", "batch", "status", "--journal", journal], { env })).stdout
              )
              const cancel = yield* motive(["--json", "batch", "cancel", status.batch.id, "--journal", journal], {
                env
              })
              const again = yield* motive(["batch", "cancel", status.batch.id, "--journal", journal], { env })
              return { pid, cancel, again }
            })
        )
        expect(run.killed).toBe(true)
        const { again, cancel, pid } = run.during!
        expect(cancel.code).toBe(0)
        expect(JSON.parse(cancel.stdout)).toMatchObject({ cancelled: [3, 4], runner: pid })
        expect(again.stdout).toContain(
          `nothing left to cancel; rows being created are left to the process running the journal (pid ${pid})`
        )
        const rows = JSON.parse((yield* motive(["--json", "batch", "status", "--journal", journal], { env })).stdout)
          .rows as ReadonlyArray<{ readonly row: number; readonly state: string }>
        expect(rows.map((r) => [r.row, r.state])).toEqual([[2, "creating"], [3, "stopped"], [4, "stopped"]])
        expect(yield* routeCount(sandbox, "createVideoRecall")).toBe(1)
      }),
    60_000
  )
})
