/**
 * The tenant's quota over a real Redis: replicas share one bucket; when Redis dies each replica falls back to
 * quota / replicas and nothing fails; when Redis is back they share again. Each replica is its own layer with
 * its own connection, as in separate processes.
 */
import { describe, expect, it } from "@effect/vitest"
import { CheckPolicy, TenantRateLimiter } from "@liveness/core"
import { RedisCoordination, RedisServer } from "@liveness/redis"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import { randomUUID } from "node:crypto"

const LIMIT = 20

/** One replica: its own Redis connection, the shared quota of LIMIT/s. */
const replica = (url: string, prefix: string, replicas: number) =>
  Layer.build(
    RedisCoordination.layer({ url, prefix, replicas, timeout: Duration.millis(200) }).pipe(
      Layer.provide(CheckPolicy.layer({ rateLimit: { limit: LIMIT, interval: Duration.seconds(1) } })),
      Layer.orDie
    )
  ).pipe(
    Effect.map((context) => ({
      limiter: Context.get(context, TenantRateLimiter.TenantRateLimiter),
      coordination: Context.get(context, RedisCoordination.RedisCoordination)
    }))
  )

/** Collects the messages logged by `effect` and every fiber it starts. */
const capturingLogs = (logs: Array<string>) =>
  Effect.provide(Logger.replace(Logger.defaultLogger, Logger.make(({ message }) => logs.push(String(message)))))

/** Takes `count` permits at concurrency 16, returning when each was granted (ms since start). */
const grants = (limiter: TenantRateLimiter.TenantRateLimiter.Service, count: number, started: number) =>
  Effect.forEach(
    Array.from({ length: count }),
    () => limiter.withPermit(Effect.sync(() => performance.now() - started)),
    { concurrency: 16 }
  )

/** The most permits granted in any 1-second window starting at a grant. */
const busiestSecond = (times: ReadonlyArray<number>) => {
  const sorted = [...times].sort((a, b) => a - b)
  let best = 0
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (j < sorted.length && sorted[j]! < sorted[i]! + 1000) j++
    best = Math.max(best, j - i)
  }
  return best
}

describe("RedisTenantRateLimiter", () => {
  it.scopedLive(
    "two replicas share one bucket: together they stay at the quota, and use it",
    () =>
      Effect.gen(function*() {
        const url = yield* RedisServer.shared
        const prefix = `test-${randomUUID()}:`
        const [a, b] = yield* Effect.all([replica(url, prefix, 2), replica(url, prefix, 2)])
        const started = performance.now()
        const [timesA, timesB] = yield* Effect.all([grants(a!.limiter, 50, started), grants(b!.limiter, 50, started)], {
          concurrency: 2
        })
        const all = [...timesA, ...timesB]
        const seconds = Math.max(...all) / 1000
        // 100 permits at 20/s; the bucket holds 10 (20 less 500 ms of headroom): 90 refills take 4.5 s.
        expect(seconds).toBeGreaterThan(4.3)
        // Upper bounds leave room for a busy machine (permits run late, never early); two unshared buckets
        // would finish in about 2 s with 40 permits in one second.
        expect(seconds).toBeLessThan(5.6)
        // Any second: at most the bucket (10) plus a second of refills (20), +2 for window edges and late timers;
        // once the first burst is spent, at most the quota. Unico's bucket (20 + 20/s) keeps 10 permits of headroom.
        expect(busiestSecond(all)).toBeLessThanOrEqual(10 + LIMIT + 2)
        expect(busiestSecond(all.filter((t) => t > 1000))).toBeLessThanOrEqual(LIMIT + 2)
        expect((yield* a!.coordination.state).status).toBe("connected")
      }),
    20_000
  )

  it.scopedLive("Redis killed mid-run: nothing fails, each replica falls to quota / replicas, and recovers", () => {
    const logs: Array<string> = []
    return Effect.gen(function*() {
      const server = yield* RedisServer.start()
      const { coordination, limiter } = yield* replica(server.url, "outage:", 2)
      const warm = yield* grants(limiter, 20, performance.now())
      expect(warm).toHaveLength(20)

      yield* server.kill
      const started = performance.now()
      // Local limit: 20 / 2 replicas = 10/s with a bucket of 5: 30 permits take about 2.5 s.
      const degraded = yield* grants(limiter, 30, started)
      const seconds = Math.max(...degraded) / 1000
      expect(seconds).toBeGreaterThan(2.3)
      expect(seconds).toBeLessThan(3.8)
      const state = yield* coordination.state
      expect(state.status).toBe("degraded")
      expect(state.fallbacks).toBeGreaterThanOrEqual(30)
      const warnings = logs.filter((line) => line.startsWith("Redis unavailable"))
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toContain("a local limit of 10/s (quota 20 ÷ 2 replicas)")

      yield* server.restart
      // The client reconnects on its own; the next probe (at most a second apart) finds Redis again.
      yield* Effect.sleep(Duration.millis(2500))
      yield* grants(limiter, 3, performance.now())
      expect((yield* coordination.state).status).toBe("connected")
      expect(logs.some((line) => line.startsWith("Redis is back"))).toBe(true)
      // Shared again: a fresh Redis has a full bucket of 10, served at once, then 20/s.
      const after = yield* grants(limiter, 15, performance.now())
      expect(Math.max(...after)).toBeLessThan(800)
    }).pipe(capturingLogs(logs))
  }, 30_000)

  it.scopedLive(
    "Redis down at start-up: the replica starts degraded, serves permits, and joins when Redis comes",
    () =>
      Effect.gen(function*() {
        const server = yield* RedisServer.start()
        yield* server.kill
        const { coordination, limiter } = yield* replica(server.url, "late:", 1)
        expect(yield* coordination.state).toMatchObject({ status: "degraded" })
        expect(yield* grants(limiter, 5, performance.now())).toHaveLength(5)
        yield* server.restart
        yield* Effect.sleep(Duration.millis(2500))
        yield* grants(limiter, 2, performance.now())
        expect((yield* coordination.state).status).toBe("connected")
      }),
    30_000
  )
})
