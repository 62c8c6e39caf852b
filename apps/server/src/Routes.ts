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

export const routes = {
  createProcess: { method: "post", express: "/processes/v1", openapi: "/processes/v1" },
  getProcess: { method: "get", express: "/processes/v1/:id", openapi: "/processes/v1/{id}" },
  health: { method: "get", express: "/healthz", openapi: "/healthz" },
  ready: { method: "get", express: "/readyz", openapi: "/readyz" },
  metrics: { method: "get", express: "/metrics", openapi: "/metrics" },
  openapi: { method: "get", express: "/openapi.json", openapi: "/openapi.json" },
  docs: { method: "get", express: "/docs", openapi: "/docs" },
  docsAsset: { method: "get", express: "/docs/assets/:file", openapi: "/docs/assets/{file}" },
  tryPage: { method: "get", express: "/try", openapi: "/try" },
  tryScript: { method: "get", express: "/try/app.js", openapi: "/try/app.js" },
  tryStyle: { method: "get", express: "/try/app.css", openapi: "/try/app.css" },
  tryScenarios: { method: "get", express: "/try/scenarios.json", openapi: "/try/scenarios.json" },
  tryPayloads: { method: "post", express: "/try/payloads", openapi: "/try/payloads" }
} as const satisfies Record<string, Route>

/** The swagger-ui files served under /docs/assets (besides the generated `init.js`). */
export const DOCS_ASSETS = ["swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png", "favicon-16x16.png"] as const
