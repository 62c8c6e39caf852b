/**
 * The gateway's routes with their Express and OpenAPI spellings, so the app and the document share one list, and
 * the files the docs page serves.
 */

export type Method = "get" | "post"

export interface Route {
  readonly method: Method
  /** The path as Express matches it (`:id`). */
  readonly express: string
  /** The path as the OpenAPI document lists it (`{id}`). */
  readonly openapi: string
}

/** A route from its Express path; the OpenAPI spelling is derived (`:id` becomes `{id}`). */
const route = <const M extends Method, const P extends string>(method: M, express: P) =>
  ({ method, express, openapi: express.replace(/:(\w+)/g, "{$1}") }) satisfies Route

export const routes = {
  createProcess: route("post", "/processes/v1"),
  getProcess: route("get", "/processes/v1/:id"),
  health: route("get", "/healthz"),
  ready: route("get", "/readyz"),
  metrics: route("get", "/metrics"),
  openapi: route("get", "/openapi.json"),
  docs: route("get", "/docs"),
  docsAsset: route("get", "/docs/assets/:file"),
  tryPage: route("get", "/try"),
  tryScript: route("get", "/try/app.js"),
  tryStyle: route("get", "/try/app.css"),
  tryScenarios: route("get", "/try/scenarios.json"),
  tryPayloads: route("post", "/try/payloads")
}

/** The swagger-ui files served under /docs/assets (besides the generated `init.js`). */
export const DOCS_ASSETS = ["swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png", "favicon-16x16.png"] as const
