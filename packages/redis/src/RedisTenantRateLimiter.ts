/**
 * The tenant's quota shared by every replica: the core's `TenantRateLimiter` on `@effect/experimental`'s
 * `RateLimiter` (token bucket, "delay" when exceeded: each request reserves the next free slot) over Redis.
 * When Redis is unavailable, each replica takes permits from a local bucket of `quota / replicas` instead, so
 * the replicas together still stay under the quota; no check fails because Redis did.
 *
 * @since 0.2.0
 */
import * as RateLimiter from "@effect/experimental/RateLimiter"
import { CheckPolicy, TenantRateLimiter } from "@liveness/core"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import { RedisHealth } from "./RedisHealth.js"

/** The per-replica limit while Redis is unavailable. */
export const degradedLimit = (limit: number, replicas: number) => Math.max(1, Math.floor(limit / replicas))

/**
 * Headroom for jitter between a permit and its request reaching the provider. Replicas' requests travel
 * separately, so one granted earlier can arrive later than one granted after it; Unico's bucket then sees
 * them bunched. The shared bucket holds `limit − rate × JITTER_HEADROOM` permits instead of `limit`: the
 * steady rate is the full quota, only the first burst is smaller.
 */
export const JITTER_HEADROOM = Duration.millis(500)

/** The shared bucket's capacity for a quota of `limit` per `interval`. */
export const burstOf = (limit: number, interval: Duration.Duration) =>
  Math.max(1, limit - Math.ceil(limit * Duration.toMillis(JITTER_HEADROOM) / Duration.toMillis(interval)))

/** The shared bucket's key (under the store's prefix). */
export const QUOTA_KEY = "quota"

/**
 * A bucket on `store` for a quota of `limit` per `interval`, less the headroom: the library's bucket refills
 * `limit` per `window`, so a smaller bucket over a proportionally shorter window keeps the rate.
 */
const bucket = (store: RateLimiter.RateLimiterStore["Type"], key: string, limit: number, interval: Duration.Duration) =>
  Effect.gen(function*() {
    const limiter = yield* RateLimiter.make.pipe(Effect.provideService(RateLimiter.RateLimiterStore, store))
    const burst = burstOf(limit, interval)
    return limiter.consume({
      key,
      limit: burst,
      window: Duration.times(interval, burst / limit),
      algorithm: "token-bucket",
      onExceeded: "delay"
    })
  })

export const make = (replicas: number) =>
  Effect.gen(function*() {
    const policy = yield* CheckPolicy.CheckPolicy
    if (policy.rateLimit === undefined) return TenantRateLimiter.unlimited
    const { interval, limit } = policy.rateLimit
    const health = yield* RedisHealth
    const shared = yield* bucket(yield* RateLimiter.RateLimiterStore, QUOTA_KEY, limit, interval)
    const memory = yield* Layer.build(RateLimiter.layerStoreMemory).pipe(
      Effect.map(Context.get(RateLimiter.RateLimiterStore))
    )
    const local = yield* bucket(memory, QUOTA_KEY, degradedLimit(limit, replicas), interval)

    // Permits are reservations: a request may be scheduled seconds ahead. On a switch between the shared and
    // the local bucket, the new bucket is not asked before the old one's last reservation has passed, so the
    // two schedules follow each other instead of overlapping (quota + quota / replicas at once: 429s).
    let sharedUntil = 0
    let localUntil = 0
    const after = (until: number) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        until > now ? Effect.sleep(Duration.millis(until - now)) : Effect.void)
    /** Runs `effect` at its slot, `delay` from now, noting how far ahead the bucket's reservations go. */
    const atSlot = <A, E, R>(delay: Duration.Duration, note: (until: number) => void, effect: Effect.Effect<A, E, R>) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        note(now + Duration.toMillis(delay))
        return Duration.isZero(delay) ? effect : Effect.delay(effect, delay)
      })

    const viaLocal = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
      health.countFallback.pipe(
        Effect.zipRight(Effect.suspend(() =>
          after(sharedUntil)
        )),
        Effect.zipRight(local),
        Effect.orDie,
        Effect.flatMap(({ delay }) => atSlot(delay, (until) => (localUntil = Math.max(localUntil, until)), effect))
      )

    const withPermit = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
      health.state.pipe(
        // Back from local permits: the shared bucket starts where the local reservations end.
        Effect.flatMap((state) => state.status === "connected" ? after(localUntil) : Effect.void),
        Effect.zipRight(Effect.either(shared)),
        Effect.flatMap(Either.match({
          onLeft: () => viaLocal(effect),
          onRight: ({ delay }) => atSlot(delay, (until) => (sharedUntil = Math.max(sharedUntil, until)), effect)
        }))
      )

    return { withPermit } satisfies TenantRateLimiter.TenantRateLimiter.Service
  })
