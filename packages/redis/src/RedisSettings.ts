/**
 * What replicas need to coordinate through Redis: where it is, the key prefix they share, how long a Redis
 * command may take before the check goes on without it, and how many replicas share the quota (the local
 * limit while Redis is unavailable is `quota / replicas`).
 *
 * | variable | default | meaning |
 * |---|---|---|
 * | `LIVENESS_REDIS_URL` | unset (no Redis) | `redis://[user:password@]host[:port][/db]` or `rediss://…` |
 * | `LIVENESS_REDIS_PREFIX` | `liveness:` | key prefix: replicas of one tenant share it; another tenant on the same Redis uses another |
 * | `LIVENESS_REDIS_TIMEOUT_MS` | 1000 | a command slower than this counts as Redis unavailable (a refused connection counts at once) |
 * | `LIVENESS_REPLICAS` | 1 | replicas sharing the quota; the degraded local limit is quota / replicas |
 *
 * @since 0.2.0
 */
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { RedisConfigError } from "./RedisConfigError.js"

export interface Settings {
  /** The connection URL; redacted because it may carry a password. */
  readonly url: Redacted.Redacted<string>
  readonly prefix: string
  readonly timeout: Duration.Duration
  readonly replicas: number
}

export interface Options {
  readonly url: string | Redacted.Redacted<string>
  readonly prefix?: string
  readonly timeout?: Duration.DurationInput
  readonly replicas?: number
}

export const ENV = {
  url: "LIVENESS_REDIS_URL",
  prefix: "LIVENESS_REDIS_PREFIX",
  timeout: "LIVENESS_REDIS_TIMEOUT_MS",
  replicas: "LIVENESS_REPLICAS"
} as const

export const DEFAULT_PREFIX = "liveness:"
export const DEFAULT_TIMEOUT = Duration.seconds(1)

/** Where the URL points, without credentials: what logs, `/readyz` and `doctor` may show. */
export const describe = (url: Redacted.Redacted<string>): string => {
  const parsed = new URL(Redacted.value(url))
  return `${parsed.protocol}//${parsed.host}${parsed.pathname.length > 1 ? parsed.pathname : ""}`
}

/** Checks the options; errors name the setting (`names` maps options to variables for `fromConfig`). */
export const resolve = (
  options: Options,
  names: Record<keyof Options, string> = { url: "url", prefix: "prefix", timeout: "timeout", replicas: "replicas" }
): Effect.Effect<Settings, RedisConfigError> =>
  Effect.gen(function*() {
    const url = Redacted.isRedacted(options.url) ? options.url : Redacted.make(options.url)
    const parsed = URL.canParse(Redacted.value(url)) ? new URL(Redacted.value(url)) : undefined
    if (parsed === undefined || (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:")) {
      return yield* new RedisConfigError({
        setting: names.url,
        problem: "is not a Redis URL",
        fix: "Use redis://[user:password@]host[:port][/db] (or rediss:// for TLS)"
      })
    }
    const db = parsed.pathname.replace(/^\//, "")
    if (db !== "" && !/^\d+$/.test(db)) {
      return yield* new RedisConfigError({
        setting: names.url,
        problem: "names a database that is not a number",
        fix: "End the URL with /<database number>, e.g. redis://127.0.0.1:6379/0, or leave it out"
      })
    }
    const prefix = options.prefix ?? DEFAULT_PREFIX
    if (prefix === "" || /\s/.test(prefix)) {
      return yield* new RedisConfigError({
        setting: names.prefix,
        problem: "is empty or contains spaces",
        fix: `Use a short key prefix such as ${DEFAULT_PREFIX} (one per tenant sharing this Redis)`
      })
    }
    const timeout = Duration.decode(options.timeout ?? DEFAULT_TIMEOUT)
    if (Duration.toMillis(timeout) < 1) {
      return yield* new RedisConfigError({
        setting: names.timeout,
        problem: "is below 1 ms",
        fix: "Use a few hundred milliseconds or more (default 1000)"
      })
    }
    const replicas = options.replicas ?? 1
    if (!Number.isInteger(replicas) || replicas < 1) {
      return yield* new RedisConfigError({
        setting: names.replicas,
        problem: "is not a whole number of at least 1",
        fix: "Set the number of replicas that share the tenant's quota"
      })
    }
    return { url, prefix, timeout, replicas }
  })

/** The settings from the environment, or `None` when `LIVENESS_REDIS_URL` is unset (no Redis). */
export const fromConfig: Effect.Effect<
  Option.Option<Settings>,
  ConfigError.ConfigError | RedisConfigError
> = Effect.gen(function*() {
  const values = yield* Config.all({
    url: Config.option(Config.redacted(ENV.url)),
    prefix: Config.option(Config.string(ENV.prefix)),
    timeout: Config.option(Config.integer(ENV.timeout)),
    replicas: Config.option(Config.integer(ENV.replicas))
  })
  if (Option.isNone(values.url) || Redacted.value(values.url.value).trim() === "") return Option.none()
  const settings = yield* resolve({
    url: values.url.value,
    ...Option.match(values.prefix, { onNone: () => ({}), onSome: (prefix) => ({ prefix }) }),
    ...Option.match(values.timeout, { onNone: () => ({}), onSome: (ms) => ({ timeout: Duration.millis(ms) }) }),
    ...Option.match(values.replicas, { onNone: () => ({}), onSome: (replicas) => ({ replicas }) })
  }, ENV)
  return Option.some(settings)
})
