import { afterEach, beforeEach, describe, expect, it } from "@effect/vitest"
import { Fixtures } from "@liveness/fake"
import { RedisServer } from "@liveness/redis/testing"
import { Sandbox } from "@liveness/sandbox"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import { generateKeyPairSync, randomUUID } from "node:crypto"
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ExitCode } from "../src/index.js"
import { runCli } from "./support.js"

const dir = mkdtempSync(join(tmpdir(), "liveness-cli-commands-"))
const write = (path: string, content: string | Uint8Array) => {
  mkdirSync(join(path, ".."), { recursive: true })
  writeFileSync(path, content)
  return path
}
const lines = (path: string) =>
  readFileSync(path, "utf8").split("\n").filter((line) => line !== "").map((line) => JSON.parse(line))

// One sandbox per test: the sandbox, like Unico, refuses an assertion it has seen, and two commands minting a
// token in the same second sign identical assertions. Tests that run several commands wait a second between.
let scope: Scope.CloseableScope
let sandbox: Sandbox.Sandbox

beforeEach(async () => {
  scope = Effect.runSync(Scope.make())
  sandbox = await Effect.runPromise(Sandbox.start({ rateLimit: false }).pipe(Scope.extend(scope)))
})
afterEach(() => Effect.runPromise(Scope.close(scope, Exit.void)))

/** Waits for the next second, so the next command's token assertion differs from the last one's. */
const apart = Effect.sleep("1100 millis")

/** The environment of a real-Unico configuration pointed at the test's sandbox, with overrides. */
const unico = (overrides: Record<string, string | undefined> = {}) => {
  const env: Record<string, string | undefined> = {
    ...Sandbox.unicoEnvironment(sandbox),
    ...overrides
  }
  const entries = Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined)
  return Effect.withConfigProvider(ConfigProvider.fromMap(new Map(entries)))
}

describe("liveness get", () => {
  it.live("reads back a process that check created, with the same output and exit code", () =>
    Effect.gen(function*() {
      const path = write(join(dir, "get", "not-live.jwt"), Fixtures.sdkPayload({ scenario: "not-live" }))
      const checked = yield* runCli(["check", path, "--json"]).pipe(unico())
      expect(checked.code).toBe(ExitCode.NOT_LIVE)
      const id = JSON.parse(checked.out).process.id as string
      // UNICO_* on loopback: a sandbox, by id for scripts.
      expect(JSON.parse(checked.out).provider).toBe("sandbox")
      yield* apart
      const { code, out } = yield* runCli(["get", id, "--json"]).pipe(unico())
      expect(code).toBe(ExitCode.NOT_LIVE)
      expect(JSON.parse(out)).toMatchObject({ verdict: "not-live", process: { id, status: 3, liveness: 2 } })
      yield* apart
      const text = yield* runCli(["get", id]).pipe(unico())
      expect(text.out).toMatch(/verdict: +not-live/)
      expect(text.out).toContain(id)
      expect(text.out).toMatch(
        /provider: sandbox at http:\/\/127\.0\.0\.1:\d+ \(a local Unico-compatible server, such as liveness sandbox; not Unico's API\)/
      )
      expect(text.out).not.toContain("the real Unico IDCloud API")
    }))

  it.live("an unknown process is invalid input (3), with the error as JSON", () =>
    Effect.gen(function*() {
      const { code, out } = yield* runCli(["get", randomUUID(), "--json"]).pipe(unico())
      expect(code).toBe(ExitCode.INVALID_INPUT)
      expect(JSON.parse(out).error).toMatchObject({ tag: "ProcessNotFound", code: "process_not_found" })
      // A sandbox that outlives the command: not found means not found.
      expect(JSON.parse(out).error.hint).toBeUndefined()
    }))

  it.live("on the embedded default, not found says why (a fresh sandbox per command) and what to do", () =>
    Effect.gen(function*() {
      const embedded = Effect.withConfigProvider(ConfigProvider.fromMap(new Map()))
      const id = randomUUID()
      const text = yield* runCli(["get", id]).pipe(embedded)
      expect(text.code).toBe(ExitCode.INVALID_INPUT)
      expect(text.err).toContain(`Process ${id} was not found.`)
      expect(text.err).toContain("the embedded sandbox, which every liveness command starts anew and empty")
      expect(text.err).toContain("run `liveness sandbox` in another terminal, set the UNICO_* lines it prints")
      const json = yield* runCli(["get", id, "--json"]).pipe(embedded)
      expect(JSON.parse(json.out).error).toMatchObject({ tag: "ProcessNotFound", code: "process_not_found" })
      expect(JSON.parse(json.out).error.hint).toContain("liveness sandbox")
      const fake = yield* runCli(["get", id]).pipe(
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["LIVENESS_PROVIDER", "fake"]])))
      )
      expect(fake.err).toContain("the in-memory fake, which every liveness command starts anew")
    }))

  it.live("an id that is not a UUID is invalid input, before any request", () =>
    Effect.gen(function*() {
      const { code, err } = yield* runCli(["get", "not-a-uuid"]).pipe(unico())
      expect(code).toBe(ExitCode.INVALID_INPUT)
      expect(err).toContain("must be a process id")
    }))

  it.live("a refused API key exits 4", () =>
    Effect.gen(function*() {
      const { code, err } = yield* runCli(["get", randomUUID()]).pipe(unico({ UNICO_API_KEY: "wrong" }))
      expect(code).toBe(ExitCode.PROVIDER_ERROR)
      expect(err).toContain("denied")
    }))
})

