import { Sandbox } from "@effect-motive/sandbox"
import { FetchHttpClient } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Config, ConfigProvider, Duration, Effect, Either, Layer, Option, Redacted } from "effect"
import { Motive, MotiveClient, MotiveConfig } from "../src/index.js"
import { NodeMotive } from "../src/node.js"

const read = (env: Record<string, string>) =>
  Effect.either(
    Effect.withConfigProvider(MotiveConfig.settingsConfig(), ConfigProvider.fromMap(new Map(Object.entries(env))))
  )

describe("MotiveConfig", () => {
  it.effect("reads an API key, the base URL and the time zone from the environment", () =>
    Effect.gen(function*() {
      const settings = yield* read({
        MOTIVE_API_KEY: "key-1",
        MOTIVE_BASE_URL: "http://127.0.0.1:4010/",
        MOTIVE_TIME_ZONE: "Pacific Time (US & Canada)"
      })
      if (Either.isLeft(settings)) return expect.fail(String(settings.left))
      expect(settings.right.credentials._tag).toBe("ApiKey")
      expect(settings.right.baseUrl).toBe("http://127.0.0.1:4010")
      expect(settings.right.timeZone).toEqual(Option.some("Pacific Time (US & Canada)"))
    }))

  it.effect("reads MOTIVE_RESEND_LOST_CREATES as true or false, true when unset, and refuses anything else", () =>
    Effect.gen(function*() {
      const resend = (value?: string) =>
        Effect.map(
          read(
            value === undefined ? { MOTIVE_API_KEY: "k" } : { MOTIVE_API_KEY: "k", MOTIVE_RESEND_LOST_CREATES: value }
          ),
          Either.match({ onLeft: String, onRight: (s) => s.retry.resendLostCreates })
        )
      expect(yield* resend()).toBe(true)
      expect(yield* resend("false")).toBe(false)
      expect(yield* resend(" TRUE ")).toBe(true)
      expect(yield* resend("maybe")).toContain("MOTIVE_RESEND_LOST_CREATES \"maybe\" must be true or false")
    }))

  it.effect("takes durations in any Duration form, and keeps the defaults it is not given", () =>
    Effect.gen(function*() {
      const settings = yield* Effect.provide(
        MotiveConfig.MotiveConfig,
        MotiveConfig.layer({
          credentials: { _tag: "ApiKey", apiKey: Redacted.make("k") },
          requestTimeout: "10 seconds",
          retry: { baseDelay: 100, maxAttempts: 3 },
          polling: { timeout: Duration.minutes(2) }
        })
      )
      expect(Duration.toMillis(settings.requestTimeout)).toBe(10_000)
      expect(Duration.toMillis(settings.retry.baseDelay)).toBe(100)
      expect(settings.retry.maxAttempts).toBe(3)
      expect(Duration.toMillis(settings.retry.maxDelay)).toBe(Duration.toMillis(MotiveConfig.defaults.retry.maxDelay))
      expect(Duration.toMillis(settings.polling.timeout)).toBe(120_000)
      expect(Duration.toMillis(settings.polling.initialInterval)).toBe(1_000)
    }))

  it.effect("refuses explicit settings a client could not work with, naming each field and its rule", () =>
    Effect.gen(function*() {
      const refused = (input: MotiveConfig.MotiveConfigInput) =>
        Effect.map(Effect.flip(Effect.provide(MotiveConfig.MotiveConfig, MotiveConfig.layer(input))), String)
      const key = { _tag: "ApiKey", apiKey: Redacted.make("k") } as const
      const all = yield* refused({
        credentials: key,
        baseUrl: "api.gomotive.com",
        requestTimeout: 0,
        rateLimit: { requestsPerSecond: 0, burst: 0 },
        maxConcurrency: 2.5,
        retry: { maxAttempts: 0 },
        polling: { initialInterval: "10 secs" as Duration.DurationInput }
      })
      for (
        const problem of [
          `baseUrl "api.gomotive.com" is not an http(s) URL`,
          "requestTimeout must be longer than 0",
          "rateLimit.requestsPerSecond 0 must be a number above 0",
          "rateLimit.burst 0 must be a whole number, at least 1",
          "maxConcurrency 2.5 must be a whole number, at least 1",
          "retry.maxAttempts 0 must be a whole number, at least 1",
          `polling.initialInterval "10 secs" is not a duration`
        ]
      ) expect(all).toContain(problem)
      expect(yield* refused({ credentials: key, rateLimit: { requestsPerSecond: NaN, burst: 1 } })).toContain(
        "rateLimit.requestsPerSecond NaN must be a number above 0"
      )
      // Requests in flight may be unbounded, as before the check.
      const unbounded = yield* Effect.provide(
        MotiveConfig.MotiveConfig,
        MotiveConfig.layer({ credentials: key, maxConcurrency: Infinity })
      )
      expect(unbounded.maxConcurrency).toBe(Infinity)
      const blank = yield* refused({ credentials: { _tag: "OAuthToken", token: Redacted.make("  ") } })
      expect(blank).toContain("credentials.token is blank")
      // The same rules for settings read from the environment or given to layerConfig.
      const viaConfig = yield* Effect.either(
        Effect.withConfigProvider(
          MotiveConfig.settingsConfig({ rateLimit: { requestsPerSecond: 0, burst: 1 } }),
          ConfigProvider.fromMap(new Map([["MOTIVE_API_KEY", "k"]]))
        )
      )
      expect(Either.isLeft(viaConfig) && String(viaConfig.left)).toContain("rateLimit.requestsPerSecond 0")
    }))

  it.effect("settings built by hand that no client could work with fail its layers with a ConfigError, not a defect", () =>
    Effect.gen(function*() {
      const settings = MotiveConfig.makeSettings({
        credentials: { _tag: "ApiKey", apiKey: Redacted.make("k") },
        maxConcurrency: 0
      })
      const given = Layer.succeed(MotiveConfig.MotiveConfig, settings)
      const failed = yield* Effect.flip(
        Layer.build(
          Layer.mergeAll(Motive.layer, NodeMotive.layerWithoutConfig).pipe(
            Layer.provide(Layer.mergeAll(given, NodeContext.layer, FetchHttpClient.layer))
          )
        )
      ).pipe(Effect.scoped)
      expect(String(failed)).toContain("maxConcurrency")
    }))

  it.effect("defaults the base URL to Motive's and accepts an OAuth token instead of a key", () =>
    Effect.gen(function*() {
      const settings = yield* read({ MOTIVE_OAUTH_TOKEN: "tok" })
      if (Either.isLeft(settings)) return expect.fail(String(settings.left))
      expect(settings.right.baseUrl).toBe("https://api.gomotive.com")
      expect(settings.right.credentials._tag).toBe("OAuthToken")
    }))

  it.effect("refuses both credentials at once, and neither, saying what to set", () =>
    Effect.gen(function*() {
      const both = yield* read({ MOTIVE_API_KEY: "a", MOTIVE_OAUTH_TOKEN: "b" })
      expect(Either.isLeft(both) && String(both.left)).toContain("only one of MOTIVE_API_KEY or MOTIVE_OAUTH_TOKEN")
      const none = yield* read({ MOTIVE_API_KEY: "   " })
      expect(Either.isLeft(none) && String(none.left)).toContain("set MOTIVE_API_KEY")
    }))

  it.effect("keeps the credential redacted", () =>
    Effect.gen(function*() {
      const settings = yield* read({ MOTIVE_API_KEY: "super-secret-key" })
      if (Either.isLeft(settings)) return expect.fail(String(settings.left))
      expect(String(settings.right.credentials._tag === "ApiKey" && settings.right.credentials.apiKey)).toBe(
        "<redacted>"
      )
      expect(JSON.stringify(settings.right)).not.toContain("super-secret-key")
      const credentials = settings.right.credentials
      expect(credentials._tag === "ApiKey" && Redacted.value(credentials.apiKey)).toBe("super-secret-key")
    }))

  it("builds a credential from text or a Redacted, redacted either way", () => {
    const key = MotiveConfig.apiKey("super-secret-key")
    expect(key._tag === "ApiKey" && Redacted.value(key.apiKey)).toBe("super-secret-key")
    expect(JSON.stringify(key)).not.toContain("super-secret-key")
    const given = Redacted.make("tok")
    expect(MotiveConfig.oauthToken(given)).toEqual({ _tag: "OAuthToken", token: given })
    const token = MotiveConfig.oauthToken("tok")
    expect(token._tag === "OAuthToken" && String(token.token)).toBe("<redacted>")
  })

  it.effect("merges overrides field by field: an environment value survives an override of its sibling", () =>
    Effect.gen(function*() {
      const env = ConfigProvider.fromMap(new Map([["MOTIVE_API_KEY", "k"], ["MOTIVE_MAX_ATTEMPTS", "1"]]))
      const settings = yield* Effect.provide(
        MotiveConfig.MotiveConfig,
        MotiveConfig.layerConfig({ retry: { baseDelay: "3 seconds" } })
      ).pipe(Effect.withConfigProvider(env))
      expect(settings.retry.maxAttempts).toBe(1)
      expect(Duration.toMillis(settings.retry.baseDelay)).toBe(3_000)
      expect(Duration.toMillis(settings.retry.maxDelay)).toBe(Duration.toMillis(MotiveConfig.defaults.retry.maxDelay))
    }))

  it.effect("takes any field from a Config of the caller's own, or as a value, over the MOTIVE_* variable", () =>
    Effect.gen(function*() {
      const env = ConfigProvider.fromMap(
        new Map([["MOTIVE_API_KEY", "env-key"], ["FLEET_KEY", "own-key"], ["MOTIVE_BASE_URL", "http://env"]])
      )
      const settings = yield* MotiveConfig.settingsConfig({
        apiKey: Config.redacted("FLEET_KEY"),
        baseUrl: "http://given/",
        requestTimeout: Config.succeed("5 seconds")
      }).pipe(Effect.withConfigProvider(env))
      expect(settings.credentials._tag === "ApiKey" && Redacted.value(settings.credentials.apiKey)).toBe("own-key")
      expect(settings.baseUrl).toBe("http://given")
      expect(Duration.toMillis(settings.requestTimeout)).toBe(5_000)
    }))

  it.effect("a credential the caller gives is the one used: the environment's other credential is not read", () =>
    Effect.gen(function*() {
      const env = ConfigProvider.fromMap(new Map([["FLEET_API_KEY", "k1"], ["MOTIVE_OAUTH_TOKEN", "stale-token"]]))
      const settings = yield* MotiveConfig.settingsConfig({ apiKey: Config.redacted("FLEET_API_KEY") }).pipe(
        Effect.withConfigProvider(env)
      )
      expect(settings.credentials._tag === "ApiKey" && Redacted.value(settings.credentials.apiKey)).toBe("k1")
      const token = yield* MotiveConfig.settingsConfig({ oauthToken: Redacted.make("t1") }).pipe(
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["MOTIVE_API_KEY", "stale-key"]])))
      )
      expect(token.credentials._tag === "OAuthToken" && Redacted.value(token.credentials.token)).toBe("t1")
      // Both given by the caller: the error names the options, not variables the caller never set.
      const both = yield* Effect.either(
        MotiveConfig.settingsConfig({ apiKey: Redacted.make("a"), oauthToken: Redacted.make("b") })
      )
      expect(Either.isLeft(both) && String(both.left)).toContain("give only one of apiKey or oauthToken")
      // A given credential that comes back blank counts as not set: the environment's is used.
      const fallback = yield* MotiveConfig.settingsConfig({
        oauthToken: Config.redacted("MY_TOKEN").pipe(Config.withDefault(Redacted.make("")))
      }).pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["MOTIVE_API_KEY", "k"]]))))
      expect(fallback.credentials._tag === "ApiKey" && Redacted.value(fallback.credentials.apiKey)).toBe("k")
    }))

  it.scoped("NodeMotive.layerConfig: the client, waits and downloads from the environment, against a real server", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make()
      const env = ConfigProvider.fromMap(
        new Map([["MOTIVE_API_KEY", Redacted.value(sandbox.apiKey)], ["MOTIVE_BASE_URL", sandbox.baseUrl]])
      )
      const quota = yield* Effect.flatMap(MotiveClient.MotiveClient, (c) => c.getRecallQuota).pipe(
        Effect.provide(NodeMotive.layerConfig({ retry: { maxAttempts: 1 } })),
        Effect.withConfigProvider(env)
      )
      expect(quota.quotaInfo.regular.totalMinutes).toBeGreaterThan(0)
      const missing = yield* Effect.flip(
        Layer.launch(NodeMotive.layerConfig()).pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map())))
      )
      expect(String(missing)).toContain("set MOTIVE_API_KEY")
    }))

  it.effect("a Config the caller names must be there, and the error names it; a blank base URL is unset", () =>
    Effect.gen(function*() {
      const env = (entries: Record<string, string>) => ConfigProvider.fromMap(new Map(Object.entries(entries)))
      const missing = yield* Effect.either(
        MotiveConfig.settingsConfig({ apiKey: Config.redacted("FLEET_API_KEY") }).pipe(
          Effect.withConfigProvider(env({ MOTIVE_API_KEY: "k" }))
        )
      )
      expect(Either.isLeft(missing) && String(missing.left)).toContain("FLEET_API_KEY")
      const blank = yield* MotiveConfig.settingsConfig().pipe(
        Effect.withConfigProvider(env({ MOTIVE_API_KEY: "k", MOTIVE_BASE_URL: "  " }))
      )
      expect(blank.baseUrl).toBe("https://api.gomotive.com")
      const bad = yield* Effect.either(
        MotiveConfig.settingsConfig().pipe(
          Effect.withConfigProvider(env({ MOTIVE_API_KEY: "k", MOTIVE_BASE_URL: "notaurl" }))
        )
      )
      expect(Either.isLeft(bad) && String(bad.left)).toContain("MOTIVE_BASE_URL \"notaurl\" is not an http(s) URL")
      // A proxy's password in a refused URL is left out of the error.
      const secret = yield* Effect.either(
        MotiveConfig.settingsConfig().pipe(
          Effect.withConfigProvider(env({ MOTIVE_API_KEY: "k", MOTIVE_BASE_URL: "htps://user:hunter2@proxy" }))
        )
      )
      expect(Either.isLeft(secret) && String(secret.left)).toContain("MOTIVE_BASE_URL \"htps://<USER INFO>@proxy\"")
      expect(String(Either.isLeft(secret) && secret.left)).not.toContain("hunter2")
      for (const baseUrl of ["htps://user:hunter2@proxy", " https://user:hunter2@h", "https:/user:hunter2@proxy"]) {
        const checked = MotiveConfig.checkSettings({
          credentials: { _tag: "ApiKey", apiKey: Redacted.make("k") },
          baseUrl
        })
        expect(Either.isLeft(checked) && String(checked.left)).toContain("<USER INFO>@")
        expect(Either.isLeft(checked) && String(checked.left)).not.toContain("hunter2")
      }
    }))
})

