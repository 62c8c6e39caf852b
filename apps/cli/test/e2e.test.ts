/**
 * End to end: the built `liveness` binary, spawned against a sandbox started here with a fault mix, checks a
 * batch of 200 fixtures with one line per capture and no capture billed twice, and resumes after Ctrl-C.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Fixtures } from "@liveness/fake"
import { Sandbox } from "@liveness/sandbox"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { tsc } from "./support.js"

const app = join(dirname(fileURLToPath(import.meta.url)), "..")
const bin = join(app, "dist", "bin.js")
const dir = mkdtempSync(join(tmpdir(), "liveness-cli-e2e-"))
const COUNT = 200

let scope: Scope.CloseableScope
let sandbox: Sandbox.Sandbox
const payloads = new Map<string, string>()

const captures = (name: string) => {
  const folder = join(dir, name)
  mkdirSync(folder)
  for (let i = 0; i < COUNT; i++) {
    const payload = Fixtures.sdkPayload()
    payloads.set(Fixtures.fingerprint(payload), payload)
    writeFileSync(join(folder, `capture-${String(i).padStart(3, "0")}.jwt`), payload)
  }
  return folder
}

beforeAll(async () => {
  // The binary under test is the build output; tsc -b is incremental, so this is quick once built.
  tsc(["-b", "tsconfig.build.json"])
  scope = Effect.runSync(Scope.make())
  sandbox = await Effect.runPromise(
    Sandbox.start({
      rateLimit: false,
      faults: {
        rates: { status503: 0.10, rateLimited: 0.05, resetBefore: 0.03, resetAfter: 0.02 },
        seed: 5,
        retryAfterSeconds: 0
      }
    }).pipe(Scope.extend(scope))
  )
}, 120_000)
afterAll(() => Effect.runPromise(Scope.close(scope, Exit.void)))

interface Run {
  readonly child: ChildProcess
  readonly done: Promise<{ readonly code: number | null; readonly stdout: string; readonly stderr: string }>
}

const run = (args: ReadonlyArray<string>, env: Record<string, string | undefined> = {}): Run => {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith("UNICO_") && !name.startsWith("LIVENESS_"))
  )
  const merged: Record<string, string | undefined> = {
    ...inherited,
    ...Sandbox.unicoEnvironment(sandbox),
    LIVENESS_BASE_DELAY_MS: "5",
    LIVENESS_MAX_DELAY_MS: "20",
    LIVENESS_RATE_LIMIT: "0",
    ...env
  }
  const child = spawn(process.execPath, [bin, ...args], {
    env: Object.fromEntries(Object.entries(merged).filter(([, value]) => value !== undefined)),
    stdio: ["ignore", "pipe", "pipe"]
  })
  let stdout = ""
  let stderr = ""
  child.stdout!.on("data", (chunk) => (stdout += chunk))
  child.stderr!.on("data", (chunk) => (stderr += chunk))
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on("close", (code) => resolve({ code, stdout, stderr }))
  )
  return { child, done }
}

const lines = (path: string): Array<{ file: string; verdict?: string; error?: { tag: string } }> =>
  existsSync(path)
    ? readFileSync(path, "utf8").split("\n").filter((line) => line !== "").map((line) => JSON.parse(line))
    : []

/** The sandbox, like Unico, refuses an assertion seen before: two runs must not mint in the same second. */
const apart = () => new Promise((resolve) => setTimeout(resolve, 1100))

const billedOnce = async () => {
  const stats = await Effect.runPromise(sandbox.stats)
  for (const [fingerprint, count] of Object.entries(stats.processesByPayload)) {
    expect(payloads.has(fingerprint), fingerprint).toBe(true)
    expect(count, fingerprint).toBeLessThanOrEqual(1)
  }
  return stats
}

