/**
 * Whether replicas are coordinating through Redis right now. Every Redis command reports its outcome here;
 * the first failure turns the state to `degraded` (a warning log, the `liveness_redis_degraded` gauge at 1),
 * the first success after that turns it back (a second warning, the gauge at 0). While degraded, Redis is probed
 * at most once per `probeEvery` so that a slow Redis does not slow every check down.
 *
 * @since 0.2.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"

export interface State {
  readonly status: "connected" | "degraded"
  /** Since when (epoch milliseconds). */
  readonly since: number
  /** Why it is degraded: an error code or a short message, never the URL or a key. */
  readonly reason?: string
  /** Permits, tokens and capture ledger operations served without Redis since start. */
  readonly fallbacks: number
}

export interface Service {
  readonly state: Effect.Effect<State>
  /** `true` when a command should go to Redis: connected, or degraded and due for a probe. */
  readonly shouldTry: Effect.Effect<boolean>
  readonly reportSuccess: Effect.Effect<void>
  readonly reportFailure: (reason: string) => Effect.Effect<void>
  /** Counts one permit, token or capture ledger operation served locally because Redis was unavailable. */
  readonly countFallback: Effect.Effect<void>
}

export class RedisHealth extends Context.Tag("@liveness/redis/RedisHealth")<RedisHealth, Service>() {}

/** 1 while replicas run on local limits, ledgers and tokens because Redis is unavailable. */
export const degraded = Metric.gauge("liveness_redis_degraded", {
  description: "1 while Redis is unavailable and each replica runs on its local limit, capture ledger and tokens"
})

/** Permits, tokens and capture ledger operations served locally because Redis was unavailable. */
export const fallbacks = Metric.counter("liveness_redis_fallbacks_total", {
  description: "Quota permits, tokens and capture ledger operations served without Redis because it was unavailable",
  incremental: true
})

const RESUMED = "shared quota, capture ledger and token resumed"

export interface Options {
  /** What the degraded mode does, for the warning (e.g. "local limit 6/s"). */
  readonly degradedMode: string
  /** How often a degraded replica tries Redis again (milliseconds). */
  readonly probeEveryMillis?: number
}

export const make = (options: Options): Effect.Effect<Service> =>
  Effect.gen(function*() {
    const probeEvery = options.probeEveryMillis ?? 1000
    let state: State = { status: "connected", since: yield* Clock.currentTimeMillis, fallbacks: 0 }
    let nextProbeAt = 0
    yield* Metric.set(degraded, 0)

    const reportFailure = (reason: string) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        nextProbeAt = now + probeEvery
        if (state.status === "degraded") return Effect.void
        state = { status: "degraded", since: now, reason, fallbacks: state.fallbacks }
        return Effect.zipRight(
          Metric.set(degraded, 1),
          Effect.logWarning(
            `Redis unavailable (${reason}): checks continue with ${options.degradedMode} until it is back`
          ).pipe(Effect.annotateLogs({ redis: "degraded" }))
        )
      })

    const reportSuccess = Effect.suspend(() => {
      if (state.status === "connected") return Effect.void
      return Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const downMillis = now - state.since
        state = { status: "connected", since: now, fallbacks: state.fallbacks }
        return Effect.zipRight(
          Metric.set(degraded, 0),
          // At the level of the outage's warning: whoever saw the incident start must see it end.
          Effect.logWarning(`Redis is back after ${downMillis} ms: ${RESUMED}`).pipe(
            Effect.annotateLogs({ redis: "connected" })
          )
        )
      })
    })

    const shouldTry = Effect.suspend(() =>
      state.status === "connected"
        ? Effect.succeed(true)
        : Effect.map(Clock.currentTimeMillis, (now) => {
          if (now < nextProbeAt) return false
          nextProbeAt = now + probeEvery
          return true
        })
    )

    const countFallback = Effect.suspend(() => {
      state = { ...state, fallbacks: state.fallbacks + 1 }
      return Metric.increment(fallbacks)
    })

    return { state: Effect.sync(() => state), shouldTry, reportSuccess, reportFailure, countFallback }
  })
