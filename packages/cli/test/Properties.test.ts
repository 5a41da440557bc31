import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, FastCheck as fc } from "effect"
import { execFileSync } from "node:child_process"
import { ExitCode, main } from "../src/index.js"
import { shellWord } from "../src/Render.js"
import { motive, stackTrace, tempDir } from "./support.js"

const vocabulary = [
  "image",
  "capture",
  "get",
  "recall",
  "create",
  "wait",
  "download",
  "quota",
  "timelines",
  "webhook",
  "verify",
  "--vehicle-number",
  "TRK-101",
  "--asset-name",
  "TRAILER-7",
  "--start",
  "-10m",
  "2026-13-40",
  "--duration",
  "2m",
  "abc",
  "--cameras",
  "rear,roof",
  "--dry-run",
  "--json",
  "--quiet",
  "-q",
  "--help",
  "--version",
  "--sandbox",
  "--type",
  "timelapse",
  "--position",
  "front_facing",
  "--vehicle-id",
  "101",
  "--id",
  "1",
  "--timeout",
  "1s",
  "--signature",
  "00",
  "--secret",
  "s",
  "--file",
  "missing.json",
  "--dir",
  "out",
  "--",
  "=",
  "",
  "--api-key",
  "k",
  "--base-url",
  "http://127.0.0.1:9",
  "--from",
  "--to",
  "now",
  "--wait",
  "--out",
  "x.jpg",
  "1",
  "-1"
]

const documented: ReadonlyArray<number> = [0, 2, 3, 4, 5, 6]

describe("motive properties", () => {
  it.scopedLive.prop(
    "random argument vectors never print a stack trace nor exit outside the documented codes",
    [fc.array(fc.constantFrom(...vocabulary), { minLength: 0, maxLength: 7 })],
    ([args]) =>
      Effect.gen(function*() {
        const cwd = yield* tempDir
        const run = yield* motive(args, { cwd, env: { MOTIVE_MAX_ATTEMPTS: "1" } })
        expect(documented, `motive ${args.join(" ")}\n${run.stderr}`).toContain(run.code)
        expect(run.stdout + run.stderr, `motive ${args.join(" ")}`).not.toMatch(stackTrace)
      }),
    { fastCheck: { numRuns: 25 }, timeout: 120_000 }
  )

  it.effect("exits 1 on an unexpected failure, with no stack trace unless --verbose", () =>
    Effect.gen(function*() {
      let stderr = ""
      const broken = {
        stdout: () => {
          throw new Error("stdout is gone")
        },
        stderr: (text: string) => {
          stderr += text
        },
        stderrIsTerminal: false
      }
      const code = yield* main([
        "node",
        "motive",
        "recall",
        "create",
        "--vehicle-number",
        "TRK-101",
        "--start",
        "-10m",
        "--duration",
        "1m",
        "--dry-run"
      ], broken)
        .pipe(Effect.provide(NodeContext.layer))
      expect(code).toBe(ExitCode.Unexpected)
      expect(stderr).toContain("error: stdout is gone")
      expect(stderr).not.toMatch(stackTrace)
    }))

  it("a word quoted for a command to paste reaches a POSIX shell as exactly that one word", () => {
    const words = fc.sample(fc.string({ unit: "binary", minLength: 1 }).filter((w) => !w.includes("\0")), 300)
    const special = ["$HOME", "`id`", "it's", "a b", "'", "\\", "-rf", "\n", "*", "~"]
    const all = [...special, ...words]
    const printed = execFileSync("sh", ["-c", `printf '%s\\0' ${all.map(shellWord).join(" ")}`], { encoding: "utf8" })
    expect(printed.split("\0").slice(0, -1)).toEqual(all)
  })
})
