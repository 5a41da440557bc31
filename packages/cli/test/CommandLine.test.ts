import { describe, expect, it } from "@effect/vitest"
import { Effect, FastCheck as fc } from "effect"
import { execFileSync } from "node:child_process"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { CommandLine, program as programSpec } from "../src/index.js"
import type { CommandSpec } from "../src/Spec.js"
import { motive, tempDir } from "./support.js"

const program = programSpec()

const usage = (message: string, at: string) => `error: ${message}\nRun '${at} --help' for usage.\n`

const allCommands = (c: CommandSpec): Array<CommandSpec> => [c, ...c.subcommands.flatMap(allCommands)]

describe("motive command line: usage errors name the level and the nearest choice", () => {
  const cases: ReadonlyArray<readonly [ReadonlyArray<string>, string]> = [
    [
      ["recall", "crate"],
      usage("unknown command 'crate' for 'motive recall'; did you mean 'create'?", "motive recall")
    ],
    [["imgae", "capture"], usage("unknown command 'imgae' for 'motive'; did you mean 'image'?", "motive")],
    [
      ["recall", "create", "--profile", "x"],
      usage("unknown flag '--profile' for 'motive recall create'", "motive recall create")
    ],
    [
      ["recall", "create", "--vehicle-numbr", "TRK-101"],
      usage(
        "unknown flag '--vehicle-numbr' for 'motive recall create'; did you mean '--vehicle-number'?",
        "motive recall create"
      )
    ],
    [
      ["recall", "create", "--recall-type", "timelapse"],
      usage("unknown flag '--recall-type' for 'motive recall create'; did you mean '--type'?", "motive recall create")
    ],
    [
      ["recall", "create", "--start_time", "-15m"],
      usage("unknown flag '--start_time' for 'motive recall create'; did you mean '--start'?", "motive recall create")
    ],
    [
      ["sandbox", "--PORT", "4095"],
      usage("unknown flag '--PORT' for 'motive sandbox'; did you mean '--port'?", "motive sandbox")
    ],
    [
      ["recall", "create", "--vehicle-number", "A", "--vehicle-number", "B"],
      usage("--vehicle-number was given twice (A and B); give it once", "motive recall create")
    ],
    [["recall", "get", "abc"], usage("ID must be a positive whole number, not 'abc'", "motive recall get")],
    [
      ["recall", "get", "1", "2"],
      usage("unexpected argument '2' for 'motive recall get': it takes ID", "motive recall get")
    ],
    [
      ["batch", "run", "f.csv", "--concurrency", "many"],
      usage("--concurrency takes a whole number, not 'many'", "motive batch run")
    ],
    [
      ["sandbox", "--port", "99999999999999999"],
      usage(
        "--port takes a whole number from -9007199254740991 to 9007199254740991, not '99999999999999999'",
        "motive sandbox"
      )
    ],
    [
      ["batch", "run", "f.csv", "--download-concurrency", "0"],
      "error: --download-concurrency must be a whole number from 1 to 256\n"
    ],
    [["sandbox", "--port"], usage("--port needs a value: --port PORT", "motive sandbox")],
    // A flag given without its value does not take the next flag as one (a file named --force was written).
    [
      ["image", "capture", "--vehicle-id", "101", "--position", "rear", "--out", "--force"],
      usage(
        "--out needs a value: --out FILE (found the flag --force; --out=--force if that is the value)",
        "motive image capture"
      )
    ],
    [
      ["recall", "create", "--vehicle-number", "--start=-15m", "--duration", "1m"],
      usage(
        "--vehicle-number needs a value: --vehicle-number NUMBER (found the flag --start; --vehicle-number=--start=-15m if that is the value)",
        "motive recall create"
      )
    ],
    [
      ["recall", "wait", "1", "--download", "--force"],
      usage(
        "--download needs a value: --download DIR (found the flag --force; --download=--force if that is the value)",
        "motive recall wait"
      )
    ],
    [["demo", "--", "--sandbox"], usage("'motive demo' takes no arguments, but was given '--sandbox'", "motive demo")],
    [["recall", "download", "17"], usage("'motive recall download' needs --dir DIR", "motive recall download")],
    [
      ["image", "get", "1", "--camera-type", "dashcm"],
      usage("--camera-type must be one of dashcam, omnicam, not 'dashcm'; did you mean 'dashcam'?", "motive image get")
    ],
    [
      ["webhook", "listen", "--port", "99999", "--secret", "s"],
      "error: --port 99999 is not a port: use 0 to 65535 (0: any free port)\n"
    ],
    [
      ["sandbox", "--faults", "createVideoRecall=503*0"],
      "error: --faults: fault count \"0\" must be at least 1 (the fault happens that many times)\n"
    ],
    [
      ["--completions", "tcsh"],
      usage("--completions must be one of bash, zsh, fish, not 'tcsh'; did you mean 'bash', 'fish' or 'zsh'?", "motive")
    ]
  ]
  for (const [args, stderr] of cases) {
    it.effect(`motive ${args.join(" ")}`, () =>
      Effect.gen(function*() {
        const run = yield* motive(args, { env: { MOTIVE_API_KEY: "x" } })
        expect(run).toEqual({ code: 2, stdout: "", stderr })
      }))
  }

  it.effect("under --json a usage error, and a bare group, is one JSON document on stdout", () =>
    Effect.gen(function*() {
      for (
        const [args, message] of [
          [
            ["--json"],
            "'motive' needs a command: image, recall, vehicles, assets, batch, worker, jobs, webhook, sandbox, demo"
          ],
          [
            ["--json", "recall"],
            "'motive recall' needs a command: create, get, wait, download, quota, timelines, list"
          ],
          [["recall", "crate", "--json"], "unknown command 'crate' for 'motive recall'; did you mean 'create'?"]
        ] as const
      ) {
        const run = yield* motive(args)
        expect(run.code, args.join(" ")).toBe(2)
        expect(run.stderr).toBe("")
        expect(JSON.parse(run.stdout)).toEqual({ error: { tag: "UsageError", message, help: expect.any(String) } })
      }
    }))
})

