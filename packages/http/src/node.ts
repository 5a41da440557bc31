/**
 * The Node entry: `NodeMotive.layer` / `layerConfig` (everything on Node in one layer), the `NodeApiTransport` it
 * sends API calls through, the lean `AgentHttpClient` and tuned `UndiciHttpClient` (`HttpClient`s to bring to
 * `Motive.layer`), and the fast `NodeMediaTransport`.
 *
 * @since 0.1.0
 */
export * as AgentHttpClient from "./node/AgentHttpClient.js"
export * as NodeApiTransport from "./node/NodeApiTransport.js"
export * as NodeMediaTransport from "./node/NodeMediaTransport.js"
export * as NodeMotive from "./node/NodeMotive.js"
export * as UndiciHttpClient from "./node/UndiciHttpClient.js"
