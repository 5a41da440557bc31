/**
 * The whole `motive` command line: parse, run, print, and map every outcome to a documented exit code.
 *
 * @since 0.1.0
 */
import { describeWait } from "@effect-motive/http/MotiveError"
import * as Command from "@effect/cli/Command"
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as ValidationError from "@effect/cli/ValidationError"
import { Cause, Console, Duration, Effect, Exit, Layer, Logger, LogLevel, Option } from "effect"
import { Console as NodeConsole } from "node:console"
import { Writable } from "node:stream"
import { guide } from "./CommandGuide.js"
import { builtInFlags, decide } from "./CommandLine.js"
import { batchCommand } from "./commands/BatchCommand.js"
import { demoCommand } from "./commands/DemoCommand.js"
import { assetsCommand, vehiclesCommand } from "./commands/FleetCommand.js"
import { imageCommand } from "./commands/ImageCommand.js"
import { jobsCommand } from "./commands/JobsCommand.js"
import { recallCommand } from "./commands/RecallCommand.js"
import { sandboxCommand } from "./commands/SandboxCommand.js"
import { webhookCommand } from "./commands/WebhookCommand.js"
import { workerCommand } from "./commands/WorkerCommand.js"
import { ExitCode, exitCodeOf, exitCodes, isKnownFailure } from "./ExitCode.js"
import * as Invocation from "./Invocation.js"
import * as Output from "./Output.js"
import { jsonText, printableText } from "./Printable.js"
import { root } from "./Root.js"
import { type CommandSpec, type ProgramSpec, specOf } from "./Spec.js"
import { version } from "./Version.js"

/**
 * The command tree.
 *
 * @since 0.1.0
 */
export const command = root.pipe(
  Command.withDescription(
    "Motive dashcam and Omnicam footage from a terminal: still images, video recalls, downloads, webhooks."
  ),
  Command.withSubcommands([
    imageCommand,
    recallCommand,
    vehiclesCommand,
    assetsCommand,
    batchCommand,
    workerCommand,
    jobsCommand,
    webhookCommand,
    sandboxCommand,
    demoCommand
  ])
)

const ansiEscape = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g")
const stripAnsi = (text: string) => text.replace(ansiEscape, "")

/**
 * The Console for @effect/cli's help and usage errors and for log lines, writing through the command's sinks:
 * in `--json` mode everything goes to stderr so that stdout keeps exactly one JSON document; log lines always go to
 * stderr; colours are dropped when the stream is no terminal. Node's console over the sinks is made on first use.
 */
const consoleOn = (sinks: Output.Sinks, json: boolean): Console.Console => {
  const toOut = json ? sinks.stderr : sinks.stdout
  const forwarding = (sink: (text: string) => void) =>
    new Writable({
      write(chunk, _encoding, done) {
        sink(String(chunk))
        done()
      }
    })
  let made: globalThis.Console | undefined
  const c = () => made ??= new NodeConsole(forwarding(toOut), forwarding(sinks.stderr))
  // What loggers write (Effect's default logger writes with `unsafe.log`) is never the command's output.
  let logs: globalThis.Console | undefined
  const unsafe = () => logs ??= new NodeConsole(forwarding(sinks.stderr), forwarding(sinks.stderr))
  const outIsTerminal = () => json ? sinks.stderrIsTerminal : sinks.stdoutIsTerminal === true
  const clean = (isTerminal: () => boolean) => (args: ReadonlyArray<unknown>) =>
    isTerminal() ? args : args.map((a) => typeof a === "string" ? stripAnsi(a) : a)
  const forOut = clean(outIsTerminal), forErr = clean(() => sinks.stderrIsTerminal)
  const sync = <A extends ReadonlyArray<unknown>>(f: (...args: A) => void) => (...args: A) =>
    Effect.sync(() => f(...args))
  return {
    [Console.TypeId]: Console.TypeId,
    assert: sync((condition: boolean, ...args: ReadonlyArray<unknown>) => {
      if (!condition) c().error("Assertion failed:", ...forErr(args))
    }),
    clear: Effect.sync(() => c().clear()),
    count: sync((label?: string) => c().count(label)),
    countReset: sync((label?: string) => c().countReset(label)),
    debug: sync((...args: ReadonlyArray<unknown>) => c().debug(...forOut(args))),
    dir: sync((item: unknown, options?: unknown) => c().dir(item, options as object)),
    dirxml: sync((...args: ReadonlyArray<unknown>) => c().dirxml(...forOut(args))),
    error: sync((...args: ReadonlyArray<unknown>) => c().error(...forErr(args))),
    group: (options?: { readonly label?: string | undefined }) => Effect.sync(() => c().group(options?.label)),
    groupEnd: Effect.sync(() => c().groupEnd()),
    info: sync((...args: ReadonlyArray<unknown>) => c().info(...forOut(args))),
    log: sync((...args: ReadonlyArray<unknown>) => c().log(...forOut(args))),
    table: sync((data: unknown, props?: ReadonlyArray<string>) => c().table(data, props as Array<string>)),
    time: sync((label?: string) => c().time(label)),
    timeEnd: sync((label?: string) => c().timeEnd(label)),
    timeLog: sync((label?: string, ...args: ReadonlyArray<unknown>) => c().timeLog(label, ...args)),
    trace: sync((...args: ReadonlyArray<unknown>) => c().trace(...forErr(args))),
    warn: sync((...args: ReadonlyArray<unknown>) => c().warn(...forErr(args))),
    get unsafe() {
      return unsafe()
    }
  }
}

