/**
 * Motive's camera API as Effect services, on any runtime (`@effect-motive/http/node` adds the Node pieces).
 *
 * @since 0.1.0
 */
export * as ApiTransport from "./ApiTransport.js"
export * as Directories from "./Directories.js"
export * as MediaDownloads from "./MediaDownloads.js"
export * as MediaTransport from "./MediaTransport.js"
export * as Motive from "./Motive.js"
export * as MotiveClient from "./MotiveClient.js"
export * as MotiveConfig from "./MotiveConfig.js"
export * from "./MotiveError.js"
export * as RequestGate from "./RequestGate.js"
export * as RequestJournal from "./RequestJournal.js"
export * as RetryPolicy from "./RetryPolicy.js"
export * as Waiting from "./Waiting.js"
export * as Webhooks from "./Webhooks.js"
