/**
 * Motive's camera API as Effect services.
 *
 * @since 0.1.0
 */
export * as MediaTransport from "./MediaTransport.js"
export * as MotiveClient from "./MotiveClient.js"
export * as MotiveConfig from "./MotiveConfig.js"
export * from "./MotiveError.js"
export * as RequestGate from "./RequestGate.js"
export * as RetryPolicy from "./RetryPolicy.js"
export * as UndiciHttpClient from "./UndiciHttpClient.js"
export * as Webhooks from "./Webhooks.js"