/** The facts of a failure worth printing, without stack traces or secrets. */
interface FailureReport {
  readonly tag: string
  readonly message: string
  readonly status?: number
  readonly violations?: ReadonlyArray<
    {
      readonly path: string
      readonly rule: string
      readonly message: string
      readonly row?: number
      readonly field?: string
    }
  >
  /** Facts a caller acts on: Motive's request id, a duplicate's id, the last status of a wait, … */
  readonly details?: Readonly<Record<string, string | number>>
  /** The request that exists despite the failure, and how to pick it up again. */
  readonly request?: { readonly kind: string; readonly id: number; readonly resume: string }
  /** A batch's status when it ended short of done. */
  readonly summary?: unknown
  /** Requests that exist at Motive because of a run that failed unexpectedly, and how to pick each up. */
  readonly requests?: ReadonlyArray<Output.LearnedRequest>
}

const detailKeys = ["requestId", "existingId", "lastStatus", "id", "location", "path", "timeoutMillis"] as const

/** The failures the client retries: their report says how many attempts were made. */
const retriedTags: ReadonlySet<string> = new Set(["RateLimited", "ServerError", "TransportError", "RequestTimeout"])

const withAttempts = (failure: FailureReport, attempts: number): FailureReport => {
  const n = Math.max(1, attempts)
  return {
    ...failure,
    message: `${failure.message} (after ${n} attempt${n === 1 ? "" : "s"})`,
    details: { ...failure.details, attempts: n }
  }
}

