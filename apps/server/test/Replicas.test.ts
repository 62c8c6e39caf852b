/**
 * Many replicas, one tenant: three gateway processes share one Redis and one sandbox whose tenant quota is
 * 20/s with 30 ms latency. Together they must never draw a 429 from the provider and mint one token; when
 * Redis dies, no check fails, the replicas fall to quota / replicas each, and they share again once Redis is
 * back. Real processes, real HTTP, a real redis-server. What is asserted is what the sandbox counted (429s,
 * tokens, processes) and what the replicas report; the rates are printed, not asserted: how fast a busy
 * machine runs three gateways is not the product's promise (the exact schedule is, in @liveness/redis's
 * tests, and the throughput is measured by `pnpm --filter @liveness/bench bench:replicas`).
 */
import { describe, expect, it } from "@effect/vitest"
import { RedisServer } from "@liveness/redis/testing"
import { Sandbox } from "@liveness/sandbox"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import { randomUUID } from "node:crypto"
import { eventually, listening, postJson, seedBody, type Spawned, spawnGateway } from "./support.js"

const QUOTA = 20
const REPLICAS = 3
const CHECKS = 600

/** Runs `effect` in `scope` (closed by the test). */
const inScope = <A, E>(scope: Scope.CloseableScope, effect: Effect.Effect<A, E, Scope.Scope>) =>
  Effect.runPromise(Scope.extend(effect, scope))

const startCluster = async (sandbox: Sandbox.Sandbox, redisUrl: string) => {
  const env = {
    LIVENESS_PROVIDER: "unico",
    ...Sandbox.unicoEnvironment(sandbox),
    LIVENESS_REDIS_URL: redisUrl,
    LIVENESS_REDIS_PREFIX: `replicas-${randomUUID()}:`,
    LIVENESS_REPLICAS: String(REPLICAS),
    LIVENESS_RATE_LIMIT: String(QUOTA),
    GATEWAY_RATE_LIMIT: "0",
    LOG_LEVEL: "info"
  }
  const spawned: Array<Spawned> = Array.from({ length: REPLICAS }, () => spawnGateway(env))
  const urls = await Promise.all(spawned.map(listening))
  return {
    urls,
    spawned,
    stop: async () => {
      for (const one of spawned) one.child.kill("SIGTERM")
      await Promise.all(spawned.map((one) => one.exit))
    }
  }
}

interface Outcome {
  readonly status: number
  /** When the answer arrived, in ms since the run started. */
  readonly at: number
}

/** Posts checks round-robin over `urls` with `concurrency` callers until `count` are done or `until()` says stop. */
const drive = async (
  urls: ReadonlyArray<string>,
  options: { readonly concurrency: number; readonly count?: number; readonly until?: () => boolean }
) => {
  const outcomes: Array<Outcome> = []
  const started = performance.now()
  let next = 0
  const more = () => (options.count === undefined || next < options.count) && !(options.until?.() ?? false)
  const worker = async () => {
    while (more()) {
      const url = urls[next++ % urls.length]!
      const status = await postJson(url, seedBody()).then(async (response) => {
        await response.arrayBuffer()
        return response.status
      }, () => 0)
      outcomes.push({ status, at: performance.now() - started })
    }
  }
  await Promise.all(Array.from({ length: options.concurrency }, worker))
  return { outcomes, seconds: (performance.now() - started) / 1000 }
}

const rateBetween = (outcomes: ReadonlyArray<Outcome>, from: number, to: number) =>
  outcomes.filter((outcome) => outcome.at >= from && outcome.at < to).length / ((to - from) / 1000)

const statuses = (outcomes: ReadonlyArray<Outcome>) => [...new Set(outcomes.map((outcome) => outcome.status))]

const metrics = async (url: string) => (await fetch(`${url}/metrics`)).text()

const readyz = async (url: string) => (await (await fetch(`${url}/readyz`)).json()) as Record<string, any>

