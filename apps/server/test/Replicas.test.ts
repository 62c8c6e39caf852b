/**
 * Many replicas, one tenant: three gateway processes share one Redis and one sandbox whose tenant quota is
 * 20/s with 30 ms latency. Together they must use the quota without drawing a 429 and mint one token; when
 * Redis dies, no check fails, the replicas fall to quota / replicas each, and they share again once Redis is
 * back. Real processes, real HTTP, a real redis-server.
 */
import { describe, expect, it } from "@effect/vitest"
import { RedisServer } from "@liveness/redis"
import { Sandbox } from "@liveness/sandbox"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import { randomUUID } from "node:crypto"
import { listening, postJson, seedBody, type Spawned, spawnGateway } from "./support.js"

const QUOTA = 20
const REPLICAS = 3

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
  it("1,200 checks at high concurrency: 0 answers 429, ≥ 90% of the 20/s quota, exactly 1 token minted", async () => {
    const scope = Effect.runSync(Scope.make())
    try {
      const redisUrl = await inScope(scope, RedisServer.shared)
      const sandbox = await inScope(
        scope,
        Sandbox.start({ rateLimit: { limit: QUOTA, intervalMillis: 1000 }, latency: "30 millis" })
      )
      const cluster = await startCluster(sandbox, redisUrl)
      try {
        const { outcomes, seconds } = await drive(cluster.urls, { concurrency: 96, count: 1200 })
        const stats = await Effect.runPromise(sandbox.stats)
        console.log(
          `replicas: 1200 checks in ${seconds.toFixed(1)} s = ${(1200 / seconds).toFixed(2)}/s of ${QUOTA}/s; ` +
            `sandbox answers ${JSON.stringify(stats.requestsByStatus)}, tokens minted ${stats.tokenMints}`
        )
        expect(statuses(outcomes)).toEqual([200])
        expect(stats.requestsByStatus["429"] ?? 0).toBe(0)
        expect(stats.tokenMints).toBe(1)
        expect(stats.processes).toBe(1200)
        expect(1200 / seconds).toBeGreaterThanOrEqual(0.9 * QUOTA)
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

  it("Redis killed mid-run: no check fails, throughput falls to quota / replicas, and recovers when Redis returns", async () => {
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
        const sleepUntil = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms - now())))

        await sleepUntil(8_000)
        const killedAt = now()
        await Effect.runPromise(redis.kill)
        await sleepUntil(killedAt + 3_000)
        const degraded = await Promise.all(cluster.urls.map(readyz))
        const degradedMetrics = await Promise.all(cluster.urls.map(metrics))
        await sleepUntil(killedAt + 12_000)
        const restartedAt = now()
        await Effect.runPromise(redis.restart)
        await sleepUntil(restartedAt + 12_000)
        const recovered = await Promise.all(cluster.urls.map(readyz))
        const recoveredMetrics = await Promise.all(cluster.urls.map(metrics))
        stop = true
        const { outcomes } = await run

        // `drive` started its clock just after `started`: its times are within a few ms of ours.
        const shared = rateBetween(outcomes, 3_000, killedAt)
        // Local permits start once the shared reservations made before the kill have passed (~2.5 s).
        const local = rateBetween(outcomes, killedAt + 4_000, restartedAt)
        const back = rateBetween(outcomes, restartedAt + 4_000, restartedAt + 12_000)
        const stats = await Effect.runPromise(sandbox.stats)
        console.log(
          `replicas with a Redis outage: shared ${shared.toFixed(2)}/s, degraded ${local.toFixed(2)}/s, ` +
            `recovered ${back.toFixed(2)}/s; answers ${JSON.stringify(statuses(outcomes))}; ` +
            `sandbox ${JSON.stringify(stats.requestsByStatus)}`
        )
        expect(statuses(outcomes)).toEqual([200])
        for (const state of degraded) {
          expect(state).toMatchObject({ status: "ready", redis: { status: "degraded" } })
          expect(state.redis.degradedMode).toContain("a local limit of 6/s (quota 20 ÷ 3 replicas)")
        }
        for (const state of recovered) expect(state.redis).toMatchObject({ status: "connected" })
        for (const text of degradedMetrics) {
          expect(text).toMatch(/^liveness_redis_degraded 1$/m)
          expect(text).toMatch(/^liveness_redis_fallbacks_total [1-9]\d*$/m)
        }
        for (const text of recoveredMetrics) expect(text).toMatch(/^liveness_redis_degraded 0$/m)
        // Shared: the quota. Degraded: 3 replicas × floor(20 / 3) = 18/s at most. Back: the quota again.
        expect(shared).toBeGreaterThanOrEqual(0.9 * QUOTA)
        expect(local).toBeLessThanOrEqual(18.5)
        expect(local).toBeGreaterThanOrEqual(0.85 * 18)
        expect(back).toBeGreaterThanOrEqual(0.9 * QUOTA)
        expect(back).toBeGreaterThan(local)
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
