/**
 * `/docs`: the API's essentials rendered on the server (title, summary, every operation, how a capture sent again is
 * answered, every problem type), visible as soon as the HTML is parsed, then Swagger UI rendering `/openapi.json`
 * over it once its bundle has loaded. Every asset comes from the installed `swagger-ui-dist` package (no CDN),
 * under the default helmet Content-Security-Policy (no inline script).
 *
 * The page waits for no script: `init.js` is a small deferred script that loads the Swagger UI bundle
 * asynchronously (so neither the first paint nor DOMContentLoaded waits for its 1.5 MB) and hides the
 * server-rendered summary once Swagger UI has rendered the document. Without JavaScript the summary stays.
 */
import { createRequire } from "node:module"
import { dirname } from "node:path"
import * as OpenApi from "./OpenApi.js"
import * as Problems from "./Problems.js"
import * as Routes from "./Routes.js"

const require = createRequire(import.meta.url)

/** The folder of the installed swagger-ui-dist. */
export const assetsRoot = dirname(require.resolve("swagger-ui-dist/package.json"))

export const isAsset = (file: string): file is typeof Routes.DOCS_ASSETS[number] =>
  (Routes.DOCS_ASSETS as ReadonlyArray<string>).includes(file)

const escapeHtml = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

/** Markdown's inline code (`x`) as <code>; everything else escaped. */
const inline = (text: string) =>
  text.split("`").map((part, i) => (i % 2 === 1 ? `<code>${escapeHtml(part)}</code>` : escapeHtml(part))).join("")

const { document } = OpenApi

/** Every operation of the document, in its order: method, path, summary, tag. */
export const operations = Object.entries(document.paths).flatMap(([path, item]) =>
  (Object.entries(item) as Array<[Routes.Method, NonNullable<OpenApi.PathItem[Routes.Method]>]>).map((
    [method, operation]
  ) => ({ method, path, summary: operation.summary, tag: operation.tags[0] ?? "", id: operation.operationId }))
)

const operationItem = (operation: typeof operations[number]) =>
  `<li id="operation-${
    escapeHtml(operation.id)
  }"><span class="method method-${operation.method}">${operation.method.toUpperCase()}</span> <code>${
    escapeHtml(operation.path)
  }</code> <span>${inline(operation.summary)}</span></li>`

const tagSection = (tag: { readonly name: string; readonly description: string }) => `
      <section>
        <h2>${escapeHtml(tag.name)}</h2>
        <p>${inline(tag.description)}</p>
        <ul class="operations">
          ${operations.filter((operation) => operation.tag === tag.name).map(operationItem).join("\n          ")}
        </ul>
      </section>`

const problemRow = (type: Problems.ProblemType) =>
  `<tr><td>${type.status}</td><td><code>${escapeHtml(type.slug)}</code></td><td><code>${
    escapeHtml(type.code)
  }</code></td><td>${inline(type.when)}</td></tr>`

// Inline styles are allowed by the CSP (style-src 'unsafe-inline'); scripts are not, hence init.js.
const style = `
      .docs-summary { font-family: sans-serif; max-width: 1460px; margin: 0 auto; padding: 20px; color: #3b4151; }
      .docs-summary h1 { font-size: 36px; margin: 0 0 8px; }
      .docs-summary h1 small { font-size: 14px; color: #7d8492; }
      .docs-summary .operations { list-style: none; padding: 0; }
      .docs-summary .operations li { border: 1px solid #d8dde7; border-radius: 4px; margin: 0 0 8px; padding: 8px; }
      .docs-summary .method { display: inline-block; min-width: 60px; color: #fff; font-weight: bold;
        text-align: center; border-radius: 3px; padding: 4px 0; }
      .docs-summary .method-get { background: #61affe; }
      .docs-summary .method-post { background: #49cc90; }
      .docs-summary table { border-collapse: collapse; }
      .docs-summary td { border-top: 1px solid #d8dde7; padding: 4px 8px; vertical-align: top; }`

export const page = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>${escapeHtml(document.info.title)} API</title>
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
    <link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png" sizes="32x32">
    <link rel="icon" type="image/png" href="/docs/assets/favicon-16x16.png" sizes="16x16">
    <style>${style}
    </style>
    <script defer src="/docs/assets/init.js"></script>
  </head>
  <body>
    <main id="docs-summary" class="docs-summary">
      <h1>${escapeHtml(document.info.title)} <small>${escapeHtml(document.info.version)}</small></h1>
      <p>${inline(document.info.summary)}</p>
      <p>The interactive reference (Swagger UI) loads below. The OpenAPI document itself:
        <a href="/openapi.json">/openapi.json</a>.</p>
      ${document.tags.map(tagSection).join("\n")}
      <section id="exactly-once">
        <h2>one capture, one answer</h2>
        ${OpenApi.exactlyOnce.map((paragraph) => `<p>${inline(paragraph)}</p>`).join("\n        ")}
      </section>
      <section>
        <h2>problems</h2>
        <p>Every error is <code>application/problem+json</code> (RFC 9457), its <code>type</code>
          <code>${escapeHtml(Problems.PROBLEM_BASE)}&lt;slug&gt;</code>.</p>
        <table>
          <tbody>
            ${Problems.all.map(problemRow).join("\n            ")}
          </tbody>
        </table>
      </section>
    </main>
    <div id="swagger-ui"></div>
  </body>
</html>
`

/**
 * Loads the Swagger UI bundle without holding the page up, points it at the gateway's document
 * (`validatorUrl: null` keeps it from calling out) and hides the server-rendered summary once it has rendered.
 */
export const init = `(function () {
  var bundle = document.createElement("script")
  bundle.src = "/docs/assets/swagger-ui-bundle.js"
  bundle.onload = function () {
    window.ui = SwaggerUIBundle({
      url: "/openapi.json",
      dom_id: "#swagger-ui",
      deepLinking: true,
      validatorUrl: null,
      presets: [SwaggerUIBundle.presets.apis],
      layout: "BaseLayout",
      onComplete: function () {
        document.getElementById("docs-summary").hidden = true
      }
    })
  }
  document.head.appendChild(bundle)
})()
`
