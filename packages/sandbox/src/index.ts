/**
 * A stateful local emulator of Motive's camera API.
 *
 * @since 0.1.0
 */
export * from "./Faults.js"
export * from "./Fleet.js"
export * from "./ListenFailure.js"
export * from "./Media.js"
export * from "./Records.js"
export * as Sandbox from "./Sandbox.js"
export * from "./SandboxClock.js"
export * from "./SandboxOptions.js"
