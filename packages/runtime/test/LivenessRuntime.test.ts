/**
 * The runtime with and without LIVENESS_REDIS_URL: without it nothing changes (no Redis in ProviderInfo);
 * with it the workflow runs on the shared quota and capture ledger, and ProviderInfo says where Redis is; a bad
 * Redis setting fails the build naming the variable, and a Redis that is down does not.
 */
import { describe, expect, it } from "@effect/vitest"
import { Liveness, SettingError } from "@liveness/core"
import { Fixtures } from "@liveness/fake"
import { RedisServer } from "@liveness/redis/testing"
import * as ConfigError from "effect/ConfigError"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import { generateKeyPairSync, randomUUID } from "node:crypto"
import { LivenessRuntime, type ProviderConfigError } from "../src/index.js"

const PEM = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" })
  .toString()

const build = (env: Record<string, string>) =>
  Layer.build(LivenessRuntime.layer).pipe(
    Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))
  )

const info = (env: Record<string, string>) =>
  Effect.flatMap(build(env), (context) => Effect.provide(LivenessRuntime.ProviderInfo, context))

describe("LivenessRuntime.layer and Redis", () => {
  it.scoped("without LIVENESS_REDIS_URL: no Redis", () =>
    Effect.gen(function*() {
      expect((yield* info({ LIVENESS_PROVIDER: "fake" })).redis).toBeUndefined()
    }))

  it.scopedLive("with LIVENESS_REDIS_URL: checks run on the shared quota and ProviderInfo names Redis", () =>
    Effect.gen(function*() {
      const url = yield* RedisServer.shared
      const context = yield* build({
        LIVENESS_PROVIDER: "fake",
        LIVENESS_REDIS_URL: url,
        LIVENESS_REDIS_PREFIX: `runtime-${randomUUID()}:`,
        LIVENESS_REPLICAS: "2"
      })
      const provider = yield* Effect.provide(LivenessRuntime.ProviderInfo, context)
      expect(provider.redis?.target).toBe(url)
      expect(provider.redis?.replicas).toBe(2)
      const result = yield* Liveness.check({ imageBase64: Fixtures.sdkPayload() }).pipe(Effect.provide(context))
      expect(result.verdict).toBe("live")
      expect((yield* provider.redis!.state).status).toBe("connected")
    }))

  it.scopedLive("with LIVENESS_REDIS_URL: the capture ledger is Redis's, so another replica replays a capture", () =>
    Effect.gen(function*() {
      const url = yield* RedisServer.shared
      const env = {
        LIVENESS_PROVIDER: "fake",
        LIVENESS_REDIS_URL: url,
        LIVENESS_REDIS_PREFIX: `runtime-${randomUUID()}:`
      }
      const [a, b] = yield* Effect.all([build(env), build(env)])
      const body = { imageBase64: Fixtures.sdkPayload() }
      expect((yield* Liveness.check(body).pipe(Effect.provide(a))).replayed).toBe(false)
      expect((yield* Liveness.check(body).pipe(Effect.provide(b))).replayed).toBe(true)
    }))

  it.scopedLive("a Redis that is down does not stop the build: the replica starts degraded, says so, and checks run", () => {
    const logs: Array<string> = []
    return Effect.gen(function*() {
      const server = yield* RedisServer.start()
      yield* server.kill
      const context = yield* build({ LIVENESS_PROVIDER: "fake", LIVENESS_REDIS_URL: server.url })
      expect(logs.filter((line) => line.startsWith("Redis unavailable"))).toHaveLength(1)
      const result = yield* Liveness.check({ imageBase64: Fixtures.sdkPayload() }).pipe(Effect.provide(context))
      expect(result.verdict).toBe("live")
      const provider = yield* Effect.provide(LivenessRuntime.ProviderInfo, context)
      expect((yield* provider.redis!.state).status).toBe("degraded")
    }).pipe(
      // The warning is the operator's signal: captured and checked here, not printed among the test results.
      Effect.provide(Logger.replace(Logger.defaultLogger, Logger.make(({ message }) => logs.push(String(message)))))
    )
  })

  it.scoped("a bad Redis setting fails the build, naming the variable", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(build({ LIVENESS_PROVIDER: "fake", LIVENESS_REDIS_URL: "localhost:6379" }))
      expect(error._tag).toBe("RedisConfigError")
      expect(error.message).toContain("LIVENESS_REDIS_URL")
      expect(SettingError.is(error)).toBe(true)
    }))
})

describe("LivenessRuntime.layer and configuration errors", () => {
  it.scoped.each([
    ["UNICO_ISSUER", "acct@tenant1"],
    ["UNICO_TIMEOUT_MS", "0"],
    ["LIVENESS_MAX_ATTEMPTS", "0"]
  ])("%s=%s fails the build with a ConfigError at that variable", ([name, value]) =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(build({
        LIVENESS_PROVIDER: "unico",
        UNICO_ISSUER: "acct@tenant1.iam.acesso.io",
        UNICO_PRIVATE_KEY: PEM,
        UNICO_API_KEY: "k",
        [name]: value
      }))
      expect(ConfigError.isConfigError(error)).toBe(true)
      expect(SettingError.describe(error as ConfigError.ConfigError)).toMatch(new RegExp(`^${name}: `))
    }))

  it.scoped("an unknown LIVENESS_PROVIDER is a ProviderConfigError, one of the SettingError family", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(build({ LIVENESS_PROVIDER: "mock" }))
      expect(error._tag).toBe("ProviderConfigError")
      expect(SettingError.is(error)).toBe(true)
      expect(SettingError.describe(error as ProviderConfigError)).toMatch(/^LIVENESS_PROVIDER: is "mock"\. /)
    }))
})