describe("liveness doctor", () => {
  it.live("with no UNICO_* set, checks the embedded sandbox and says so", () =>
    Effect.gen(function*() {
      const { code, out } = yield* runCli(["doctor"])
      expect(code).toBe(0)
      expect(out).toContain("embedded sandbox")
      expect(out).toMatch(/ok +token: minted .* expires \d{4}-/)
      expect(out).toContain("All checks passed")
    }))

  it.live("a working UNICO_* configuration passes every check (--json)", () =>
    Effect.gen(function*() {
      const { code, out } = yield* runCli(["doctor", "--json"]).pipe(unico())
      expect(code).toBe(0)
      const report = JSON.parse(out)
      expect(report).toMatchObject({ target: "unico", ok: true })
      expect(report.checks.map((check: { name: string }) => check.name)).toEqual([
        "private key",
        "issuer",
        "hosts",
        "API key",
        "token",
        "API key accepted"
      ])
      expect(report.checks.every((check: { status: string }) => check.status === "ok")).toBe(true)
      expect(out).not.toContain(Redacted.value(sandbox.apiKey))
    }))

  it.live("a non-RSA key fails with the fix, and no request is made", () =>
    Effect.gen(function*() {
      const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" })
      const mintsBefore = (yield* sandbox.stats).tokenMints
      const { code, out } = yield* runCli(["doctor"]).pipe(unico({ UNICO_PRIVATE_KEY: ec.toString() }))
      expect(code).toBe(ExitCode.PROVIDER_ERROR)
      expect(out).toMatch(/FAIL +private key: UNICO_PRIVATE_KEY is an EC key; Unico signs with RSA\n/)
      expect(out).toContain("fix: Use the service account's RSA private key")
      expect(out).toMatch(/skipped +token/)
      expect((yield* sandbox.stats).tokenMints).toBe(mintsBefore)
    }))

  it.live("an issuer of the wrong form fails with the fix", () =>
    Effect.gen(function*() {
      const { code, out } = yield* runCli(["doctor"]).pipe(unico({ UNICO_ISSUER: "sandbox@tenant" }))
      expect(code).toBe(ExitCode.PROVIDER_ERROR)
      expect(out).toMatch(/FAIL +issuer: UNICO_ISSUER does not have the form/)
    }))

  it.live("a UAT/production host mix-up fails before any request", () =>
    Effect.gen(function*() {
      const { code, out } = yield* runCli(["doctor", "--json"]).pipe(unico({
        UNICO_AUTH_URL: "https://identity.acesso.io",
        UNICO_API_URL: "https://api.id.uat.unico.app"
      }))
      expect(code).toBe(ExitCode.PROVIDER_ERROR)
      const hosts = JSON.parse(out).checks.find((check: { name: string }) => check.name === "hosts")
      expect(hosts).toMatchObject({ status: "FAIL" })
      expect(hosts.detail).toContain("the API host is uat but the token host is production")
      expect(JSON.parse(out).checks.find((check: { name: string }) => check.name === "token").status).toBe("skipped")
    }))

  it.live("warns when UNICO_ENVIRONMENT does not match the hosts", () =>
    Effect.gen(function*() {
      // A bad issuer too, so that no request leaves for Unico's real hosts.
      const { out } = yield* runCli(["doctor", "--json"]).pipe(unico({
        UNICO_ENVIRONMENT: "production",
        UNICO_AUTH_URL: "https://identityhomolog.acesso.io",
        UNICO_API_URL: "https://api.id.uat.unico.app",
        UNICO_ISSUER: "nope"
      }))
      const hosts = JSON.parse(out).checks.find((check: { name: string }) => check.name === "hosts")
      expect(hosts.status).toBe("warn")
      expect(hosts.detail).toContain("uat hosts but UNICO_ENVIRONMENT is production")
    }))

  it.live("an API key the provider refuses fails the last check, exit 4", () =>
    Effect.gen(function*() {
      const { code, out } = yield* runCli(["doctor"]).pipe(unico({ UNICO_API_KEY: "not-the-key" }))
      expect(code).toBe(ExitCode.PROVIDER_ERROR)
      expect(out).toMatch(/ok +token: minted/)
      expect(out).toMatch(/FAIL +API key accepted: The provider denied access/)
      expect(out).toContain("Liveness capability")
      expect(out).not.toContain("not-the-key")
    }))

  it.live("a missing setting is reported with its variable, the other checks still run", () =>
    Effect.gen(function*() {
      const { code, out } = yield* runCli(["doctor"]).pipe(unico({ UNICO_API_KEY: undefined }))
      expect(code).toBe(ExitCode.PROVIDER_ERROR)
      expect(out).toMatch(/FAIL +API key: UNICO_API_KEY is missing\n +fix: Set the API key/)
      expect(out).toMatch(/ok +private key: an RSA key \(2048 bits\) from UNICO_PRIVATE_KEY/)
      expect(out).toMatch(/ok +issuer: /)
      expect(out).toMatch(/skipped +token/)
    }))

  /** doctor --json with only these UNICO_* variables set: each check's status and detail, by name. */
  const only = (env: Record<string, string>) =>
    runCli(["doctor", "--json"]).pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))))
  const byName = (out: string) =>
    Object.fromEntries(
      (JSON.parse(out).checks as Array<{ name: string; status: string; detail: string; fix?: string }>).map((
        check
      ) => [check.name, check])
    )

  it.live("only a broken UNICO_PRIVATE_KEY: the key, the missing issuer and the missing API key, all at once", () =>
    Effect.gen(function*() {
      const { code, out } = yield* only({ UNICO_PRIVATE_KEY: "not-a-key-but-a-secret" })
      expect(code).toBe(ExitCode.PROVIDER_ERROR)
      const checks = byName(out)
      expect(Object.keys(checks)).toEqual(["private key", "issuer", "hosts", "API key", "token", "API key accepted"])
      expect(checks["private key"]).toMatchObject({
        status: "FAIL",
        detail: "UNICO_PRIVATE_KEY is not a PEM private key that can be read"
      })
      expect(checks["issuer"]).toMatchObject({
        status: "FAIL",
        detail: "UNICO_ISSUER (or UNICO_SERVICE_ACCOUNT and UNICO_TENANT_ID) is missing"
      })
      expect(checks["issuer"]!.fix).toContain("iam.acesso.io")
      expect(checks["hosts"]!.status).toBe("ok")
      expect(checks["API key"]).toMatchObject({ status: "FAIL", detail: "UNICO_API_KEY is missing" })
      expect(checks["API key"]!.fix).toContain("Liveness capability")
      expect(checks["token"]!.status).toBe("skipped")
      expect(out).not.toContain("not-a-key-but-a-secret")
    }))

  it.live("only an EC key: an EC key, in those words, with the issuer and the API key missing", () =>
    Effect.gen(function*() {
      const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" })
      const { code, out } = yield* only({ UNICO_PRIVATE_KEY: ec.toString() })
      expect(code).toBe(ExitCode.PROVIDER_ERROR)
      const checks = byName(out)
      expect(checks["private key"]).toMatchObject({
        status: "FAIL",
        detail: "UNICO_PRIVATE_KEY is an EC key; Unico signs with RSA"
      })
      expect(checks["issuer"]!.status).toBe("FAIL")
      expect(checks["API key"]!.status).toBe("FAIL")
      expect(out).not.toContain(ec.toString().split("\n")[1])
    }))

  it.live("an unreadable key file, an unknown environment and a bad timeout: each on its own line", () =>
    Effect.gen(function*() {
      const ed = generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString()
      const { code, out } = yield* only({
        UNICO_PRIVATE_KEY_FILE: join(dir, "no-such-key.pem"),
        UNICO_ENVIRONMENT: "staging",
        UNICO_TIMEOUT_MS: "soon",
        UNICO_ISSUER: "svc@tenant.iam.acesso.io",
        UNICO_API_KEY: "k"
      })
      expect(code).toBe(ExitCode.PROVIDER_ERROR)
      const checks = byName(out)
      expect(checks["private key"]).toMatchObject({
        status: "FAIL",
        detail: "UNICO_PRIVATE_KEY_FILE cannot be read (ENOENT)"
      })
      expect(checks["environment"]).toMatchObject({ status: "FAIL", detail: "UNICO_ENVIRONMENT is \"staging\"" })
      expect(checks["timeout"]).toMatchObject({ status: "FAIL", detail: "UNICO_TIMEOUT_MS is \"soon\"" })
      expect(checks["issuer"]!.status).toBe("ok")
      expect(checks["API key"]!.status).toBe("ok")
      // A key file of the wrong type names the file's variable.
      const file = write(join(dir, "ed25519.pem"), ed)
      const typed = byName((yield* only({ UNICO_PRIVATE_KEY_FILE: file })).out)
      expect(typed["private key"]!.detail).toBe("UNICO_PRIVATE_KEY_FILE is an Ed25519 key; Unico signs with RSA")
    }))
})

