import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import { compactVerify, decodeJwt, decodeProtectedHeader } from "jose"
import { generateKeyPairSync } from "node:crypto"
import { Assertion, UnicoEnvironment } from "../src/index.js"

describe("Assertion", () => {
  it("claims are exactly iss, aud, scope, iat, exp with a one-hour life", () => {
    expect(Assertion.claims("acct@tenant.iam.acesso.io", "https://identityhomolog.acesso.io", 1_700_000_000)).toEqual({
      iss: "acct@tenant.iam.acesso.io",
      aud: "https://identityhomolog.acesso.io",
      scope: "*",
      iat: 1_700_000_000,
      exp: 1_700_003_600
    })
  })

  it.effect("signs RS256 with header {alg, typ} and adds nothing to the claims", () =>
    Effect.gen(function*() {
      const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 })
      const claims = Assertion.claims("acct@tenant.iam.acesso.io", "https://identity.acesso.io", 1_700_000_000)
      const jwt = yield* Assertion.sign(privateKey, claims)
      expect(decodeProtectedHeader(jwt)).toEqual({ alg: "RS256", typ: "JWT" })
      expect(decodeJwt(jwt)).toEqual(claims)
      yield* Effect.promise(() => compactVerify(jwt, publicKey))
    }))
})

describe("UnicoEnvironment.ofUrl", () => {
  it("knows Unico's hosts by environment and nothing else", () => {
    expect(UnicoEnvironment.ofUrl("https://identityhomolog.acesso.io")).toBe("uat")
    expect(UnicoEnvironment.ofUrl("https://api.id.uat.unico.app/processes/v1")).toBe("uat")
    expect(UnicoEnvironment.ofUrl("https://identity.acesso.io")).toBe("production")
    expect(UnicoEnvironment.ofUrl("https://api.id.unico.app")).toBe("production")
    expect(UnicoEnvironment.ofUrl("http://127.0.0.1:8080")).toBeUndefined()
    expect(UnicoEnvironment.ofUrl("not a url")).toBeUndefined()
  })
})

describe("Assertion.stamper", () => {
  it.effect("stamps never repeat within a second and keep exp - iat between 3,000 and 3,600 s", () =>
    Effect.gen(function*() {
      const stamp = Assertion.stamper()
      const stamps = yield* Effect.all(Array.from({ length: 601 }, () => stamp))
      expect(new Set(stamps.map((s) => `${s.issuedAtSeconds}/${s.lifetimeSeconds}`)).size).toBe(601)
      for (const s of stamps) {
        expect(s.lifetimeSeconds).toBeGreaterThanOrEqual(Assertion.MIN_LIFETIME_SECONDS)
        expect(s.lifetimeSeconds).toBeLessThanOrEqual(Assertion.LIFETIME_SECONDS)
        expect(s.issuedAtSeconds).toBe(0)
      }
    }))

  it.effect("past 601 stamps in one second, the next waits for the next second", () =>
    Effect.gen(function*() {
      const stamp = Assertion.stamper()
      yield* Effect.all(Array.from({ length: 601 }, () => stamp))
      const fiber = yield* Effect.fork(stamp)
      yield* TestClock.adjust("1 second")
      expect((yield* Fiber.join(fiber)).issuedAtSeconds).toBe(1)
    }))

  it.effect("two stampers (two processes) in the same second rarely agree", () =>
    Effect.gen(function*() {
      let same = 0
      for (let i = 0; i < 200; i++) {
        const a = yield* Assertion.stamper()
        const b = yield* Assertion.stamper()
        if (a.lifetimeSeconds === b.lifetimeSeconds) same++
      }
      // 1/601 per pair: about 0.3 expected collisions in 200 pairs.
      expect(same).toBeLessThanOrEqual(3)
    }))
})
