/**
 * @liveness/runtime: configuration to a running provider, shared by the apps.
 *
 * @since 0.1.0
 */
export * as LivenessRuntime from "./LivenessRuntime.js"
export * from "./ProviderConfigError.js"
export * as ProviderSelection from "./ProviderSelection.js"
export * as SandboxAdapter from "./SandboxAdapter.js"
export * as Telemetry from "./Telemetry.js"
export * as TelemetryConfig from "./TelemetryConfig.js"
export * as TelemetrySampler from "./TelemetrySampler.js"