describe("liveness doctor with LIVENESS_REDIS_URL", () => {
  it.scopedLive("a reachable Redis passes, with where the quota is shared and what happens without it", () =>
    Effect.gen(function*() {
      const url = yield* RedisServer.shared
      const { code, out } = yield* runCli(["doctor"]).pipe(
        unico({ LIVENESS_REDIS_URL: url, LIVENESS_REPLICAS: "3", LIVENESS_REDIS_PREFIX: `doctor-${randomUUID()}:` })
      )
      expect(code).toBe(0)
      expect(out).toMatch(
        /ok +Redis: redis:\/\/127\.0\.0\.1:\d+ answered in \d+ms; quota and token shared under doctor-/
      )
      expect(out).toContain("a local limit of 3/s (quota 10 ÷ 3 replicas)")
    }))

  it.scopedLive("an unreachable Redis fails with the fix and the degraded mode; a password never shows", () =>
    Effect.gen(function*() {
      const server = yield* RedisServer.start()
      yield* server.kill
      const withPassword = server.url.replace("redis://", "redis://:hunter2redis@")
      const { code, out } = yield* runCli(["doctor"]).pipe(unico({ LIVENESS_REDIS_URL: withPassword }))
      expect(code).toBe(ExitCode.PROVIDER_ERROR)
      expect(out).toMatch(/FAIL +Redis: redis:\/\/127\.0\.0\.1:\d+ did not answer \(ECONNREFUSED\)/)
      expect(out).toContain("fix: Start Redis or correct LIVENESS_REDIS_URL")
      expect(out).not.toContain("hunter2redis")
    }))

  it.live("a URL that is not Redis's is a failed check naming the variable", () =>
    Effect.gen(function*() {
      const { code, out } = yield* runCli(["doctor"]).pipe(unico({ LIVENESS_REDIS_URL: "http://cache:6379" }))
      expect(code).toBe(ExitCode.PROVIDER_ERROR)
      expect(out).toMatch(/FAIL +Redis: LIVENESS_REDIS_URL is not a Redis URL/)
    }))
})

