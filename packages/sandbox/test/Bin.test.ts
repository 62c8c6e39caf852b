/**
 * The `liveness-sandbox` command takes its settings from the environment: asked for help it prints its usage,
 * given arguments it does not take it says so; neither starts a server.
 */
import { describe, expect, it } from "@effect/vitest"
import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"

const bin = fileURLToPath(new URL("../bin/liveness-sandbox.js", import.meta.url))
const run = (...args: ReadonlyArray<string>) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", env: { ...process.env, PORT: "0" }, timeout: 60_000 })

describe("liveness-sandbox", () => {
  it("--help prints the usage and its variables, and exits 0 without listening", () => {
    const { status, stdout } = run("--help")
    expect(status).toBe(0)
    expect(stdout).toContain("Usage: liveness-sandbox")
    for (const name of ["PORT", "SANDBOX_RATE_LIMIT", "SANDBOX_TOKEN_LIFETIME_SECONDS"]) expect(stdout).toContain(name)
    expect(stdout).not.toContain("listening")
  })

  it("an argument it does not take is refused with the usage, exit 2", () => {
    const { status, stderr, stdout } = run("--port", "8080")
    expect(status).toBe(2)
    expect(stderr).toContain("unexpected --port 8080")
    expect(stdout).toBe("")
  })
})
