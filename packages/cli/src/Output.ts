/**
 * What the command prints: a result on stdout (human text, or exactly one JSON document with `--json`),
 * progress and notes on stderr, errors as one line per problem, never a stack trace or a secret.
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer } from "effect"
import { writeSync } from "node:fs"
import { escapeControlsInLines, jsonText } from "./Printable.js"

/**
 * How output is shaped.
 *
 * @since 0.1.0
 */
export interface OutputMode {
  readonly json: boolean
  readonly quiet: boolean
  readonly verbose: boolean
  /** The command's stdout is JSON Lines with `--json` from its start (`webhook listen`): every report on one line. */
  readonly jsonLines?: boolean
}

/**
 * Writes the command's output.
 *
 * @since 0.1.0
 */
export class Output extends Context.Tag("@effect-motive/cli/Output")<Output, {
  readonly mode: OutputMode
  /** The result: `human` lines normally, `json` as the single JSON document with `--json`. */
  readonly result: (human: string, json: unknown) => Effect.Effect<void>
  /** A note on stderr (not with `--quiet` or `--json`). */
  readonly note: (line: string) => Effect.Effect<void>
  /**
   * A line on stderr in every mode, `--quiet` and `--json` too: something that cannot be learned otherwise, such as
   * the port `--port 0` picked or a request the journal could not keep.
   */
  readonly told: (line: string) => Effect.Effect<void>
  /** A warning on stderr, with `--json` too (not with `--quiet`): something to notice, such as a refused delivery. */
  readonly warning: (line: string) => Effect.Effect<void>
  /** A progress line on stderr, redrawn in place; only on a terminal, not with `--quiet` or `--json`. */
  readonly progress: (line: string) => Effect.Effect<void>
  /** Ends the progress line. */
  readonly endProgress: Effect.Effect<void>
  /** A line on stderr only on a terminal (not with `--quiet` or `--json`): a retry or a pause, as it happens. */
  readonly notice: (line: string) => Effect.Effect<void>
  /** Records the attempt an API call is on, so that a final failure can say how many were made. */
  readonly attempt: (n: number) => Effect.Effect<void>
  /** The attempt the last retried call reached (0 when no call was retried). */
  readonly attempts: () => number
  /** Remembers a request this run learned exists at Motive, so that an interruption can still report it. */
  readonly learned: (request: LearnedRequest) => Effect.Effect<void>
  /** Every request this run learned of, in order. */
  readonly requests: () => ReadonlyArray<LearnedRequest>
  /** Whether the result has been printed (the run then succeeded, whatever happens after). */
  readonly printed: () => boolean
  /**
   * One line of a stream on stdout (`webhook listen`'s events), in every mode, if stdout takes it now: `printed`,
   * `unread` (a pipe whose reader is not keeping up is full: nothing written) or `gone` (its reader has gone:
   * `… | head -n 1`). A line stdout took only part of is `printed` once the rest is out, or after 2 s (it is then on
   * its way).
   */
  readonly line: (text: string) => Effect.Effect<"printed" | "unread" | "gone">
}>() {}

/**
 * Where output goes: Node's stdout and stderr, or anything that can be written to.
 *
 * @since 0.1.0
 */
export interface Sinks {
  readonly stdout: (text: string) => void
  readonly stderr: (text: string) => void
  readonly stderrIsTerminal: boolean
  /** Whether stdout is a terminal (colours are kept only then); taken as not when absent. */
  readonly stdoutIsTerminal?: boolean
  /** The terminal's width, when stdout is one: help is wrapped to it (80 columns at most). */
  readonly columns?: number | undefined
  /** Whether a person can answer questions (stdin is a terminal): `--wizard` needs one. */
  readonly stdinIsTerminal?: boolean
  /** Whether stdout's reader has gone (`EPIPE`); taken as not when absent. */
  readonly stdoutGone?: () => boolean
  /**
   * Writes `text` on stdout without waiting (a pipe whose reader is slow may be full): `written`, `full` (nothing
   * written) or `gone`, or a promise of the rest of a line begun. Taken as `stdout` (always written) when absent.
   */
  readonly stdoutOffer?: (text: string) => "written" | "full" | "gone" | Promise<void>
  /** Writes what is left of a line `stdoutOffer` began, waiting `millis` at most (before the process exits). */
  readonly stdoutFlush?: (millis: number) => void
}

const pause = new Int32Array(new SharedArrayBuffer(4))
const codeOf = (e: unknown): unknown => typeof e === "object" && e !== null ? Reflect.get(e, "code") : undefined

/**
 * Writes to a standard stream's file descriptor, all of it before returning, as Node does for files and
 * terminals: nothing is left queued when the command exits (`process.exit` drops what Node's stream still holds,
 * which cut large outputs into a pipe at 64 KiB), and the writer never builds Node's stream object for it (for a
 * pipe or a terminal that loads `node:net`: milliseconds at every start; stderr's is then never built, while
 * effect's logger builds stdout's when it loads). A pipe that is full and will not wait
 * (`EAGAIN`: Node's own stream, once built, makes the descriptor non-blocking) is waited for, 2 ms at a time.
 * A reader that went away (`EPIPE`: `motive … | head -c0`) ends the writing quietly, as it ends `cat` (`gone`
 * then says so); any other failure is `onFailure`'s, at every write.
 */
