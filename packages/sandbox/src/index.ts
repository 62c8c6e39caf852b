/**
 * @liveness/sandbox: a Unico-compatible server on loopback, built on the fake's scenario engine.
 *
 * @since 0.1.0
 */
export * as Credentials from "./Credentials.js"
export * as Faults from "./Faults.js"
export * as ProcessRequest from "./ProcessRequest.js"
export * as Sandbox from "./Sandbox.js"
export * as TenantQuota from "./TenantQuota.js"
export * as TokenEndpoint from "./TokenEndpoint.js"
