/**
 * The client, its waits and its downloads together, for an app that wants all three from one layer.
 *
 * @since 0.1.0
 */
import type { FileSystem, HttpClient, Path } from "@effect/platform"
import { type ConfigError, Effect, Layer } from "effect"
import * as MediaDownloads from "./MediaDownloads.js"
import * as MediaTransport from "./MediaTransport.js"
import * as MotiveClient from "./MotiveClient.js"
import * as MotiveConfig from "./MotiveConfig.js"
import * as Waiting from "./Waiting.js"

/**
 * The services the layers here provide.
 *
 * @since 0.1.0
 */
export type Services = MotiveClient.MotiveClient | Waiting.Waiting | MediaDownloads.MediaDownloads

/**
 * The three services over the `HttpClient`, `MediaTransport`, file system and settings you provide (and a
 * `RetryPolicy` or `RequestGate`, when you provide one). Settings built by hand (`MotiveConfig.makeSettings`)
 * that no client could work with fail it with a `ConfigError`, as `MotiveConfig.layer` does.
 *
 * @since 0.1.0
 */
export const layerWithoutDefaults: Layer.Layer<
  Services,
  ConfigError.ConfigError,
  HttpClient.HttpClient | MotiveConfig.MotiveConfig | MediaTransport.MediaTransport | FileSystem.FileSystem | Path.Path
> = Layer.mergeAll(Waiting.layer, MediaDownloads.layer).pipe(Layer.provideMerge(MotiveClient.layer))

/**
 * The three services over the `HttpClient`, file system and settings you provide; media files come through
 * the same `HttpClient` (`MediaTransport.layerHttpClient`), silent for at most the request timeout.
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<
  Services,
  ConfigError.ConfigError,
  HttpClient.HttpClient | MotiveConfig.MotiveConfig | FileSystem.FileSystem | Path.Path
> = layerWithoutDefaults.pipe(
  Layer.provide(
    Layer.unwrapEffect(
      Effect.map(
        MotiveConfig.MotiveConfig,
        (config) => MediaTransport.layerHttpClient({ idleTimeout: config.requestTimeout })
      )
    )
  )
)
