/**
 * The adapter's settings: `UnicoOptions.resolve` (options in code) and `UnicoHttp.layerConfig` (UNICO_*
 * variables, through `UnicoConfig`). Everything that can be checked before the first request is checked when
 * the layer is built, and every refusal names the setting at fault: the option, or the variable (the path of
 * the ConfigError).
 */
import * as HttpClient from "@effect/platform/HttpClient"
import { describe, expect, it } from "@effect/vitest"
import { SettingError } from "@liveness/core"
import * as ConfigError from "effect/ConfigError"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { generateKeyPairSync } from "node:crypto"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll } from "vitest"
import { UnicoConfig, UnicoConfigError, UnicoEnvironment, UnicoHttp, UnicoOptions } from "../src/index.js"

const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 })
const PKCS8 = rsa.privateKey.export({ type: "pkcs8", format: "pem" }).toString()
const PKCS1 = rsa.privateKey.export({ type: "pkcs1", format: "pem" }).toString()
const EC = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" })
  .toString()

const ISSUER = "acct@tenant1.iam.acesso.io"
const API_KEY = "an-api-key"

const UAT = UnicoEnvironment.hosts.uat
const PRODUCTION = UnicoEnvironment.hosts.production

const directory = mkdtempSync(join(tmpdir(), "unico-options-"))
afterAll(() => rmSync(directory, { recursive: true, force: true }))

const base: UnicoOptions.Options = {
  issuer: ISSUER,
  privateKey: Redacted.make(PKCS8),
  apiKey: Redacted.make(API_KEY)
}

/** The same key, exported the same way, for comparing what was parsed with what was given. */
const pkcs8Of = (resolved: UnicoOptions.Resolved) =>
  resolved.privateKey.export({ type: "pkcs8", format: "pem" }).toString()

/** An HttpClient that must not be used: building the layer sends nothing. */
const noHttp = Layer.succeed(
  HttpClient.HttpClient,
  HttpClient.make((request) => Effect.dieMessage(`unexpected request to ${request.url}`))
)

/** Builds `UnicoHttp.layerConfig` from these variables and returns the adapter's settings. */
const fromEnv = (env: Record<string, string>) =>
  Effect.flatMap(UnicoHttp.UnicoHttp, (service) => Effect.succeed(service.settings)).pipe(
    Effect.provide(UnicoHttp.layerConfig().pipe(Layer.provide(noHttp))),
    Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))
  )

const minimalEnv = { UNICO_ISSUER: ISSUER, UNICO_PRIVATE_KEY: PKCS8, UNICO_API_KEY: API_KEY }

/** The paths of the problems in a ConfigError, in order. */
const pathsOf = (error: ConfigError.ConfigError): Array<string> =>
  ConfigError.reduceWithContext(error, undefined, {
    andCase: (_, left, right) => [...left, ...right],
    orCase: (_, left, right) => [...left, ...right],
    invalidDataCase: (_, path) => [path.join("_")],
    missingDataCase: (_, path) => [path.join("_")],
    sourceUnavailableCase: (_, path) => [path.join("_")],
    unsupportedCase: (_, path) => [path.join("_")]
  })

/** The ConfigError a build from the environment fails with: the variables it names, and its words. */
const envError = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const error = yield* Effect.flip(effect)
    expect(ConfigError.isConfigError(error)).toBe(true)
    const configError = error as ConfigError.ConfigError
    return { paths: pathsOf(configError), text: SettingError.describe(configError) }
  })

/** The UnicoConfigError a build fails with. */
const configError = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const error = yield* Effect.flip(effect)
    expect(error).toBeInstanceOf(UnicoConfigError)
    return error as UnicoConfigError
  })