describe("motive command line: global flags anywhere", () => {
  it.effect("--help, --version and --completions work after global flags that take values", () =>
    Effect.gen(function*() {
      const help = yield* motive(["--api-key", "K", "--help"])
      expect(help.code).toBe(0)
      expect(help.stdout).toMatch(/^Motive dashcam and Omnicam footage/)
      const version = yield* motive(["--api-key", "K", "--version"])
      expect(version).toEqual({ code: 0, stdout: `${program.version}\n`, stderr: "" })
      const completions = yield* motive(["--api-key", "K", "--completions", "bash"])
      expect(completions.code).toBe(0)
      expect(completions.stdout).toContain("complete -F _motive_complete motive")
    }))

  it.effect("--log-level and --json work before the subcommand, and a subcommand's --help is its own", () =>
    Effect.gen(function*() {
      const dry = [
        "recall",
        "create",
        "--vehicle-number",
        "TRK-101",
        "--start",
        "-30m",
        "--duration",
        "2m",
        "--dry-run"
      ]
      const run = yield* motive(["--log-level", "debug", "--json", ...dry])
      expect(run.code).toBe(0)
      expect(JSON.parse(run.stdout)).toMatchObject({ dryRun: true, body: { duration: 2 } })
      const help = yield* motive(["recall", "create", "--help"])
      expect(help.stdout.split("\n").slice(0, 4)).toEqual([
        "Recall video for a time window (validated before anything is sent)",
        "",
        "Usage:",
        "  motive recall create [flags]"
      ])
    }))

  it.effect("--log-level debug shows no failure it reports as an unhandled one, nor a stack trace", () =>
    Effect.gen(function*() {
      const run = yield* motive(
        ["vehicles", "--base-url", "http://127.0.0.1:1", "--api-key", "K", "--log-level", "debug"],
        { env: { MOTIVE_MAX_ATTEMPTS: "1" } }
      )
      expect(run.code).toBe(5)
      expect(run.stderr).toContain("could not connect to Motive at http://127.0.0.1:1")
      expect(run.stderr).not.toContain("unhandled")
      expect(run.stderr).not.toMatch(/^\s+at /m)
    }))

  it.scopedLive("-- ends the flags: with credentials set, `demo -- --sandbox` is refused, not run on the sandbox", () =>
    Effect.gen(function*() {
      const cwd = yield* tempDir
      const run = yield* motive(["demo", "--", "--sandbox"], { cwd, env: { MOTIVE_API_KEY: "x" } })
      expect(run.code).toBe(2)
      expect(run.stderr).toContain("'motive demo' takes no arguments, but was given '--sandbox'")
    }))
})

