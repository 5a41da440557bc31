/**
 * The documented exit codes, and which failure gets which.
 *
 * @since 0.1.0
 */

import type { DownloadError, MotiveError, WaitTimedOut } from "@effect-motive/http"
import { Match, Predicate } from "effect"
import type { CliError } from "./CliError.js"

/**
 * Exit codes of the `motive` command.
 *
 * @since 0.1.0
 */
export const ExitCode = {
  /** Done. */
  Success: 0,
  /** Something the command did not expect (a bug, or the machine failing). */
  Unexpected: 1,
  /** A usage error or a rule violation: nothing was sent. */
  InvalidInput: 2,
  /** Motive refused: 401, 403, 404, 400/422, a duplicate (its existing id is reported), a request not ready. */
  Refused: 3,
  /** Rate limited or the monthly quota is spent, after retries. */
  Limited: 4,
  /**
   * Motive unreachable, server errors, timeouts, downloads the media server did not finish, after retries; the
   * jobs database unreachable.
   */
  Unavailable: 5,
  /** The request itself ended in `failed`, or finished without footage from a camera it asked for. */
  RequestFailed: 6
} as const

/**
 * @since 0.1.0
 */
export type ExitCode = typeof ExitCode[keyof typeof ExitCode]

/**
 * The help text's table of exit codes (also in the README).
 *
 * @since 0.1.0
 */
export const exitCodes: ReadonlyArray<readonly [string, string]> = [
  ["0", "success"],
  ["1", "unexpected failure, or this machine failing during the run (a file that could not be written)"],
  [
    "2",
    "invalid input: a usage error, a rule violation or a destination that cannot be written (nothing was sent); " +
    "also a download refused for a different file (or a link, a FIFO, a device) at its destination, or one " +
    "another process is downloading to"
  ],
  ["3", "refused by Motive: 401, 403, 404, 400/422, a duplicate naming no existing request, a request not ready"],
  ["4", "rate limit or monthly quota exhausted, after retries"],
  ["5", "Motive unreachable, server errors or timeout, after retries; the jobs database unreachable"],
  ["6", "the request itself ended in failed, or finished without footage from a camera it asked for"],
  ["130", "interrupted (Ctrl-C)"]
]

/**
 * The exit codes as printed text.
 *
 * @since 0.1.0
 */
export const exitCodeTable = ["Exit codes:", ...exitCodes.map(([code, text]) => `  ${code}  ${text}`)].join("\n")

/**
 * Every failure a command reports: the client's (a recall's create included), the waits' and downloads', and
 * the CLI's own.
 *
 * @since 0.1.0
 */
export type CommandFailure = MotiveError | DownloadError | WaitTimedOut | CliError

// Every tag of the union, checked by the compiler both ways.
const tags: ReadonlySet<string> = new Set(Object.keys(
  {
    InvalidRequest: true,
    Unauthorized: true,
    Forbidden: true,
    FeatureDisabled: true,
    NotFound: true,
    DuplicateRequest: true,
    RateLimited: true,
    QuotaExhausted: true,
    ServerError: true,
    TransportError: true,
    RequestTimeout: true,
    ResponseDecodeError: true,
    MediaExpired: true,
    DownloadFailed: true,
    NotReady: true,
    RequestFailed: true,
    WaitTimedOut: true,
    InvalidInput: true,
    UnknownEntity: true,
    MissingCredentials: true,
    InvalidSignature: true,
    SandboxFailed: true,
    JobsDatabaseUnavailable: true,
    AfterRequest: true,
    CreateUncertain: true,
    BatchIncomplete: true,
    FootageMissing: true
  } satisfies Record<CommandFailure["_tag"], true>
))

/**
 * Whether a value is one of the failures {@link exitCodeOf} knows.
 *
 * @since 0.1.0
 */
export const isKnownFailure = (u: unknown): u is CommandFailure =>
  Predicate.hasProperty(u, "_tag") && Predicate.isString(u._tag) && tags.has(u._tag)

/**
 * The exit code for a failure. The compiler checks that every failure has one.
 *
 * @since 0.1.0
 */
export const exitCodeOf = (error: CommandFailure): ExitCode =>
  Match.valueTags(error, {
    // Refused before sending, or by Motive.
    InvalidRequest: (e) => e.source === "client" ? ExitCode.InvalidInput : ExitCode.Refused,
    InvalidInput: () => ExitCode.InvalidInput,
    BatchIncomplete: (e) => e.code,
    FootageMissing: () => ExitCode.RequestFailed,
    MissingCredentials: () => ExitCode.InvalidInput,
    InvalidSignature: () => ExitCode.InvalidInput,
    Unauthorized: () => ExitCode.Refused,
    Forbidden: () => ExitCode.Refused,
    FeatureDisabled: () => ExitCode.Refused,
    NotFound: () => ExitCode.Refused,
    UnknownEntity: () => ExitCode.Refused,
    DuplicateRequest: () => ExitCode.Refused,
    NotReady: () => ExitCode.Refused,
    RateLimited: () => ExitCode.Limited,
    QuotaExhausted: () => ExitCode.Limited,
    ServerError: () => ExitCode.Unavailable,
    TransportError: () => ExitCode.Unavailable,
    RequestTimeout: () => ExitCode.Unavailable,
    ResponseDecodeError: () => ExitCode.Unavailable,
    WaitTimedOut: () => ExitCode.Unavailable,
    MediaExpired: () => ExitCode.Unavailable,
    // This machine's file system failing is no fault of Motive's.
    // A destination holding a different file (or a link, a FIFO, a device), or one another process is downloading
    // to, is the caller's to change (or to wait for), as a destination found unusable before sending is.
    DownloadFailed: (e) =>
      e.differentFile === true || e.busy === true || e.notAFile === true
        ? ExitCode.InvalidInput
        : e.local
        ? ExitCode.Unexpected
        : ExitCode.Unavailable,
    SandboxFailed: () => ExitCode.Unavailable,
    JobsDatabaseUnavailable: () => ExitCode.Unavailable,
    RequestFailed: () => ExitCode.RequestFailed,
    // Motive may hold the request: the code of what went wrong.
    CreateUncertain: (e) => exitCodeOf(e.failure),
    // A failure after the request was accepted: the code of what went wrong.
    AfterRequest: (e) => isKnownFailure(e.failure) ? exitCodeOf(e.failure) : ExitCode.Unexpected
  })
