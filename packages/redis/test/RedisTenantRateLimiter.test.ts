/**
 * The tenant's quota over a real Redis: replicas share one bucket; when Redis dies each replica falls back to
 * quota / replicas and nothing fails; when Redis is back they share again. Each replica is its own layer with
 * its own connection, as in separate processes.
 */
import { describe, expect, it } from "@effect/vitest"
import { CheckPolicy, TenantRateLimiter } from "@liveness/core"
import { RedisCoordination } from "@liveness/redis"
import { RedisServer } from "@liveness/redis/testing"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as TestClock from "effect/TestClock"
import { randomUUID } from "node:crypto"
import { capturingLogs, untilTrue } from "./support.js"

const LIMIT = 20

/**
 * One replica: its own Redis connection, the shared quota of LIMIT/s. The shared bucket counts time with the
 * test's clock (TestClock), not Redis's: every slot is then exact, however busy the machine.
 */
const replica = (url: string, prefix: string, replicas: number) =>
  Layer.build(
    RedisCoordination.layer({ url, prefix, replicas, quotaClock: "effect" }).pipe(
      Layer.provide(CheckPolicy.layer({ rateLimit: { limit: LIMIT, interval: Duration.seconds(1) } })),
      Layer.orDie
    )
  ).pipe(
    Effect.map((context) => ({
      limiter: Context.get(context, TenantRateLimiter.TenantRateLimiter),
      coordination: Context.get(context, RedisCoordination.RedisCoordination)
    }))
  )

/**
 * Asks each limiter for `count` permits at once while the clock stands still, waits until every permit has
 * its slot (granted at once, or asleep until its slot), then moves the clock past the last slot. Returns when
 * each permit ran, in ms since the request, sorted: the schedule the replicas made together.
 */
const grants = (limiters: ReadonlyArray<TenantRateLimiter.TenantRateLimiter.Service>, count: number) =>
  Effect.gen(function*() {
    const requestedAt = yield* Clock.currentTimeMillis
    const before = Chunk.toReadonlyArray(yield* TestClock.sleeps())
    /** The sleeps added since the request (the clock stands still, so none has passed). */
    const added = Effect.map(TestClock.sleeps(), (sleeps) => {
      const left = [...before]
      return Chunk.toReadonlyArray(sleeps).filter((wakeAt) => {
        const old = left.indexOf(wakeAt)
        if (old === -1) return true
        left.splice(old, 1)
        return false
      })
    })
    const ran: Array<number> = []
    const permit = Effect.map(Clock.currentTimeMillis, (now) => void ran.push(now - requestedAt))
    const fiber = yield* Effect.fork(
      Effect.forEach(
        limiters.flatMap((limiter) => Array.from({ length: count }, () => limiter)),
        (limiter) => limiter.withPermit(permit),
        { concurrency: "unbounded", discard: true }
      )
    )
    yield* untilTrue(Effect.map(added, (asleep) => ran.length + asleep.length === limiters.length * count))
    yield* TestClock.setTime(Math.max(requestedAt, ...(yield* added)))
    yield* Fiber.join(fiber)
    return ran.sort((a, b) => a - b)
  })

/**
 * The requests a provider's token bucket of `capacity`, refilled at `perSecond`, would refuse (429) if the
 * permits' times were its arrivals: what Unico would answer.
 */
const refusedBy = (times: ReadonlyArray<number>, capacity: number, perSecond: number) => {
  let tokens = capacity
  let at = 0
  let refused = 0
  for (const time of times) {
    tokens = Math.min(capacity, tokens + ((time - at) * perSecond) / 1000)
    at = time
    if (tokens >= 1) tokens -= 1
    else refused++
  }
  return refused
}

/** The most permits in any 1-second window starting at a permit. */
const busiestSecond = (times: ReadonlyArray<number>) => {
  let best = 0
  for (let i = 0, j = 0; i < times.length; i++) {
    while (j < times.length && times[j]! < times[i]! + 1000) j++
    best = Math.max(best, j - i)
  }
  return best
}