describe("motive help", () => {
  it("every command's help fits 80 columns and has a summary, usage, global flags and examples", () => {
    for (const command of allCommands(program.root)) {
      const text = CommandLine.decide(program, [...command.path.slice(1), "--help"])
      expect(text._tag).toBe("Answer")
      if (text._tag !== "Answer") continue
      const lines = text.stdout.split("\n")
      for (const line of lines) expect(line.length, `${command.path.join(" ")}: ${line}`).toBeLessThanOrEqual(80)
      expect(text.stdout).toContain(`Usage:\n  ${command.path.join(" ")}`)
      expect(text.stdout).toContain("Global flags (before or after the command):\n  --api-key KEY")
      expect(command.summary, command.path.join(" ")).not.toBe("")
      expect(command.examples.length, `${command.path.join(" ")} has examples`).toBeGreaterThanOrEqual(1)
      for (const example of command.examples) {
        // Every example names a real command path, and only flags that command (or a global) takes.
        const words = example.split(" ")
        if (words[0] !== "motive") continue
        const decision = CommandLine.decide(program, [...words.slice(1).map((w) => w.replace(/…$/, "00")), "--help"])
        expect(decision._tag, example).toBe("Answer")
        if (decision._tag === "Answer") expect(decision.code, example).toBe(0)
      }
    }
  })

  it("says the value a flag falls back to, read off its definition", () => {
    const flag = (path: ReadonlyArray<string>, name: string) => {
      let command = program.root
      for (const step of path) command = command.subcommands.find((c) => c.name === step)!
      return command.flags.find((f) => f.name === name)!.description
    }
    expect(flag(["demo"], "--dir")).toBe("Where to write the files (default motive-demo)")
    expect(flag(["jobs", "serve"], "--webhook-host")).toBe("Address the receiver listens on (default 127.0.0.1)")
    // Not twice where the description says it.
    expect(flag(["sandbox"], "--port")).toBe("Port on 127.0.0.1 (default 4010; 0: any free port)")
  })

  it("wraps to a narrower terminal", () => {
    const text = CommandLine.decide(program, ["recall", "create", "--help"], { columns: 60 })
    expect(text._tag === "Answer" && text.stdout.split("\n").every((l) => l.length <= 60)).toBe(true)
  })

  it("the launcher's data is the command's own: dist/spec.json is the tree read off the definitions", () => {
    const built = JSON.parse(readFileSync(join(__dirname, "..", "dist", "spec.json"), "utf8"))
    expect(built).toEqual(JSON.parse(JSON.stringify(program)))
  })
})

describe("motive completions", () => {
  const complete = (script: string, line: ReadonlyArray<string>) => {
    const file = join(tmp, "completion.bash")
    writeFileSync(file, script)
    const words = line.map((w) => `'${w}'`).join(" ")
    const out = execFileSync("bash", [
      "-c",
      `source ${file}; COMP_WORDS=(${words}); COMP_CWORD=${
        line.length - 1
      }; _motive_complete; printf '%s\\n' "\${COMPREPLY[@]}"`
    ], { encoding: "utf8" })
    return out.split("\n").filter((l) => l !== "").sort()
  }
  let tmp = ""
  const script = (shell: "bash" | "zsh" | "fish") => {
    const d = CommandLine.decide(program, ["--completions", shell])
    return d._tag === "Answer" ? d.stdout : ""
  }

  it.scopedLive("bash completes every level's subcommands and flags, and the fixed values", () =>
    Effect.gen(function*() {
      tmp = yield* tempDir
      const bash = script("bash")
      expect(complete(bash, ["motive", ""])).toEqual(
        ["assets", "batch", "demo", "image", "jobs", "recall", "sandbox", "vehicles", "webhook", "worker"]
      )
      expect(complete(bash, ["motive", "recall", "cr"])).toEqual(["create"])
      expect(complete(bash, ["motive", "recall", "create", "--d"])).toEqual(["--download", "--dry-run", "--duration"])
      expect(complete(bash, ["motive", "--json", "recall", "create", "--vehicle-number", "TRK-101", "--s"])).toEqual(
        ["--sandbox", "--smart-dashcam", "--start"]
      )
      expect(complete(bash, ["motive", "image", "capture", "--position", ""])).toEqual(
        ["driver_facing", "front_facing", "rear", "side_left", "side_right"]
      )
      expect(complete(bash, ["motive", "recall", "create", "--cameras", "front_facing,dr"])).toEqual(
        ["front_facing,driver_facing"]
      )
      expect(complete(bash, ["motive", "recall", "create", "--type", ""])).toEqual(["regular", "timelapse"])
      expect(complete(bash, ["motive", "image", "get", "1", "--camera-type", "o"])).toEqual(["omnicam"])
      expect(complete(bash, ["motive", "--completions", ""])).toEqual(["bash", "fish", "zsh"])
      expect(complete(bash, ["motive", "batch", "run", "x.csv", "--w"])).toEqual(
        ["--webhook-host", "--webhook-port", "--webhook-secret", "--wizard"]
      )
    }))

  it("zsh loads the same completion through bashcompinit, and fish gets one line per flag and command", () => {
    const zsh = script("zsh")
    expect(zsh.startsWith("#compdef motive\n")).toBe(true)
    expect(zsh).toContain("autoload -U +X bashcompinit && bashcompinit")
    expect(zsh).toContain("complete -F _motive_complete motive")
    const fish = script("fish")
    expect(fish).toContain("complete -c motive -n 'test (__motive_path) = '\\''motive recall'\\''' -a create")
    expect(fish).toContain("-l position -r -a 'front_facing driver_facing side_left side_right rear'")
    // bash can at least parse the bash and zsh scripts' bash part.
    expect(() => execFileSync("bash", ["-n", "-c", script("bash")])).not.toThrow()
  })
})

