/** The README's second library snippet, verbatim between the markers; `Readme.test.ts` compiles and runs it. */
// README:begin
import { Motive, MotiveClient, MotiveConfig } from "@effect-motive/http"
import { NodeContext, NodeHttpClient } from "@effect/platform-node"
import { Config, Layer } from "effect"

// Any HttpClient and FileSystem (here Node's); each setting from the environment unless given here.
const overYourHttpClient = Motive.layer.pipe(
  Layer.provide(MotiveConfig.layerConfig({ apiKey: Config.redacted("FLEET_API_KEY"), retry: { maxAttempts: 3 } })),
  Layer.provide(Layer.merge(NodeHttpClient.layerUndici, NodeContext.layer))
)

// Only the API calls: no file system needed.
const callsOnly = MotiveClient.layerConfig().pipe(Layer.provide(NodeHttpClient.layerUndici))
// README:end

export { callsOnly, overYourHttpClient }
