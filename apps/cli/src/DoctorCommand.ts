/**
 * `liveness doctor`: checks a real-Unico configuration (UNICO_*) the way a newcomer needs it checked, one line
 * per check with the fix: the key, the issuer, the hosts' environment (Unico names the UAT/production mix-up as
 * the most common cause of 401s: caught here before any request), a token, the API key. With no UNICO_* set it
 * runs the same checks against the embedded sandbox and says so.
 *
 * Every setting is read on its own, so that one missing or broken setting does not hide the others: each problem
 * is on its own line, all at once. The static checks are the adapter's own validators (`UnicoOptions.validate`,
 * the ones `UnicoOptions.resolve` and `UnicoConfig` apply), one setting at a time, so each problem has the
 * adapter's own words and fix.
 */
import * as Command from "@effect/cli/Command"
import { CheckPolicy, Liveness, type LivenessError, type SettingError } from "@liveness/core"
import { ProviderSelection, SandboxAdapter } from "@liveness/runtime"
import { Sandbox } from "@liveness/sandbox"
import { UndiciHttpClient, UnicoConfig, UnicoEnvironment, UnicoHttp, UnicoOptions } from "@liveness/unico-http"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Console from "effect/Console"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { randomUUID } from "node:crypto"
import { json } from "./CheckCommand.js"
import * as ConfigProblem from "./ConfigProblem.js"
import { type Check, fail, ofSettingError, ok, skipped, warn } from "./DoctorCheck.js"
import * as DoctorRedis from "./DoctorRedis.js"
import * as ExitCode from "./ExitCode.js"

export type { Check, Status } from "./DoctorCheck.js"

const { isLoopbackUrl } = ProviderSelection

/** The fields that have a value. */
const defined = <A extends object>(value: A) =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof A]?: Exclude<A[K], undefined>
  }

/**
 * The Unico settings as given, each read on its own: the key and the API key may be missing, and a setting that
 * cannot be used at all (a key file that cannot be read, an unknown environment, a timeout that is not a number)
 * is left out of `options`, its failed check in `unreadable`.
 */
export interface Settings {
  readonly options: Omit<UnicoOptions.Options, "privateKey" | "apiKey"> & {
    readonly privateKey?: Redacted.Redacted<string> | undefined
    readonly apiKey?: Redacted.Redacted<string> | undefined
  }
  /** What to call each setting in a check: its variable, or words for the sandbox's own. */
  readonly names: Names
  readonly unreadable?: { readonly privateKey?: Check; readonly environment?: Check; readonly timeout?: Check }
}

/** What each option is called in the checks; unnamed ones keep the option's name. */
export type Names = Partial<Record<keyof UnicoOptions.Options | "privateKeyFile", string>>

/** The variable of each option (checked against `UnicoConfig.variables`, the ones the adapter reads). */
const ENV = {
  environment: "UNICO_ENVIRONMENT",
  issuer: "UNICO_ISSUER",
  serviceAccount: "UNICO_SERVICE_ACCOUNT",
  tenantId: "UNICO_TENANT_ID",
  privateKey: "UNICO_PRIVATE_KEY",
  privateKeyFile: "UNICO_PRIVATE_KEY_FILE",
  apiKey: "UNICO_API_KEY",
  authUrl: "UNICO_AUTH_URL",
  apiUrl: "UNICO_API_URL",
  timeout: "UNICO_TIMEOUT_MS"
} as const satisfies Required<Names> & Record<string, typeof UnicoConfig.variables[number]>

/** A validator's refusal as a failed check: `<setting> <problem>`, and the fix. */
const refused = (check: string, setting: string, refusal: SettingError.Refusal) =>
  ofSettingError(check, { setting, ...refusal })

