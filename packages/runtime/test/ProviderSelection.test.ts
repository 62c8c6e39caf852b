import { describe, expect, it } from "@effect/vitest"
import { Liveness } from "@liveness/core"
import { Fixtures } from "@liveness/fake"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { LivenessRuntime, ProviderSelection } from "../src/index.js"

const withEnv = (env: Record<string, string>) =>
  Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))

const select = (env: Record<string, string>) => ProviderSelection.select.pipe(withEnv(env))

describe("ProviderSelection.select", () => {
  it.effect("defaults to the embedded sandbox outside production", () =>
    Effect.gen(function*() {
      expect((yield* select({})).kind).toBe("sandbox")
      expect((yield* select({ NODE_ENV: "development" })).kind).toBe("sandbox")
    }))

  it.effect("picks unico as soon as a UNICO_* credential is set", () =>
    Effect.gen(function*() {
      const selection = yield* select({ UNICO_API_KEY: "k" })
      expect(selection.kind).toBe("unico")
      expect(selection.reason).toContain("UNICO_API_KEY")
    }))

  it.effect("LIVENESS_PROVIDER wins, case-insensitively", () =>
    Effect.gen(function*() {
      expect((yield* select({ LIVENESS_PROVIDER: "fake", UNICO_API_KEY: "k" })).kind).toBe("fake")
      expect((yield* select({ LIVENESS_PROVIDER: "Sandbox" })).kind).toBe("sandbox")
    }))

  it.effect("an unknown LIVENESS_PROVIDER names the variable and the choices", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(select({ LIVENESS_PROVIDER: "mock" }))
      expect(error.message).toContain("LIVENESS_PROVIDER")
      expect(error.message).toContain("unico")
    }))

  it.effect("production without credentials or a choice fails, saying what to set", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(select({ NODE_ENV: "production" }))
      expect(error.message).toContain("UNICO_API_KEY")
    }))

  it.effect("production refuses the sandbox and the fake unless LIVENESS_ALLOW_FAKE=true", () =>
    Effect.gen(function*() {
      for (const provider of ["sandbox", "fake"]) {
        const refused = yield* Effect.flip(select({ NODE_ENV: "production", LIVENESS_PROVIDER: provider }))
        expect(refused.message).toContain("LIVENESS_ALLOW_FAKE")
        const allowed = yield* select({
          NODE_ENV: "production",
          LIVENESS_PROVIDER: provider,
          LIVENESS_ALLOW_FAKE: "true"
        })
        expect(allowed).toMatchObject({ kind: provider, production: true })
      }
      expect((yield* select({ NODE_ENV: "production", UNICO_API_KEY: "k" })).kind).toBe("unico")
    }))
})

describe("ProviderSelection.localUnicoHosts", () => {
  const local = (env: Record<string, string>) => ProviderSelection.localUnicoHosts.pipe(withEnv(env))

  it.effect("both UNICO_* hosts on loopback: a local Unico-compatible server, not Unico", () =>
    Effect.gen(function*() {
      for (const url of ["http://127.0.0.1:8080", "http://localhost:3000", "http://[::1]:9000", "http://127.1.2.3"]) {
        expect(yield* local({ UNICO_AUTH_URL: url, UNICO_API_URL: url }), url).toEqual(
          Option.some({ authUrl: url, apiUrl: url })
        )
      }
    }))

  it.effect("either host unset (Unico's own) or remote: none", () =>
    Effect.gen(function*() {
      expect(yield* local({})).toEqual(Option.none())
      expect(yield* local({ UNICO_AUTH_URL: "http://127.0.0.1:8080" })).toEqual(Option.none())
      expect(yield* local({ UNICO_AUTH_URL: "http://127.0.0.1:8080", UNICO_API_URL: "https://api.id.uat.unico.app" }))
        .toEqual(Option.none())
      expect(yield* local({ UNICO_AUTH_URL: "http://127.0.0.1.example.com", UNICO_API_URL: "http://127.0.0.1" }))
        .toEqual(Option.none())
      expect(yield* local({ UNICO_AUTH_URL: "not a url", UNICO_API_URL: "not a url" })).toEqual(Option.none())
    }))
})

describe("LivenessRuntime.layer", () => {
  const run = (env: Record<string, string>) =>
    Effect.gen(function*() {
      const info = yield* LivenessRuntime.ProviderInfo
      yield* info.ready
      const result = yield* Liveness.check({
        subject: { code: "12345678909", name: "Luke Skywalker" },
        imageBase64: Fixtures.sdkPayload()
      })
      return { info, result, mints: yield* info.tokenMints }
    }).pipe(Effect.provide(Layer.fresh(LivenessRuntime.layer)), withEnv(env))

  it.live("fake: checks in memory and says it is simulated", () =>
    Effect.gen(function*() {
      const { info, mints, result } = yield* run({ LIVENESS_PROVIDER: "fake" })
      expect(result.verdict).toBe("live")
      expect(info).toMatchObject({ kind: "fake", simulated: true })
      expect(mints).toBe(0)
    }))

  it.live("sandbox: the real HTTP path, ready once a token is minted, one token for the probe and the check", () =>
    Effect.gen(function*() {
      const { info, mints, result } = yield* run({})
      expect(result.verdict).toBe("live")
      expect(info).toMatchObject({ kind: "sandbox", simulated: true })
      expect(mints).toBe(1)
    }))

  it.live("unico with a broken configuration fails to build, naming the variable", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(run({ UNICO_API_KEY: "k", UNICO_ISSUER: "nobody", UNICO_PRIVATE_KEY: "x" }))
      expect(error.message).toContain("UNICO_ISSUER")
    }))
})
