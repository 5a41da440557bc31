/**
 * Getting a Motive client for a command: the real API with the given credentials, or the built-in sandbox.
 *
 * @since 0.1.0
 */
import type { ImageCapture, VideoRecall } from "@effect-motive/domain"
import type {
  MediaDownloads,
  MotiveClient,
  MotiveConfig,
  RequestGate,
  RequestJournal as Journal,
  Waiting
} from "@effect-motive/http"
import type { Sandbox, SandboxOptions } from "@effect-motive/sandbox"
import type { FileSystem, Path } from "@effect/platform"
import { ConfigError, Effect, Layer, Option, Redacted, type Scope } from "effect"
import { InvalidInput, MissingCredentials, SandboxFailed } from "./CliError.js"
import { Output } from "./Output.js"
import { withNotices } from "./RetryNotices.js"
import type { Globals } from "./Root.js"

/**
 * The sandbox `--sandbox` starts: the documented demo fleet, a recall done in about two seconds.
 *
 * @since 0.1.0
 */
export const inProcessSandbox = (
  options: SandboxOptions = {}
): Effect.Effect<Sandbox.SandboxService, SandboxFailed, Scope.Scope> =>
  Effect.promise(() => import("@effect-motive/sandbox")).pipe(
    Effect.flatMap(({ Sandbox }) => Sandbox.make(options)),
    Effect.mapError((e) => new SandboxFailed({ message: e.message }))
  )

/**
 * The client package, loaded when a command first needs it: `--help`, `--version` and `--dry-run` never pay
 * for it.
 *
 * @since 0.1.0
 */
export const httpPackage = Effect.promise(() => import("@effect-motive/http"))

/**
 * Its Node entry (undici, the media reader), loaded likewise.
 *
 * @since 0.1.0
 */
export const nodePackage = Effect.promise(() => import("@effect-motive/http/node"))

/**
 * The services a command works with.
 *
 * @since 0.1.0
 */
export interface Motive {
  /**
   * Records the status of a request a command read (`recall get`, `image get`) in the local journal, as waits
   * record theirs: only a request the journal already holds (made from this machine), and silently (a read-only
   * command does not warn of a journal it cannot write).
   */
  readonly seen: (request: { readonly recall: VideoRecall } | { readonly capture: ImageCapture }) => Effect.Effect<void>
  readonly client: MotiveClient.MotiveClientService
  readonly waiting: Waiting.WaitingService
  readonly downloads: MediaDownloads.MediaDownloadsService
}

const flagValue = <A>(flag: Option.Option<A>): A | undefined => Option.getOrUndefined(flag)

/** A setting the client's `Config` refused (`MOTIVE_MAX_ATTEMPTS=abc`, a bad base URL): exit 2, by its name. */
/** Each message of a `ConfigError` (they name the variable or the setting and its rule). */
const configMessages = (error: ConfigError.ConfigError): ReadonlyArray<string> =>
  error._op === "And" || error._op === "Or"
    ? [...configMessages(error.left), ...configMessages(error.right)]
    : [
      error.path.length === 0 || error.message.includes(error.path.join("."))
        ? error.message
        : `${error.path.join(".")}: ${error.message}`
    ]

const badSetting = (error: ConfigError.ConfigError) =>
  new InvalidInput({ message: `bad setting: ${configMessages(error).join("; ")}` })

/**
 * Client settings: each flag given, else its `MOTIVE_*` variable, read through the client's own `Config`
 * (`MotiveConfig.settingsConfig`). Fails, saying what to give, when there is no credential.
 *
 * @since 0.1.0
 */
