/**
 * `/docs`: Swagger UI rendering `/openapi.json`, with every asset served from the installed
 * `swagger-ui-dist` package (no CDN), under the default helmet Content-Security-Policy (no inline script).
 */
import { createRequire } from "node:module"
import { dirname } from "node:path"
import { DOCS_ASSETS } from "./OpenApi.js"

const require = createRequire(import.meta.url)

/** The folder of the installed swagger-ui-dist. */
export const assetsRoot = dirname(require.resolve("swagger-ui-dist/package.json"))

export const isAsset = (file: string): file is typeof DOCS_ASSETS[number] =>
  (DOCS_ASSETS as ReadonlyArray<string>).includes(file)

export const page = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>Liveness gateway API</title>
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
    <link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png" sizes="32x32">
    <link rel="icon" type="image/png" href="/docs/assets/favicon-16x16.png" sizes="16x16">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/docs/assets/swagger-ui-bundle.js"></script>
    <script src="/docs/assets/init.js"></script>
  </body>
</html>
`

/** Points Swagger UI at the gateway's document; `validatorUrl: null` keeps it from calling out. */
export const init = `window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  })
})
`