const standardWriter = (fd: number, stream: () => NodeJS.WriteStream, onFailure: (error: unknown) => void) => {
  // Windows' console takes text through Node's stream (as UTF-16), not as bytes.
  const viaStream = process.platform === "win32"
  let closed = false
  let nonBlocking = false
  /** The end of a line `offer` began but the descriptor did not take whole, written as its reader reads. */
  let rest: { bytes: Buffer; readonly resolve: () => void } | undefined
  /** Writes from `bytes[offset]` on until done or `EAGAIN`; the offset reached, or `undefined` once it failed. */
  const writeFrom = (bytes: Buffer, offset: number): number | undefined => {
    while (offset < bytes.length) {
      try {
        offset += writeSync(fd, bytes, offset)
      } catch (error) {
        if (codeOf(error) === "EAGAIN") return offset
        // A reader gone is gone for good; a full disk may be told again (the report of it goes elsewhere).
        if (codeOf(error) === "EPIPE") closed = true
        else onFailure(error)
        return undefined
      }
    }
    return offset
  }
  /** Writes what is left of a begun line, waiting (2 ms at a time, the process held) until `deadline` at most. */
  const finishRest = (deadline: number): void => {
    while (rest !== undefined) {
      const offset = writeFrom(rest.bytes, 0)
      if (offset === undefined || offset === rest.bytes.length) {
        const { resolve } = rest
        rest = undefined
        resolve()
        return
      }
      rest.bytes = rest.bytes.subarray(offset)
      if (Date.now() >= deadline) return
      Atomics.wait(pause, 0, 0, 2)
    }
  }
  const write = (text: string): void => {
    if (closed) return
    if (viaStream) {
      stream().write(text)
      return
    }
    finishRest(Number.POSITIVE_INFINITY)
    const bytes = Buffer.from(text)
    let offset = 0
    for (;;) {
      const reached = writeFrom(bytes, offset)
      if (reached === undefined || reached === bytes.length) return
      offset = reached
      Atomics.wait(pause, 0, 0, 2)
    }
  }
  /**
   * Writes `text` without waiting: `written`, `full` (the descriptor takes nothing now: nothing written) or `gone`;
   * or, when it took only part of it, a promise of the rest, written as the reader reads (meanwhile every offer is
   * `full`, so that lines never mix).
   */
  const offer = (text: string): "written" | "full" | "gone" | Promise<void> => {
    if (closed) return "gone"
    if (viaStream) {
      stream().write(text)
      return "written"
    }
    // A pipe left blocking would hold the process in the system call until its reader reads: Node's own stream,
    // built once, makes it non-blocking, so that a full pipe answers EAGAIN.
    if (!nonBlocking) {
      nonBlocking = true
      stream()
    }
    finishRest(0)
    if (rest !== undefined) return "full"
    const bytes = Buffer.from(text)
    const reached = writeFrom(bytes, 0)
    if (reached === undefined) return closed ? "gone" : "written"
    if (reached === bytes.length) return "written"
    if (reached === 0) return "full"
    let resolve: () => void = () => {}
    const done = new Promise<void>((r) => {
      resolve = r
    })
    rest = { bytes: bytes.subarray(reached), resolve }
    const pump = () => {
      finishRest(0)
      if (rest !== undefined) setTimeout(pump, 5).unref()
    }
    setTimeout(pump, 5).unref()
    return done
  }
  return Object.assign(write, {
    gone: () => closed,
    offer,
    /** Writes what is left of a begun line before the process exits, waiting `millis` at most. */
    flush: (millis: number) => finishRest(Date.now() + millis)
  })
}

/**
 * Standard output could not be written (a full disk, a closed descriptor): thrown by the writer, since nothing
 * can go on once the output is lost, and reported on stderr with what the run left at Motive.
 *
 * @since 0.1.0
 */
export class OutputFailed extends Error {
  constructor(override readonly cause: unknown) {
    super(`could not write the output: ${cause instanceof Error ? cause.message : String(cause)}`)
    this.name = "OutputFailed"
  }
}

const stdoutWriter = standardWriter(1, () => process.stdout, (error) => {
  throw new OutputFailed(error)
})

/**
 * Node's own standard output and error. Nothing is asked of them before it is needed: whether they are
 * terminals is looked up when first asked, and text is written to their file descriptors, whole. A failure to
 * write the output (a full disk) is the command's failure; one to write on stderr cannot be told anywhere.
 *
 * @since 0.1.0
 */