/** The static checks: no request is made. */
export const staticChecks = (settings: Settings, target: "unico" | "sandbox") =>
  Effect.gen(function*() {
    const { names, options, unreadable = {} } = settings
    const name = (option: keyof Names) => names[option] ?? option
    const { validate } = UnicoOptions
    const checks: Array<Check> = []

    const keyName = name("privateKey")
    if (unreadable.privateKey !== undefined) {
      checks.push(unreadable.privateKey)
    } else if (options.privateKey === undefined) {
      checks.push(fail(
        "private key",
        `${keyName}${names.privateKeyFile === undefined ? "" : ` (or ${names.privateKeyFile})`} is missing`,
        "Set the service account's RSA private key (PEM)" +
          (names.privateKeyFile === undefined ? "" : `, or the path of its .pem file in ${names.privateKeyFile}`)
      ))
    } else {
      checks.push(Either.match(validate.privateKey(options.privateKey), {
        onLeft: (refusal) => refused("private key", keyName, refusal),
        onRight: (key) =>
          ok("private key", `an RSA key (${key.asymmetricKeyDetails?.modulusLength ?? "?"} bits) from ${keyName}`)
      }))
    }

    const issuer = options.issuer !== undefined
      ? Either.mapLeft(validate.issuer(options.issuer), (refusal) => refused("issuer", name("issuer"), refusal))
      : options.serviceAccount !== undefined && options.tenantId !== undefined
      ? Either.mapLeft(
        validate.issuer(UnicoOptions.issuerOf(options.serviceAccount, options.tenantId)),
        (refusal) => refused("issuer", `${name("serviceAccount")} / ${name("tenantId")}`, refusal)
      )
      : Either.left(refused(
        "issuer",
        `${name("issuer")} (or ${name("serviceAccount")} and ${name("tenantId")})`,
        UnicoOptions.issuerMissing
      ))
    checks.push(Either.match(issuer, {
      onLeft: (check) => check,
      onRight: (issuer) => ok("issuer", `${issuer} has the form <service account>@<tenant id>.iam.acesso.io`)
    }))

    if (unreadable.environment !== undefined) checks.push(unreadable.environment)
    const environment = options.environment ?? "uat"
    const url = (option: "authUrl" | "apiUrl") =>
      Either.mapLeft(
        validate.url(options[option] ?? UnicoEnvironment.hosts[environment][option]),
        (refusal) => refused("hosts", name(option), refusal)
      )
    const hosts = Either.flatMap(Either.all({ authUrl: url("authUrl"), apiUrl: url("apiUrl") }), (hosts) =>
      Either.mapBoth(validate.hosts(hosts), {
        onLeft: (refusal) =>
          refused("hosts", `${name("apiUrl")} and ${name("authUrl")}`, refusal),
        onRight: () => hosts
      }))
    if (Either.isLeft(hosts)) {
      checks.push(hosts.left)
    } else {
      const { apiUrl, authUrl } = hosts.right
      const authEnvironment = UnicoEnvironment.ofUrl(authUrl)
      const apiEnvironment = UnicoEnvironment.ofUrl(apiUrl)
      const hostEnvironment = authEnvironment ?? apiEnvironment
      const envName = name("environment")
      if (hostEnvironment !== undefined && hostEnvironment !== environment) {
        checks.push(warn(
          "hosts",
          `the hosts are Unico's ${hostEnvironment} hosts but ${envName} is ${environment}` +
            (options.environment === undefined ? " (the default)" : ""),
          `Set ${envName}=${hostEnvironment} and use ${hostEnvironment} credentials (UAT and production ` +
            "credentials differ: a mix-up is the most common cause of 401s)"
        ))
      } else if (hostEnvironment !== undefined && (authEnvironment === undefined || apiEnvironment === undefined)) {
        checks.push(warn(
          "hosts",
          `only one of the hosts is Unico's (${hostEnvironment}): token host ${authUrl}, API host ${apiUrl}`,
          `Use ${UnicoEnvironment.hosts[hostEnvironment].authUrl} and ${
            UnicoEnvironment.hosts[hostEnvironment].apiUrl
          }, or proxies of that same environment`
        ))
      } else if (
        hostEnvironment === undefined && target === "unico" && !(isLoopbackUrl(authUrl) && isLoopbackUrl(apiUrl))
      ) {
        checks.push(warn(
          "hosts",
          `neither ${authUrl} nor ${apiUrl} is one of Unico's documented hosts`,
          `Make sure both lead to Unico's ${environment} environment, the one your credentials belong to`
        ))
      } else {
        const where = hostEnvironment ?? (isLoopbackUrl(authUrl) ? "local" : "custom")
        checks.push(ok("hosts", `token host ${authUrl} and API host ${apiUrl} (${where})`))
      }
    }

    const apiKeyName = name("apiKey")
    const apiKeyFix = "Set the API key with the Liveness capability that Unico issued"
    checks.push(
      options.apiKey === undefined
        ? fail("API key", `${apiKeyName} is missing`, apiKeyFix)
        : Redacted.value(options.apiKey).trim() === ""
        ? fail("API key", `${apiKeyName} is empty`, apiKeyFix)
        : ok("API key", `${apiKeyName} is set`)
    )
    if (unreadable.timeout !== undefined) {
      checks.push(unreadable.timeout)
    }
    return checks
  })

const tokenFix = (error: LivenessError): string | undefined => {
  switch (error._tag) {
    case "AuthenticationFailed":
      return "The token endpoint refused the service account: check that the issuer and the private key belong to " +
        "the same service account, of the environment of the token host (UAT and production credentials differ), " +
        "and that the machine's clock is right"
    case "ProviderUnavailable":
    case "DeadlineExceeded":
      return "Cannot reach the token host: check the URL, the network, a proxy or a firewall"
    default:
      return undefined
  }
}

