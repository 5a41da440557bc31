/**
 * What `motive webhook listen` needs to serve HTTP, loaded only when it runs (a static import here keeps Node's
 * own modules inside the bundle's lazy loading).
 *
 * @since 0.1.0
 */
export * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
export { createServer } from "node:http"
