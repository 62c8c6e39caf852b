/**
 * The tenant's quota, shared by every check of a process: each provider request waits for a permit.
 * Unico's quota belongs to the tenant (10 requests/s by default); exceeding it draws 429s.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as RateLimiter from "effect/RateLimiter"
import { CheckPolicy, type RateLimit } from "./CheckPolicy.js"

export declare namespace TenantRateLimiter {
  export interface Service {
    /** Runs `effect` once a permit is available. */
    readonly withPermit: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  }
}

export class TenantRateLimiter extends Context.Tag("@liveness/core/TenantRateLimiter")<
  TenantRateLimiter,
  TenantRateLimiter.Service
>() {}

/** An in-process token bucket: `limit` permits per `interval`, refilled one at a time. */
export const make = (rateLimit: RateLimit) =>
  Effect.map(
    RateLimiter.make({ limit: rateLimit.limit, interval: rateLimit.interval, algorithm: "token-bucket" }),
    (limiter): TenantRateLimiter.Service => ({ withPermit: limiter })
  )

/** No quota at all (benchmarks against a provider without limits). */
export const unlimited: TenantRateLimiter.Service = { withPermit: (effect) => effect }

/** The in-process limiter configured by CheckPolicy (`rateLimit: undefined` means none). */
export const layer: Layer.Layer<TenantRateLimiter> = Layer.scoped(
  TenantRateLimiter,
  Effect.flatMap(
    CheckPolicy,
    (policy) => policy.rateLimit === undefined ? Effect.succeed(unlimited) : make(policy.rateLimit)
  )
)
