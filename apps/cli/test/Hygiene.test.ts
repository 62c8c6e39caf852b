/**
 * Secret hygiene of the CLI at debug level, on the real HTTP path against a sandbox: check (live, provider
 * refusals, retries), get, batch, doctor, and our credentials refused. Nothing printed on stdout or stderr may
 * contain the private key, the API key, a bearer token, a 16-character slice of a payload, a CPF or a name.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Fixtures, Leaks } from "@liveness/fake"
import { Sandbox } from "@liveness/sandbox"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { runCli } from "./support.js"

const NAME = "Padme Naberrie Amidala"
const CPFS = ["12345678909", "00000000191", "00000000604", "00000000868"]

let scope: Scope.CloseableScope
let sandbox: Sandbox.Sandbox
const dir = mkdtempSync(join(tmpdir(), "liveness-cli-hygiene-"))

beforeAll(async () => {
  scope = Effect.runSync(Scope.make())
  sandbox = await Effect.runPromise(Sandbox.start({ rateLimit: false }).pipe(Scope.extend(scope)))
})
afterAll(() => Effect.runPromise(Scope.close(scope, Exit.void)))

const env = (overrides: Record<string, string> = {}) =>
  ConfigProvider.fromMap(
    new Map(Object.entries({
      ...Sandbox.unicoEnvironment(sandbox),
      LIVENESS_LOG_LEVEL: "debug",
      LIVENESS_MAX_ATTEMPTS: "2",
      LIVENESS_BASE_DELAY_MS: "10",
      LIVENESS_MAX_DELAY_MS: "20",
      ...overrides
    }))
  )

describe("CLI secret hygiene at debug level", () => {
  it.live("prints nothing secret or personal, on either stream", () =>
    Effect.gen(function*() {
      const printed: Array<string> = []
      const payloads: Array<string> = []
      const run = (args: ReadonlyArray<string>, overrides?: Record<string, string>) =>
        Effect.tap(runCli(args).pipe(Effect.withConfigProvider(env(overrides))), ({ err, out }) => {
          printed.push(out, err)
        })
      let processId = ""
      for (const [i, cpf] of CPFS.entries()) {
        const payload = Fixtures.sdkPayload({ size: 3000 })
        payloads.push(payload)
        const path = join(dir, `capture-${i}.jwt`)
        writeFileSync(path, payload)
        const { out } = yield* run(["check", path, "--cpf", cpf, "--name", NAME, "--json"])
        if (i === 0) processId = (JSON.parse(out) as { process: { id: string } }).process.id
      }
      yield* run(["get", processId])
      const batchDir = join(dir, "batch")
      for (let i = 0; i < 3; i++) {
        const payload = Fixtures.sdkPayload()
        payloads.push(payload)
        writeFileSync(join(dir, `b${i}.jwt`), payload)
      }
      yield* run(["batch", dir, "--out", join(batchDir, "results.jsonl"), "--cpf", "12345678909", "--name", NAME])
      yield* run(["doctor"])
      // Our own credentials refused: an issuer of another tenant (1.0.1).
      const refused = Fixtures.sdkPayload()
      payloads.push(refused)
      writeFileSync(join(dir, "refused.jwt"), refused)
      yield* run(["check", join(dir, "refused.jwt"), "--cpf", "12345678909", "--name", NAME], {
        UNICO_ISSUER: sandbox.issuer.replace(/@[^.]+\./, "@othertenant.")
      })

      const everything = printed.join("\n")
      expect(everything).toContain("retrying provider request")
      expect(
        Leaks.find(everything, {
          secrets: {
            "the API key": Redacted.value(sandbox.apiKey),
            "the name": NAME,
            ...Object.fromEntries(CPFS.map((cpf, i) => [`CPF number ${i + 1}`, cpf]))
          },
          privateKeys: [Redacted.value(sandbox.privateKey)],
          payloads
        })
      ).toEqual([])
    }), 60_000)
})