describe("motive command line properties", () => {
  const commands = allCommands(program.root)
  const mutate = (word: string, at: number, how: number): string => {
    const i = at % word.length
    const letters = "abcdefghijklmnopqrstuvwxyz"
    switch (how % 3) {
      case 0:
        return word.slice(0, i) + word.slice(i + 1)
      case 1:
        return word.slice(0, i) + letters[(at * 7) % 26] + word.slice(i)
      default:
        return word.slice(0, i) + letters[(at * 11) % 26] + word.slice(i + 1)
    }
  }

  it.prop(
    "a command or flag mistyped by one edit is refused with a suggestion",
    [fc.nat(), fc.nat(), fc.nat(), fc.boolean()],
    ([pick, at, how, flag]) => {
      const withChildren = commands.filter((c) => c.subcommands.length > 0)
      const withFlags = commands.filter((c) => c.flags.length > 0)
      if (flag) {
        const command = withFlags[pick % withFlags.length]!
        const real = command.flags[pick % command.flags.length]!.name
        const typo = `--${mutate(real.slice(2), at, how)}`
        const known = [...command.flags, ...program.globals, ...CommandLine.builtInFlags].map((f) => f.name)
        if (known.includes(typo) || typo === "--") return
        const d = CommandLine.decide(program, [...command.path.slice(1), typo, "x"])
        expect(d._tag === "Answer" && d.code).toBe(2)
        if (d._tag === "Answer") expect(d.stderr, typo).toMatch(/did you mean '--/)
      } else {
        const command = withChildren[pick % withChildren.length]!
        const real = command.subcommands[pick % command.subcommands.length]!.name
        const typo = mutate(real, at, how)
        if (typo === "" || command.subcommands.some((c) => c.name === typo)) return
        const d = CommandLine.decide(program, [...command.path.slice(1), typo])
        expect(d._tag === "Answer" && d.code).toBe(2)
        if (d._tag === "Answer") expect(d.stderr, typo).toMatch(/did you mean '/)
      }
    },
    { fastCheck: { numRuns: 300 } }
  )

  it.prop(
    "global flags give the same command wherever they stand before --",
    [fc.subarray(["--json", "--sandbox", "-q", "--verbose"]), fc.nat()],
    ([globals, at]) => {
      const words = ["recall", "wait", "17", "--timeout", "10m"]
      // Anywhere but between --timeout and its value.
      const i = [0, 1, 2, 3, 5][at % 5]!
      const moved = CommandLine.decide(program, [...words.slice(0, i), ...globals, ...words.slice(i)])
      const front = CommandLine.decide(program, [...globals, ...words])
      expect(moved).toEqual(front)
      expect(front._tag).toBe("Run")
    }
  )
})