export const settingsFrom = (globals: Globals) =>
  Effect.gen(function*() {
    for (const [flag, value] of [["--api-key", globals.apiKey], ["--oauth-token", globals.oauthToken]] as const) {
      if (Option.isSome(value) && Redacted.value(value.value).trim() === "") {
        return yield* new InvalidInput({ message: `${flag} is empty: give the credential, or leave the flag out` })
      }
    }
    // Checked here to name the flag (MOTIVE_BASE_URL is checked by the client's Config, naming the variable).
    const { MotiveConfig } = yield* httpPackage
    if (Option.isSome(globals.baseUrl) && !MotiveConfig.isHttpUrl(globals.baseUrl.value.trim())) {
      return yield* new InvalidInput({
        message: `--base-url "${
          MotiveConfig.withoutUserInfo(globals.baseUrl.value)
        }" is not an http(s) URL, e.g. https://api.gomotive.com`
      })
    }
    const options: MotiveConfig.ConfigOptions = {
      apiKey: flagValue(globals.apiKey),
      oauthToken: flagValue(globals.oauthToken),
      baseUrl: flagValue(globals.baseUrl),
      timeZone: flagValue(globals.timeZone)
    }
    yield* MotiveConfig.credentialsConfig(options).pipe(
      Effect.mapError((error): MissingCredentials | InvalidInput =>
        ConfigError.isMissingData(error)
          ? new MissingCredentials({
            message:
              "no Motive credentials: pass --api-key KEY or set MOTIVE_API_KEY (or --oauth-token / MOTIVE_OAUTH_TOKEN), " +
              "or add --sandbox to try the command against the built-in emulator"
          })
          : new InvalidInput({
            message: "give only one credential: --api-key (MOTIVE_API_KEY) or --oauth-token (MOTIVE_OAUTH_TOKEN)"
          })
      )
    )
    return yield* MotiveConfig.settingsConfig(options).pipe(
      Effect.mapError(badSetting)
    )
  })

/**
 * Whether requests to `baseUrl` leave this machine unencrypted: plain http to a host that is not loopback. Only an
 * address is taken as loopback (127.0.0.0/8, `[::1]`, which `URL` writes in one form whatever form was given) and
 * `localhost`: a name such as `127.0.0.1.example.com` is whatever DNS says it is.
 *
 * @since 0.1.0
 */
export const sentInClear = (baseUrl: string): boolean => {
  try {
    const url = new URL(baseUrl)
    return url.protocol === "http:" && !isLoopbackHost(url.hostname)
  } catch {
    return false
  }
}

/**
 * Whether `host` is this machine: a loopback address (127.0.0.0/8 as a dotted quad, `::1`) or `localhost`, not a
 * name that merely starts like one (`127.0.0.1.example.com` is whatever DNS says).
 *
 * @since 0.1.0
 */
export const isLoopbackHost = (host: string): boolean => {
  const h = host.toLowerCase()
  return h === "localhost" || h === "localhost." || /^127\.\d+\.\d+\.\d+$/.test(h) || h === "[::1]" || h === "::1"
}

/**
 * Runs `f` with the client, its waits and downloads, all on Node, with these settings.
 *
 * @since 0.1.0
 */
