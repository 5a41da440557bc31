/**
 * Effect Schemas and validation rules for Motive's camera API.
 *
 * @since 0.1.0
 */
export * from "./AvailableTimelines.js"
export * from "./CameraPosition.js"
export * from "./CameraSelection.js"
export * from "./Entities.js"
export * from "./ErrorBody.js"
export * from "./FastDecode.js"
export * from "./Ids.js"
export * from "./ImageCapture.js"
export * from "./ImageCaptureRequest.js"
export * from "./MotiveApi.js"
export * from "./Quota.js"
export * from "./RecallType.js"
export * from "./Status.js"
export * from "./Timestamp.js"
export * from "./VideoRecall.js"
export * from "./VideoRecallRequest.js"
export * from "./VideoRecallRules.js"
export * from "./Violation.js"
export * from "./Webhook.js"
