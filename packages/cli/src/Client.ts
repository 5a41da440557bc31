/**
 * Getting a Motive client for a command: the real API with the given credentials, or the built-in sandbox.
 *
 * @since 0.1.0
 */
import type { MotiveClient, MotiveConfig } from "@effect-motive/http"
import type { Sandbox, SandboxOptions } from "@effect-motive/sandbox"
import { Config, Effect, Option, Redacted, type Scope } from "effect"
import { InvalidInput, MissingCredentials, SandboxFailed } from "./CliError.js"
import { Output } from "./Output.js"
import type { Globals } from "./Root.js"

const envSecret = (name: string) =>
  Config.option(Config.redacted(name)).pipe(
    Effect.map(Option.filter((r) => Redacted.value(r).trim() !== "")),
    Effect.orElseSucceed(() => Option.none<Redacted.Redacted<string>>())
  )

const envText = (name: string) =>
  Config.option(Config.string(name)).pipe(
    Effect.map(Option.filter((s) => s.trim() !== "")),
    Effect.orElseSucceed(() => Option.none<string>())
  )

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
 * The client package, loaded when a command first needs it: `--help` and `--version` never pay for it.
 *
 * @since 0.1.0
 */
export const httpPackage = Effect.promise(() => import("@effect-motive/http"))

/**
 * Client settings from flags, then the environment. Fails, saying what to give, when there is no credential.
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
    const apiKey = Option.isSome(globals.apiKey) ? globals.apiKey : yield* envSecret("MOTIVE_API_KEY")
    const oauthToken = Option.isSome(globals.oauthToken) ? globals.oauthToken : yield* envSecret("MOTIVE_OAUTH_TOKEN")
    if (Option.isSome(apiKey) && Option.isSome(oauthToken)) {
      return yield* new InvalidInput({
        message: "give only one credential: --api-key (MOTIVE_API_KEY) or --oauth-token (MOTIVE_OAUTH_TOKEN)"
      })
    }
    const credentials: MotiveConfig.MotiveCredentials | undefined = Option.isSome(apiKey)
      ? { _tag: "ApiKey", apiKey: apiKey.value }
      : Option.isSome(oauthToken)
      ? { _tag: "OAuthToken", token: oauthToken.value }
      : undefined
    if (credentials === undefined) {
      return yield* new MissingCredentials({
        message:
          "no Motive credentials: pass --api-key KEY or set MOTIVE_API_KEY (or --oauth-token / MOTIVE_OAUTH_TOKEN), " +
          "or add --sandbox to try the command against the built-in emulator"
      })
    }
    const attemptsText = yield* envText("MOTIVE_MAX_ATTEMPTS")
    const maxAttempts = Option.map(attemptsText, Number)
    if (Option.isSome(maxAttempts) && !(Number.isInteger(maxAttempts.value) && maxAttempts.value >= 1)) {
      return yield* new InvalidInput({
        message: `MOTIVE_MAX_ATTEMPTS "${Option.getOrElse(attemptsText, () => "")}" must be a whole number, at least 1`
      })
    }
    const baseUrl = Option.isSome(globals.baseUrl) ? globals.baseUrl : yield* envText("MOTIVE_BASE_URL")
    const timeZone = Option.isSome(globals.timeZone) ? globals.timeZone : yield* envText("MOTIVE_TIME_ZONE")
    return {
      credentials,
      timeZone,
      ...(Option.isSome(baseUrl) ? { baseUrl: baseUrl.value } : {}),
      ...(Option.isSome(maxAttempts) ? { retry: { maxAttempts: maxAttempts.value } } : {})
    } satisfies MotiveConfig.MotiveConfigInput
  })

/**
 * Runs `f` with a client: against the in-process sandbox with `--sandbox`, otherwise against Motive (or
 * `--base-url`) with the given credentials.
 *
 * @since 0.1.0
 */
export const withClient = <A, E, R>(
  globals: Globals,
  f: (client: MotiveClient.MotiveClientService) => Effect.Effect<A, E, R>
) =>
  Effect.scoped(Effect.gen(function*() {
    const output = yield* Output
    const { MotiveClient } = yield* httpPackage
    const use = Effect.flatMap(MotiveClient.MotiveClient, f)
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
      return yield* Effect.provide(
        use,
        MotiveClient.layerNode({ credentials: { _tag: "ApiKey", apiKey: sandbox.apiKey }, baseUrl: sandbox.baseUrl })
      )
    }
    const settings = yield* settingsFrom(globals)
    return yield* Effect.provide(use, MotiveClient.layerNode(settings))
  }))
