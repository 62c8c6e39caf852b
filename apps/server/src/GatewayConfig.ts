/**
 * The gateway's own settings, read with Effect `Config` in this one module. The provider's settings
 * (`LIVENESS_PROVIDER`, `UNICO_*`, `LIVENESS_*`) belong to `@liveness/runtime` and are not read here.
 *
 * | variable | default | meaning |
 * |---|---|---|
 * | `PORT` | 3000 | port to listen on (0: any free port) |
 * | `HOST` | 127.0.0.1 | address to bind |
 * | `NODE_ENV` | development | `production` requires `GATEWAY_API_KEYS` |
 * | `GATEWAY_API_KEYS` | none | comma-separated caller keys (`Authorization: Bearer <key>`) |
 * | `GATEWAY_RATE_LIMIT` | 600 | requests per minute per key (per IP when auth is off); 0 turns it off |
 * | `BODY_LIMIT` | 4mb | largest JSON body on the process routes |
 * | `CORS_ORIGINS` | none | comma-separated origins allowed to call from a browser |
 * | `SHUTDOWN_GRACE_MS` | 10000 | how long in-flight checks may run after SIGTERM/SIGINT |
 * | `LOG_LEVEL` | info | pino level: trace, debug, info, warn, error, fatal, silent |
 * | `GATEWAY_TRY_PAGE` | true, false in production | serve the testers' page `/try` (on a simulated provider only) |
 */
import { SettingError } from "@liveness/core"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"

export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const
export type LogLevel = typeof LOG_LEVELS[number]

export interface GatewayConfig {
  readonly port: number
  readonly host: string
  readonly nodeEnv: string
  readonly production: boolean
  /** Caller keys; empty means authentication is off (refused in production). */
  readonly apiKeys: ReadonlyArray<Redacted.Redacted<string>>
  /** Requests per minute per caller key; 0 means no gateway limit. */
  readonly rateLimitPerMinute: number
  /** Largest accepted JSON body, in bytes. */
  readonly bodyLimitBytes: number
  /** Origins allowed by CORS; empty means no cross-origin access. */
  readonly corsOrigins: ReadonlyArray<string>
  readonly shutdownGraceMillis: number
  readonly logLevel: LogLevel
  /**
   * Whether `/try`, the testers' page, may be served (on the sandbox or the fake only). Off in production unless
   * asked for, like the simulated providers themselves.
   */
  readonly tryPage: boolean
}

/** A gateway setting that must not start, with the setting's name and the fix: one of the SettingError family. */
export class GatewayConfigError extends SettingError.tagged("GatewayConfigError") {}

const UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }

/** Parses `4mb`, `512kb`, `1048576` (bytes). */
export const parseBytes = (text: string): number | undefined => {
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(text.trim())
  if (match === null) return undefined
  const bytes = Math.floor(Number(match[1]) * UNITS[(match[2] ?? "b").toLowerCase()])
  return bytes > 0 ? bytes : undefined
}

const list = (text: string) => text.split(",").map((item) => item.trim()).filter((item) => item !== "")

const integerIn = (name: string, min: number, max: number, fallback: number) =>
  Config.integer(name).pipe(
    Config.validate({
      message: `must be a whole number from ${min} to ${max}`,
      validation: (n) => n >= min && n <= max
    }),
    Config.withDefault(fallback)
  )

const isOrigin = (value: string) => {
  try {
    const url = new URL(value)
    return (url.protocol === "http:" || url.protocol === "https:") && url.origin === value.replace(/\/$/, "")
  } catch {
    return false
  }
}

/** A size such as `4mb`, in bytes. */
const validateBytes = (text: string): SettingError.Validated<number> => {
  const bytes = parseBytes(text)
  return bytes === undefined
    ? Either.left({ problem: `is "${text}"`, fix: "Give a size such as 4mb, 512kb or a number of bytes" })
    : Either.right(bytes)
}

/** Comma-separated origins, without trailing slashes. */
const validateOrigins = (text: string): SettingError.Validated<ReadonlyArray<string>> => {
  const origins = list(text).map((origin) => origin.replace(/\/$/, ""))
  const badOrigin = origins.find((origin) => !isOrigin(origin))
  return badOrigin === undefined ? Either.right(origins) : Either.left({
    problem: `holds "${badOrigin}", which is not an origin`,
    fix: "List origins such as https://app.example.com, comma-separated (scheme, host and port only)"
  })
}

const validateLogLevel = (text: string): SettingError.Validated<LogLevel> => {
  const level = text.trim().toLowerCase()
  return (LOG_LEVELS as ReadonlyArray<string>).includes(level)
    ? Either.right(level as LogLevel)
    : Either.left({ problem: `is "${text}"`, fix: `Use one of ${LOG_LEVELS.join(", ")}` })
}

/**
 * The settings, each checked as it is read: a refusal is a ConfigError whose path is the variable. The rule
 * that ties two of them (production needs caller keys) is `load`'s.
 */
export const config: Config.Config<GatewayConfig> = Config.all({
  port: integerIn("PORT", 0, 65535, 3000),
  host: Config.string("HOST").pipe(Config.withDefault("127.0.0.1")),
  nodeEnv: Config.string("NODE_ENV").pipe(Config.withDefault("development")),
  apiKeys: Config.redacted("GATEWAY_API_KEYS").pipe(
    Config.map((keys) => list(Redacted.value(keys)).map((key) => Redacted.make(key))),
    Config.withDefault([])
  ),
  rateLimitPerMinute: integerIn("GATEWAY_RATE_LIMIT", 0, 1_000_000, 600),
  bodyLimitBytes: SettingError.variable("BODY_LIMIT", Config.string(), validateBytes).pipe(
    Config.withDefault(4 * 1024 ** 2)
  ),
  corsOrigins: SettingError.variable("CORS_ORIGINS", Config.string(), validateOrigins).pipe(Config.withDefault([])),
  shutdownGraceMillis: integerIn("SHUTDOWN_GRACE_MS", 0, 3_600_000, 10_000),
  logLevel: SettingError.variable("LOG_LEVEL", Config.string(), validateLogLevel).pipe(
    Config.withDefault<LogLevel>("info")
  ),
  tryPage: Config.option(Config.boolean("GATEWAY_TRY_PAGE"))
}).pipe(Config.map(({ tryPage, ...values }) => {
  const production = values.nodeEnv === "production"
  return { ...values, production, tryPage: Option.getOrElse(tryPage, () => !production) }
}))

/** The settings from `config`, refused in production without caller keys. */
export const load: Effect.Effect<GatewayConfig, ConfigError.ConfigError | GatewayConfigError> = Effect.filterOrFail(
  config,
  (gateway) => !gateway.production || gateway.apiKeys.length > 0,
  () =>
    new GatewayConfigError({
      setting: "GATEWAY_API_KEYS",
      problem: "is not set, with NODE_ENV=production",
      fix: "Set one or more caller keys, comma-separated (callers send Authorization: Bearer <key>)"
    })
)
