import { describe, expect, it } from "@effect/vitest"
import { LivenessRuntime } from "@liveness/runtime"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Provider from "../src/Provider.js"

/** Provider.current for a ProviderInfo of `kind`, with these variables set. */
const current = (kind: LivenessRuntime.Info["kind"], env: Record<string, string> = {}) =>
  Provider.current.pipe(
    Effect.provideService(LivenessRuntime.ProviderInfo, {
      kind,
      description: `the ${kind} description`,
      simulated: kind !== "unico",
      ready: Effect.void,
      tokenMints: Effect.succeed(0)
    }),
    Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))
  )

describe("Provider.current", () => {
  it.effect("the real adapter on Unico's hosts (or any remote one) is unico", () =>
    Effect.gen(function*() {
      expect(yield* current("unico")).toEqual({ id: "unico", description: "the unico description", ephemeral: false })
      expect(
        (yield* current("unico", { UNICO_AUTH_URL: "https://proxy.internal", UNICO_API_URL: "https://proxy.internal" }))
          .id
      )
        .toBe("unico")
    }))

  it.effect("the real adapter pointed at this machine is a sandbox, named with its URL", () =>
    Effect.gen(function*() {
      const url = "http://127.0.0.1:8080"
      const provider = yield* current("unico", { UNICO_AUTH_URL: url, UNICO_API_URL: url })
      expect(provider).toMatchObject({ id: "sandbox", ephemeral: false })
      expect(provider.description).toBe(
        "sandbox at http://127.0.0.1:8080 (a local Unico-compatible server, such as liveness sandbox; not Unico's API)"
      )
    }))

  it.effect("the embedded sandbox and the fake live as long as the command", () =>
    Effect.gen(function*() {
      expect(yield* current("sandbox")).toEqual({
        id: "sandbox",
        description: "the sandbox description",
        ephemeral: true
      })
      expect(yield* current("fake")).toMatchObject({ id: "fake", ephemeral: true })
    }))
})
