import { describe, expect, it } from "@effect/vitest"
import { TokenSeal } from "@liveness/redis"
import * as Redacted from "effect/Redacted"
import { randomBytes } from "node:crypto"

// Key material as UnicoHttp passes it (a key's DER, base64), generated here: no key is committed.
const secret = Redacted.make(randomBytes(64).toString("base64"))
const token = {
  accessToken: Redacted.make("eyJhbGciOi.access-token-value.sig"),
  expiresAt: 1_800_000,
  refreshAt: 1_500_000
}

describe("TokenSeal", () => {
  it("round-trips a token and keeps it out of the sealed text", () => {
    const sealer = TokenSeal.make(secret, "liveness:token:uat:abc")
    const sealed = sealer.seal(token)
    expect(sealed).not.toContain("access-token-value")
    expect(sealed.startsWith(sealer.prefixOf(token.accessToken))).toBe(true)
    const opened = sealer.open(sealed)!
    expect(Redacted.value(opened.accessToken)).toBe("eyJhbGciOi.access-token-value.sig")
    expect(opened).toMatchObject({ expiresAt: 1_800_000, refreshAt: 1_500_000 })
    // A fresh IV each time: the same token never seals to the same text.
    expect(sealer.seal(token)).not.toBe(sealed)
  })

  it("another key, another slot, or any tampering: nothing comes out", () => {
    const sealed = TokenSeal.make(secret, "liveness:token:uat:abc").seal(token)
    expect(TokenSeal.make(Redacted.make("another-key"), "liveness:token:uat:abc").open(sealed)).toBeUndefined()
    expect(TokenSeal.make(secret, "liveness:token:production:abc").open(sealed)).toBeUndefined()
    const parts = sealed.split(".")
    // Times are bound to the ciphertext: extending a token's life in Redis breaks the seal.
    expect(TokenSeal.make(secret, "liveness:token:uat:abc").open([...parts.slice(0, 4), "9999999", parts[5]].join(".")))
      .toBeUndefined()
    expect(TokenSeal.make(secret, "liveness:token:uat:abc").open("v1.x.y")).toBeUndefined()
    expect(TokenSeal.make(secret, "liveness:token:uat:abc").open("not a seal")).toBeUndefined()
  })

  it("the fingerprint prefix identifies one token", () => {
    const sealer = TokenSeal.make(secret, "k")
    expect(sealer.prefixOf(token.accessToken)).toBe(sealer.prefixOf(Redacted.make("eyJhbGciOi.access-token-value.sig")))
    expect(sealer.prefixOf(token.accessToken)).not.toBe(sealer.prefixOf(Redacted.make("another")))
  })
})