describe("liveness batch", () => {
  const captures = (name: string, scenarios: ReadonlyArray<Parameters<typeof Fixtures.sdkPayload>[0]>) => {
    const folder = join(dir, name)
    scenarios.forEach((options, i) =>
      write(join(folder, `capture-${String(i).padStart(3, "0")}.jwt`), Fixtures.sdkPayload(options))
    )
    return folder
  }

  it.live("checks every file of a directory, one line each, never the payload; a second run resumes", () =>
    Effect.gen(function*() {
      const folder = captures("batch-dir", [{}, { scenario: "not-live" }, { scenario: "processing-error" }, {}])
      write(join(folder, "notes.txt"), "not a capture")
      write(join(folder, ".hidden"), "ignored")
      const out = join(dir, "batch-dir-results.jsonl")
      const first = yield* runCli(["batch", folder, "--out", out, "--concurrency", "2"]).pipe(unico())
      expect(first.code).toBe(0)
      const written = lines(out)
      expect(written).toHaveLength(5)
      const byFile = Object.fromEntries(written.map((line) => [line.file.split("/").pop(), line]))
      expect(byFile["capture-000.jwt"]).toMatchObject({ verdict: "live", status: 3, liveness: 1, attempts: 1 })
      expect(byFile["capture-000.jwt"].processId).toMatch(/^[0-9a-f-]{36}$/)
      expect(byFile["capture-001.jwt"].verdict).toBe("not-live")
      expect(byFile["capture-002.jwt"].verdict).toBe("retry-capture")
      expect(byFile["notes.txt"].error).toMatchObject({ tag: "InvalidRequest", code: "invalid_request" })
      expect(readFileSync(out, "utf8")).not.toContain(readFileSync(join(folder, "capture-000.jwt"), "utf8"))
      expect(first.out).toMatch(/verdict live +2/)
      expect(first.out).toMatch(/error InvalidRequest +1/)
      expect(first.err).toMatch(/progress: 5\/5 \(100%\)/)

      yield* apart
      const second = yield* runCli(["batch", folder, "--out", out]).pipe(unico())
      expect(second.code).toBe(0)
      expect(second.err).toContain("resuming: 5 capture(s)")
      expect(second.out).toMatch(/checked now +0/)
      expect(lines(out)).toHaveLength(5)
    }))

  it.live("two files with the same capture: one submission, the second line marked replayed, and the summary says so", () =>
    Effect.gen(function*() {
      const folder = join(dir, "batch-copies")
      const payload = Fixtures.sdkPayload()
      write(join(folder, "capture.jwt"), payload)
      write(join(folder, "capture-copy.jwt"), payload)
      write(join(folder, "other.jwt"), Fixtures.sdkPayload())
      const out = join(dir, "batch-copies.jsonl")
      const { code, out: stdout } = yield* runCli(["batch", folder, "--out", out, "--concurrency", "2"]).pipe(unico())
      expect(code).toBe(0)
      const byFile = Object.fromEntries(lines(out).map((line) => [line.file.split("/").pop(), line]))
      const copies = [byFile["capture.jwt"], byFile["capture-copy.jwt"]]
      // Which copy went first depends on the schedule; exactly one of them was sent.
      expect(copies.map((line) => line.replayed === true).sort()).toEqual([false, true])
      expect(copies[0].processId).toBe(copies[1].processId)
      expect(byFile["other.jwt"].replayed).toBeUndefined()
      const stats = yield* sandbox.stats
      expect(stats.submissionsByPayload[Fixtures.fingerprint(payload)]).toEqual(["200"])
      expect(stats.submissions).toBe(2)
      expect(stdout).toMatch(/verdict live +3/)
      expect(stdout).toMatch(/replayed, not sent again +1/)
    }))

  it.live("a manifest: relative paths, per-line subjects over the flags' defaults, bad lines reported (exit 3)", () =>
    Effect.gen(function*() {
      const folder = captures("batch-manifest", [{}, {}, {}])
      const manifest = write(
        join(folder, "manifest.jsonl"),
        [
          JSON.stringify({ file: "capture-000.jwt" }),
          JSON.stringify({ file: "capture-001.jwt", cpf: "00000000191", name: "Test Subject" }),
          "{not json",
          JSON.stringify({ cpf: "12345678909" }),
          JSON.stringify({ file: "capture-002.jwt", cpf: 123 }),
          JSON.stringify({ file: "missing.jwt" }),
          ""
        ].join("\n")
      )
      const out = join(dir, "out", "manifest-results.jsonl")
      const { code, err, out: stdout } = yield* runCli([
        "batch",
        manifest,
        "--out",
        out,
        "--cpf",
        "12345678909",
        "--name",
        "Luke Skywalker"
      ]).pipe(unico())
      expect(code).toBe(ExitCode.INVALID_INPUT)
      expect(err).toContain("manifest.jsonl:3: is not JSON")
      expect(err).toContain("manifest.jsonl:4: has no \"file\"")
      expect(err).toContain("manifest.jsonl:5: \"cpf\" must be a string")
      expect(stdout).toMatch(/invalid manifest lines +3/)
      const written = Object.fromEntries(lines(out).map((line) => [line.file.split("/").pop(), line]))
      expect(Object.keys(written).sort()).toEqual(["capture-000.jwt", "capture-001.jwt", "missing.jwt"])
      expect(written["capture-000.jwt"].verdict).toBe("live")
      // The manifest's CPF (a magic value of the fake) wins over the --cpf default.
      expect(written["capture-001.jwt"].verdict).toBe("not-live")
      expect(written["missing.jwt"].error).toMatchObject({ tag: "CaptureFileError", code: "capture_file" })
      expect(written["missing.jwt"].error.message).toContain("no such file")
    }))

  it.live("a refused API key stops the batch: exit 4, nothing written, so a later run checks them all", () =>
    Effect.gen(function*() {
      const folder = captures("batch-denied", [{}, {}, {}])
      const out = join(dir, "batch-denied.jsonl")
      const { code, err, out: stdout } = yield* runCli(["batch", folder, "--out", out]).pipe(
        unico({ UNICO_API_KEY: "wrong" })
      )
      expect(code).toBe(ExitCode.PROVIDER_ERROR)
      expect(err).toContain("The batch stopped: AccessDenied")
      expect(stdout).toMatch(/stopped by +AccessDenied/)
      expect(readFileSync(out, { encoding: "utf8", flag: "a+" })).toBe("")
    }))

  it.live("a configuration error exits 4 before any check", () =>
    Effect.gen(function*() {
      const folder = captures("batch-config", [{}])
      const { code, err } = yield* runCli(["batch", folder, "--out", join(dir, "config.jsonl")]).pipe(
        unico({ UNICO_ISSUER: "bad" })
      )
      expect(code).toBe(ExitCode.PROVIDER_ERROR)
      expect(err).toContain("UNICO_ISSUER")
    }))

  it.live("--concurrency 0 and a missing input are invalid input", () =>
    Effect.gen(function*() {
      const folder = captures("batch-args", [{}])
      const zero = yield* runCli(["batch", folder, "--out", join(dir, "zero.jsonl"), "--concurrency", "0"])
      expect(zero.code).toBe(ExitCode.INVALID_INPUT)
      const missing = yield* runCli(["batch", join(dir, "nowhere"), "--out", join(dir, "nowhere.jsonl")])
      expect(missing.code).toBe(ExitCode.INVALID_INPUT)
    }))
})

describe("liveness fixtures and --help", () => {
  it.live("an unknown scenario is invalid input", () =>
    Effect.gen(function*() {
      const { code } = yield* runCli(["fixtures", "no-such-scenario"])
      expect(code).toBe(ExitCode.INVALID_INPUT)
    }))

  it.live("every command has help with an example", () =>
    Effect.gen(function*() {
      for (const name of ["check", "get", "batch", "doctor", "sandbox", "fixtures"]) {
        const { code, out } = yield* runCli([name, "--help"])
        expect(code, name).toBe(0)
        expect(out, name).toMatch(new RegExp(`Example: liveness ${name}`))
      }
      const root = yield* runCli(["--help"])
      expect(root.out).toContain("batch")
      expect(root.out).toContain("doctor")
    }))
})
