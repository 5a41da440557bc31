/**
 * The documented exit codes, and which failure gets which.
 *
 * @since 0.1.0
 */

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
  /** Motive unreachable, server errors, timeouts, downloads the media server did not finish, after retries. */
  Unavailable: 5,
  /** The request itself ended in `failed`. */
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
export const exitCodeTable = [
  "Exit codes:",
  "  0  success",
  "  1  unexpected failure, or this machine failing (a file that cannot be written)",
  "  2  invalid input: a usage error or a rule violation (nothing was sent)",
  "  3  refused by Motive: 401, 403, 404, 400/422, a duplicate (its existing id is reported), a request not ready",
  "  4  rate limit or monthly quota exhausted, after retries",
  "  5  Motive unreachable, server errors or timeout, after retries",
  "  6  the request itself ended in failed",
  "  130  interrupted (Ctrl-C)"
].join("\n")

const byTag: Record<string, ExitCode> = {
  InvalidInput: ExitCode.InvalidInput,
  MissingCredentials: ExitCode.InvalidInput,
  InvalidSignature: ExitCode.InvalidInput,
  Unauthorized: ExitCode.Refused,
  Forbidden: ExitCode.Refused,
  NotFound: ExitCode.Refused,
  DuplicateRequest: ExitCode.Refused,
  NotReady: ExitCode.Refused,
  RateLimited: ExitCode.Limited,
  QuotaExhausted: ExitCode.Limited,
  ServerError: ExitCode.Unavailable,
  TransportError: ExitCode.Unavailable,
  RequestTimeout: ExitCode.Unavailable,
  ResponseDecodeError: ExitCode.Unavailable,
  WaitTimedOut: ExitCode.Unavailable,
  MediaExpired: ExitCode.Unavailable,
  DownloadFailed: ExitCode.Unavailable,
  SandboxFailed: ExitCode.Unavailable,
  RequestFailed: ExitCode.RequestFailed
}

/**
 * The exit code for a failure, by its tag. `InvalidRequest` depends on who refused it.
 *
 * @since 0.1.0
 */
export const exitCodeOf = (
  error: { readonly _tag: string; readonly source?: unknown; readonly failure?: unknown; readonly local?: unknown }
): ExitCode => {
  // A failure after the request was accepted: the code of what went wrong.
  const inner = error.failure
  if (error._tag === "AfterRequest" && typeof inner === "object" && inner !== null && "_tag" in inner) {
    return exitCodeOf({ ...inner, _tag: String(inner._tag) })
  }
  // This machine's file system failing is no fault of Motive's.
  if (error._tag === "DownloadFailed" && error.local === true) return ExitCode.Unexpected
  return error._tag === "InvalidRequest"
    ? (error.source === "client" ? ExitCode.InvalidInput : ExitCode.Refused)
    : byTag[error._tag] ?? ExitCode.Unexpected
}
