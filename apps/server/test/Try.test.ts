/**
 * `/try`, the testers' page, in a real browser: headless Chromium (Debian's `chromium`, driven by playwright-core,
 * which never downloads a browser), with a fake camera (`--use-fake-device-for-media-stream`, permission granted by
 * `--use-fake-ui-for-media-stream`). Each test picks a scenario or a capture, runs the check and reads what the page
 * shows; every page is closed with no console error and no uncaught exception (Chromium's own line for each HTTP
 * error status the page was sent is counted apart: exactly the problems the test asked for). Screenshots at 360 px
 * and 1,280 px go to test-output/ (gitignored).
 *
 * Waits are on the page's state (a new history row, a status text), never on time: a busy machine is slower, not
 * wrong. Without /usr/bin/chromium the suite is skipped, except under CI=true, where it fails: `node
 * scripts/ensure-chromium.mjs` installs it.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Cpf } from "@liveness/core"
import { Fixtures, MagicValues } from "@liveness/fake"
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { BrowserContext, Locator, Page } from "playwright-core"
import { available, launch, type Launched, output, requiredUnderCi } from "./Chromium.js"
import { startGateway, type TestGateway } from "./support.js"

const KEY = "try-page-tester-key-0001"
const OTHER_KEY = "try-page-tester-key-0002"

/** Browser waits: generous, for a busy 2-core machine (the test's own timeout is larger still). */
const WAIT = { timeout: 30_000 }
const TEST_TIMEOUT = 90_000

/**
 * Run in the page (the tests are not type-checked against the DOM): the controls without an accessible name, that
 * is no <label>, no aria-label, and for a button no text.
 */
const UNLABELLED = `[...document.querySelectorAll("input, select, button, textarea, video")]
  .filter((control) => !((control.labels && control.labels.length > 0) || control.hasAttribute("aria-label") ||
    (control.tagName === "BUTTON" && control.textContent.trim() !== "")))
  .map((control) => control.outerHTML)`

requiredUnderCi("/try in headless Chromium")

