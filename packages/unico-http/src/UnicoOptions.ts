/**
 * The adapter's options, and their validation: everything that can be checked before the first request is
 * checked when the layer is built, with a message that names the setting and the fix.
 *
 * @since 0.1.0
 */
import { LivenessProvider } from "@liveness/core"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
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

/** Which setting each option came from, so errors can name environment variables. */
export type SettingNames = Partial<Record<keyof Options | "privateKeyFile", string>>

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

const ISSUER = /^[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)*\.iam\.acesso\.io$/

const normaliseUrl = (setting: string, value: string) =>
  Effect.try({
    try: () => {
      const url = new URL(value)
      if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error("protocol")
      return url.origin + url.pathname.replace(/\/+$/, "")
    },
    catch: () =>
      new UnicoConfigError({
        setting,
        problem: "is not an http(s) URL",
        fix: "Give the base URL, e.g. https://identityhomolog.acesso.io"
      })
  })

/** Parses the PEM; only RSA keys can sign RS256. Environment variables often carry `\n` escapes. */
const parseKey = (setting: string, pem: Redacted.Redacted<string>) =>
  Effect.try({
    try: () => createPrivateKey({ key: Redacted.value(pem).replace(/\\n/g, "\n").trim(), format: "pem" }),
    catch: () =>
      new UnicoConfigError({
        setting,
        problem: "is not a PEM private key that can be read",
        fix: "Use the .pem file Unico issued for the service account (-----BEGIN PRIVATE KEY----- or " +
          "-----BEGIN RSA PRIVATE KEY-----), unencrypted"
      })
  }).pipe(
    Effect.filterOrFail(
      (key) => key.asymmetricKeyType === "rsa",
      (key) =>
        new UnicoConfigError({
          setting,
          problem: `is ${keyKind(key.asymmetricKeyType)}; Unico signs with RSA`,
          fix: "Use the service account's RSA private key, the .pem file Unico issued (RS256 needs an RSA key)"
        })
    )
  )

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

export const resolve = (options: Options, names: SettingNames = {}): Effect.Effect<Resolved, UnicoConfigError> =>
  Effect.gen(function*() {
    const name = (key: keyof Options | "privateKeyFile") => names[key] ?? key
    const environment = options.environment ?? "uat"
    if (environment !== "uat" && environment !== "production") {
      return yield* new UnicoConfigError({
        setting: name("environment"),
        problem: `is "${environment}"`,
        fix: "Use uat or production"
      })
    }
    const defaults = UnicoEnvironment.hosts[environment]
    const authUrl = yield* normaliseUrl(name("authUrl"), options.authUrl ?? defaults.authUrl)
    const apiUrl = yield* normaliseUrl(name("apiUrl"), options.apiUrl ?? defaults.apiUrl)

    // The mix-up Unico names as the most common cause of 401s: catch it before any request.
    const authEnvironment = UnicoEnvironment.ofUrl(authUrl)
    const apiEnvironment = UnicoEnvironment.ofUrl(apiUrl)
    if (authEnvironment !== undefined && apiEnvironment !== undefined && authEnvironment !== apiEnvironment) {
      return yield* new UnicoConfigError({
        setting: `${name("apiUrl")} and ${name("authUrl")}`,
        problem: `the API host is ${apiEnvironment} but the token host is ${authEnvironment}`,
        fix: `Use ${UnicoEnvironment.hosts[apiEnvironment].authUrl} with ${apiUrl}, with credentials of that ` +
          "environment (UAT and production credentials differ)"
      })
    }
    const issuer = options.issuer ??
      (options.serviceAccount !== undefined && options.tenantId !== undefined
        ? `${options.serviceAccount}@${options.tenantId}.iam.acesso.io`
        : undefined)
    if (issuer === undefined) {
      return yield* new UnicoConfigError({
        setting: `${name("issuer")} (or ${name("serviceAccount")} and ${name("tenantId")})`,
        problem: "is missing",
        fix: "Set the issuer <service account>@<tenant id>.iam.acesso.io from the credentials Unico sent"
      })
    }
    if (!ISSUER.test(issuer)) {
      return yield* new UnicoConfigError({
        setting: options.issuer !== undefined ? name("issuer") : `${name("serviceAccount")} / ${name("tenantId")}`,
        problem: "does not have the form <service account>@<tenant id>.iam.acesso.io",
        fix: "Copy the account name and tenant id from Unico's credentials; the issuer ends in .iam.acesso.io"
      })
    }
    const privateKey = yield* parseKey(name("privateKey"), options.privateKey)
    if (Redacted.value(options.apiKey).trim() === "") {
      return yield* new UnicoConfigError({
        setting: name("apiKey"),
        problem: "is empty",
        fix: "Set the API key with the Liveness capability that Unico's project manager issued"
      })
    }
    const timeout = options.timeout === undefined
      ? LivenessProvider.DEFAULT_ATTEMPT_TIMEOUT
      : Duration.decode(options.timeout)
    if (Duration.toMillis(timeout) <= 0) {
      return yield* new UnicoConfigError({
        setting: name("timeout"),
        problem: "is not positive",
        fix: "Give a timeout above 0"
      })
    }
    return { environment, authUrl, apiUrl, issuer, privateKey, apiKey: options.apiKey, timeout }
  })