/** The facts of a failure worth printing, without stack traces or secrets. */
const describeFailure = (error: unknown, takesForce: boolean | undefined = false): FailureReport => {
  if (typeof error !== "object" || error === null) return { tag: "Unexpected", message: String(error) }
  const record: Record<string, unknown> = { ...error }
  if (record._tag === "AfterRequest") {
    const inner = describeFailure(record.failure, takesForce)
    return {
      ...inner,
      request: { kind: String(record.kind), id: Number(record.id), resume: String(record.resume) }
    }
  }
  const tag = typeof record._tag === "string" ? record._tag : "Unexpected"
  const told = error instanceof Error ? error.message : String(record.message ?? tag)
  // The library's way to replace a different file is `overwrite`; a command's is --force, when it has one.
  const wait = tag === "RateLimited" && Duration.isDuration(record.retryAfter) ? record.retryAfter : undefined
  const message = tag === "DownloadFailed" && record.differentFile === true
    ? `${told} (${
      takesForce === undefined
        ? "move it away, write elsewhere, or replace it with --force"
        : takesForce
        ? "--force replaces it"
        : "move it away, or write elsewhere"
    })`
    : wait !== undefined
    ? `${told}; Motive asks to come back in ${describeWait(wait)}`
    : told
  const violations = Array.isArray(record.violations) && record.violations.length > 0
    ? record.violations.map((v: { path: string; rule: string; message: string; row?: number; field?: string }) => ({
      path: v.path,
      rule: v.rule,
      message: v.message,
      // A batch file's problem also says its row and field apart, for scripts.
      ...(typeof v.row === "number" ? { row: v.row } : {}),
      ...(typeof v.field === "string" ? { field: v.field } : {})
    }))
    : undefined
  const details: Record<string, string | number> = {}
  for (const key of detailKeys) {
    const value = record[key]
    if (typeof value === "string" || typeof value === "number") details[key] = value
  }
  if (wait !== undefined) details.retryAfterSeconds = Duration.toSeconds(wait)
  // A create that may have happened says what its last attempt met: Motive's status and request id.
  const met = tag === "CreateUncertain" && typeof record.failure === "object" && record.failure !== null
    ? { ...record.failure } as Record<string, unknown>
    : undefined
  if (met !== undefined && typeof met.requestId === "string") details.requestId ??= met.requestId
  const status = typeof record.status === "number" ? record.status : met?.status
  return {
    tag,
    // A message that lists the violations itself is shortened (they follow, one per line); one that does not is
    // kept (it says what they are about, e.g. a batch file's name).
    message: violations === undefined || !message.includes(violations[0]!.message)
      ? message
      : `${violations.length} problem${violations.length === 1 ? "" : "s"} with the request; nothing was sent`,
    ...(typeof status === "number" ? { status } : {}),
    ...(violations === undefined ? {} : { violations }),
    ...(Object.keys(details).length === 0 ? {} : { details }),
    ...(record.summary === undefined ? {} : { summary: record.summary })
  }
}

let spec: ProgramSpec | undefined

/**
 * The command tree as data, for help, completion scripts and usage checks (and `dist/spec.json`, which the
 * launcher reads to answer those without loading the command). Built on first use: rendering every command's
 * help text costs ~25 ms, which a command the launcher has already checked never needs to pay.
 *
 * @since 0.1.0
 */
export const program = (): ProgramSpec =>
  spec ??= specOf(command, { version, exitCodes, globals: builtInFlags, extras: guide })

const logLevels: Record<string, LogLevel.LogLevel> = Object.fromEntries(
  LogLevel.allLevels.map((level) => [level._tag.toLowerCase(), level])
)

const runCommandLine = (
  argv: ReadonlyArray<string>,
  sinks: Output.Sinks,
  restore: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>,
  tree: ProgramSpec
) =>
  Effect.gen(function*() {
    const decision = decide(tree, argv.slice(2), {
      get columns() {
        return sinks.columns
      }
    })
    if (decision._tag === "Answer") {
      if (decision.stdout !== "") sinks.stdout(decision.stdout)
      if (decision.stderr !== "") sinks.stderr(decision.stderr)
      return decision.code
    }
    const mode: Output.OutputMode = decision.mode
    const output = Output.make(mode, sinks)
    // The output itself failing (stdout on a full disk, here or in the report below) is said on stderr, with every
    // request that exists at Motive because of the run: nothing else may name them.
    return yield* outcome(argv, sinks, restore, tree, decision, mode, output).pipe(
      Effect.catchAllDefect((defect) =>
        Effect.sync(() => {
          sinks.stderr(`error: ${defect instanceof Error ? defect.message : String(defect)}\n`)
          requestsOnStderr(output.requests(), sinks)
          return ExitCode.Unexpected
        })
      )
    )
  })