export const processSinks: Sinks = {
  stdout: stdoutWriter,
  stderr: standardWriter(2, () => process.stderr, () => {}),
  stdoutGone: stdoutWriter.gone,
  stdoutOffer: stdoutWriter.offer,
  stdoutFlush: stdoutWriter.flush,
  get stdoutIsTerminal() {
    return process.stdout.isTTY === true
  },
  get stderrIsTerminal() {
    return process.stderr.isTTY === true
  },
  get columns() {
    return process.stdout.isTTY === true ? process.stdout.columns : undefined
  },
  // Touching process.stdin opens it.
  get stdinIsTerminal() {
    return process.stdin.isTTY === true
  }
}

/**
 * A request that exists at Motive, and the command that picks it up.
 *
 * @since 0.1.0
 */
export interface LearnedRequest {
  readonly kind: "video_recall" | "image_capture"
  readonly id: number
  readonly resume: string
}

/**
 * The output service for a mode.
 *
 * @since 0.1.0
 */
export const make = (mode: OutputMode, sinks: Sinks = processSinks): Output["Type"] => {
  let progressWanted: boolean | undefined
  // Asked when the first progress line comes: a run that shows none never looks at stderr.
  const showProgress = () => progressWanted ??= sinks.stderrIsTerminal && !mode.quiet && !mode.json
  let progressShown = false
  let printed = false
  let attempts = 0
  const learned: Array<LearnedRequest> = []
  const clearProgress = () => {
    if (progressShown) {
      sinks.stderr("\r\x1b[2K")
      progressShown = false
    }
  }
  return {
    mode,
    result: (human, json) =>
      Effect.sync(() => {
        clearProgress()
        if (mode.json) sinks.stdout(`${jsonText(json, 2)}\n`)
        else if (human !== "") sinks.stdout(escapeControlsInLines(human.endsWith("\n") ? human : `${human}\n`))
        printed = true
      }),
    learned: (request) =>
      Effect.sync(() => {
        if (!learned.some((r) => r.kind === request.kind && r.id === request.id)) learned.push(request)
      }),
    requests: () => [...learned],
    printed: () => printed,
    line: (text) =>
      Effect.suspend(() => {
        clearProgress()
        if (sinks.stdoutOffer === undefined) {
          sinks.stdout(`${text}\n`)
          return Effect.succeed(sinks.stdoutGone?.() === true ? "gone" as const : "printed" as const)
        }
        const offered = sinks.stdoutOffer(`${text}\n`)
        if (offered === "written") return Effect.succeed("printed" as const)
        if (offered === "full") return Effect.succeed("unread" as const)
        if (offered === "gone") return Effect.succeed("gone" as const)
        // Interruptible, so that the time limit holds where the caller is not (an HTTP handler).
        return Effect.as(
          Effect.ignore(Effect.timeout(Effect.interruptible(Effect.promise(() => offered)), "2 seconds")),
          "printed" as const
        )
      }),
    note: (line) =>
      Effect.sync(() => {
        if (mode.quiet || mode.json) return
        clearProgress()
        sinks.stderr(`${escapeControlsInLines(line)}\n`)
      }),
    told: (line) =>
      Effect.sync(() => {
        clearProgress()
        sinks.stderr(`${escapeControlsInLines(line)}\n`)
      }),
    warning: (line) =>
      Effect.sync(() => {
        if (mode.quiet) return
        clearProgress()
        sinks.stderr(`${escapeControlsInLines(line)}\n`)
      }),
    progress: (line) =>
      Effect.sync(() => {
        if (!showProgress()) return
        sinks.stderr(`\r\x1b[2K${escapeControlsInLines(line)}`)
        progressShown = true
      }),
    endProgress: Effect.sync(clearProgress),
    notice: (line) =>
      Effect.sync(() => {
        if (!showProgress()) return
        clearProgress()
        sinks.stderr(`${escapeControlsInLines(line)}\n`)
      }),
    attempt: (n) =>
      Effect.sync(() => {
        attempts = n
      }),
    attempts: () => attempts
  }
}

/**
 * The output service as a layer.
 *
 * @since 0.1.0
 */
export const layer = (mode: OutputMode, sinks?: Sinks): Layer.Layer<Output> => Layer.succeed(Output, make(mode, sinks))

/**
 * Aligned `key  value` lines.
 *
 * @since 0.1.0
 */
export const table = (rows: ReadonlyArray<readonly [string, string]>, indent = "  "): string => {
  const width = Math.max(0, ...rows.map(([k]) => k.length))
  return rows.map(([k, v]) => `${indent}${k.padEnd(width)}  ${v}`).join("\n")
}

/**
 * A byte count for people: `512.0 KiB`.
 *
 * @since 0.1.0
 */
export const bytes = (n: number): string =>
  n < 1024
    ? `${n} B`
    : n < 1024 ** 2
    ? `${(n / 1024).toFixed(1)} KiB`
    : n < 1024 ** 3
    ? `${(n / 1024 ** 2).toFixed(1)} MiB`
    : `${(n / 1024 ** 3).toFixed(2)} GiB`
