/**
 * `@effect/experimental`'s `RateLimiterStore` over this package's Redis connection. The library's own
 * `RateLimiter/Redis` store opens a connection of its own, without an error listener (ioredis then prints a
 * stack trace to stderr on every failed reconnect) and computes refills with each replica's clock; this one
 * shares the connection that reports to RedisHealth and takes time from Redis. The algorithms are the
 * library's contract: `RateLimiter.make` from @effect/experimental runs on top of it.
 *
 * @since 0.2.0
 */
import * as RateLimiter from "@effect/experimental/RateLimiter"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { RedisClient } from "./RedisClient.js"

export const make = (prefix: string) =>
  Effect.map(RedisClient, (client) =>
    RateLimiter.RateLimiterStore.of({
      tokenBucket: (options) =>
        client.use((redis) =>
          redis.livenessTokenBucket(
            `${prefix}${options.key}`,
            options.tokens,
            Duration.toMillis(options.refillRate),
            options.limit,
            options.allowOverflow ? 1 : 0
          )
        ).pipe(
          Effect.map(Number),
          Effect.mapError((error) => new RateLimiter.RateLimitStoreError({ message: error.reason, cause: error }))
        ),
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

export const layer = (prefix: string): Layer.Layer<RateLimiter.RateLimiterStore, never, RedisClient> =>
  Layer.effect(RateLimiter.RateLimiterStore, make(prefix))