const apiKeyFix = (error: LivenessError): string | undefined => {
  switch (error._tag) {
    case "AccessDenied":
      return "The API key is unknown or lacks the Liveness capability: ask Unico for a key of this environment " +
        "with the Liveness capability"
    case "AuthenticationFailed":
      return "The API refused the access token: the token host and the API host must be of the same environment, " +
        "with credentials of that environment"
    case "ProviderUnavailable":
    case "DeadlineExceeded":
      return "Cannot reach the API host: check the URL, the network, a proxy or a firewall"
    default:
      return undefined
  }
}

/** The checks that talk to the provider: mint a token, then read a process that does not exist. */
export const networkChecks = (options: UnicoOptions.Options) =>
  Effect.scoped(Effect.gen(function*() {
    const checks: Array<Check> = []
    const context = yield* Layer.build(
      Liveness.layer.pipe(
        Layer.provideMerge(UnicoHttp.layer(options)),
        Layer.provide(UndiciHttpClient.layer()),
        Layer.provide(CheckPolicy.layer({ maxAttempts: 2, deadline: Duration.seconds(20), rateLimit: undefined }))
      )
    )
    const unico = Context.get(context, UnicoHttp.UnicoHttp)
    const token = yield* Effect.either(unico.token)
    if (Either.isLeft(token)) {
      checks.push(fail("token", token.left.message, tokenFix(token.left)))
      checks.push(skipped("API key accepted"))
      return checks
    }
    const expiresAt = yield* unico.tokenExpiresAt
    checks.push(ok(
      "token",
      expiresAt === undefined
        ? "minted"
        : `minted at ${unico.settings.authUrl}, expires ${new Date(expiresAt).toISOString()} (in ${
          Math.round((expiresAt - Date.now()) / 60_000)
        } min)`
    ))
    const probe = randomUUID()
    const read = yield* Effect.either(Liveness.getProcess(probe).pipe(Effect.provide(context)))
    if (Either.isRight(read) || read.left._tag === "ProcessNotFound") {
      checks.push(ok("API key accepted", `GET /processes/v1/${probe} answered with the key and token accepted`))
    } else {
      checks.push(fail("API key accepted", read.left.message, apiKeyFix(read.left)))
    }
    return checks
  }))

const anyUnicoSetting = Effect.map(
  Effect.all(UnicoConfig.variables.map((name) => Config.option(Config.string(name)))),
  (values) => values.some(Option.isSome)
)

const optionalText = (name: string) =>
  Effect.map(Config.option(Config.string(name)), (value) => Option.getOrUndefined(value))

/**
 * UNICO_* as given, each variable on its own (`UnicoConfig.config` refuses the whole when one is wrong): what is
 * missing stays undefined, what cannot be read becomes that setting's failed check.
 */
const readSettings: Effect.Effect<Settings, ConfigError.ConfigError> = Effect.gen(function*() {
  const text = yield* Effect.all({
    environment: optionalText(ENV.environment),
    issuer: optionalText(ENV.issuer),
    serviceAccount: optionalText(ENV.serviceAccount),
    tenantId: optionalText(ENV.tenantId),
    privateKeyFile: optionalText(ENV.privateKeyFile),
    authUrl: optionalText(ENV.authUrl),
    apiUrl: optionalText(ENV.apiUrl),
    timeout: optionalText(ENV.timeout)
  })
  const inline = Option.getOrUndefined(yield* Config.option(Config.redacted(ENV.privateKey)))
  const apiKey = Option.getOrUndefined(yield* Config.option(Config.redacted(ENV.apiKey)))
  const unreadable: { privateKey?: Check; environment?: Check; timeout?: Check } = {}

  let privateKey = inline
  if (inline === undefined && text.privateKeyFile !== undefined) {
    const pem = UnicoConfig.readPem(text.privateKeyFile)
    if (Either.isLeft(pem)) unreadable.privateKey = refused("private key", ENV.privateKeyFile, pem.left)
    else privateKey = pem.right
  }
  const environment = text.environment === undefined
    ? undefined
    : UnicoOptions.validate.environment(text.environment.toLowerCase())
  if (environment !== undefined && Either.isLeft(environment)) {
    unreadable.environment = refused("environment", ENV.environment, environment.left)
  }
  const timeout = text.timeout === undefined ? undefined : Number(text.timeout)
  if (timeout !== undefined && !(Number.isInteger(timeout) && timeout > 0)) {
    unreadable.timeout = fail(
      "timeout",
      `${ENV.timeout} is "${text.timeout}"`,
      "Give the timeout of one HTTP attempt in milliseconds, above 0 (default 15000)"
    )
  }
  const options = {
    ...defined({
      environment: environment === undefined ? undefined : Either.getOrUndefined(environment),
      issuer: text.issuer,
      serviceAccount: text.serviceAccount,
      tenantId: text.tenantId,
      authUrl: text.authUrl,
      apiUrl: text.apiUrl,
      timeout: unreadable.timeout === undefined && timeout !== undefined ? Duration.millis(timeout) : undefined
    }),
    privateKey,
    apiKey
  }
  // A key read from UNICO_PRIVATE_KEY_FILE that does not parse is that variable's fault, not UNICO_PRIVATE_KEY's.
  const names = inline === undefined && text.privateKeyFile !== undefined
    ? { ...ENV, privateKey: ENV.privateKeyFile }
    : ENV
  return { options, names, unreadable }
})

