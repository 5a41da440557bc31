/**
 * Everything on Node in one layer: the client, waits and downloads over `NodeApiTransport` (Motive's API through
 * Node's own `http`, with its own timeouts), the Node media reader (`NodeMediaTransport`) and Node's file system.
 *
 * @since 0.1.0
 */
import { NodeContext } from "@effect/platform-node"
import { type ConfigError, Effect, Layer } from "effect"
import * as MediaDownloads from "../MediaDownloads.js"
import type * as Motive from "../Motive.js"
import * as MotiveClient from "../MotiveClient.js"
import * as MotiveConfig from "../MotiveConfig.js"
import * as Waiting from "../Waiting.js"
import * as NodeApiTransport from "./NodeApiTransport.js"
import * as NodeMediaTransport from "./NodeMediaTransport.js"

/**
 * The services {@link layer} provides.
 *
 * @since 0.1.0
 */
export type Services = Motive.Services

/**
 * The three services over whatever `MotiveConfig` is provided, with the Node transports timed out by it.
 *
 * @since 0.1.0
 */
export const layerWithoutConfig: Layer.Layer<Services, ConfigError.ConfigError, MotiveConfig.MotiveConfig> = Layer
  .unwrapEffect(
    Effect.map(MotiveConfig.MotiveConfig, (config) =>
      Layer.mergeAll(Waiting.layer, MediaDownloads.layer).pipe(
        Layer.provideMerge(MotiveClient.layerWithoutTransport),
        Layer.provide(Layer.mergeAll(
          NodeApiTransport.layer,
          NodeMediaTransport.layer({ idleTimeout: config.requestTimeout }),
          NodeContext.layer
        ))
      ))
  )

/**
 * Everything on Node, settings from explicit values (checked: a `ConfigError` names each one not usable).
 *
 * @since 0.1.0
 */
export const layer = (input: MotiveConfig.MotiveConfigInput): Layer.Layer<Services, ConfigError.ConfigError> =>
  layerWithoutConfig.pipe(Layer.provide(MotiveConfig.layer(input)))

/**
 * Everything on Node, settings read through `Config` (the environment: `MOTIVE_API_KEY` or
 * `MOTIVE_OAUTH_TOKEN`, `MOTIVE_BASE_URL`, `MOTIVE_TIME_ZONE`, `MOTIVE_MAX_ATTEMPTS`), each overridable.
 *
 * @since 0.1.0
 */
export const layerConfig = (
  options: MotiveConfig.ConfigOptions = {}
): Layer.Layer<Services, ConfigError.ConfigError> =>
  layerWithoutConfig.pipe(Layer.provide(MotiveConfig.layerConfig(options)))
