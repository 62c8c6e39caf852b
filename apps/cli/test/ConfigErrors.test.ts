/**
 * Configuration errors as users get them from the built binary: whichever layer refuses a setting (a Config of
 * the policy or of UNICO_*, the provider selection, the Redis settings), the command prints one
 * `Configuration error: <setting>: <problem>. <fix>` line and exits 4. `ConfigProblem` recognises them by type.
 */
import { beforeAll, describe, expect, it } from "@effect/vitest"
import { SettingError } from "@liveness/core"
import { RedisConfigError } from "@liveness/redis"
import { ProviderConfigError } from "@liveness/runtime"
import { UnicoConfigError } from "@liveness/unico-http"
import * as ConfigError from "effect/ConfigError"
import { execFile } from "node:child_process"
import { generateKeyPairSync } from "node:crypto"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import * as ConfigProblem from "../src/ConfigProblem.js"
import * as ExitCode from "../src/ExitCode.js"
import { tsc } from "./support.js"

const app = join(dirname(fileURLToPath(import.meta.url)), "..")
// A build of its own (not Help.test's build/bin), so that the two never write the same files at once.
const bin = join(app, "build", "config-bin", "bin.js")
const dir = mkdtempSync(join(tmpdir(), "liveness-config-"))
const capture = join(dir, "capture.jwt")

/** `liveness <args>` with only `env` of the configuration variables: exit code and both outputs. */
const run = (args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  new Promise<{ code: number; out: string; err: string }>((resolve) => {
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(([name]) =>
        !name.startsWith("UNICO_") && !name.startsWith("LIVENESS_") && !name.startsWith("GATEWAY_")
      )
    )
    execFile(
      process.execPath,
      [bin, ...args],
      { env: { ...inherited, ...env } },
      (error, out, err) => resolve({ code: error === null ? 0 : Number(error.code), out, err })
    )
  })

const pem = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" })
  .toString()
const unico = { UNICO_ISSUER: "acct@tenant1.iam.acesso.io", UNICO_PRIVATE_KEY: pem, UNICO_API_KEY: "k" }

beforeAll(async () => {
  tsc([
    "-p",
    "tsconfig.build.json",
    "--outDir",
    "build/config-bin",
    "--tsBuildInfoFile",
    ".tsbuildinfo/config-bin.tsbuildinfo"
  ])
  expect((await run(["fixtures", "live", "--out", capture])).code).toBe(0)
}, 300_000)

describe("a configuration error, from the built CLI", () => {
  it.each([
    [
      "a UNICO_* Config (ConfigError at UNICO_ISSUER): today's words",
      { ...unico, UNICO_ISSUER: "acct@tenant1" },
      "Configuration error: UNICO_ISSUER: does not have the form <service account>@<tenant id>.iam.acesso.io. Copy " +
      "the account name and tenant id from Unico's credentials; the issuer ends in .iam.acesso.io"
    ],
    [
      "the key file (ConfigError at UNICO_PRIVATE_KEY_FILE)",
      { UNICO_ISSUER: unico.UNICO_ISSUER, UNICO_API_KEY: "k", UNICO_PRIVATE_KEY_FILE: join(dir, "absent.pem") },
      "Configuration error: UNICO_PRIVATE_KEY_FILE: cannot be read (ENOENT). Point it at the service account's " +
      ".pem file, readable by this process"
    ],
    [
      "the UAT/production mix (ConfigError naming both variables)",
      { ...unico, UNICO_API_URL: "https://api.id.unico.app", UNICO_AUTH_URL: "https://identityhomolog.acesso.io" },
      "Configuration error: UNICO_API_URL and UNICO_AUTH_URL: the API host is production but the token host is uat."
    ],
    [
      "the policy (ConfigError at LIVENESS_MAX_ATTEMPTS)",
      { LIVENESS_PROVIDER: "fake", LIVENESS_MAX_ATTEMPTS: "0" },
      "Configuration error: LIVENESS_MAX_ATTEMPTS: must be a whole number of at least 1"
    ],
    [
      "the provider selection (ProviderConfigError)",
      { LIVENESS_PROVIDER: "mock" },
      "Configuration error: LIVENESS_PROVIDER: is \"mock\". Use unico (real Unico, with UNICO_* credentials), " +
      "sandbox (embedded local Unico) or fake (in memory)"
    ],
    [
      "the Redis settings (RedisConfigError)",
      { LIVENESS_PROVIDER: "fake", LIVENESS_REDIS_URL: "http://cache:6379" },
      "Configuration error: LIVENESS_REDIS_URL: is not a Redis URL. Use redis://[user:password@]host[:port][/db]"
    ]
  ])("%s: one line, exit code 4", async (_, env, words) => {
    const { code, err, out } = await run(["check", capture], env)
    expect(code).toBe(ExitCode.PROVIDER_ERROR)
    expect(out).toBe("")
    expect(err.startsWith(words)).toBe(true)
    expect(err.trimEnd().split("\n")).toHaveLength(1)
    expect(err).not.toContain(pem.slice(40, 80))
  }, 60_000)

  it("with --json, the same message as a configuration problem on standard output", async () => {
    const { code, out } = await run(["check", capture, "--json"], {
      LIVENESS_PROVIDER: "fake",
      LIVENESS_REDIS_URL: "redis://127.0.0.1:1",
      LIVENESS_REPLICAS: "0"
    })
    expect(code).toBe(ExitCode.PROVIDER_ERROR)
    expect(JSON.parse(out)).toEqual({
      error: {
        tag: "UsageError",
        code: "configuration",
        message: "Configuration error: LIVENESS_REPLICAS: is not a whole number of at least 1. Set the number of " +
          "replicas that share the tenant's quota"
      }
    })
  }, 60_000)
})

describe("ConfigProblem", () => {
  const fields = { setting: "S", problem: "is wrong", fix: "Fix it" }

  it("recognises every SettingError class and ConfigError by type, not by tag", () => {
    for (const error of [new UnicoConfigError(fields), new RedisConfigError(fields), new ProviderConfigError(fields)]) {
      expect(SettingError.is(error)).toBe(true)
      expect(ConfigProblem.is(error)).toBe(true)
      expect(ConfigProblem.message(error)).toBe("Configuration error: S: is wrong. Fix it")
    }
    expect(ConfigProblem.is(ConfigError.InvalidData(["UNICO_ISSUER"], "is wrong. Fix it"))).toBe(true)
    // A look-alike with the tag and fields is not one: the type id is what counts.
    expect(ConfigProblem.is({ _tag: "UnicoConfigError", ...fields })).toBe(false)
    expect(ConfigProblem.is(new Error("S: is wrong"))).toBe(false)
  })

  it("prints a ConfigError as <variable>: <message>, each problem of a combined one", () => {
    const both = ConfigError.And(
      ConfigError.InvalidData(["UNICO_ISSUER"], "is wrong. Fix it"),
      ConfigError.MissingData(["UNICO_API_KEY"], "is missing. Set it")
    )
    expect(ConfigProblem.message(both)).toBe(
      "Configuration error: UNICO_ISSUER: is wrong. Fix it; UNICO_API_KEY: is missing. Set it"
    )
  })
})
