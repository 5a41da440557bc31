/**
 * What `motive webhook listen` needs to serve HTTP, loaded only when it runs (a static import here keeps Node's
 * own modules inside the bundle's lazy loading).
 *
 * @since 0.1.0
 */
import { createServer } from "node:http"

export * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"

/**
 * Node's HTTP server with every wait bounded, so slow clients (slowloris) cannot hold it: headers within 5 s,
 * the whole request within 10 s, an idle kept-alive connection closed after 5 s, checked every second (Node's
 * default check runs every 30 s, and its defaults allow 60 s for headers and 300 s for a request).
 *
 * @since 0.1.0
 */
export const createReceiverServer = () =>
  createServer({
    headersTimeout: 5_000,
    requestTimeout: 10_000,
    keepAliveTimeout: 5_000,
    connectionsCheckingInterval: 1_000
  })
