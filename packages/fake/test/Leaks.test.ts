import { describe, expect, it } from "@effect/vitest"
import { generateKeyPairSync } from "node:crypto"
import { Fixtures, Leaks } from "../src/index.js"

describe("Leaks.find", () => {
  const pem = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" })
    .toString()
  const payload = Fixtures.sdkPayload()

  it("finds nothing in clean text", () => {
    expect(
      Leaks.find("process 1234 answered live", {
        secrets: { "a CPF": "12345678909" },
        privateKeys: [pem],
        payloads: [payload]
      })
    )
      .toEqual([])
  })

  it("finds a named secret, a slice of a key, a slice of a payload and a bearer token", () => {
    const text = `cpf=12345678909 key=${pem.split("\n")[1]} part=${
      payload.slice(40, 80)
    } Authorization: Bearer abcdefghijklmnopqrstuvwxyz`
    const leaks = Leaks.find(text, { secrets: { "a CPF": "12345678909" }, privateKeys: [pem], payloads: [payload] })
    expect(leaks).toContain("a CPF")
    expect(leaks.some((leak) => leak.startsWith("a slice of a private key"))).toBe(true)
    expect(leaks.some((leak) => leak.startsWith("a 16-character slice of payload 0"))).toBe(true)
    expect(leaks).toContain("a bearer token")
  })
})
