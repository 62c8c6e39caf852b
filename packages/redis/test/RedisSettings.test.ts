import { describe, expect, it } from "@effect/vitest"
import { RedisSettings } from "@liveness/redis"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"

const fromEnv = (env: Record<string, string>) =>
  RedisSettings.fromConfig.pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))))

describe("RedisSettings", () => {
  it.effect("no LIVENESS_REDIS_URL (or an empty one): no Redis", () =>
    Effect.gen(function*() {
      expect(Option.isNone(yield* fromEnv({}))).toBe(true)
      expect(Option.isNone(yield* fromEnv({ LIVENESS_REDIS_URL: " " }))).toBe(true)
    }))

  it.effect("reads the URL, prefix, timeout and replicas, with defaults", () =>
    Effect.gen(function*() {
      const defaults = Option.getOrThrow(yield* fromEnv({ LIVENESS_REDIS_URL: "redis://127.0.0.1:6379" }))
      expect(defaults.prefix).toBe("liveness:")
      expect(Duration.toMillis(defaults.timeout)).toBe(1000)
      expect(defaults.replicas).toBe(1)
      const set = Option.getOrThrow(
        yield* fromEnv({
          LIVENESS_REDIS_URL: "rediss://user:pw@cache.internal:6380/2",
          LIVENESS_REDIS_PREFIX: "tenant-a:",
          LIVENESS_REDIS_TIMEOUT_MS: "100",
          LIVENESS_REPLICAS: "3"
        })
      )
      expect(set).toMatchObject({ prefix: "tenant-a:", replicas: 3 })
      expect(Duration.toMillis(set.timeout)).toBe(100)
      expect(RedisSettings.describe(set.url)).toBe("rediss://cache.internal:6380/2")
    }))

  it.effect("a bad value names its variable and never echoes the URL's password", () =>
    Effect.gen(function*() {
      const notRedis = yield* Effect.flip(fromEnv({ LIVENESS_REDIS_URL: "http://admin:hunter2secret@cache:6379" }))
      expect(notRedis._tag).toBe("RedisConfigError")
      expect(notRedis.message).toContain("LIVENESS_REDIS_URL")
      expect(notRedis.message).not.toContain("hunter2secret")
      const badDb = yield* Effect.flip(fromEnv({ LIVENESS_REDIS_URL: "redis://:hunter2secret@cache:6379/main" }))
      expect(badDb.message).toContain("LIVENESS_REDIS_URL")
      expect(badDb.message).not.toContain("hunter2secret")
      const replicas = yield* Effect.flip(fromEnv({ LIVENESS_REDIS_URL: "redis://cache", LIVENESS_REPLICAS: "0" }))
      expect(replicas.message).toContain("LIVENESS_REPLICAS")
      const prefix = yield* Effect.flip(fromEnv({ LIVENESS_REDIS_URL: "redis://cache", LIVENESS_REDIS_PREFIX: "a b" }))
      expect(prefix.message).toContain("LIVENESS_REDIS_PREFIX")
      const timeout = yield* Effect.flip(
        fromEnv({ LIVENESS_REDIS_URL: "redis://cache", LIVENESS_REDIS_TIMEOUT_MS: "0" })
      )
      expect(timeout.message).toContain("LIVENESS_REDIS_TIMEOUT_MS")
      const text = yield* Effect.flip(fromEnv({ LIVENESS_REDIS_URL: "redis://cache", LIVENESS_REPLICAS: "three" }))
      expect(text._tag).toBe("ConfigError")
    }))

  it.effect("options given in code are checked the same way", () =>
    Effect.gen(function*() {
      const settings = yield* RedisSettings.resolve({ url: Redacted.make("redis://127.0.0.1:6390"), replicas: 2 })
      expect(settings.replicas).toBe(2)
      const error = yield* Effect.flip(RedisSettings.resolve({ url: "127.0.0.1:6390" }))
      expect(error.setting).toBe("url")
    }))
})