describe("UnicoOptions.resolve", () => {
  it.effect("defaults to UAT's hosts, a 15 s timeout, and the key as given", () =>
    Effect.gen(function*() {
      const resolved = yield* UnicoOptions.resolve(base)
      expect(resolved.environment).toBe("uat")
      expect(resolved.authUrl).toBe("https://identityhomolog.acesso.io")
      expect(resolved.apiUrl).toBe("https://api.id.uat.unico.app")
      expect(resolved.issuer).toBe(ISSUER)
      expect(Duration.toMillis(resolved.timeout)).toBe(15_000)
      expect(resolved.privateKey.asymmetricKeyType).toBe("rsa")
      expect(pkcs8Of(resolved)).toBe(PKCS8)
      expect(Redacted.value(resolved.apiKey)).toBe(API_KEY)
    }))

  it.effect("production picks production's hosts", () =>
    Effect.gen(function*() {
      const resolved = yield* UnicoOptions.resolve({ ...base, environment: "production" })
      expect(resolved.environment).toBe("production")
      expect(resolved.authUrl).toBe("https://identity.acesso.io")
      expect(resolved.apiUrl).toBe("https://api.id.unico.app")
    }))

  it.effect("the issuer from serviceAccount and tenantId", () =>
    Effect.gen(function*() {
      const { issuer: _, ...rest } = base
      const resolved = yield* UnicoOptions.resolve({ ...rest, serviceAccount: "acct", tenantId: "tenant1" })
      expect(resolved.issuer).toBe("acct@tenant1.iam.acesso.io")
    }))

  it.effect("base URLs lose their trailing slash (the aud must match the token host exactly)", () =>
    Effect.gen(function*() {
      const resolved = yield* UnicoOptions.resolve({
        ...base,
        authUrl: "http://127.0.0.1:8080/",
        apiUrl: "http://127.0.0.1:8081//"
      })
      expect(resolved.authUrl).toBe("http://127.0.0.1:8080")
      expect(resolved.apiUrl).toBe("http://127.0.0.1:8081")
    }))

  it.effect("both PKCS#1 (BEGIN RSA PRIVATE KEY) and PKCS#8 keys are accepted", () =>
    Effect.gen(function*() {
      expect(PKCS1).toContain("-----BEGIN RSA PRIVATE KEY-----")
      expect(PKCS8).toContain("-----BEGIN PRIVATE KEY-----")
      const fromPkcs1 = yield* UnicoOptions.resolve({ ...base, privateKey: Redacted.make(PKCS1) })
      const fromPkcs8 = yield* UnicoOptions.resolve({ ...base, privateKey: Redacted.make(PKCS8) })
      expect(pkcs8Of(fromPkcs1)).toBe(PKCS8)
      expect(pkcs8Of(fromPkcs8)).toBe(PKCS8)
    }))

  it.effect("a PEM with literal \\n escapes (as environment variables carry it) is accepted", () =>
    Effect.gen(function*() {
      const escaped = PKCS8.trim().replace(/\n/g, "\\n")
      expect(escaped).not.toContain("\n")
      const resolved = yield* UnicoOptions.resolve({ ...base, privateKey: Redacted.make(escaped) })
      expect(pkcs8Of(resolved)).toBe(PKCS8)
    }))

  it.effect("an EC key is refused: RS256 needs RSA", () =>
    Effect.gen(function*() {
      const error = yield* configError(UnicoOptions.resolve({ ...base, privateKey: Redacted.make(EC) }))
      expect(error.setting).toBe("privateKey")
      expect(error.problem).toBe("is an EC key; Unico signs with RSA")
      expect(error.message).toContain("RS256")
    }))

  it.effect("an issuer not of the form <account>@<tenant>.iam.acesso.io is refused", () =>
    Effect.gen(function*() {
      for (
        const issuer of ["acct@tenant1.example.com", "acct", "acct@tenant1.iam.acesso.io.evil.com", "@t.iam.acesso.io"]
      ) {
        const error = yield* configError(UnicoOptions.resolve({ ...base, issuer }))
        expect(error.setting).toBe("issuer")
        expect(error.message).toContain(".iam.acesso.io")
      }
    }))

  it.effect("no issuer, and no serviceAccount with tenantId, is refused naming all three", () =>
    Effect.gen(function*() {
      const { issuer: _, ...rest } = base
      const error = yield* configError(UnicoOptions.resolve({ ...rest, serviceAccount: "acct" }))
      expect(error.setting).toContain("issuer")
      expect(error.setting).toContain("serviceAccount")
      expect(error.setting).toContain("tenantId")
    }))

  it.effect("a production API host with UAT's token host is refused, naming both", () =>
    Effect.gen(function*() {
      const error = yield* configError(
        UnicoOptions.resolve({ ...base, apiUrl: PRODUCTION.apiUrl, authUrl: UAT.authUrl })
      )
      expect(error.setting).toContain("apiUrl")
      expect(error.setting).toContain("authUrl")
      expect(error.message).toContain("production")
      expect(error.message).toContain("uat")
      // The fix points at the matching token host.
      expect(error.fix).toContain(PRODUCTION.authUrl)
    }))

  it.effect("an empty API key and a non-positive timeout are refused", () =>
    Effect.gen(function*() {
      expect((yield* configError(UnicoOptions.resolve({ ...base, apiKey: Redacted.make(" ") }))).setting).toBe("apiKey")
      expect((yield* configError(UnicoOptions.resolve({ ...base, timeout: 0 }))).setting).toBe("timeout")
    }))

  it.effect("a refusal never quotes the key or the API key", () =>
    Effect.gen(function*() {
      const error = yield* configError(
        UnicoOptions.resolve({ ...base, privateKey: Redacted.make("-----BEGIN PRIVATE KEY-----\nsecretstuff\n") })
      )
      expect(`${error.message} ${JSON.stringify(error)} ${String(error)}`).not.toContain("secretstuff")
    }))
})

