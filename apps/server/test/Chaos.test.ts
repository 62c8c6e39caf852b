/**
 * Chaos soak: checks through the gateway, on the real HTTP adapter, to a sandbox injecting 10% 503, 5% 429 with
 * Retry-After, 3% resets before processing, 2% resets after the process was created, 2% latency past the
 * adapter's per-attempt timeout and 1% malformed JSON. Every request must get an answer from the documented table
 * (no 500, no hang), the sandbox must count at most one process per capture and no spent SDK payload sent again
 * (no 10508: after a failure that may have reached Unico nothing is re-sent), nothing may reject unhandled, and
 * the heap must come back to its baseline. The per-attempt timeout (2 s) is far above a loaded machine's answer
 * times, so only the injected latency (3 s) runs past it.
 *
 * `pnpm test` runs a shortened soak (CHAOS_CHECKS, default 300); `pnpm test:chaos` runs 5,000.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Fixtures } from "@liveness/fake"
import { Sandbox } from "@liveness/sandbox"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import { Problems } from "../src/index.js"
import { startGateway, type TestGateway } from "./support.js"

const CHECKS = Number(process.env.CHAOS_CHECKS ?? 300)
const CONCURRENCY = 32

let scope: Scope.CloseableScope
let sandbox: Sandbox.Sandbox
let gw: TestGateway
const unhandled: Array<unknown> = []
const onUnhandled = (reason: unknown) => void unhandled.push(reason)

beforeAll(async () => {
  process.on("unhandledRejection", onUnhandled)
  scope = Effect.runSync(Scope.make())
  sandbox = await Effect.runPromise(
    Sandbox.start({
      rateLimit: false,
      faults: {
        seed: 2026,
        rates: {
          status503: 0.1,
          rateLimited: 0.05,
          resetBefore: 0.03,
          resetAfter: 0.02,
          latency: 0.02,
          malformedJson: 0.01
        },
        latencyMillis: 3000,
        retryAfterSeconds: 1
      }
    }).pipe(Scope.extend(scope))
  )
  gw = await startGateway({
    LIVENESS_PROVIDER: "unico",
    ...Sandbox.unicoEnvironment(sandbox),
    UNICO_TIMEOUT_MS: "2000",
    LIVENESS_RATE_LIMIT: "0",
    LIVENESS_BASE_DELAY_MS: "20",
    LIVENESS_MAX_DELAY_MS: "100",
    GATEWAY_RATE_LIMIT: "0",
    LOG_LEVEL: "warn"
  })
})

afterAll(async () => {
  await gw.close()
  await Effect.runPromise(Scope.close(scope, Exit.void))
  process.off("unhandledRejection", onUnhandled)
})

const documented = new Set([200, ...Problems.all.map((type) => type.status)])

const heap = () => {
  ;(globalThis as { gc?: () => void }).gc?.()
  return process.memoryUsage().heapUsed
}

describe(`chaos soak (${CHECKS} checks)`, () => {
  it("answers every request from the documented table, never bills a capture twice, leaks nothing", async () => {
    const statuses = new Map<number, number>()
    const problems = new Map<string, number>()
    let next = 0
    const worker = (until: number) => async () => {
      while (next < until) {
        const i = next++
        // One capture in five is a plain image: ambiguous failures are then answered, not replayed.
        // (Each image a different size, so each is a different capture.)
        const imageBase64 = i % 5 === 4 ? Fixtures.image({ width: 800 + i }) : Fixtures.sdkPayload()
        const response = await fetch(`${gw.url}/processes/v1`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ subject: { code: "12345678909", name: "Luke Skywalker" }, imageBase64 }),
          signal: AbortSignal.timeout(45_000)
        })
        const body = await response.json() as { verdict?: string; type?: string }
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1)
        if (response.status !== 200) problems.set(body.type!, (problems.get(body.type!) ?? 0) + 1)
      }
    }
    // A first fifth warms everything up (JIT, connection pools, token); the heap after it is the baseline.
    const warmUp = Math.floor(CHECKS / 5)
    await Promise.all(Array.from({ length: CONCURRENCY }, worker(warmUp)))
    const warm = await Effect.runPromise(sandbox.stats)
    expect(Object.values(warm.processesByPayload).filter((count) => count > 1)).toEqual([])
    await Effect.runPromise(sandbox.engine.reset)
    const before = heap()
    await Promise.all(Array.from({ length: CONCURRENCY }, worker(CHECKS)))

    const stats = await Effect.runPromise(sandbox.stats)
    // The sandbox shares this process: forget its processes and calls before measuring the gateway's heap.
    await Effect.runPromise(sandbox.engine.reset)
    const after = heap()
    console.log(
      `chaos soak: ${CHECKS} checks, statuses ${JSON.stringify(Object.fromEntries(statuses))}, problems ${
        JSON.stringify(Object.fromEntries(problems))
      }, sandbox ${JSON.stringify(stats.requestsByStatus)}, heap ${(before / 2 ** 20).toFixed(1)} → ${
        (after / 2 ** 20).toFixed(1)
      } MiB`
    )
    const answered = [...statuses.values()].reduce((sum, n) => sum + n, 0)
    expect(answered).toBe(CHECKS)
    for (const status of statuses.keys()) expect(documented.has(status), `status ${status}`).toBe(true)
    expect(statuses.get(500) ?? 0).toBe(0)
    // Most captures still come out live: the retry policy absorbs the faults for SDK payloads.
    expect((statuses.get(200) ?? 0) / CHECKS).toBeGreaterThan(0.5)

    const billedTwice = Object.values(stats.processesByPayload).filter((count) => count > 1)
    expect(billedTwice).toEqual([])
    // Unico's single-submission rule: no SDK payload that may have reached it was sent again (no "reused").
    expect(stats.requestsByStatus["400"] ?? 0).toBe(0)
    // The faults really happened.
    expect(stats.requestsByStatus["503"] ?? 0).toBeGreaterThan(0)
    expect(stats.requestsByStatus.reset ?? 0).toBeGreaterThan(0)
    expect(unhandled).toEqual([])

    // Back to baseline once the soak's garbage is collected: within 10% (and 2 MiB of noise) of the warm heap.
    expect(after).toBeLessThan(before * 1.1 + 2 * 2 ** 20)
  }, 600_000)
})