describe.skipIf(!available)("/try in headless Chromium", () => {
  let gw: TestGateway
  let browser: Launched
  let context: BrowserContext

  beforeAll(async () => {
    // Short backoffs so the 503-then-live scenario does not wait the default delay; no quotas in the way.
    gw = await startGateway({
      LIVENESS_PROVIDER: "fake",
      GATEWAY_API_KEYS: `${KEY},${OTHER_KEY}`,
      GATEWAY_RATE_LIMIT: "0",
      LIVENESS_RATE_LIMIT: "0",
      LIVENESS_BASE_DELAY_MS: "20",
      LIVENESS_MAX_DELAY_MS: "100"
    })
    // A fake camera (a generated picture), its permission granted without a prompt.
    browser = await launch({
      args: ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"],
      permissions: ["camera"]
    })
    context = browser.context
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await gw?.close()
    // The key typed on the page never reaches a log line.
    expect(gw?.rawLogs().includes(KEY)).toBe(false)
  })

  interface Opened {
    readonly page: Page
    /** Console errors and uncaught exceptions, as they happen, but Chromium's own line for an HTTP error status. */
    readonly errors: Array<string>
    /**
     * The statuses of Chromium's "Failed to load resource: the server responded with a status of N" lines: the
     * browser writes one for every answer of 400 or more, whatever the page does with it (here, shows the problem).
     */
    readonly statusLines: Array<number>
  }

  /** Opens /try at `width` and waits for the scenarios to be listed. */
  const open = async (width = 1280): Promise<Opened> => {
    const page = await context.newPage()
    await page.setViewportSize({ width, height: 900 })
    const errors: Array<string> = []
    const statusLines: Array<number> = []
    page.on("console", (message) => {
      if (message.type() !== "error") return
      const status = /^Failed to load resource: the server responded with a status of (\d{3})\b/.exec(message.text())
      if (status === null) errors.push(`console: ${message.text()}`)
      else statusLines.push(Number(status[1]))
    })
    page.on("pageerror", (error) => void errors.push(`pageerror: ${error.message}`))
    await page.goto(`${gw.url}/try`)
    await page.locator(`#scenario-${MagicValues.documented.at(-1)!.scenario}`).waitFor({ state: "attached", ...WAIT })
    return { page, errors, statusLines }
  }

  /**
   * Closes the page, asserting that nothing went to the console as an error but Chromium's line for each problem
   * answer the test asked for (`problems`, their statuses in order): no script error, no failed asset, no other request.
   */
  const close = async ({ errors, page, statusLines }: Opened, problems: ReadonlyArray<number> = []) => {
    await page.close()
    expect(errors).toEqual([])
    expect(statusLines).toEqual(problems)
  }

  const field = (page: Page, name: string, area = "#result") => page.locator(`${area} [data-field="${name}"]`)

  const text = async (locator: Locator) => (await locator.textContent())?.trim()

  const historyRows = (page: Page) => page.locator("#history tbody tr")

  /** Runs `action` (a click, a key press) and waits for the check it starts to reach the history. */
  const answered = async (page: Page, action: () => Promise<void>) => {
    const before = await historyRows(page).count()
    await action()
    // The history is rebuilt with every answer: row `before` exists once there is one more.
    await historyRows(page).nth(before).waitFor({ state: "attached", ...WAIT })
    return {
      outcome: await text(field(page, "outcome")),
      status: await text(field(page, "http-status")),
      processId: (await field(page, "process-id").count()) === 0 ? undefined : await text(field(page, "process-id")),
      attempts: await text(field(page, "attempts")),
      replayed: await text(field(page, "replayed")),
      requestId: await text(field(page, "request-id")),
      time: await text(field(page, "time"))
    }
  }

  const check = (page: Page, scenario: string) =>
    answered(page, async () => {
      await page.locator(`#scenario-${scenario}`).check()
      await page.locator("#check").click()
    })

  const again = (page: Page) => answered(page, () => page.locator("#again").click())

  const typeKey = (page: Page, key = KEY) => page.locator("#key").fill(key)

  it("lists every documented scenario of the fake, from /try/scenarios.json (not copied into the page)", async () => {
    const served = (await (await fetch(`${gw.url}/try/scenarios.json`)).json()) as { scenarios: unknown }
    expect(served.scenarios).toEqual(MagicValues.documented)
    for (const asset of ["/try", "/try/app.js"]) {
      const body = await (await fetch(`${gw.url}${asset}`)).text()
      for (const row of MagicValues.documented) expect(body, asset).not.toContain(row.cpf)
    }

    const opened = await open()
    const { page } = opened
    const radios = page.locator("input[name=scenario]")
    expect(await radios.count()).toBe(MagicValues.documented.length)
    for (const row of MagicValues.documented) {
      const label = page.locator(`label[for="scenario-${row.scenario}"]`)
      expect(await label.isVisible()).toBe(true)
      const shown = (await label.textContent())!
      expect(shown).toContain(row.cpf)
      // The table's markdown code spans are rendered as <code>, their text kept.
      expect(shown).toContain(row.answers.replace(/`/g, ""))
      expect(shown).toContain(row.gives.replace(/`/g, ""))
    }
    // Choosing a scenario puts its magic CPF in the subject.
    await page.locator("#scenario-unavailable-once").check()
    expect(await page.locator("#cpf").inputValue()).toBe(MagicValues.cpfOf("unavailable-once"))
    expect(await page.locator("#provider").textContent()).toContain("fake")
    await close(opened)
  }, TEST_TIMEOUT)

  it(
    "live, not-live, and 503-then-live (2 attempts): verdict, process id, attempts, request id, time taken",
    async () => {
      const opened = await open()
      const { page } = opened
      await typeKey(page)

      const live = await check(page, "live")
      expect(live).toMatchObject({ outcome: "live", status: "200", attempts: "1", replayed: "no" })
      expect(live.processId).toMatch(/^[0-9a-f-]{36}$/)
      expect(live.requestId).toMatch(/^[0-9a-f-]{36}$/)
      expect(live.time).toMatch(/^\d+ ms$/)

      const notLive = await check(page, "not-live")
      expect(notLive).toMatchObject({ outcome: "not-live", status: "200", attempts: "1" })
      expect(notLive.processId).not.toBe(live.processId)

      const unavailableOnce = await check(page, "unavailable-once")
      expect(unavailableOnce).toMatchObject({ outcome: "live", status: "200", attempts: "2", replayed: "no" })

      // Each check is in the session's history, newest first.
      const rows = historyRows(page)
      expect(await rows.count()).toBe(3)
      expect(await rows.nth(0).textContent()).toContain(unavailableOnce.processId)
      expect(await rows.nth(2).textContent()).toContain(live.processId)
      await close(opened)
    },
    TEST_TIMEOUT
  )

  it(
    "the same capture sent again is a replay (Idempotent-Replayed, same process id); with another subject or key, it is refused as reused",
    async () => {
      const opened = await open()
      const { page } = opened
      await typeKey(page)
      const first = await check(page, "live")
      expect(first.outcome).toBe("live")

      const replay = await again(page)
      expect(replay).toMatchObject({ outcome: "live", status: "200", replayed: "yes", processId: first.processId })
      expect(replay.requestId).not.toBe(first.requestId)
      expect(await text(field(page, "replay-marker"))).toContain("Idempotent-Replayed: true")
      expect(await historyRows(page).nth(0).textContent()).toContain("replayed")

      // Another subject with the same capture: Unico's reused-capture rejection, without the first answer.
      await page.locator("#cpf").fill(Cpf.withCheckDigits("529982247"))
      const otherSubject = await again(page)
      expect(otherSubject).toMatchObject({ outcome: "Selfie payload rejected", status: "422", replayed: "no" })
      expect(await text(field(page, "provider-code"))).toBe("10508")
      expect(await text(field(page, "reason"))).toBe("reused")
      expect(await text(field(page, "code"))).toBe("payload_rejected")
      expect(await text(field(page, "detail"))).toMatch(/reused/)
      expect(await page.locator("#result").textContent()).not.toContain(first.processId)

      // Another caller (the second gateway key) with the first subject: refused the same way.
      await page.locator("#cpf").fill(MagicValues.LIVE_CPF)
      await typeKey(page, OTHER_KEY)
      const otherCaller = await again(page)
      expect(otherCaller).toMatchObject({ status: "422" })
      expect(await text(field(page, "provider-code"))).toBe("10508")
      await close(opened, [422, 422])
    },
    TEST_TIMEOUT
  )

  it("a wrong gateway key shows the 401 problem: title, detail, code", async () => {
    const opened = await open()
    const { page } = opened
    await typeKey(page, "not-a-gateway-key")
    const refused = await check(page, "live")
    expect(refused).toMatchObject({ outcome: "Missing or invalid gateway key", status: "401" })
    expect(await text(field(page, "code"))).toBe("unauthorized")
    expect(await text(field(page, "detail"))).toBe("The gateway key is not valid.")
    expect(await text(field(page, "provider-code"))).toBe("—")
    expect(refused.requestId).toMatch(/^[0-9a-f-]{36}$/)
    await close(opened, [401])
  }, TEST_TIMEOUT)

  it("a camera snapshot too small for the plain-image rules is refused (resolution, Unico 20807)", async () => {
    const opened = await open()
    const { page } = opened
    await typeKey(page)
    await page.locator("#source-camera").check()
    await page.locator("#camera-start").click()
    await page.getByText(/^Camera on \(\d+x\d+\)/).waitFor(WAIT)
    const [width, height] = (await page.locator("#camera-status").textContent())!.match(/(\d+)x(\d+)/)!.slice(1)
      .map(Number)
    // Chromium's fake camera gives 640x480: half of it is below Unico's 640x480.
    await page.locator("#snapshot-size").selectOption("0.5")
    await page.locator("#camera-snap").click()
    const size = `${Math.round(width! / 2)}x${Math.round(height! / 2)}`
    await page.getByText(`Snapshot taken: ${size} JPEG`).waitFor(WAIT)
    expect(await page.locator("#snapshot-preview").isVisible()).toBe(true)

    const small = await answered(page, () => page.locator("#check").click())
    expect(small).toMatchObject({ outcome: "Selfie payload rejected", status: "422" })
    expect(await text(field(page, "reason"))).toBe("resolution")
    expect(await text(field(page, "provider-code"))).toBe("20807")
    expect(await historyRows(page).nth(0).textContent()).toContain(`camera snapshot ${size}`)
    await page.screenshot({ path: join(output, "try-camera-too-small.png"), fullPage: true })
    await close(opened, [422])
  }, TEST_TIMEOUT)

  it(
    "an image file from disk: a large enough JPEG is checked, a small one refused; a process is read back by id",
    async () => {
      const directory = await mkdtemp(join(tmpdir(), "liveness-try-files-"))
      try {
        const good = join(directory, "selfie.jpg")
        const small = join(directory, "thumbnail.jpg")
        await writeFile(good, Buffer.from(Fixtures.image(), "base64"))
        await writeFile(small, Buffer.from(Fixtures.image({ width: 320, height: 240 }), "base64"))

        const opened = await open()
        const { page } = opened
        await typeKey(page)
        await page.locator("#source-file").check()
        await page.locator("#file").setInputFiles(good)
        const checked = await answered(page, () => page.locator("#check").click())
        expect(checked).toMatchObject({ outcome: "live", status: "200", attempts: "1" })

        await page.locator("#file").setInputFiles(small)
        await answered(page, () => page.locator("#check").click())
        expect(await text(field(page, "reason"))).toBe("resolution")

        // Read the first check back from its history row, then an id the provider never made.
        await historyRows(page).nth(1).getByRole("button", { name: `Read process ${checked.processId} back` }).click()
        await field(page, "verdict", "#read-result").waitFor(WAIT)
        expect(await text(field(page, "process-id", "#read-result"))).toBe(checked.processId)
        expect(await text(field(page, "verdict", "#read-result"))).toBe("live")
        await page.locator("#process-id").fill("80371b2a-3ac7-432e-866d-57fe37896ac6")
        await page.locator("#read").click()
        await field(page, "code", "#read-result").getByText("process_not_found").waitFor(WAIT)
        expect(await text(field(page, "outcome", "#read-result"))).toBe("Process not found")
        await close(opened, [422, 404])
      } finally {
        await rm(directory, { recursive: true, force: true })
      }
    },
    TEST_TIMEOUT
  )

  it(
    "keyboard only: Tab to the key, type it, arrows pick a scenario, Enter runs the check, then sends it again",
    async () => {
      const opened = await open()
      const { page } = opened
      const focused = () => page.evaluate<string>("document.activeElement ? document.activeElement.id : ''")
      /** Presses Tab until the element `id` has the focus. */
      const tabTo = async (id: string) => {
        for (let presses = 0; presses < 40; presses++) {
          if (await focused() === id) return
          await page.keyboard.press("Tab")
        }
        expect.fail(`Tab never reached #${id}`)
      }
      await tabTo("key")
      await page.keyboard.type(KEY)
      await page.keyboard.press("Tab")
      // Tab lands on the checked radio of the scenario group; the arrows move the choice.
      expect(await focused()).toBe("scenario-live")
      await page.keyboard.press("ArrowDown")
      expect(await focused()).toBe("scenario-not-live")
      expect(await page.locator("#cpf").inputValue()).toBe(MagicValues.cpfOf("not-live"))
      await tabTo("check")
      const checked = await answered(page, () => page.keyboard.press("Enter"))
      expect(checked).toMatchObject({ outcome: "not-live", status: "200" })
      await tabTo("again")
      const replay = await answered(page, () => page.keyboard.press("Enter"))
      expect(replay).toMatchObject({ outcome: "not-live", replayed: "yes", processId: checked.processId })
      await close(opened)
    },
    TEST_TIMEOUT
  )

  it(
    "every control has a label; readable at 360 px and 1,280 px wide (no sideways scrolling); screenshots",
    async () => {
      for (const width of [360, 1280]) {
        const opened = await open(width)
        const { page } = opened
        await typeKey(page)
        await check(page, "unavailable-once")
        await again(page)
        await page.locator("#source-camera").check()

        const unlabelled = await page.evaluate<ReadonlyArray<string>>(UNLABELLED)
        expect(unlabelled).toEqual([])
        const overflow = await page.evaluate<number>(
          "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        expect(overflow, `${width} px`).toBeLessThanOrEqual(0)
        await page.screenshot({ path: join(output, `try-${width}px.png`), fullPage: true })
        await close(opened)
      }
    },
    TEST_TIMEOUT
  )
})
