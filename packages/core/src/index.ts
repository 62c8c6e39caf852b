/**
 * @liveness/core: Unico IDCloud liveness checks as typed Effect programs.
 *
 * @since 0.1.0
 */
export * as CaptureKey from "./CaptureKey.js"
export * as CaptureLedger from "./CaptureLedger.js"
export * as CaptureLedgerMemory from "./CaptureLedgerMemory.js"
export * as CheckInput from "./CheckInput.js"
export * as CheckPolicy from "./CheckPolicy.js"
export * as Cpf from "./Cpf.js"
export * as Deadline from "./Deadline.js"
export * as ExactlyOnce from "./ExactlyOnce.js"
export * as Liveness from "./Liveness.js"
export * from "./LivenessError.js"
export * as LivenessMetrics from "./LivenessMetrics.js"
export * as LivenessProcess from "./LivenessProcess.js"
export * as LivenessProvider from "./LivenessProvider.js"
export * as RetryClass from "./RetryClass.js"
export * as RetrySchedule from "./RetrySchedule.js"
export * as SelfiePayload from "./SelfiePayload.js"
export * as SettingError from "./SettingError.js"
export * as SharedTokenStore from "./SharedTokenStore.js"
export * as Subject from "./Subject.js"
export * as TenantRateLimiter from "./TenantRateLimiter.js"
export * as Tracing from "./Tracing.js"
export * as UnicoCodes from "./UnicoCodes.js"
export * as Verdict from "./Verdict.js"
