/**
 * @liveness/server: the Express gateway. Importing it starts nothing: call `start`, or run `main.js`.
 */
export * as ApiKeys from "./ApiKeys.js"
export * as App from "./App.js"
export * as Docs from "./Docs.js"
export * as GatewayConfig from "./GatewayConfig.js"
export * as GatewayMetrics from "./GatewayMetrics.js"
export * as OpenApi from "./OpenApi.js"
export * as Problems from "./Problems.js"
export * as Prometheus from "./Prometheus.js"
export * as RequestId from "./RequestId.js"
export * as Routes from "./Routes.js"
export * from "./Server.js"
export * as TryPage from "./TryPage.js"