describe("UnicoHttp.layerConfig", () => {
  it.effect("with the minimum (issuer, key, API key) it defaults to UAT", () =>
    Effect.gen(function*() {
      const settings = yield* fromEnv(minimalEnv)
      expect(settings).toStrictEqual({
        environment: "uat",
        authUrl: UAT.authUrl,
        apiUrl: UAT.apiUrl,
        issuer: ISSUER
      })
    }))

  it.effect("UNICO_ENVIRONMENT=production picks production's hosts (case-insensitive)", () =>
    Effect.gen(function*() {
      for (const value of ["production", "PRODUCTION"]) {
        const settings = yield* fromEnv({ ...minimalEnv, UNICO_ENVIRONMENT: value })
        expect(settings.environment).toBe("production")
        expect(settings.authUrl).toBe(PRODUCTION.authUrl)
        expect(settings.apiUrl).toBe(PRODUCTION.apiUrl)
      }
    }))

  it.effect("an unknown UNICO_ENVIRONMENT is named", () =>
    Effect.gen(function*() {
      const error = yield* envError(fromEnv({ ...minimalEnv, UNICO_ENVIRONMENT: "staging" }))
      expect(error.paths).toEqual(["UNICO_ENVIRONMENT"])
      expect(error.text).toBe("UNICO_ENVIRONMENT: is \"staging\". Use uat or production")
    }))

  it.effect("the issuer from UNICO_SERVICE_ACCOUNT and UNICO_TENANT_ID", () =>
    Effect.gen(function*() {
      const { UNICO_ISSUER: _, ...rest } = minimalEnv
      const settings = yield* fromEnv({ ...rest, UNICO_SERVICE_ACCOUNT: "acct", UNICO_TENANT_ID: "tenant1" })
      expect(settings.issuer).toBe("acct@tenant1.iam.acesso.io")
    }))

  it.effect("an issuer without @….iam.acesso.io names UNICO_ISSUER", () =>
    Effect.gen(function*() {
      const error = yield* envError(fromEnv({ ...minimalEnv, UNICO_ISSUER: "acct@tenant1" }))
      expect(error.paths).toEqual(["UNICO_ISSUER"])
      // The words users saw before the settings became a Config.
      expect(error.text).toBe(
        "UNICO_ISSUER: does not have the form <service account>@<tenant id>.iam.acesso.io. Copy the account name " +
          "and tenant id from Unico's credentials; the issuer ends in .iam.acesso.io"
      )
    }))

  it.effect("a bad service account / tenant pair names both variables", () =>
    Effect.gen(function*() {
      const { UNICO_ISSUER: _, ...rest } = minimalEnv
      const error = yield* envError(fromEnv({ ...rest, UNICO_SERVICE_ACCOUNT: "a b", UNICO_TENANT_ID: "tenant1" }))
      expect(error.paths).toEqual(["UNICO_SERVICE_ACCOUNT / UNICO_TENANT_ID"])
    }))

  it.effect("a key that does not parse names UNICO_PRIVATE_KEY", () =>
    Effect.gen(function*() {
      const error = yield* envError(fromEnv({ ...minimalEnv, UNICO_PRIVATE_KEY: "not a key" }))
      expect(error.paths).toEqual(["UNICO_PRIVATE_KEY"])
      expect(error.text).toMatch(/^UNICO_PRIVATE_KEY: is not a PEM private key that can be read\. Use the \.pem file/)
    }))

  it.effect("an EC key names UNICO_PRIVATE_KEY", () =>
    Effect.gen(function*() {
      const error = yield* envError(fromEnv({ ...minimalEnv, UNICO_PRIVATE_KEY: EC }))
      expect(error.paths).toEqual(["UNICO_PRIVATE_KEY"])
      expect(error.text).toContain("UNICO_PRIVATE_KEY: is an EC key; Unico signs with RSA")
      expect(error.text).toContain("RS256")
    }))

  it.effect.each([
    ["PKCS#1", PKCS1],
    ["PKCS#8", PKCS8],
    ["PKCS#8 with literal \\n escapes", PKCS8.trim().replace(/\n/g, "\\n")],
    ["PKCS#1 with literal \\n escapes", PKCS1.trim().replace(/\n/g, "\\n")]
  ])("UNICO_PRIVATE_KEY as %s is accepted", ([, pem]) =>
    Effect.gen(function*() {
      const settings = yield* fromEnv({ ...minimalEnv, UNICO_PRIVATE_KEY: pem })
      expect(settings.issuer).toBe(ISSUER)
    }))

  it.effect("UNICO_PRIVATE_KEY_FILE is read from the file", () =>
    Effect.gen(function*() {
      const file = join(directory, "service-account.pem")
      writeFileSync(file, PKCS1)
      const { UNICO_PRIVATE_KEY: _, ...rest } = minimalEnv
      const settings = yield* fromEnv({ ...rest, UNICO_PRIVATE_KEY_FILE: file })
      expect(settings.issuer).toBe(ISSUER)
    }))

  it.effect("a missing UNICO_PRIVATE_KEY_FILE is named", () =>
    Effect.gen(function*() {
      const { UNICO_PRIVATE_KEY: _, ...rest } = minimalEnv
      const error = yield* envError(
        fromEnv({ ...rest, UNICO_PRIVATE_KEY_FILE: join(directory, "no-such-file.pem") })
      )
      expect(error.paths).toEqual(["UNICO_PRIVATE_KEY_FILE"])
      expect(error.text).toBe(
        "UNICO_PRIVATE_KEY_FILE: cannot be read (ENOENT). Point it at the service account's .pem file, readable by " +
          "this process"
      )
    }))

  it.effect("a UNICO_PRIVATE_KEY_FILE that holds no key names UNICO_PRIVATE_KEY_FILE, not UNICO_PRIVATE_KEY", () =>
    Effect.gen(function*() {
      const file = join(directory, "not-a-key.pem")
      writeFileSync(file, "hello\n")
      const { UNICO_PRIVATE_KEY: _, ...rest } = minimalEnv
      const error = yield* envError(fromEnv({ ...rest, UNICO_PRIVATE_KEY_FILE: file }))
      expect(error.paths).toEqual(["UNICO_PRIVATE_KEY_FILE"])
      expect(error.text).toMatch(/^UNICO_PRIVATE_KEY_FILE: is not a PEM private key/)
    }))

  it.effect("no key at all names both UNICO_PRIVATE_KEY and UNICO_PRIVATE_KEY_FILE", () =>
    Effect.gen(function*() {
      const { UNICO_PRIVATE_KEY: _, ...rest } = minimalEnv
      const error = yield* envError(fromEnv(rest))
      expect(error.paths).toEqual(["UNICO_PRIVATE_KEY or UNICO_PRIVATE_KEY_FILE"])
      expect(error.text).toBe(
        "UNICO_PRIVATE_KEY or UNICO_PRIVATE_KEY_FILE: is missing. Set the service account's RSA private key (PEM), " +
          "or the path of its .pem file"
      )
    }))

  it.effect("a production API host with UAT's token host is refused, naming both variables", () =>
    Effect.gen(function*() {
      const error = yield* envError(
        fromEnv({ ...minimalEnv, UNICO_API_URL: PRODUCTION.apiUrl, UNICO_AUTH_URL: UAT.authUrl })
      )
      expect(error.paths).toEqual(["UNICO_API_URL and UNICO_AUTH_URL"])
      expect(error.text).toBe(
        `UNICO_API_URL and UNICO_AUTH_URL: the API host is production but the token host is uat. Use ` +
          `${PRODUCTION.authUrl} with ${PRODUCTION.apiUrl}, with credentials of that environment (UAT and ` +
          "production credentials differ)"
      )
    }))

  it.effect("UNICO_ENVIRONMENT=production with UAT's token host is refused too", () =>
    Effect.gen(function*() {
      const error = yield* envError(
        fromEnv({ ...minimalEnv, UNICO_ENVIRONMENT: "production", UNICO_AUTH_URL: UAT.authUrl })
      )
      expect(error.paths).toEqual(["UNICO_API_URL and UNICO_AUTH_URL"])
    }))

  it.effect("a missing UNICO_API_KEY is named", () =>
    Effect.gen(function*() {
      const { UNICO_API_KEY: _, ...rest } = minimalEnv
      const error = yield* envError(fromEnv(rest))
      expect(error.paths).toEqual(["UNICO_API_KEY"])
      expect(error.text).toBe(
        "UNICO_API_KEY: is missing. Set the API key with the Liveness capability that Unico's project manager issued"
      )
    }))

  it.effect("an empty UNICO_API_KEY is named", () =>
    Effect.gen(function*() {
      const error = yield* envError(fromEnv({ ...minimalEnv, UNICO_API_KEY: " " }))
      expect(error.paths).toEqual(["UNICO_API_KEY"])
      expect(error.text).toMatch(/^UNICO_API_KEY: is empty\. Set the API key/)
    }))

  it.effect("sandbox URLs are accepted as given (http on loopback)", () =>
    Effect.gen(function*() {
      const settings = yield* fromEnv({
        ...minimalEnv,
        UNICO_AUTH_URL: "http://127.0.0.1:4010/",
        UNICO_API_URL: "http://127.0.0.1:4010"
      })
      expect(settings.authUrl).toBe("http://127.0.0.1:4010")
      expect(settings.apiUrl).toBe("http://127.0.0.1:4010")
    }))

  it.effect("a UNICO_TIMEOUT_MS that is not a whole number fails naming it", () =>
    Effect.gen(function*() {
      const error = yield* envError(fromEnv({ ...minimalEnv, UNICO_TIMEOUT_MS: "soon" }))
      expect(error.paths).toEqual(["UNICO_TIMEOUT_MS"])
    }))

  it.effect.each([
    ["UNICO_AUTH_URL", "ftp://example.com", "UNICO_AUTH_URL: is not an http(s) URL. Give the base URL"],
    ["UNICO_API_URL", "not a url", "UNICO_API_URL: is not an http(s) URL. Give the base URL"],
    ["UNICO_TIMEOUT_MS", "0", "UNICO_TIMEOUT_MS: is not positive. Give a timeout above 0"],
    ["UNICO_TIMEOUT_MS", "-5", "UNICO_TIMEOUT_MS: is not positive. Give a timeout above 0"]
  ])("%s=%s is refused, naming that variable", ([name, value, words]) =>
    Effect.gen(function*() {
      const error = yield* envError(fromEnv({ ...minimalEnv, [name]: value }))
      expect(error.paths).toEqual([name])
      expect(error.text).toContain(words)
    }))

  it.effect("every problem found is named at once, each at its variable", () =>
    Effect.gen(function*() {
      const { UNICO_API_KEY: _, ...rest } = minimalEnv
      const error = yield* envError(fromEnv({ ...rest, UNICO_ISSUER: "nobody", UNICO_TIMEOUT_MS: "0" }))
      expect(error.paths).toEqual(["UNICO_ISSUER", "UNICO_API_KEY", "UNICO_TIMEOUT_MS"])
    }))

  it.effect("UNICO_PRIVATE_KEY wins over UNICO_PRIVATE_KEY_FILE, which is then not read", () =>
    Effect.gen(function*() {
      const settings = yield* fromEnv({ ...minimalEnv, UNICO_PRIVATE_KEY_FILE: join(directory, "absent.pem") })
      expect(settings.issuer).toBe(ISSUER)
    }))

  it.effect("layerConfig takes any Config of the settings: here UnicoConfig.config under a prefix", () =>
    Effect.gen(function*() {
      const settings = yield* Effect.flatMap(UnicoHttp.UnicoHttp, (service) => Effect.succeed(service.settings)).pipe(
        Effect.provide(UnicoHttp.layerConfig(UnicoConfig.config).pipe(Layer.provide(noHttp))),
        Effect.withConfigProvider(
          ConfigProvider.fromMap(new Map(Object.entries({ ...minimalEnv, UNICO_ENVIRONMENT: "production" })))
        )
      )
      expect(settings.environment).toBe("production")
    }))
})
