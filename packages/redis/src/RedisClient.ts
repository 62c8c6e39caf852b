/**
 * One ioredis connection per process, shared by the quota and the token store. It never queues commands
 * while disconnected and gives each command `timeout` to answer, so a Redis outage costs a check nothing but
 * the switch to local limits; it reconnects on its own, forever, with a capped backoff. Connection errors go
 * to RedisHealth (one warning per outage), never to stderr as stack traces.
 *
 * @since 0.2.0
 */
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Runtime from "effect/Runtime"
import * as Schema from "effect/Schema"
import { Redis } from "ioredis"
import { RedisHealth } from "./RedisHealth.js"
import * as RedisScripts from "./RedisScripts.js"
import type * as RedisSettings from "./RedisSettings.js"

/** Redis did not answer (down, slow, refused, or skipped while degraded): the caller goes on without it. */
export class RedisUnavailable extends Schema.TaggedError<RedisUnavailable>()("RedisUnavailable", {
  reason: Schema.String
}) {}

export interface Service {
  /** Runs one command, reporting its outcome to RedisHealth. */
  readonly use: <A>(command: (redis: RedisScripts.RedisWithScripts) => Promise<A>) => Effect.Effect<A, RedisUnavailable>
  /** Round trip of a PING, for `/readyz` and `doctor`. */
  readonly ping: Effect.Effect<Duration.Duration, RedisUnavailable>
}

export class RedisClient extends Context.Tag("@liveness/redis/RedisClient")<RedisClient, Service>() {}

/** A short reason for logs: the error code, or the first words of the message (never a URL or key). */
export const reasonOf = (error: unknown): string => {
  if (typeof error === "object" && error !== null) {
    const code = (error as { code?: unknown }).code
    if (typeof code === "string" && code !== "") return code
    const message = (error as { message?: unknown }).message
    if (typeof message === "string") {
      if (message.includes("enableOfflineQueue")) return "not connected"
      return message.split("\n")[0]!.slice(0, 80)
    }
  }
  return "unknown error"
}

/** How long start-up waits for the first connection before starting degraded. */
const CONNECT_WAIT = Duration.seconds(5)

export const make = (settings: RedisSettings.Settings) =>
  Effect.gen(function*() {
    const health = yield* RedisHealth
    const runtime = yield* Effect.runtime<never>()
    const report = Runtime.runFork(runtime)
    const timeoutMillis = Duration.toMillis(settings.timeout)

    let closing = false
    const redis = yield* Effect.acquireRelease(
      Effect.sync(() =>
        RedisScripts.define(
          new Redis(Redacted.value(settings.url), {
            enableOfflineQueue: false,
            maxRetriesPerRequest: 0,
            commandTimeout: timeoutMillis,
            connectTimeout: Math.max(2000, timeoutMillis * 2),
            retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
            lazyConnect: true
          })
        )
      ),
      (redis) =>
        Effect.sync(() => {
          closing = true
        }).pipe(
          Effect.zipRight(Effect.promise(() => redis.quit().catch(() => undefined))),
          Effect.timeout(Duration.seconds(1)),
          Effect.ignore,
          Effect.ensuring(Effect.sync(() => redis.disconnect()))
        )
    )
    redis.on("error", (error) => {
      if (!closing) report(health.reportFailure(reasonOf(error)))
    })
    redis.on("close", () => {
      if (!closing) report(health.reportFailure("connection closed"))
    })
    redis.on("ready", () => report(health.reportSuccess))

    const connected = yield* Effect.tryPromise(() => redis.connect()).pipe(
      Effect.timeout(CONNECT_WAIT),
      Effect.as(true),
      Effect.catchAll(() => Effect.succeed(false))
    )
    if (!connected) yield* health.reportFailure("no connection at start-up")

    /** Runs `command` now, whatever the state, reporting its outcome to RedisHealth. */
    const run = <A>(command: (redis: RedisScripts.RedisWithScripts) => Promise<A>) =>
      Effect.tryPromise({
        try: () => command(redis),
        catch: (error) => new RedisUnavailable({ reason: reasonOf(error) })
      }).pipe(
        Effect.tapBoth({
          onFailure: (error) => health.reportFailure(error.reason),
          onSuccess: () => health.reportSuccess
        })
      )

    const use = <A>(command: (redis: RedisScripts.RedisWithScripts) => Promise<A>) =>
      Effect.flatMap(
        health.shouldTry,
        (go) => go ? run(command) : Effect.fail(new RedisUnavailable({ reason: "skipped while degraded" }))
      )

    // Not gated by the probe interval: a PING is what `/readyz` and `doctor` ask for on purpose.
    const ping = run(async (redis) => {
      const started = performance.now()
      await redis.ping()
      return Duration.millis(performance.now() - started)
    })

    return { use, ping } satisfies Service
  })
