import { describe, expect, it } from "@effect/vitest"
import { CheckPolicy, DeadlineExceeded, Liveness } from "@liveness/core"
import * as ConfigError from "effect/ConfigError"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as TestClock from "effect/TestClock"
import { live, scripted, sdkPayload, seedBody, unavailable503 } from "./support.js"

const fromEnv = (env: Record<string, string>) =>
  CheckPolicy.layerConfig.pipe(
    Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))))
  )

/** The policy that layerConfig builds from `env`. */
const policyFrom = (env: Record<string, string>) => CheckPolicy.CheckPolicy.pipe(Effect.provide(fromEnv(env)))

const millis = (duration: Duration.Duration) => Duration.toMillis(duration)

describe("CheckPolicy", () => {
  it("the defaults are those of docs/architecture.md", () => {
    const d = CheckPolicy.defaults
    expect(d.maxAttempts).toBe(5)
    expect(millis(d.baseDelay)).toBe(200)
    expect(millis(d.maxDelay)).toBe(5000)
    expect(d.jitter).toBe(true)
    expect(millis(d.deadline)).toBe(30_000)
    expect(d.rateLimit?.limit).toBe(10)
    expect(millis(d.rateLimit!.interval)).toBe(1000)
    // Unico's single-submission rule: no replay of an SDK payload that may have reached it.
    expect(d.replayAmbiguous).toBe(false)
  })

  it.effect("without any layer the defaults apply", () =>
    Effect.gen(function*() {
      expect(yield* CheckPolicy.CheckPolicy).toEqual(CheckPolicy.defaults)
    }))

  it.effect("layer overrides only what it is given", () =>
    Effect.gen(function*() {
      const policy = yield* CheckPolicy.CheckPolicy.pipe(
        Effect.provide(CheckPolicy.layer({ maxAttempts: 2, jitter: false }))
      )
      expect(policy).toEqual({ ...CheckPolicy.defaults, maxAttempts: 2, jitter: false })
    }))

  describe("layerConfig", () => {
    it.effect("keeps every default when nothing is set", () =>
      Effect.gen(function*() {
        expect(yield* policyFrom({})).toEqual(CheckPolicy.defaults)
      }))

    it.effect("reads every variable", () =>
      Effect.gen(function*() {
        const policy = yield* policyFrom({
          LIVENESS_MAX_ATTEMPTS: "3",
          LIVENESS_BASE_DELAY_MS: "50",
          LIVENESS_MAX_DELAY_MS: "2000",
          LIVENESS_DEADLINE_MS: "10000",
          LIVENESS_RATE_LIMIT: "25",
          LIVENESS_REPLAY_AMBIGUOUS: "true"
        })
        expect(policy.maxAttempts).toBe(3)
        expect(millis(policy.baseDelay)).toBe(50)
        expect(millis(policy.maxDelay)).toBe(2000)
        expect(millis(policy.deadline)).toBe(10_000)
        expect(policy.rateLimit?.limit).toBe(25)
        expect(millis(policy.rateLimit!.interval)).toBe(1000)
        expect(policy.jitter).toBe(true)
        expect(policy.replayAmbiguous).toBe(true)
      }))

    it.effect("keeps the defaults of the variables that are unset", () =>
      Effect.gen(function*() {
        const policy = yield* policyFrom({ LIVENESS_MAX_ATTEMPTS: "7" })
        expect(policy).toEqual({ ...CheckPolicy.defaults, maxAttempts: 7 })
      }))

    it.effect("LIVENESS_RATE_LIMIT=0 disables the tenant quota", () =>
      Effect.gen(function*() {
        const policy = yield* policyFrom({ LIVENESS_RATE_LIMIT: "0" })
        expect(policy.rateLimit).toBeUndefined()
        expect(policy.maxAttempts).toBe(CheckPolicy.defaults.maxAttempts)
      }))

    it.effect.each([
      ["LIVENESS_MAX_ATTEMPTS", "abc"],
      ["LIVENESS_MAX_ATTEMPTS", "0"],
      ["LIVENESS_MAX_ATTEMPTS", "-1"],
      ["LIVENESS_MAX_ATTEMPTS", "2.5"],
      ["LIVENESS_BASE_DELAY_MS", "fast"],
      ["LIVENESS_BASE_DELAY_MS", "0"],
      ["LIVENESS_MAX_DELAY_MS", "0"],
      ["LIVENESS_DEADLINE_MS", "0"],
      ["LIVENESS_DEADLINE_MS", "30s"],
      ["LIVENESS_RATE_LIMIT", "-1"],
      ["LIVENESS_RATE_LIMIT", "ten"],
      ["LIVENESS_REPLAY_AMBIGUOUS", "perhaps"],
      ["LIVENESS_LEDGER_RETENTION_MS", "0"],
      ["LIVENESS_LEDGER_MAX_ENTRIES", "-5"]
    ])("%s=%s fails with a ConfigError naming the variable", ([name, value]) =>
      Effect.gen(function*() {
        const error = yield* policyFrom({ [name]: value }).pipe(Effect.flip)
        expect(ConfigError.isConfigError(error)).toBe(true)
        expect(ConfigError.isInvalidData(error)).toBe(true)
        expect((error as ConfigError.InvalidData).path).toEqual([name])
        expect(String(error)).toContain(name)
      }))

    it.effect("CheckPolicy.config is the same policy, as a Config of its own", () =>
      Effect.gen(function*() {
        const env = {
          LIVENESS_LEDGER_RETENTION_MS: "60000",
          LIVENESS_LEDGER_MAX_ENTRIES: "10",
          LIVENESS_RATE_LIMIT: "0"
        }
        const policy = yield* CheckPolicy.config.pipe(
          Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))
        )
        expect(policy).toEqual(yield* policyFrom(env))
        expect(policy.rateLimit).toBeUndefined()
        expect(millis(policy.ledger.retention)).toBe(60_000)
        expect(policy.ledger.maxEntries).toBe(10)
      }))

    it.effect("the policy from the environment drives the workflow", () =>
      Effect.gen(function*() {
        const provider = yield* scripted([], unavailable503)
        const layer = Liveness.layer.pipe(
          Layer.provide(provider.layer),
          Layer.provide(
            fromEnv({ LIVENESS_MAX_ATTEMPTS: "2", LIVENESS_RATE_LIMIT: "0", LIVENESS_DEADLINE_MS: "60000" })
          )
        )
        const fiber = yield* Liveness.check(seedBody(sdkPayload())).pipe(
          Effect.provide(layer),
          Effect.flip,
          Effect.fork
        )
        yield* TestClock.adjust("1 minute")
        const error = yield* Fiber.join(fiber)
        expect(error._tag).toBe("ProviderUnavailable")
        expect(yield* provider.callCount).toBe(2)
      }))

    it.effect("a short deadline from the environment applies", () =>
      Effect.gen(function*() {
        const provider = yield* scripted(["never"])
        const layer = Liveness.layer.pipe(
          Layer.provide(provider.layer),
          Layer.provide(fromEnv({ LIVENESS_DEADLINE_MS: "1500" }))
        )
        const fiber = yield* Liveness.check(seedBody(sdkPayload())).pipe(
          Effect.provide(layer),
          Effect.flip,
          Effect.fork
        )
        yield* TestClock.adjust("1500 millis")
        const error = yield* Fiber.join(fiber)
        expect(error).toBeInstanceOf(DeadlineExceeded)
        expect((error as DeadlineExceeded).deadlineMillis).toBe(1500)
      }))

    it.effect("a bad variable makes the whole workflow layer fail to build", () =>
      Effect.gen(function*() {
        const provider = yield* scripted([live()])
        const layer = Liveness.layer.pipe(
          Layer.provide(provider.layer),
          Layer.provide(fromEnv({ LIVENESS_MAX_ATTEMPTS: "abc" }))
        )
        const error = yield* Liveness.check(seedBody(sdkPayload())).pipe(Effect.provide(layer), Effect.flip)
        expect(ConfigError.isConfigError(error)).toBe(true)
        expect(yield* provider.callCount).toBe(0)
      }))
  })
})