describe("RedisTenantRateLimiter", () => {
  it.scoped("two replicas share one bucket: together they stay at the quota, and use it", () =>
    Effect.gen(function*() {
      const url = yield* RedisServer.shared
      const prefix = `test-${randomUUID()}:`
      const [a, b] = yield* Effect.all([replica(url, prefix, 2), replica(url, prefix, 2)])
      const all = yield* grants([a!.limiter, b!.limiter], 50)
      // 100 permits at 20/s; the bucket holds 10 (20 less 500 ms of headroom): 10 at once, then one every 50 ms.
      expect(all).toHaveLength(100)
      expect(all.slice(0, 10)).toEqual(Array.from({ length: 10 }, () => 0))
      expect(all.slice(10)).toEqual(Array.from({ length: 90 }, (_, i) => 50 * (i + 1)))
      // Two unshared buckets would give 20 at once and 40 in the first second.
      expect(busiestSecond(all)).toBe(10 + LIMIT - 1)
      // Unico's own bucket (20, refilled at 20/s) would accept every one, with 10 permits to spare.
      expect(refusedBy(all, LIMIT, LIMIT)).toBe(0)
      expect(refusedBy(all, LIMIT - 10, LIMIT)).toBe(0)
      expect((yield* a!.coordination.state).status).toBe("connected")
    }))

  it.scoped("Redis killed mid-run: nothing fails, each replica falls to quota / replicas, and recovers", () => {
    const logs: Array<string> = []
    return Effect.gen(function*() {
      const server = yield* RedisServer.start()
      const { coordination, limiter } = yield* replica(server.url, "outage:", 2)
      const warm = yield* grants([limiter], 20)
      expect(warm).toHaveLength(20)

      yield* server.kill
      yield* untilTrue(Effect.map(coordination.state, (state) => state.status === "degraded"))
      // Local limit: 20 / 2 replicas = 10/s with a bucket of 5: 5 at once, then one every 100 ms.
      const degraded = yield* grants([limiter], 30)
      expect(degraded.slice(0, 5)).toEqual([0, 0, 0, 0, 0])
      expect(degraded.slice(5)).toEqual(Array.from({ length: 25 }, (_, i) => 100 * (i + 1)))
      const state = yield* coordination.state
      expect(state.status).toBe("degraded")
      expect(state.fallbacks).toBe(30)
      const warnings = logs.filter((line) => line.startsWith("Redis unavailable"))
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toContain("a local limit of 10/s (quota 20 ÷ 2 replicas)")

      yield* server.restart
      // The client reconnects on its own.
      yield* untilTrue(Effect.map(coordination.state, (state) => state.status === "connected"))
      expect(logs.some((line) => line.startsWith("Redis is back"))).toBe(true)
      // Shared again: a fresh Redis has a full bucket of 10, served at once, then 20/s.
      const after = yield* grants([limiter], 15)
      expect(after).toEqual([...Array.from({ length: 10 }, () => 0), 50, 100, 150, 200, 250])
      expect((yield* coordination.state).fallbacks).toBe(30)
    }).pipe(capturingLogs(logs))
  })

  it.scoped("Redis down at start-up: the replica starts degraded, serves permits, and joins when Redis comes", () =>
    Effect.gen(function*() {
      const server = yield* RedisServer.start()
      yield* server.kill
      const { coordination, limiter } = yield* replica(server.url, "late:", 1)
      expect(yield* coordination.state).toMatchObject({ status: "degraded" })
      expect(yield* grants([limiter], 5)).toEqual([0, 0, 0, 0, 0])
      yield* server.restart
      yield* untilTrue(Effect.map(coordination.state, (state) => state.status === "connected"))
      const fallbacks = (yield* coordination.state).fallbacks
      expect(yield* grants([limiter], 2)).toEqual([0, 0])
      expect(yield* coordination.state).toMatchObject({ status: "connected", fallbacks })
    }))
})