/** The provider's checks, against UNICO_* or, with none set, the embedded sandbox. */
const diagnoseProvider = Effect.scoped(Effect.gen(function*() {
  if (!(yield* anyUnicoSetting)) {
    const sandbox = yield* Sandbox.start({ rateLimit: false })
    const options = SandboxAdapter.adapterOptions(sandbox)
    const names = { privateKey: "the sandbox's key", apiKey: "the sandbox's API key" }
    const checks = [...yield* staticChecks({ options, names }, "sandbox"), ...yield* networkChecks(options)]
    return {
      target: "sandbox" as const,
      heading: "No UNICO_* variable is set: checking the embedded sandbox (the default provider, with its own " +
        "throwaway credentials). Set UNICO_* to check your Unico configuration.",
      checks
    }
  }
  const settings = yield* readSettings
  const statics = yield* staticChecks(settings, "unico")
  const { options } = settings
  const complete = options.privateKey !== undefined && options.apiKey !== undefined
    ? { ...options, privateKey: options.privateKey, apiKey: options.apiKey }
    : undefined
  const full = complete === undefined ? undefined : yield* Effect.either(UnicoOptions.resolve(complete))
  const rest = statics.some((check) => check.status === "FAIL") || complete === undefined || full === undefined
    ? [skipped("token"), skipped("API key accepted")]
    : Either.isLeft(full)
    ? [ofSettingError("settings", full.left), skipped("token"), skipped("API key accepted")]
    : yield* networkChecks(complete)
  return {
    target: "unico" as const,
    heading: `Checking the Unico configuration from UNICO_* (environment ${options.environment ?? "uat"})`,
    checks: [...statics, ...rest]
  }
}))

/** All the checks: the provider's, then Redis's when LIVENESS_REDIS_URL is set. */
export const diagnose = Effect.map(
  Effect.all([diagnoseProvider, DoctorRedis.checks]),
  ([report, redis]) => ({ ...report, checks: [...report.checks, ...redis] })
)

const passed = (checks: ReadonlyArray<Check>) =>
  checks.every((check) => check.status === "ok" || check.status === "warn")

export const command = Command.make("doctor", { json }, (flags) =>
  Effect.gen(function*() {
    const report = yield* diagnose
    const allPassed = passed(report.checks)
    if (flags.json) {
      yield* Console.log(JSON.stringify({ target: report.target, ok: allPassed, checks: report.checks }))
    } else {
      const lines = [report.heading]
      for (const check of report.checks) {
        lines.push(`  ${check.status.padEnd(7)} ${check.name}: ${check.detail}`)
        if (check.fix !== undefined && check.status !== "ok") lines.push(`          fix: ${check.fix}`)
      }
      lines.push(allPassed ? "All checks passed." : "Some checks failed: see the fixes above.")
      yield* Console.log(lines.join("\n"))
    }
    yield* ExitCode.set(allPassed ? ExitCode.LIVE : ExitCode.PROVIDER_ERROR)
  }).pipe(
    Effect.catchAll((error) => ConfigProblem.report(error, Console.error))
  )).pipe(
    Command.withDescription(
      "Check the Unico configuration (UNICO_*) step by step, each failure with its fix: the private key, the " +
        "issuer, the hosts' environment (UAT vs production), a token, the API key; and Redis when " +
        "LIVENESS_REDIS_URL is set. With no UNICO_* set, checks the embedded sandbox.\n" +
        "Example: liveness doctor   (with UNICO_ISSUER, UNICO_PRIVATE_KEY_FILE and UNICO_API_KEY set)\n" +
        "Exit codes: 0 all checks passed (warnings allowed), 4 a check failed."
    )
  )
