/**
 * Everything replicas share through Redis, as one layer: the tenant's quota (core's `TenantRateLimiter`),
 * the capture ledger (core's `CaptureLedger`), the access token (core's `SharedTokenStore`, used by unico-http), and
 * `RedisCoordination` (state for `/readyz`, `doctor` and logs). Provide it under the core's workflow
 * (`Liveness.layerWith`) and the UnicoHttp adapter; `@liveness/runtime` does so when `LIVENESS_REDIS_URL` is set.
 *
 * @since 0.2.0
 */
import { type CaptureLedger, CheckPolicy, type SharedTokenStore, TenantRateLimiter } from "@liveness/core"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as RedisCaptureLedger from "./RedisCaptureLedger.js"
import * as RedisClient from "./RedisClient.js"
import type { RedisConfigError } from "./RedisConfigError.js"
import * as RedisHealth from "./RedisHealth.js"
import * as RedisRateLimiterStore from "./RedisRateLimiterStore.js"
import type * as RedisScripts from "./RedisScripts.js"
import * as RedisSettings from "./RedisSettings.js"
import * as RedisTenantRateLimiter from "./RedisTenantRateLimiter.js"
import * as RedisTokenStore from "./RedisTokenStore.js"

export interface Service {
  /** Where Redis is, without credentials (e.g. `redis://127.0.0.1:6379`). */
  readonly target: string
  readonly prefix: string
  readonly replicas: number
  /**
   * What a replica does while Redis is unavailable (e.g. "a local limit of 6/s (quota 20 ÷ 3 replicas), local tokens
   * and a local capture ledger").
   */
  readonly degradedMode: string
  readonly state: Effect.Effect<RedisHealth.State>
  /** A PING's round trip. */
  readonly ping: Effect.Effect<Duration.Duration, RedisClient.RedisUnavailable>
}

export class RedisCoordination extends Context.Tag("@liveness/redis/RedisCoordination")<
  RedisCoordination,
  Service
>() {}

export type Provides =
  | TenantRateLimiter.TenantRateLimiter
  | CaptureLedger.CaptureLedger
  | SharedTokenStore.SharedTokenStore
  | RedisCoordination

const describeDegraded = (policy: CheckPolicy.Policy, replicas: number) => {
  if (policy.rateLimit === undefined) return "local tokens and a local capture ledger (no quota configured)"
  const { interval, limit } = policy.rateLimit
  const share = `${RedisTenantRateLimiter.degradedLimit(limit, replicas)}${perInterval(interval)}`
  return `a local limit of ${share} (quota ${limit} ÷ ${replicas} replica${
    replicas === 1 ? "" : "s"
  }), local tokens and a local capture ledger`
}

const perInterval = (interval: Duration.Duration) =>
  Duration.toMillis(interval) === 1000 ? "/s" : ` per ${Duration.format(interval)}`

/** Choices for tests, beyond the settings an operator makes. */
export interface TestOptions {
  /** Whose time refills the shared quota (default Redis's; `"effect"`: the Clock, TestClock in tests). */
  readonly quotaClock?: RedisRateLimiterStore.QuotaClock
  /** Whose time counts the capture ledger's leases and retention (default Redis's; `"effect"`: the Clock). */
  readonly ledgerClock?: RedisScripts.ScriptClock
}

/**
 * The shared quota, capture ledger and token over Redis, from checked settings. Needs the CheckPolicy in context (or
 * its default).
 */
export const layerSettings = (settings: RedisSettings.Settings, testOptions: TestOptions = {}): Layer.Layer<Provides> =>
  Layer.unwrapEffect(Effect.gen(function*() {
    const policy = yield* CheckPolicy.CheckPolicy
    const degradedMode = describeDegraded(policy, settings.replicas)
    const health = Layer.effect(RedisHealth.RedisHealth, RedisHealth.make({ degradedMode }))
    const client = Layer.scoped(RedisClient.RedisClient, RedisClient.make(settings)).pipe(Layer.provideMerge(health))
    const limiter = Layer.scoped(TenantRateLimiter.TenantRateLimiter, RedisTenantRateLimiter.make(settings.replicas))
      .pipe(Layer.provide(RedisRateLimiterStore.layer(`${settings.prefix}ratelimit:`, testOptions.quotaClock)))
    const coordination = Layer.effect(
      RedisCoordination,
      Effect.gen(function*() {
        const redis = yield* RedisClient.RedisClient
        const health = yield* RedisHealth.RedisHealth
        return {
          target: RedisSettings.describe(settings.url),
          prefix: settings.prefix,
          replicas: settings.replicas,
          degradedMode,
          state: health.state,
          ping: redis.ping
        }
      })
    )
    const ledger = RedisCaptureLedger.layer(settings.prefix, testOptions.ledgerClock)
    return Layer.mergeAll(limiter, ledger, RedisTokenStore.layer(settings.prefix), coordination).pipe(
      Layer.provide(client)
    )
  }))

/**
 * The shared quota, capture ledger and token over Redis, from options; fails with a RedisConfigError naming the
 * option.
 */
export const layer = (
  options: RedisSettings.Options & TestOptions
): Layer.Layer<Provides, RedisConfigError> =>
  Layer.unwrapEffect(Effect.map(RedisSettings.resolve(options), (settings) => layerSettings(settings, options)))

/** From `LIVENESS_REDIS_*`; `None` when `LIVENESS_REDIS_URL` is unset. */
export const fromConfig: Effect.Effect<
  Option.Option<Layer.Layer<Provides>>,
  ConfigError.ConfigError | RedisConfigError
> = Effect.map(RedisSettings.fromConfig, Option.map((settings) => layerSettings(settings)))
