/**
 * `liveness doctor`'s Redis checks, when `LIVENESS_REDIS_URL` is set: the settings, a PING, and one permit
 * through the shared quota's script (Redis ACLs can forbid scripts). A Redis that does not answer is a failure
 * here although replicas keep working without it: they run degraded, and the fix says how.
 */
import { CheckPolicy, TenantRateLimiter } from "@liveness/core"
import { RedisCoordination, RedisSettings } from "@liveness/redis"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { type Check, fail, ofSettingError, ok } from "./DoctorCheck.js"

export const checks: Effect.Effect<ReadonlyArray<Check>> = Effect.scoped(Effect.gen(function*() {
  const read = yield* Effect.either(RedisSettings.fromConfig)
  if (Either.isLeft(read)) {
    const error = read.left
    return [
      error._tag === "RedisConfigError"
        ? ofSettingError("Redis", error)
        : fail("Redis", String(error), "Fix the variable named above")
    ]
  }
  if (Option.isNone(read.right)) return []
  const settings = read.right.value
  const context = yield* Layer.build(
    RedisCoordination.layerSettings(settings).pipe(Layer.provide(CheckPolicy.layerConfig), Layer.orDie)
  )
  const redis = Context.get(context, RedisCoordination.RedisCoordination)
  const fix =
    `Start Redis or correct ${RedisSettings.ENV.url}. Until it answers, each replica runs on ${redis.degradedMode}`
  const ping = yield* Effect.either(redis.ping)
  if (Either.isLeft(ping)) {
    const state = yield* redis.state
    const reason = state.status === "degraded" && state.reason !== undefined ? state.reason : ping.left.reason
    return [fail("Redis", `${redis.target} did not answer (${reason})`, fix)]
  }
  // One permit through the shared bucket: the script runs, or the limiter falls back and the state says why.
  yield* Context.get(context, TenantRateLimiter.TenantRateLimiter).withPermit(Effect.void)
  const state = yield* redis.state
  if (state.status === "degraded") {
    return [fail(
      "Redis",
      `${redis.target} answered PING but the shared quota's script failed (${state.reason})`,
      "Allow EVALSHA/EVAL and the keys under the prefix for this Redis user"
    )]
  }
  return [ok(
    "Redis",
    `${redis.target} answered in ${
      Duration.format(Duration.millis(Math.max(1, Math.round(Duration.toMillis(ping.right)))))
    }` +
      `; quota and token shared under ${redis.prefix} by ${redis.replicas} replica${redis.replicas === 1 ? "" : "s"}` +
      `; while Redis is unavailable each replica runs on ${redis.degradedMode}`
  )]
}))
