/** The settings in force, and the video bytes built from them (rebuilt only when the media settings change). */
import { Effect, Ref } from "effect"
import { VideoBytes } from "../Media.js"
import type { SandboxSettings } from "../SandboxOptions.js"

/**
 * Settings and what is derived from them, read together.
 */
export interface Configured {
  readonly settings: SandboxSettings
  readonly video: VideoBytes
  /**
   * When the fleet was set up, on the sandbox clock (epoch milliseconds): its video gaps are minutes before this,
   * fixed in time as recorded video is. Set again when the fleet or the clock is replaced.
   */
  readonly fleetSetUpAt: number
}

/**
 * The sandbox's configuration.
 */
export interface Config {
  readonly current: Effect.Effect<Configured>
  readonly settings: Effect.Effect<SandboxSettings>
  /** "Now" on the sandbox clock, in epoch milliseconds. */
  readonly now: Effect.Effect<number>
  /** Applies new settings and answers the ones they replace. */
  readonly configure: (settings: SandboxSettings) => Effect.Effect<SandboxSettings>
}

const videoOf = (settings: SandboxSettings) =>
  new VideoBytes(settings.seed, settings.media.videoBytes, settings.media.mp4Header)

const sameVideo = (a: SandboxSettings, b: SandboxSettings) =>
  a.seed === b.seed && a.media.videoBytes === b.media.videoBytes && a.media.mp4Header === b.media.mp4Header

/** Whole seconds: footage boundaries finer than that mean nothing and read badly. */
const wholeSecond = (millis: number) => Math.floor(millis / 1000) * 1000

/**
 * A configuration starting from `settings`.
 */
export const makeConfig = (settings: SandboxSettings): Effect.Effect<Config> =>
  Effect.map(
    Ref.make<Configured>({ settings, video: videoOf(settings), fleetSetUpAt: wholeSecond(settings.clock.now()) }),
    (ref) => ({
      current: Ref.get(ref),
      settings: Effect.map(Ref.get(ref), (c) => c.settings),
      now: Effect.map(Ref.get(ref), (c) => c.settings.clock.now()),
      configure: (next) =>
        Ref.modify(ref, (c) => [
          c.settings,
          {
            settings: next,
            video: sameVideo(c.settings, next) ? c.video : videoOf(next),
            fleetSetUpAt: next.fleet === c.settings.fleet && next.clock === c.settings.clock
              ? c.fleetSetUpAt
              : wholeSecond(next.clock.now())
          }
        ])
    })
  )
