/**
 * The adapter's options, and their validation: everything that can be checked before the first request is
 * checked when the layer is built, with a message that names the setting and the fix. Each rule is one pure
 * validator (`validate.*`, the value or a `{ problem, fix }`), applied here to options in code, by `UnicoConfig`
 * to the UNICO_* variables, and by `liveness doctor` one variable at a time.
 *
 * @since 0.1.0
 */
import type { SettingError } from "@liveness/core"
import { LivenessProvider } from "@liveness/core"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"
import { createPrivateKey, type KeyObject } from "node:crypto"
import { UnicoConfigError } from "./UnicoConfigError.js"
import * as UnicoEnvironment from "./UnicoEnvironment.js"

export interface Options {
  /** `"uat"` (default) or `"production"`: picks Unico's documented hosts. */
  readonly environment?: UnicoEnvironment.Environment
  /** Overrides the token host (e.g. a sandbox). Also the assertion's `aud`. */
  readonly authUrl?: string
  /** Overrides the API host (e.g. a sandbox). */
  readonly apiUrl?: string
  /** The assertion's `iss`: `<service account>@<tenant id>.iam.acesso.io`. */
  readonly issuer?: string
  /** With `tenantId`, instead of `issuer`. */
  readonly serviceAccount?: string
  readonly tenantId?: string
  /** The service account's RSA private key, PEM (PKCS#1 or PKCS#8). */
  readonly privateKey: Redacted.Redacted<string>
  /** An API key with the Liveness capability. */
  readonly apiKey: Redacted.Redacted<string>
  /** Timeout of one HTTP attempt (default 15 s); the workflow's deadline covers the whole check. */
  readonly timeout?: Duration.DurationInput
}

export interface Resolved {
  readonly environment: UnicoEnvironment.Environment
  /** Origin of the token host, no trailing slash: the exact `aud`. */
  readonly authUrl: string
  readonly apiUrl: string
  readonly issuer: string
  readonly privateKey: KeyObject
  readonly apiKey: Redacted.Redacted<string>
  readonly timeout: Duration.Duration
}

type Validated<A> = SettingError.Validated<A>

const ISSUER = /^[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)*\.iam\.acesso\.io$/

/** Node's names of key types, in words. */
const KEY_KINDS: Partial<Record<string, string>> = {
  ec: "an EC key",
  "rsa-pss": "an RSA-PSS key",
  dsa: "a DSA key",
  dh: "a Diffie-Hellman key",
  ed25519: "an Ed25519 key",
  ed448: "an Ed448 key",
  x25519: "an X25519 key",
  x448: "an X448 key"
}

const keyKind = (type: string | undefined) =>
  type === undefined ? "not an RSA key" : KEY_KINDS[type] ?? `a key of type ${type}`

