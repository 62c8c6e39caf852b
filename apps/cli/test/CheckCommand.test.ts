import { describe, expect, it } from "@effect/vitest"
import { Fixtures } from "@liveness/fake"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ExitCode } from "../src/index.js"
import { runCli } from "./support.js"

const dir = mkdtempSync(join(tmpdir(), "liveness-cli-"))
const file = (name: string, content: string | Uint8Array) => {
  const path = join(dir, name)
  writeFileSync(path, content)
  return path
}

describe("liveness check", () => {
  it.live("prints the verdict and process id of an SDK payload, exit 0 when live", () =>
    Effect.gen(function*() {
      const path = file("live.jwt", Fixtures.sdkPayload())
      const { code, out } = yield* runCli(["check", path, "--cpf", "12345678909", "--name", "Luke Skywalker"])
      expect(code).toBe(ExitCode.LIVE)
      expect(out).toMatch(/verdict: +live/)
      expect(out).toMatch(/process: +[0-9a-f-]{36}/)
    }))

  it.live("--json prints one JSON object; not live exits 1", () =>
    Effect.gen(function*() {
      const path = file("not-live.jwt", Fixtures.sdkPayload())
      const { code, out } = yield* runCli(["check", path, "--cpf", "00000000191", "--name", "Test Subject", "--json"])
      expect(code).toBe(ExitCode.NOT_LIVE)
      const parsed = JSON.parse(out)
      expect(parsed).toMatchObject({ verdict: "not-live", process: { status: 3, liveness: 2 }, attempts: 1 })
      // The embedded default, by id: the description is for people.
      expect(parsed.provider).toBe("sandbox")
    }))

  it.live("an image file is base64-encoded for you", () =>
    Effect.gen(function*() {
      const path = file("selfie.jpg", Buffer.from(Fixtures.image(), "base64"))
      const { code, out } = yield* runCli(["check", path, "--json"])
      expect(code).toBe(ExitCode.LIVE)
      expect(JSON.parse(out).verdict).toBe("live")
    }))

  it.live("a processing error asks for a new capture: exit 2", () =>
    Effect.gen(function*() {
      const path = file("error.jwt", Fixtures.sdkPayload({ scenario: "processing-error" }))
      const { code } = yield* runCli(["check", path])
      expect(code).toBe(ExitCode.RECAPTURE)
    }))

  it.live("invalid flags are reported by flag name, never echoed, exit 3", () =>
    Effect.gen(function*() {
      const path = file("flags.jwt", Fixtures.sdkPayload())
      const { code, err } = yield* runCli(["check", path, "--cpf", "12345678900", "--name", "Luke  Skywalker"])
      expect(code).toBe(ExitCode.INVALID_INPUT)
      expect(err).toContain("--cpf: is not a valid CPF")
      expect(err).toContain("--name: must not contain two consecutive spaces")
      expect(err).not.toContain("12345678900")
    }))

  it.live("a file that is neither a payload nor an image is invalid input", () =>
    Effect.gen(function*() {
      const path = file("notes.txt", "hello, this is not a selfie")
      const { code, out } = yield* runCli(["check", path, "--json"])
      expect(code).toBe(ExitCode.INVALID_INPUT)
      const { error } = JSON.parse(out)
      expect(error).toMatchObject({ tag: "InvalidRequest", code: "invalid_request" })
      // The field the core and the gateway name `errors`: one name everywhere.
      expect(error.errors).toEqual([expect.objectContaining({ field: "imageBase64" })])
      expect(out).not.toContain("hello")
    }))

  it.live("a missing file is invalid input with a clear message", () =>
    Effect.gen(function*() {
      const { code, err } = yield* runCli(["check", join(dir, "missing.jwt")])
      expect(code).toBe(ExitCode.INVALID_INPUT)
      expect(err).toContain("no such file")
    }))

  it.live("a provider refusal exits 4 (access denied)", () =>
    Effect.gen(function*() {
      const path = file("denied.jwt", Fixtures.sdkPayload({ scenario: "access-denied" }))
      const { code, err } = yield* runCli(["check", path])
      expect(code).toBe(ExitCode.PROVIDER_ERROR)
      expect(err).toContain("denied")
    }))
})

describe("liveness fixtures", () => {
  it.live("writes a fake SDK payload for a scenario, which the check then answers", () =>
    Effect.gen(function*() {
      const path = join(dir, "nested", "fixture.jwt")
      const written = yield* runCli(["fixtures", "not-live", "--out", path])
      expect(written.code).toBe(0)
      expect(written.err).toContain("00000000191")
      const { code } = yield* runCli(["check", path])
      expect(code).toBe(ExitCode.NOT_LIVE)
    }))

  it.live("image without --out prints the JPEG as base64 text, which check takes as it is; --help says so", () =>
    Effect.gen(function*() {
      const printed = yield* runCli(["fixtures", "image"])
      expect(printed.code).toBe(0)
      expect([...Buffer.from(printed.out, "base64").subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff])
      expect(printed.err).toContain("--out selfie.jpg writes the JPEG itself")
      const { code } = yield* runCli(["check", file("image.b64", printed.out)])
      expect(code).toBe(ExitCode.LIVE)
      const help = (yield* runCli(["fixtures", "--help"])).out.replace(/\s+/g, " ")
      expect(help).not.toContain("required")
      expect(help).toContain("(for image, the JPEG as base64 text, the form imageBase64 takes)")
    }))

  it.live("writes a JPEG for image", () =>
    Effect.gen(function*() {
      const path = join(dir, "fixture.jpg")
      yield* runCli(["fixtures", "image", "--out", path])
      const { code } = yield* runCli(["check", path])
      expect(code).toBe(ExitCode.LIVE)
    }))
})

describe("liveness check: provider configuration", () => {
  it.live("LIVENESS_PROVIDER=fake runs in memory and says so", () =>
    Effect.gen(function*() {
      const path = file("fake.jwt", Fixtures.sdkPayload())
      const { code, out } = yield* runCli(["check", path, "--json"]).pipe(
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["LIVENESS_PROVIDER", "fake"]])))
      )
      expect(code).toBe(ExitCode.LIVE)
      expect(JSON.parse(out).provider).toBe("fake")
    }))

  it.live("a configuration error exits 4 and names the variable", () =>
    Effect.gen(function*() {
      const path = file("config.jwt", Fixtures.sdkPayload())
      const { code, err } = yield* runCli(["check", path]).pipe(
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["LIVENESS_PROVIDER", "mock"]])))
      )
      expect(code).toBe(ExitCode.PROVIDER_ERROR)
      expect(err).toContain("LIVENESS_PROVIDER")
    }))
})

describe("liveness: LIVENESS_LOG_LEVEL", () => {
  it.live("accepts a level in any case and sends logs to standard error only", () =>
    Effect.gen(function*() {
      const path = file("verbose.jwt", Fixtures.sdkPayload())
      const { code, err, out } = yield* runCli(["check", path, "--json"]).pipe(
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["LIVENESS_LOG_LEVEL", "Debug"]])))
      )
      expect(code).toBe(ExitCode.LIVE)
      expect(JSON.parse(out).verdict).toBe("live")
      expect(err).toContain("liveness process answered")
    }))

  it.live("an unknown level is a configuration error naming the variable", () =>
    Effect.gen(function*() {
      const path = file("loud.jwt", Fixtures.sdkPayload())
      const { code } = yield* runCli(["check", path]).pipe(
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["LIVENESS_LOG_LEVEL", "loud"]])))
      )
      expect(code).not.toBe(ExitCode.LIVE)
    }))
})
