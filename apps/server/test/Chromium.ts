/**
 * Headless Chromium for the browser tests (`/docs`, `/try`): Debian's `chromium` at /usr/bin/chromium, driven by
 * playwright-core, which never downloads a browser. Without it the suites are skipped, except under CI=true, where
 * `requiredUnderCi` fails (`node scripts/ensure-chromium.mjs` installs it). Screenshots go to test-output/
 * (gitignored).
 */
import { expect, it } from "@effect/vitest"
import { existsSync } from "node:fs"
import { mkdir, mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { type BrowserContext, chromium } from "playwright-core"

export const CHROMIUM = "/usr/bin/chromium"

export const available = existsSync(CHROMIUM)

/** Where the tests write their screenshots. */
export const output = fileURLToPath(new URL("../test-output/", import.meta.url))

/** A failing test, not a skipped suite, when Chromium is missing under CI=true: CI's totals count it. */
export const requiredUnderCi = (suite: string) =>
  it.runIf(!available && process.env.CI === "true")(`${suite}: Chromium is installed (CI=true)`, () => {
    expect.fail(`Chromium is missing at ${CHROMIUM}: run node scripts/ensure-chromium.mjs`)
  })

export interface Launched {
  readonly context: BrowserContext
  /** Closes the browser and removes its profile. */
  readonly close: () => Promise<void>
}

/** Launches headless Chromium on a fresh profile, with `args` added to the quiet defaults. */
export const launch = async (
  options: { readonly args?: ReadonlyArray<string>; readonly permissions?: Array<string> } = {}
): Promise<Launched> => {
  await mkdir(output, { recursive: true })
  const userDataDir = await mkdtemp(join(tmpdir(), "liveness-chromium-"))
  const context = await chromium.launchPersistentContext(userDataDir, {
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
      "--disable-sync",
      ...(options.args ?? [])
    ],
    ...(options.permissions === undefined ? {} : { permissions: options.permissions }),
    viewport: { width: 1280, height: 900 }
  })
  return {
    context,
    close: async () => {
      await context.close()
      await rm(userDataDir, { recursive: true, force: true })
    }
  }
}