describe("three gateway replicas on one Redis", { timeout: 180_000 }, () => {
  it("600 checks at high concurrency: 0 answers 429 from the provider, exactly 1 token minted", async () => {
    const scope = Effect.runSync(Scope.make())
    try {
      const redisUrl = await inScope(scope, RedisServer.shared)
      const sandbox = await inScope(
        scope,
        Sandbox.start({ rateLimit: { limit: QUOTA, intervalMillis: 1000 }, latency: "30 millis" })
      )
      const cluster = await startCluster(sandbox, redisUrl)
      try {
        const { outcomes, seconds } = await drive(cluster.urls, { concurrency: 96, count: CHECKS })
        const stats = await Effect.runPromise(sandbox.stats)
        console.log(
          `replicas: ${CHECKS} checks in ${seconds.toFixed(1)} s = ${(CHECKS / seconds).toFixed(2)}/s of ${QUOTA}/s; ` +
            `sandbox answers ${JSON.stringify(stats.requestsByStatus)}, tokens minted ${stats.tokenMints}`
        )
        expect(statuses(outcomes)).toEqual([200])
        expect(stats.requestsByStatus["429"] ?? 0).toBe(0)
        expect(stats.tokenMints).toBe(1)
        expect(stats.processes).toBe(CHECKS)
        for (const url of cluster.urls) {
          expect((await readyz(url)).redis).toMatchObject({ status: "connected" })
        }
      } finally {
        await cluster.stop()
      }
    } finally {
      await Effect.runPromise(Scope.close(scope, Exit.void))
    }
  })

  it("Redis killed mid-run: no check fails nor draws a 429 on local limits, and the replicas share again when Redis returns", async () => {
    const scope = Effect.runSync(Scope.make())
    try {
      const redis = await inScope(scope, RedisServer.start())
      const sandbox = await inScope(
        scope,
        Sandbox.start({ rateLimit: { limit: QUOTA, intervalMillis: 1000 }, latency: "30 millis" })
      )
      const cluster = await startCluster(sandbox, redis.url)
      try {
        const started = performance.now()
        const now = () => performance.now() - started
        let stop = false
        const run = drive(cluster.urls, { concurrency: 48, until: () => stop })
        const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
        const allReport = (status: string) =>
          eventually(async () =>
            (await Promise.all(cluster.urls.map(readyz))).every((state) => state.redis?.status === status)
              ? true
              : undefined
          )

        await pause(4_000)
        const killedAt = now()
        await Effect.runPromise(redis.kill)
        await allReport("degraded")
        const degraded = await Promise.all(cluster.urls.map(readyz))
        // Each replica has served checks on its local limit since.
        const degradedMetrics = await eventually(async () => {
          const texts = await Promise.all(cluster.urls.map(metrics))
          return texts.every((text) => /^liveness_redis_fallbacks_total [1-9]\d*$/m.test(text)) ? texts : undefined
        })
        await pause(6_000)
        // What the provider answered before Redis came back: the shared and the degraded phases.
        const beforeRestart = await Effect.runPromise(sandbox.stats)
        const restartedAt = now()
        await Effect.runPromise(redis.restart)
        await allReport("connected")
        await pause(4_000)
        const recoveredMetrics = await Promise.all(cluster.urls.map(metrics))
        stop = true
        const { outcomes } = await run

        const stats = await Effect.runPromise(sandbox.stats)
        console.log(
          `replicas with a Redis outage: shared ${rateBetween(outcomes, 1_000, killedAt).toFixed(2)}/s, ` +
            `degraded ${rateBetween(outcomes, killedAt + 3_000, restartedAt).toFixed(2)}/s (limit 18), ` +
            `recovered ${rateBetween(outcomes, restartedAt + 2_000, now()).toFixed(2)}/s; ` +
            `answers ${JSON.stringify(statuses(outcomes))}; sandbox ${JSON.stringify(stats.requestsByStatus)}`
        )
        // No check failed, and the provider never had to refuse one while the replicas shared Redis's bucket or ran
        // on their local limits (3 × 6/s).
        expect(statuses(outcomes)).toEqual([200])
        expect(beforeRestart.requestsByStatus["429"] ?? 0).toBe(0)
        // Back on a Redis restarted empty, the shared bucket starts full while the provider still counts the local
        // permits of the last second: a few requests may draw a 429 (retried, never billed: every check above is a
        // 200). At most one second of local permits' worth; replicas that did not share again (each on the whole
        // quota) would draw far more.
        expect((stats.requestsByStatus["429"] ?? 0) - (beforeRestart.requestsByStatus["429"] ?? 0)).toBeLessThanOrEqual(
          18
        )
        for (const state of degraded) {
          expect(state).toMatchObject({ status: "ready", redis: { status: "degraded" } })
          expect(state.redis.degradedMode).toContain("a local limit of 6/s (quota 20 ÷ 3 replicas)")
        }
        for (const text of degradedMetrics) {
          expect(text).toMatch(/^liveness_redis_degraded 1$/m)
          expect(text).toMatch(/^liveness_redis_fallbacks_total [1-9]\d*$/m)
        }
        for (const text of recoveredMetrics) expect(text).toMatch(/^liveness_redis_degraded 0$/m)
        for (const one of cluster.spawned) {
          expect(one.stdout()).toContain("Redis unavailable")
          expect(one.stdout()).toContain("Redis is back")
          expect(one.stderr()).not.toContain("ioredis")
        }
      } finally {
        await cluster.stop()
      }
    } finally {
      await Effect.runPromise(Scope.close(scope, Exit.void))
    }
  })
})