/** The command run, and its outcome reported. */
const outcome = (
  argv: ReadonlyArray<string>,
  sinks: Output.Sinks,
  restore: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>,
  tree: ProgramSpec,
  decision: Exclude<ReturnType<typeof decide>, { readonly _tag: "Answer" }>,
  mode: Output.OutputMode,
  output: Output.Output["Type"]
) =>
  Effect.gen(function*() {
    if (decision.wizard && sinks.stdinIsTerminal !== true) {
      yield* report(output, mode, {
        tag: "UsageError",
        message: "--wizard asks its questions in an interactive terminal; give the command and its flags instead"
      }, sinks)
      return ExitCode.InvalidInput
    }
    const run = decision.line === undefined
      ? Effect.flatMap(
        Effect.promise(() => import("./Wizard.js")),
        (wizard) => wizard.run([argv[0] ?? "node", argv[1] ?? "motive", ...decision.words])
      )
      : Invocation.run(command, decision.line)
    const running = run.pipe(
      Effect.provide(Layer.succeed(Output.Output, output)),
      Logger.withMinimumLogLevel(logLevels[decision.logLevel ?? "none"] ?? LogLevel.None),
      // Every failure is reported below, as the command's outcome: none is an unhandled one for the runtime to log
      // (with a stack trace) at --log-level debug.
      Effect.withUnhandledErrorLogLevel(Option.none()),
      Effect.withConsole(consoleOn(sinks, mode.json))
    )
    const exit = yield* Effect.exit(restore(running))
    // A printed result is the outcome, whatever came after it (an interrupt as the command was finishing).
    if (Exit.isSuccess(exit) || output.printed()) return ExitCode.Success
    const failure = Cause.failureOption(exit.cause)
    if (Option.isNone(failure)) {
      if (Cause.isInterruptedOnly(exit.cause)) {
        yield* reportInterrupted(mode, output.requests(), sinks)
        return 130
      }
      const defect = Cause.squash(exit.cause)
      // The output lost: nothing more can be written to it (the clean-up above says what exists).
      if (defect instanceof Output.OutputFailed) return yield* Effect.die(defect)
      const message = defect instanceof Error ? defect.message : String(defect)
      const requests = output.requests()
      yield* report(output, mode, { tag: "Unexpected", message, ...(requests.length > 0 ? { requests } : {}) }, sinks)
      if (!mode.json) requestsOnStderr(requests, sinks)
      if (mode.verbose) sinks.stderr(`${Cause.pretty(exit.cause)}\n`)
      return ExitCode.Unexpected
    }
    const error = failure.value
    if (ValidationError.isValidationError(error)) {
      if (ValidationError.isHelpRequested(error)) return ExitCode.Success
      // @effect/cli has already printed the usage error (to stderr in --json mode).
      if (mode.json) {
        const message = "error" in error ? stripAnsi(HelpDoc.toAnsiText(error.error)).trim() : "invalid usage"
        // (@effect/cli has said it on stderr: nothing more to say there when stdout cannot take it.)
        documentOrStderr(sinks, `${document({ error: { tag: "UsageError", message } }, mode)}\n`, () => {})
      }
      return ExitCode.InvalidInput
    }
    // Whether the command run has --force (a hint names it only then; under --wizard the command run is not
    // known here, so the hint names every way out).
    let leaf: CommandSpec | undefined = tree.root
    for (const word of decision.line?.path ?? []) leaf = leaf?.subcommands.find((c) => c.name === word)
    const described = describeFailure(
      error,
      decision.line === undefined ? undefined : leaf?.flags.some((f) => f.name === "--force") === true
    )
    yield* report(
      output,
      mode,
      retriedTags.has(described.tag) ? withAttempts(described, output.attempts()) : described,
      sinks
    )
    return isKnownFailure(error) ? exitCodeOf(error) : ExitCode.Unexpected
  })

/**
 * Runs the command line `argv` (as `process.argv`: node, script, words…) and answers the exit code. Never
 * fails: every outcome is printed and mapped to a documented code. An interruption (Ctrl-C) stops the command,
 * not this: what the run learned exists at Motive is still reported, and the code is 130 (or 0 when the result
 * had been printed), also told to `onExitCode` before any pending interruption ends the fiber. `tree` is the
 * command tree as data when the caller already holds it (the launcher's `dist/spec.json`); by default
 * {@link program}.
 *
 * @since 0.1.0
 */
