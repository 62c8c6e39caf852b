import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
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