/** One validator per rule: the value to use, or what is wrong and how to fix it. */
export const validate = {
  environment: (value: string): Validated<UnicoEnvironment.Environment> =>
    value === "uat" || value === "production"
      ? Either.right(value)
      : Either.left({ problem: `is "${value}"`, fix: "Use uat or production" }),

  /** An http(s) base URL, as origin and path without trailing slashes. */
  url: (value: string): Validated<string> => {
    const url = URL.canParse(value) ? new URL(value) : undefined
    return url !== undefined && (url.protocol === "https:" || url.protocol === "http:")
      ? Either.right(url.origin + url.pathname.replace(/\/+$/, ""))
      : Either.left({
        problem: "is not an http(s) URL",
        fix: "Give the base URL, e.g. https://identityhomolog.acesso.io"
      })
  },

  /** The mix-up Unico names as the most common cause of 401s: caught before any request. */
  hosts: (hosts: { readonly authUrl: string; readonly apiUrl: string }): Validated<void> => {
    const authEnvironment = UnicoEnvironment.ofUrl(hosts.authUrl)
    const apiEnvironment = UnicoEnvironment.ofUrl(hosts.apiUrl)
    return authEnvironment !== undefined && apiEnvironment !== undefined && authEnvironment !== apiEnvironment
      ? Either.left({
        problem: `the API host is ${apiEnvironment} but the token host is ${authEnvironment}`,
        fix: `Use ${UnicoEnvironment.hosts[apiEnvironment].authUrl} with ${hosts.apiUrl}, with credentials of that ` +
          "environment (UAT and production credentials differ)"
      })
      : Either.void
  },

  issuer: (issuer: string): Validated<string> =>
    ISSUER.test(issuer) ? Either.right(issuer) : Either.left({
      problem: "does not have the form <service account>@<tenant id>.iam.acesso.io",
      fix: "Copy the account name and tenant id from Unico's credentials; the issuer ends in .iam.acesso.io"
    }),

  /** Parses the PEM; only RSA keys can sign RS256. Environment variables often carry `\n` escapes. */
  privateKey: (pem: Redacted.Redacted<string>): Validated<KeyObject> => {
    const key = Either.try(() =>
      createPrivateKey({ key: Redacted.value(pem).replace(/\\n/g, "\n").trim(), format: "pem" })
    )
    if (Either.isLeft(key)) {
      return Either.left({
        problem: "is not a PEM private key that can be read",
        fix: "Use the .pem file Unico issued for the service account (-----BEGIN PRIVATE KEY----- or " +
          "-----BEGIN RSA PRIVATE KEY-----), unencrypted"
      })
    }
    return key.right.asymmetricKeyType === "rsa" ? Either.right(key.right) : Either.left({
      problem: `is ${keyKind(key.right.asymmetricKeyType)}; Unico signs with RSA`,
      fix: "Use the service account's RSA private key, the .pem file Unico issued (RS256 needs an RSA key)"
    })
  },

  apiKey: (apiKey: Redacted.Redacted<string>): Validated<Redacted.Redacted<string>> =>
    Redacted.value(apiKey).trim() === ""
      ? Either.left({ problem: "is empty", fix: apiKeyFix })
      : Either.right(apiKey),

  timeout: (timeout: Duration.Duration): Validated<Duration.Duration> =>
    Duration.toMillis(timeout) > 0 ? Either.right(timeout) : Either.left({
      problem: "is not positive",
      fix: "Give a timeout above 0"
    })
}

/** The fix for a missing or empty API key. */
export const apiKeyFix = "Set the API key with the Liveness capability that Unico's project manager issued"

/** The refusal of an issuer that is not given at all. */
export const issuerMissing: SettingError.Refusal = {
  problem: "is missing",
  fix: "Set the issuer <service account>@<tenant id>.iam.acesso.io from the credentials Unico sent"
}

/** The issuer of a service account in a tenant. */
export const issuerOf = (serviceAccount: string, tenantId: string) => `${serviceAccount}@${tenantId}.iam.acesso.io`

/** The options checked, in the order a newcomer fixes them; a refusal names the option at fault. */
export const resolve = (options: Options): Effect.Effect<Resolved, UnicoConfigError> =>
  Effect.gen(function*() {
    const check = <A>(setting: string, validated: Validated<A>) =>
      Either.mapLeft(validated, (refusal) => new UnicoConfigError({ setting, ...refusal }))
    const environment = yield* check("environment", validate.environment(options.environment ?? "uat"))
    const defaults = UnicoEnvironment.hosts[environment]
    const authUrl = yield* check("authUrl", validate.url(options.authUrl ?? defaults.authUrl))
    const apiUrl = yield* check("apiUrl", validate.url(options.apiUrl ?? defaults.apiUrl))
    yield* check("apiUrl and authUrl", validate.hosts({ authUrl, apiUrl }))
    const issuer = options.issuer !== undefined
      ? yield* check("issuer", validate.issuer(options.issuer))
      : options.serviceAccount !== undefined && options.tenantId !== undefined
      ? yield* check("serviceAccount / tenantId", validate.issuer(issuerOf(options.serviceAccount, options.tenantId)))
      : yield* new UnicoConfigError({ setting: "issuer (or serviceAccount and tenantId)", ...issuerMissing })
    const privateKey = yield* check("privateKey", validate.privateKey(options.privateKey))
    const apiKey = yield* check("apiKey", validate.apiKey(options.apiKey))
    const timeout = yield* check(
      "timeout",
      validate.timeout(
        options.timeout === undefined ? LivenessProvider.DEFAULT_ATTEMPT_TIMEOUT : Duration.decode(options.timeout)
      )
    )
    return { environment, authUrl, apiUrl, issuer, privateKey, apiKey, timeout }
  })
