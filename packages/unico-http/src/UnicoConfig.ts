/**
 * The adapter's settings from the environment (UNICO_*), as `Config`s that apply `UnicoOptions.validate` as they
 * read: a refusal is a `ConfigError` whose path is the variable at fault (`UNICO_PRIVATE_KEY_FILE` when the key
 * came from that file), its message `<problem>. <fix>`. `config` is what `UnicoHttp.layerConfig` builds from, with
 * no second check; each variable's own Config is exported for callers that check one at a time.
 *
 * | variable | default |
 * |---|---|
 * | `UNICO_ENVIRONMENT` | `uat` (`uat` or `production`, any case) |
 * | `UNICO_ISSUER`, or `UNICO_SERVICE_ACCOUNT` and `UNICO_TENANT_ID` | required |
 * | `UNICO_PRIVATE_KEY` (PEM), or `UNICO_PRIVATE_KEY_FILE` (its path) | required |
 * | `UNICO_API_KEY` | required |
 * | `UNICO_AUTH_URL`, `UNICO_API_URL` | the environment's hosts |
 * | `UNICO_TIMEOUT_MS` | 15000 |
 *
 * @since 0.3.0
 */
import { LivenessProvider, SettingError } from "@liveness/core"
import * as Config from "effect/Config"
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { readFileSync } from "node:fs"
import * as UnicoEnvironment from "./UnicoEnvironment.js"
import * as UnicoOptions from "./UnicoOptions.js"

const { validate } = UnicoOptions

/** Every variable read, e.g. to tell whether any is set. */
export const variables = [
  "UNICO_ENVIRONMENT",
  "UNICO_ISSUER",
  "UNICO_SERVICE_ACCOUNT",
  "UNICO_TENANT_ID",
  "UNICO_PRIVATE_KEY",
  "UNICO_PRIVATE_KEY_FILE",
  "UNICO_API_KEY",
  "UNICO_AUTH_URL",
  "UNICO_API_URL",
  "UNICO_TIMEOUT_MS"
] as const

/** `config`, or a MissingData at `label` that says how to fix it. */
const required = <A>(config: Config.Config<A>, label: string, refusal: SettingError.Refusal) =>
  Config.option(config).pipe(Config.mapOrFail(Option.match({
    onNone: () => Either.left(SettingError.missing([label], refusal)),
    onSome: Either.right
  })))

export const environment: Config.Config<UnicoEnvironment.Environment> = SettingError.variable(
  "UNICO_ENVIRONMENT",
  Config.string().pipe(Config.map((value) => value.toLowerCase())),
  validate.environment
).pipe(Config.withDefault<UnicoEnvironment.Environment>("uat"))

const url = (name: string) => Config.option(SettingError.variable(name, Config.string(), validate.url))

/** The environment and its hosts (each defaults to the environment's), not a UAT/production mix. */
export const hosts: Config.Config<Pick<UnicoOptions.Resolved, "environment" | "authUrl" | "apiUrl">> = Config.all({
  environment,
  authUrl: url("UNICO_AUTH_URL"),
  apiUrl: url("UNICO_API_URL")
}).pipe(Config.mapOrFail(({ apiUrl, authUrl, environment }) => {
  const given = {
    authUrl: Option.getOrElse(authUrl, () => UnicoEnvironment.hosts[environment].authUrl),
    apiUrl: Option.getOrElse(apiUrl, () => UnicoEnvironment.hosts[environment].apiUrl)
  }
  return Either.mapBoth(validate.hosts(given), {
    onLeft: (refusal) => SettingError.invalid(["UNICO_API_URL and UNICO_AUTH_URL"], refusal),
    onRight: () => ({ environment, ...given })
  })
}))

/** `UNICO_ISSUER`, or the issuer of `UNICO_SERVICE_ACCOUNT` in `UNICO_TENANT_ID`. */
export const issuer: Config.Config<string> = Config.all({
  issuer: Config.option(SettingError.variable("UNICO_ISSUER", Config.string(), validate.issuer)),
  serviceAccount: Config.option(Config.string("UNICO_SERVICE_ACCOUNT")),
  tenantId: Config.option(Config.string("UNICO_TENANT_ID"))
}).pipe(Config.mapOrFail(({ issuer, serviceAccount, tenantId }) =>
  Option.isSome(issuer)
    ? Either.right(issuer.value)
    : Option.isSome(serviceAccount) && Option.isSome(tenantId)
    ? Either.mapLeft(
      validate.issuer(UnicoOptions.issuerOf(serviceAccount.value, tenantId.value)),
      (refusal) => SettingError.invalid(["UNICO_SERVICE_ACCOUNT / UNICO_TENANT_ID"], refusal)
    )
    : Either.left(
      SettingError.missing(["UNICO_ISSUER (or UNICO_SERVICE_ACCOUNT and UNICO_TENANT_ID)"], UnicoOptions.issuerMissing)
    )
))

/** The PEM in the file at `path`, or why it cannot be read. */
export const readPem = (path: string): SettingError.Validated<Redacted.Redacted<string>> =>
  Either.try({
    try: () => Redacted.make(readFileSync(path, "utf8")),
    catch: (error) => ({
      problem: `cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`,
      fix: "Point it at the service account's .pem file, readable by this process"
    })
  })

/** `UNICO_PRIVATE_KEY`, else the file `UNICO_PRIVATE_KEY_FILE` names (read only then): a refusal names the one used. */
export const privateKey: Config.Config<UnicoOptions.Resolved["privateKey"]> = Config.all({
  inline: Config.option(SettingError.variable("UNICO_PRIVATE_KEY", Config.redacted(), validate.privateKey)),
  file: Config.option(Config.string("UNICO_PRIVATE_KEY_FILE"))
}).pipe(Config.mapOrFail(({ file, inline }) =>
  Option.isSome(inline)
    ? Either.right(inline.value)
    : Option.isSome(file)
    ? Either.mapLeft(
      Either.flatMap(readPem(file.value), validate.privateKey),
      (refusal) => SettingError.invalid(["UNICO_PRIVATE_KEY_FILE"], refusal)
    )
    : Either.left(SettingError.missing(["UNICO_PRIVATE_KEY or UNICO_PRIVATE_KEY_FILE"], {
      problem: "is missing",
      fix: "Set the service account's RSA private key (PEM), or the path of its .pem file"
    }))
))

export const apiKey: Config.Config<Redacted.Redacted<string>> = required(
  SettingError.variable("UNICO_API_KEY", Config.redacted(), validate.apiKey),
  "UNICO_API_KEY",
  { problem: "is missing", fix: UnicoOptions.apiKeyFix }
)

/** `UNICO_TIMEOUT_MS`: one HTTP attempt, in milliseconds. */
export const timeout: Config.Config<Duration.Duration> = SettingError.variable(
  "UNICO_TIMEOUT_MS",
  Config.integer().pipe(Config.map(Duration.millis)),
  validate.timeout
).pipe(Config.withDefault(LivenessProvider.DEFAULT_ATTEMPT_TIMEOUT))

/** All the settings, checked; every problem found is reported at once, each at its variable. */
export const config: Config.Config<UnicoOptions.Resolved> = Config.all({ hosts, issuer, privateKey, apiKey, timeout })
  .pipe(Config.map(({ hosts, ...rest }) => ({ ...hosts, ...rest })))
