// The gateway's /docs test opens the page in headless Chromium (Debian's chromium package, driven by
// playwright-core, which never downloads a browser of its own). On a fresh machine this installs Debian's
// chromium when it can (root with apt-get), else says how to get it. Run by `pnpm test` before the tests.
import { execFileSync, spawnSync } from "node:child_process"

const has = (command) => spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0

if (!has("chromium")) {
  const root = typeof process.getuid === "function" && process.getuid() === 0
  if (!root || !has("apt-get")) {
    const ci = process.env.CI === "true"
    console.error(
      "The gateway's /docs test needs Chromium at /usr/bin/chromium: install it (Debian/Ubuntu: apt-get install " +
        `chromium) and run the tests again. ${
          ci ? "Under CI=true that test fails without it." : "Until then that test is skipped (under CI=true it fails)."
        }`
    )
    // Locally the other tests still run; in CI a missing browser must not pass unnoticed.
    process.exit(ci ? 1 : 0)
  }
  console.error("Installing chromium (Debian package) for the gateway's /docs test…")
  const install = () => execFileSync("apt-get", ["install", "-y", "-qq", "chromium"], { stdio: "ignore" })
  try {
    install()
  } catch {
    execFileSync("apt-get", ["update", "-qq"], { stdio: "ignore" })
    install()
  }
}
