/**
 * `/docs` in a real browser: headless Chromium (Debian's `chromium`, driven by playwright-core; no browser is
 * ever downloaded). The page's essentials are in its HTML, so they are visible at DOMContentLoaded while the
 * Swagger UI bundle is still held back, and with JavaScript off; once the bundle arrives, Swagger UI renders the
 * document from local assets only. Screenshots go to test-output/ (gitignored).
 *
 * Without /usr/bin/chromium the suite is skipped, except under CI=true, where it fails: `node
 * scripts/ensure-chromium.mjs` installs it.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { join } from "node:path"
import type { BrowserContext, Page } from "playwright-core"
import { Docs, OpenApi } from "../src/index.js"
import { available, launch, type Launched, output, requiredUnderCi } from "./Chromium.js"
import { startGateway, type TestGateway } from "./support.js"

requiredUnderCi("/docs in headless Chromium")

describe.skipIf(!available)("/docs in headless Chromium", () => {
  let gw: TestGateway
  let browser: Launched
  let context: BrowserContext

  beforeAll(async () => {
    gw = await startGateway({ LIVENESS_PROVIDER: "fake" })
    browser = await launch()
    context = browser.context
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await gw?.close()
  })

  /** Asserts, without waiting, that the title and every operation of the document are on screen. */
  const expectEssentials = async (page: Page) => {
    const title = page.locator("h1")
    expect(await title.isVisible()).toBe(true)
    expect(await title.textContent()).toContain(OpenApi.document.info.title)
    expect(Docs.operations.length).toBe(Object.values(OpenApi.document.paths).flatMap(Object.keys).length)
    for (const operation of Docs.operations) {
      const item = page.locator(`#operation-${operation.id}`)
      expect(await item.isVisible(), operation.id).toBe(true)
      const text = await item.textContent()
      expect(text).toContain(operation.method.toUpperCase())
      expect(text).toContain(operation.path)
      expect(text).toContain(operation.summary.replace(/`/g, ""))
    }
  }

  it(
    "the title and every operation are visible at DOMContentLoaded, with the Swagger UI bundle still held back; then Swagger UI renders from local assets",
    async () => {
      const page = await context.newPage()
      const requested: Array<string> = []
      page.on("request", (request) => void requested.push(request.url()))
      let release = () => {}
      const held = new Promise<void>((resolve) => (release = resolve))
      await page.route("**/docs/assets/swagger-ui-bundle.js", async (route) => {
        await held
        await route.continue()
      })
      try {
        await page.goto(`${gw.url}/docs`, { waitUntil: "domcontentloaded" })
        // No script chain has run: the bundle has not arrived, so what is on screen came with the HTML.
        expect(await page.evaluate(() => "SwaggerUIBundle" in globalThis)).toBe(false)
        await expectEssentials(page)
        await page.screenshot({ path: join(output, "docs-before-scripts.png"), fullPage: true })
      } finally {
        release()
      }

      // The bundle arrives: Swagger UI renders every operation and the server-rendered summary steps aside.
      await page.locator("#swagger-ui .opblock").first().waitFor({ state: "visible", timeout: 20_000 })
      await page.locator("#docs-summary").waitFor({ state: "hidden", timeout: 20_000 })
      expect(await page.locator("#swagger-ui .opblock").count()).toBe(Docs.operations.length)
      await page.screenshot({ path: join(output, "docs-swagger-ui.png"), fullPage: true })
      // Everything came from the gateway itself: no CDN, no validator, nothing else.
      expect(requested.length).toBeGreaterThan(3)
      for (const url of requested) expect(new URL(url).origin, url).toBe(gw.url)
      await page.close()
    },
    60_000
  )

  it("with JavaScript off, the same essentials are there", async () => {
    const page = await context.newPage()
    const cdp = await context.newCDPSession(page)
    await cdp.send("Emulation.setScriptExecutionDisabled", { value: true })
    await page.goto(`${gw.url}/docs`, { waitUntil: "domcontentloaded" })
    expect(await page.evaluate("document.getElementById('swagger-ui').childElementCount")).toBe(0)
    await expectEssentials(page)
    await page.screenshot({ path: join(output, "docs-without-javascript.png"), fullPage: true })
    await page.close()
  }, 60_000)
})
