/**
 * @liveness/unico-http: the real Unico IDCloud adapter.
 *
 * @since 0.1.0
 */
export * as Assertion from "./Assertion.js"
export * as ErrorBody from "./ErrorBody.js"
/** The port moved to the core (`@liveness/core`'s SharedTokenStore); re-exported here for 0.x callers. */
export { SharedTokenStore } from "@liveness/core"
export * as TokenCache from "./TokenCache.js"
export * as TransportFailure from "./TransportFailure.js"
export * as UndiciHttpClient from "./UndiciHttpClient.js"
export * as UnicoConfig from "./UnicoConfig.js"
export * from "./UnicoConfigError.js"
export * as UnicoEnvironment from "./UnicoEnvironment.js"
export * as UnicoHttp from "./UnicoHttp.js"
export * as UnicoOptions from "./UnicoOptions.js"