describe("MOTIVE_RATE_LIMIT", () => {
  const read = (value: string) =>
    Effect.either(Effect.withConfigProvider(
      Effect.map(MotiveConfig.settingsConfig(), (s) => s.rateLimit),
      ConfigProvider.fromMap(new Map([["MOTIVE_API_KEY", "k"], ["MOTIVE_RATE_LIMIT", value]]))
    ))

  it.effect("reads a rate, a rate with a burst, adaptive and off", () =>
    Effect.gen(function*() {
      expect(yield* read("50")).toEqual(Either.right({ requestsPerSecond: 50, burst: 50 }))
      expect(yield* read("2.5/1")).toEqual(Either.right({ requestsPerSecond: 2.5, burst: 1 }))
      expect(yield* read("adaptive")).toEqual(Either.right("adaptive"))
      expect(yield* read("off")).toEqual(Either.right(false))
    }))

  it.effect("searches for Motive's limit when it is not set", () =>
    Effect.gen(function*() {
      const unset = yield* Effect.withConfigProvider(
        Effect.map(MotiveConfig.settingsConfig(), (s) => s.rateLimit),
        ConfigProvider.fromMap(new Map([["MOTIVE_API_KEY", "k"]]))
      )
      expect(unset).toBe("adaptive")
    }))

  it.effect("refuses anything else, naming the variable and the forms it takes", () =>
    Effect.gen(function*() {
      for (const bad of ["0", "-5", "fast", "10/0"]) {
        const result = yield* read(bad)
        expect(Either.isLeft(result) && String(result.left)).toContain("MOTIVE_RATE_LIMIT")
      }
    }))
})