export const main = (
  argv: ReadonlyArray<string>,
  sinks: Output.Sinks = Output.processSinks,
  onExitCode: (code: number) => void = () => {},
  tree?: ProgramSpec
) =>
  Effect.uninterruptibleMask((restore) =>
    Effect.tap(
      Effect.suspend(() => runCommandLine(argv, sinks, restore, tree ?? program())).pipe(
        // The report itself could not be written (stdout on a full disk): said on stderr, as a failure.
        Effect.catchAllDefect((defect) =>
          Effect.sync(() => {
            sinks.stderr(`error: ${defect instanceof Error ? defect.message : String(defect)}\n`)
            return ExitCode.Unexpected
          })
        )
      ),
      (code) => Effect.sync(() => onExitCode(code))
    )
  )

/** A JSON document as printed: indented, or on one line for a command whose stdout is JSON Lines. */
const document = (value: unknown, mode: Output.OutputMode): string =>
  mode.jsonLines === true ? jsonText(value) : jsonText(value, 2)

/**
 * An interrupted run: what exists at Motive because of it, and how to pick each up (one JSON document with
 * --json). A stream's interruption is its end: nothing is added to it unless requests exist.
 */
const reportInterrupted = (
  mode: Output.OutputMode,
  requests: ReadonlyArray<Output.LearnedRequest>,
  sinks: Output.Sinks
) =>
  Effect.sync(() => {
    if (mode.json) {
      if (mode.jsonLines === true && requests.length === 0) return
      documentOrStderr(
        sinks,
        `${document({ error: { tag: "Interrupted", message: "interrupted", requests } }, mode)}\n`,
        () => requestsOnStderr(requests, sinks)
      )
      return
    }
    // Said as interrupted, as `batch run` says its own.
    requestsOnStderr(requests, sinks, "interrupted: ")
  })

/**
 * A JSON document on stdout; when stdout cannot take it (a full disk), that is said on stderr followed by what the
 * document held, in words (`inWords`): the run's outcome and exit code stay its own.
 */
const documentOrStderr = (sinks: Output.Sinks, text: string, inWords: () => void) => {
  try {
    sinks.stdout(text)
  } catch (e) {
    if (!(e instanceof Output.OutputFailed)) throw e
    sinks.stderr(`error: ${e.message}\n`)
    inWords()
  }
}

/** Each request that exists at Motive because of the run, and the command that picks it up, one per line. */
const requestsOnStderr = (requests: ReadonlyArray<Output.LearnedRequest>, sinks: Output.Sinks, lead = "") => {
  for (const r of requests) sinks.stderr(`${lead}${r.kind.replace("_", " ")} ${r.id} exists: ${r.resume}\n`)
}

const report = (
  _output: Output.Output["Type"],
  mode: Output.OutputMode,
  failure: FailureReport,
  sinks: Output.Sinks
) =>
  Effect.sync(() => {
    if (mode.json) {
      documentOrStderr(sinks, `${document({ error: failure }, mode)}\n`, () => {
        sinks.stderr(failureText(failure))
        requestsOnStderr(failure.requests ?? [], sinks)
      })
      return
    }
    sinks.stderr(failureText(failure))
  })

/** A failure as the lines said on stderr. */
const failureText = (failure: FailureReport): string => {
  // A message may quote a server's body: shown escaped and cut, so no byte of it acts on the terminal.
  const lines = [
    `error: ${printableText(failure.message)}${failure.status === undefined ? "" : ` (HTTP ${failure.status})`}`
  ]
  for (const v of failure.violations ?? []) lines.push(`  ${v.path}: ${printableText(v.message)} [${v.rule}]`)
  if (failure.details?.existingId !== undefined) lines.push(`  the existing request is ${failure.details.existingId}`)
  if (failure.details?.requestId !== undefined) lines.push(`  Motive request id: ${failure.details.requestId}`)
  if (failure.request !== undefined) {
    lines.push(`  ${failure.request.kind.replace("_", " ")} ${failure.request.id} exists: ${failure.request.resume}`)
  }
  return `${lines.join("\n")}\n`
}