describe("liveness batch, end to end against a faulty sandbox", () => {
  it("200 captures: one line per capture, no capture billed twice", async () => {
    const folder = captures("full")
    const out = join(dir, "full.jsonl")
    const { code, stderr, stdout } = await run(["batch", folder, "--out", out, "--concurrency", "8"]).done
    expect(code, stderr).toBe(0)
    const written = lines(out)
    expect(written).toHaveLength(COUNT)
    expect(new Set(written.map((line) => line.file)).size).toBe(COUNT)
    expect(written.filter((line) => line.verdict === "live").length).toBeGreaterThan(COUNT * 0.8)
    expect(readFileSync(out, "utf8")).not.toContain(readFileSync(join(folder, "capture-000.jwt"), "utf8"))
    expect(stdout).toMatch(/captures +200/)
    expect(stdout).toMatch(/verdict live +\d+/)
    const stats = await billedOnce()
    // The fault mix really was exercised.
    expect(stats.requestsByStatus["503"] ?? 0).toBeGreaterThan(0)
    expect(stats.requestsByStatus["429"] ?? 0).toBeGreaterThan(0)
  }, 40_000)

  it("Ctrl-C finishes the checks in flight and exits 130; the same command then resumes", async () => {
    await apart()
    const folder = captures("interrupted")
    const out = join(dir, "interrupted.jsonl")
    // A tenant quota of 40/s keeps the run long enough to interrupt it mid-way.
    const first = run(["batch", folder, "--out", out, "--concurrency", "4"], { LIVENESS_RATE_LIMIT: "40" })
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (lines(out).length >= 50) {
          clearInterval(timer)
          first.child.kill("SIGINT")
          resolve()
        }
      }, 25)
      first.done.then(() => {
        clearInterval(timer)
        reject(new Error("the batch finished before it could be interrupted"))
      })
    })
    const interrupted = await first.done
    expect(interrupted.code, interrupted.stderr).toBe(130)
    expect(interrupted.stderr).toContain("Interrupted: finishing the checks in flight")
    expect(interrupted.stdout).toMatch(/interrupted +yes/)
    const partial = lines(out)
    expect(partial.length).toBeGreaterThanOrEqual(50)
    expect(partial.length).toBeLessThan(COUNT)
    expect(new Set(partial.map((line) => line.file)).size).toBe(partial.length)

    await apart()
    const second = await run(["batch", folder, "--out", out, "--concurrency", "8"]).done
    expect(second.code, second.stderr).toBe(0)
    expect(second.stderr).toContain(`resuming: ${partial.length} capture(s)`)
    const written = lines(out)
    expect(written).toHaveLength(COUNT)
    expect(new Set(written.map((line) => line.file)).size).toBe(COUNT)
    await billedOnce()
  }, 40_000)
})

describe("liveness sandbox, end to end", () => {
  it("prints the UNICO_* lines, which doctor accepts, and stops on Ctrl-C", async () => {
    const server = run(["sandbox", "--port", "0", "--rate-limit", "0"])
    let printed = ""
    server.child.stdout!.on("data", (chunk) => (printed += chunk))
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (printed.includes("Ctrl-C stops it")) {
          clearInterval(timer)
          resolve()
        }
      }, 25)
      server.done.then(() => reject(new Error("the sandbox exited")))
    })
    const env = Object.fromEntries(
      printed.split("\n").filter((line) => line.startsWith("UNICO_")).map((line) => line.split(/=(.*)/s).slice(0, 2))
    ) as Record<string, string>
    expect(Object.keys(env).sort()).toEqual([
      "UNICO_API_KEY",
      "UNICO_API_URL",
      "UNICO_AUTH_URL",
      "UNICO_ISSUER",
      "UNICO_PRIVATE_KEY_FILE"
    ])
    expect(env.UNICO_API_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    // run() sets UNICO_PRIVATE_KEY from the test's sandbox: drop it so the printed key file is used.
    const doctor = run(["doctor"], { ...env, UNICO_PRIVATE_KEY: undefined })
    const result = await doctor.done
    expect(result.stdout).toContain("UNICO_PRIVATE_KEY_FILE")
    expect(result.code, result.stdout).toBe(0)
    server.child.kill("SIGINT")
    const stopped = await server.done
    expect(stopped.code).toBe(130)
    expect(existsSync(env.UNICO_PRIVATE_KEY_FILE!)).toBe(false)
  }, 20_000)
})
