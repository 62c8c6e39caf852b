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
import { existsSync } from "node:fs"
import { mkdir, mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { type BrowserContext, chromium, type Page } from "playwright-core"
import { Docs, OpenApi } from "../src/index.js"
import { startGateway, type TestGateway } from "./support.js"

const CHROMIUM = "/usr/bin/chromium"
const available = existsSync(CHROMIUM)

const output = fileURLToPath(new URL("../test-output/", import.meta.url))

// A failing test, not a skipped suite: CI's totals count it.
it.runIf(!available && process.env.CI === "true")("/docs in headless Chromium: Chromium is installed (CI=true)", () => {
  expect.fail(`Chromium is missing at ${CHROMIUM}: run node scripts/ensure-chromium.mjs`)
})

describe.skipIf(!available)("/docs in headless Chromium", () => {
  let gw: TestGateway
  let context: BrowserContext
  let userDataDir: string

  beforeAll(async () => {
    await mkdir(output, { recursive: true })
    gw = await startGateway({ LIVENESS_PROVIDER: "fake" })
    userDataDir = await mkdtemp(join(tmpdir(), "liveness-docs-chromium-"))
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync"
      ],
      viewport: { width: 1280, height: 900 }
    })
  }, 60_000)

  afterAll(async () => {
    await context?.close()
    await gw?.close()
    if (userDataDir !== undefined) await rm(userDataDir, { recursive: true, force: true })
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
