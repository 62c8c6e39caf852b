/**
 * Which provider an app runs on, decided from configuration in one place (the gateway and the CLI share
 * it):
 *
 * | `LIVENESS_PROVIDER` | provider |
 * |---|---|
 * | `unico` | the real adapter, configured by `UNICO_*` |
 * | `sandbox` | the real adapter against an embedded Unico-compatible sandbox on 127.0.0.1 |
 * | `fake` | the in-memory fake |
 * | unset | `unico` if any `UNICO_*` credential is set; else `sandbox`, except in production, where it is an error |
 *
 * With `NODE_ENV=production`, `sandbox` and `fake` are refused unless `LIVENESS_ALLOW_FAKE=true`.
 *
 * `unico` is the real adapter, not necessarily Unico: `localUnicoHosts` says when `UNICO_AUTH_URL` and
 * `UNICO_API_URL` both point at this machine (a `liveness sandbox`, or another Unico-compatible server), so that
 * apps can name what they talk to.
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { ProviderConfigError } from "./ProviderConfigError.js"

export type ProviderKind = "unico" | "sandbox" | "fake"

export interface Selection {
  readonly kind: ProviderKind
  readonly production: boolean
  /** How the choice was made, for the start-up log. */
  readonly reason: string
}

/** The variables whose presence means "real Unico credentials are configured". */
export const UNICO_CREDENTIALS = [
  "UNICO_ISSUER",
  "UNICO_SERVICE_ACCOUNT",
  "UNICO_TENANT_ID",
  "UNICO_PRIVATE_KEY",
  "UNICO_PRIVATE_KEY_FILE",
  "UNICO_API_KEY"
] as const

const isSet = (name: string) =>
  Effect.map(Config.option(Config.string(name)), (value) => Option.isSome(value) && value.value.trim() !== "")

export const select: Effect.Effect<Selection, ConfigError.ConfigError | ProviderConfigError> = Effect.gen(function*() {
  const requested = yield* Config.option(Config.string("LIVENESS_PROVIDER"))
  const production = (yield* Config.string("NODE_ENV").pipe(Config.withDefault("development"))) === "production"
  const allowFake = yield* Config.boolean("LIVENESS_ALLOW_FAKE").pipe(Config.withDefault(false))
  const credentials = yield* Effect.filter(UNICO_CREDENTIALS, isSet)

  let kind: ProviderKind
  let reason: string
  if (Option.isSome(requested)) {
    const value = requested.value.trim().toLowerCase()
    if (value !== "unico" && value !== "sandbox" && value !== "fake") {
      return yield* new ProviderConfigError({
        setting: "LIVENESS_PROVIDER",
        problem: `is "${requested.value}"`,
        fix: "Use unico (real Unico, with UNICO_* credentials), sandbox (embedded local Unico) or fake (in memory)"
      })
    }
    kind = value
    reason = "LIVENESS_PROVIDER"
  } else if (credentials.length > 0) {
    kind = "unico"
    reason = `${credentials.join(", ")} set`
  } else if (production) {
    return yield* new ProviderConfigError({
      setting: "LIVENESS_PROVIDER",
      problem: "is not set, and no UNICO_* credentials are configured, with NODE_ENV=production",
      fix: "Set UNICO_ISSUER, UNICO_PRIVATE_KEY (or UNICO_PRIVATE_KEY_FILE) and UNICO_API_KEY for the real provider"
    })
  } else {
    kind = "sandbox"
    reason = "no UNICO_* credentials set: the embedded sandbox is the default outside production"
  }
  if (production && kind !== "unico" && !allowFake) {
    return yield* new ProviderConfigError({
      setting: "LIVENESS_PROVIDER",
      problem: `is ${kind}, a simulated provider, with NODE_ENV=production`,
      fix: "Use unico with real credentials, or set LIVENESS_ALLOW_FAKE=true to run a simulated provider on purpose"
    })
  }
  return { kind, production, reason }
})

/** True when a URL's host is this machine (`localhost`, 127.0.0.0/8, `::1`): no Unico API is there. */
export const isLoopbackUrl = (url: string): boolean => {
  try {
    const host = new URL(url).hostname
    return host === "localhost" || host.endsWith(".localhost") || host === "[::1]" || /^127(\.\d{1,3}){3}$/.test(host)
  } catch {
    return false
  }
}

/** The hosts a `unico` selection is pointed at on this machine. */
export interface LocalHosts {
  readonly authUrl: string
  readonly apiUrl: string
}

/**
 * Both UNICO_AUTH_URL and UNICO_API_URL on loopback: the real adapter talks to a local Unico-compatible server
 * (what `liveness sandbox` prints), not to Unico. None when either is unset (Unico's own host) or remote.
 */
export const localUnicoHosts: Effect.Effect<Option.Option<LocalHosts>, ConfigError.ConfigError> = Effect.map(
  Effect.all([Config.option(Config.string("UNICO_AUTH_URL")), Config.option(Config.string("UNICO_API_URL"))]),
  ([authUrl, apiUrl]) =>
    Option.isSome(authUrl) && Option.isSome(apiUrl) && isLoopbackUrl(authUrl.value) && isLoopbackUrl(apiUrl.value)
      ? Option.some({ authUrl: authUrl.value.trim(), apiUrl: apiUrl.value.trim() })
      : Option.none()
)
