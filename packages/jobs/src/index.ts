/**
 * Durable footage jobs for Motive: many video recalls as `@effect/workflow` workflows that survive a crash,
 * complete by webhook (or a durable poll) and respect the monthly quota.
 *
 * @since 0.1.0
 */
export * as BatchFile from "./BatchFile.js"
export * as CompletionWebhooks from "./CompletionWebhooks.js"
export * as Embedded from "./Embedded.js"
export * as FootageJobs from "./FootageJobs.js"
export * as FootageWorkflow from "./FootageWorkflow.js"
export * as JobStore from "./JobStore.js"
export * as Manifest from "./Manifest.js"
export * as Poller from "./Poller.js"