export const withMotive = <A, E, R>(
  settings: MotiveConfig.MotiveConfigInput,
  f: (motive: Motive) => Effect.Effect<A, E, R>,
  journal = true,
  gate?: Layer.Layer<RequestGate.RequestGate>
) =>
  Effect.gen(function*() {
    const { MediaDownloads, MotiveClient, MotiveConfig, RequestJournal, RetryPolicy, Waiting } = yield* httpPackage
    const { NodeMotive } = yield* nodePackage
    const output = yield* Output
    const platform = yield* Effect.context<FileSystem.FileSystem | Path.Path>()
    // The client's own retry policy, with each retry said on the terminal and counted for the final error.
    const config = MotiveConfig.makeSettings(settings)
    if (sentInClear(config.baseUrl)) {
      yield* output.warning(
        `warning: ${
          MotiveConfig.withoutUserInfo(config.baseUrl)
        } is plain http to another machine: the credential travels unencrypted (use https)`
      )
    }
    const policy = withNotices(RetryPolicy.make(config), config.retry.maxAttempts, output)
    // A request the journal could not keep (its directory not writable) is told on stderr, in every mode, once
    // (a recall Motive names in a 409 is recorded twice: when named, then as read back).
    const server = RequestJournal.serverName(config.baseUrl)
    const warnedJournal = Layer.effect(
      RequestJournal.RequestJournal,
      Effect.map(RequestJournal.RequestJournal, (j) => {
        const warned = new Set<string>()
        return {
          ...j,
          record: (entry: Journal.JournalEntry) =>
            Effect.catchAll(j.record(entry), (e) => {
              const key = `${entry.kind} ${entry.id}`
              if (warned.has(key)) return Effect.void
              warned.add(key)
              const line = `warning: ${e.message}; ${entry.kind.replace("_", " ")} ${entry.id} is not in it (motive ${
                entry.kind === "video_recall" ? "recall" : "image"
              } list will not show it)`
              // Said with --quiet and --json too: a script would never learn it otherwise.
              return output.told(line)
            })
        }
      })
      // Ids are per server: each request is recorded as made at this one, and only its requests are looked up.
    ).pipe(Layer.provide(RequestJournal.layerFor(server)))
    const seen: Motive["seen"] = (request) =>
      !journal ? Effect.void : Effect.gen(function*() {
        const raw = yield* RequestJournal.RequestJournal
        const kind = "recall" in request ? "video_recall" : "image_capture"
        const id = "recall" in request ? request.recall.id : request.capture.requestId
        // Made at this server (a record with no server, from before, may be another server's request).
        const held = (yield* raw.entries).find((e) => e.kind === kind && e.id === id && e.server === server)
        if (held === undefined) return
        const read = "recall" in request
          ? yield* RequestJournal.recallEntry(request.recall, held.entity)
          : yield* RequestJournal.captureEntry(request.capture, held.entity)
        // What Motive's answer left out (the window, the position) is kept as held.
        const known = Object.fromEntries(Object.entries(read).filter(([, v]) => v !== undefined))
        yield* raw.record(new RequestJournal.JournalEntry({ ...held, ...known }))
      }).pipe(
        Effect.provide(RequestJournal.layerFor(server)),
        Effect.provide(platform),
        Effect.ignore
      )
    const services = NodeMotive.layerWithoutConfig.pipe(
      Layer.provide(
        Layer.merge(
          Layer.merge(MotiveConfig.layer(settings), Layer.succeed(RetryPolicy.RetryPolicy, policy)),
          gate ?? Layer.empty
        )
      )
    )
    return yield* Effect.all({
      client: MotiveClient.MotiveClient,
      waiting: Waiting.Waiting,
      downloads: MediaDownloads.MediaDownloads
    }).pipe(
      Effect.flatMap((services) => f({ ...services, seen })),
      // Requests made at Motive are kept in the local journal (`motive recall list`); the in-process sandbox's
      // vanish with it, so they are not.
      Effect.provide(journal ? services.pipe(Layer.provideMerge(warnedJournal)) : services)
    )
  })

/**
 * Runs `f` with the client, its waits and downloads: against the in-process sandbox with `--sandbox`,
 * otherwise against Motive (or `--base-url`) with the given credentials. A `gate` replaces the client's own rate
 * limit (the company-wide one of several machines).
 *
 * @since 0.1.0
 */
export const withClient = <A, E, R>(
  globals: Globals,
  f: (motive: Motive, sandbox: Option.Option<Sandbox.SandboxService>) => Effect.Effect<A, E, R>,
  gate?: Layer.Layer<RequestGate.RequestGate>
) =>
  Effect.scoped(Effect.gen(function*() {
    const output = yield* Output
    if (globals.sandbox) {
      const sandbox = yield* inProcessSandbox()
      yield* output.note(
        `Using the built-in sandbox at ${sandbox.baseUrl} (demo fleet: TRK-101, TRK-102, TRK-103, TRAILER-7)`
      )
      const ignored = [
        Option.isSome(globals.baseUrl) ? ["--base-url"] : [],
        Option.isSome(globals.apiKey) ? ["--api-key"] : [],
        Option.isSome(globals.oauthToken) ? ["--oauth-token"] : []
      ].flat()
      if (ignored.length > 0) yield* output.note(`--sandbox: ignoring ${ignored.join(", ")}`)
      // The sandbox's credential and address; every other setting (MOTIVE_MAX_ATTEMPTS, the time zone) as usual.
      const { MotiveConfig } = yield* httpPackage
      const settings = yield* MotiveConfig.settingsConfig({
        apiKey: sandbox.apiKey,
        oauthToken: Redacted.make(""),
        baseUrl: sandbox.baseUrl,
        timeZone: flagValue(globals.timeZone)
      }).pipe(Effect.mapError(badSetting))
      return yield* withMotive(settings, (motive) => f(motive, Option.some(sandbox)), false)
    }
    const settings = yield* settingsFrom(globals)
    return yield* withMotive(settings, (motive) => f(motive, Option.none()), true, gate)
  }))
