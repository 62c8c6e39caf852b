/**
 * `@effect/experimental`'s `RateLimiterStore` over this package's Redis connection. The library's own
 * `RateLimiter/Redis` store opens a connection of its own, without an error listener (ioredis then prints a
 * stack trace to stderr on every failed reconnect) and computes refills with each replica's clock; this one
 * shares the connection that reports to RedisHealth and takes time from Redis. The algorithms are the
 * library's contract: `RateLimiter.make` from @effect/experimental runs on top of it.
 *
 * `clock: "effect"` makes the token bucket count time with the caller's `Clock` instead of Redis's: for tests,
 * where TestClock then decides every refill; replicas on several machines keep the default, `"redis"`.
 *
 * @since 0.2.0
 */
import * as RateLimiter from "@effect/experimental/RateLimiter"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { RedisClient } from "./RedisClient.js"
import * as RedisScripts from "./RedisScripts.js"

/** Whose time refills the token bucket: Redis's (`TIME`, the default) or the caller's Effect `Clock`. */
export type QuotaClock = RedisScripts.ScriptClock

export const make = (prefix: string, clock: QuotaClock = "redis") =>
  Effect.map(RedisClient, (client) =>
    RateLimiter.RateLimiterStore.of({
      tokenBucket: (options) => {
        const key = `${prefix}${options.key}`
        const refillMillis = Duration.toMillis(options.refillRate)
        const overflow = options.allowOverflow ? 1 : 0
        const take = Effect.flatMap(RedisScripts.timeArgument(clock), (now) =>
          client.use((redis) =>
            redis.livenessTokenBucket(key, options.tokens, refillMillis, options.limit, overflow, ...now)
          ))
        return take.pipe(
          Effect.map(Number),
          Effect.mapError((error) =>
            new RateLimiter.RateLimitStoreError({ message: error.reason, cause: error })
          )
        )
      },
      fixedWindow: (options) =>
        client.use((redis) =>
          redis.livenessFixedWindow(
            `${prefix}${options.key}`,
            options.tokens,
            Duration.toMillis(options.refillRate),
            options.limit ?? 0
          )
        ).pipe(
          Effect.map(([count, ttl]) => [count, ttl] as const),
          Effect.mapError((error) => new RateLimiter.RateLimitStoreError({ message: error.reason, cause: error }))
        )
    }))

export const layer = (
  prefix: string,
  clock: QuotaClock = "redis"
): Layer.Layer<RateLimiter.RateLimiterStore, never, RedisClient> =>
  Layer.effect(RateLimiter.RateLimiterStore, make(prefix, clock))
