/**
 * Everything about the sandbox a test, a benchmark or a demo may set, with defaults that suit a demo.
 *
 * @since 0.1.0
 */
import type { CameraPosition } from "@effect-motive/domain"
import { defaultFleet, type SandboxFleet } from "./Fleet.js"
import { type SandboxClock, systemClock } from "./SandboxClock.js"

/**
 * How a 429 for the rate limit says when to come back: fractional seconds (`"0.25"`), an HTTP date, or not
 * at all (as a Motive forum user saw).
 *
 * @since 0.1.0
 */
export type RetryAfterStyle = "seconds" | "http-date" | "none"

/**
 * The company's token bucket: every credential of the company draws from it, as Motive's rate limits are the
 * company's ("subject to company rate limits"). Two API keys do not get twice the rate.
 *
 * @since 0.1.0
 */
export interface RateLimitOptions {
  /** Tokens added per second. */
  readonly requestsPerSecond: number
  /** Bucket size: how many requests may arrive at once. */
  readonly burst: number
  readonly retryAfter: RetryAfterStyle
}

/**
 * Monthly quota in minutes, per recall type.
 *
 * @since 0.1.0
 */
export interface QuotaOptions {
  readonly regularMinutes: number
  readonly timelapseMinutes: number
}

/**
 * How long requests stay in each status, in sandbox milliseconds (divided by `speed`).
 *
 * @since 0.1.0
 */
export interface LifecycleOptions {
  readonly recallPendingMillis: number
  readonly recallProcessingMillis: number
  /** A capture stays `pending` for both of these (Motive names no status in between), then ends. */
  readonly capturePendingMillis: number
  readonly captureProcessingMillis: number
  /** Share of requests that end `failed`, drawn from `seed`. */
  readonly failureRate: number
  /** Vehicle numbers, asset names or ids (as strings) whose requests always end `failed`. */
  readonly failEntities: ReadonlyArray<string>
  /**
   * Camera positions whose footage fails inside a recall that succeeds: the camera ends `failed`, with no link
   * (a camera that was off, or lost its footage).
   */
  readonly failCameras: ReadonlyArray<CameraPosition>
}

/**
 * The media the sandbox serves.
 *
 * @since 0.1.0
 */
export interface MediaOptions {
  /** Size of each recalled camera's video, in bytes. */
  readonly videoBytes: number
  /** Start each video with an MP4 `ftyp` box. */
  readonly mp4Header: boolean
  /** How long a pre-signed URL works, in sandbox milliseconds. */
  readonly urlTtlMillis: number
}

/**
 * Webhook delivery.
 *
 * @since 0.1.0
 */
export interface WebhookOptions {
  /** A delivery that takes longer counts as failed (Motive: 3 s). Real milliseconds. */
  readonly timeoutMillis: number
  /** Delay before the first retry, doubled for each next one, in sandbox milliseconds. */
  readonly retryBaseMillis: number
  readonly maxAttempts: number
}

/**
 * Every sandbox setting.
 *
 * @since 0.1.0
 */
export interface SandboxSettings {
  /** Interface to listen on; loopback only by default. */
  readonly host: string
  /** 0 picks a free port. */
  readonly port: number
  /** Accepted `X-Api-Key` values. */
  readonly apiKeys: ReadonlyArray<string>
  /** Accepted OAuth bearer tokens. */
  readonly oauthTokens: ReadonlyArray<string>
  /** The company's `video_monitoring` feature; off → 403 on every camera endpoint. */
  readonly videoMonitoring: boolean
  /**
   * Whether a video recall request with the same parameters as one held (not failed) is refused, 409 naming it
   * (`true`, the default), or made again as a new recall (`false`): Motive's docs say only that duplicates "may be
   * rejected".
   */
  readonly rejectDuplicates: boolean
  readonly fleet: SandboxFleet
  readonly clock: SandboxClock
  /** Sandbox time runs this many times faster than the clock for lifecycle and retry delays. */
  readonly speed: number
  readonly rateLimit: RateLimitOptions
  readonly quota: QuotaOptions
  readonly lifecycle: LifecycleOptions
  readonly media: MediaOptions
  readonly webhooks: WebhookOptions
  /** Seed for every random choice (failures, random faults, media bytes). */
  readonly seed: number
}

/**
 * The API key the sandbox accepts when none is configured, printed by `motive sandbox`.
 *
 * @since 0.1.0
 */
export const defaultSandboxApiKey = "sandbox-demo-key"

/**
 * Demo defaults: a recall completes in about two seconds, an image in under one.
 *
 * @since 0.1.0
 */
export const defaultSettings: SandboxSettings = {
  host: "127.0.0.1",
  port: 0,
  apiKeys: [defaultSandboxApiKey],
  oauthTokens: [],
  videoMonitoring: true,
  rejectDuplicates: true,
  fleet: defaultFleet,
  clock: systemClock,
  speed: 1,
  rateLimit: { requestsPerSecond: 200, burst: 100, retryAfter: "seconds" },
  quota: { regularMinutes: 1_000, timelapseMinutes: 10_000 },
  lifecycle: {
    recallPendingMillis: 500,
    recallProcessingMillis: 1_500,
    capturePendingMillis: 300,
    captureProcessingMillis: 500,
    failureRate: 0,
    failEntities: [],
    failCameras: []
  },
  media: { videoBytes: 512 * 1024, mp4Header: true, urlTtlMillis: 60 * 60_000 },
  webhooks: { timeoutMillis: 3_000, retryBaseMillis: 1_000, maxAttempts: 5 },
  seed: 7
}

/**
 * Options: any setting, nested groups partially.
 *
 * @since 0.1.0
 */
export type SandboxOptions =
  & Partial<Omit<SandboxSettings, "rateLimit" | "quota" | "lifecycle" | "media" | "webhooks">>
  & {
    readonly rateLimit?: Partial<RateLimitOptions>
    readonly quota?: Partial<QuotaOptions>
    readonly lifecycle?: Partial<LifecycleOptions>
    readonly media?: Partial<MediaOptions>
    readonly webhooks?: Partial<WebhookOptions>
  }

/**
 * Fills in defaults.
 *
 * @since 0.1.0
 */
export const resolveSettings = (
  options: SandboxOptions = {},
  base: SandboxSettings = defaultSettings
): SandboxSettings => ({
  ...base,
  ...options,
  rateLimit: { ...base.rateLimit, ...options.rateLimit },
  quota: { ...base.quota, ...options.quota },
  lifecycle: { ...base.lifecycle, ...options.lifecycle },
  media: { ...base.media, ...options.media },
  webhooks: { ...base.webhooks, ...options.webhooks }
})
