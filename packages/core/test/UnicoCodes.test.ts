import { describe, expect, it } from "@effect/vitest"
import {
  AccessDenied,
  AuthenticationFailed,
  InvalidRequest,
  PayloadRejected,
  ProcessNotFound,
  ProviderUnavailable,
  RateLimited,
  RetryClass,
  UnexpectedResponse,
  UnicoCodes
} from "@liveness/core"
import * as Option from "effect/Option"

const documented = {
  auth: [
    "1.0.1",
    "1.0.14",
    "1.1.1",
    "1.2.4",
    "1.2.5",
    "1.2.6",
    "1.2.7",
    "1.2.11",
    "1.2.14",
    "1.2.18",
    "1.2.19",
    "1.2.20",
    "1.2.21",
    "1.2.22",
    "1.3.1",
    "1.3.2"
  ],
  http400: [
    "20001",
    "20002",
    "20003",
    "20004",
    "20005",
    "20006",
    "20009",
    "20505",
    "20506",
    "20507",
    "20807",
    "20900",
    "10506",
    "10507",
    "10508"
  ],
  http403: ["30017", "10201", "10501", "10502"],
  http500: ["510", "10700", "20502"]
} as const

describe("UnicoCodes catalogue", () => {
  it("contains every documented code, once, with the documented status", () => {
    const codes = UnicoCodes.entries.map((entry) => entry.code)
    expect(new Set(codes).size).toBe(codes.length)
    const statusOf = (code: string) => Option.map(UnicoCodes.lookup(code), (entry) => entry.status)
    for (const code of documented.auth) expect(statusOf(code)).toEqual(Option.some(401))
    for (const code of documented.http400) expect(statusOf(code)).toEqual(Option.some(400))
    for (const code of documented.http403) expect(statusOf(code)).toEqual(Option.some(403))
    for (const code of documented.http500) expect(statusOf(code)).toEqual(Option.some(500))
  })

  it("has no code that is not documented", () => {
    const all = new Set<string>(Object.values(documented).flat())
    for (const entry of UnicoCodes.entries) expect(all.has(entry.code)).toBe(true)
  })

  it("every authentication code carries a hint for people", () => {
    for (const entry of UnicoCodes.entries.filter((e) => e.status === 401)) {
      expect(entry.hint?.length ?? 0).toBeGreaterThan(0)
    }
  })

  it("lookup of an unknown code is None", () => {
    expect(UnicoCodes.lookup("99999")).toEqual(Option.none())
  })

  describe.each(UnicoCodes.entries.map((entry) => [entry.code, entry] as const))("code %s", (code, entry) => {
    it(`maps to ${entry.mapping.error} (retry: ${entry.retry})`, () => {
      const error = UnicoCodes.toError({ status: entry.status, code })
      expect(error._tag).toBe(entry.mapping.error)
      expect("providerCode" in error ? error.providerCode : undefined).toBe(code)
      expect(RetryClass.of(error)).toBe(entry.retry)
      expect(error.message).not.toContain("undefined")
      const mapping = entry.mapping
      switch (mapping.error) {
        case "InvalidRequest":
          expect((error as InvalidRequest).errors.map((issue) => issue.field)).toEqual([mapping.field])
          break
        case "PayloadRejected":
          expect((error as PayloadRejected).reason).toBe(mapping.reason)
          break
        case "AuthenticationFailed":
          expect((error as AuthenticationFailed).stage).toBe(mapping.stage)
          expect((error as AuthenticationFailed).tokenRejected).toBe(mapping.tokenRejected)
          break
        case "ProviderUnavailable":
          expect((error as ProviderUnavailable).transient).toBe(mapping.transient)
          expect((error as ProviderUnavailable).status).toBe(entry.status)
          break
        case "AccessDenied":
          break
      }
    })
  })

  it("1.2.7 (assertion already used) is safe to retry: a fresh assertion fixes it", () => {
    const error = UnicoCodes.toError({ status: 401, code: "1.2.7" })
    expect(RetryClass.of(error)).toBe("safe")
    // ...but other token-stage refusals are not.
    expect(RetryClass.of(UnicoCodes.toError({ status: 401, code: "1.2.5" }))).toBe("never")
  })
})

describe("UnicoCodes.authCodeFromDescription", () => {
  it.each([
    ["Falha na autenticação 1.2.5", "1.2.5"],
    ["Falha na autenticação 1.0.14", "1.0.14"],
    ["Falha na autenticação 1.2.22.", "1.2.22"],
    ["1.3.1", "1.3.1"]
  ])("%j -> %s", (description, code) => {
    expect(UnicoCodes.authCodeFromDescription(description)).toEqual(Option.some(code))
  })

  it("None when there is no code", () => {
    expect(UnicoCodes.authCodeFromDescription("Falha na autenticação")).toEqual(Option.none())
  })

  it("toError reads the code out of a token-endpoint description", () => {
    const error = UnicoCodes.toError({ status: 401, description: "Falha na autenticação 1.2.5" })
    expect(error).toBeInstanceOf(AuthenticationFailed)
    const auth = error as AuthenticationFailed
    expect(auth.stage).toBe("token")
    expect(auth.providerCode).toBe("1.2.5")
    expect(auth.tokenRejected).toBe(false)
    expect(auth.hint).toBeDefined()
    expect(RetryClass.of(auth)).toBe("never")
  })

  it("an explicit code wins over the description", () => {
    const error = UnicoCodes.toError({ status: 401, code: "1.2.4", description: "Falha na autenticação 1.2.5" })
    expect((error as AuthenticationFailed).providerCode).toBe("1.2.4")
  })
})

describe("UnicoCodes.toError without a documented code", () => {
  it("429 with Retry-After -> RateLimited carrying it (safe)", () => {
    const error = UnicoCodes.toError({ status: 429, retryAfterMillis: 2000 })
    expect(error).toBeInstanceOf(RateLimited)
    expect((error as RateLimited).retryAfterMillis).toBe(2000)
    expect(RetryClass.of(error)).toBe("safe")
  })

  it("429 without Retry-After -> RateLimited without it", () => {
    const error = UnicoCodes.toError({ status: 429 })
    expect(error).toBeInstanceOf(RateLimited)
    expect((error as RateLimited).retryAfterMillis).toBeUndefined()
  })

  it("429 is RateLimited even with a documented code", () => {
    expect(UnicoCodes.toError({ status: 429, code: "20505" })).toBeInstanceOf(RateLimited)
  })

  it("401 -> AuthenticationFailed at the api stage, token rejected (reauthenticate)", () => {
    const error = UnicoCodes.toError({ status: 401 })
    expect(error).toBeInstanceOf(AuthenticationFailed)
    expect((error as AuthenticationFailed).stage).toBe("api")
    expect((error as AuthenticationFailed).tokenRejected).toBe(true)
    expect((error as AuthenticationFailed).providerCode).toBeUndefined()
    expect(RetryClass.of(error)).toBe("reauthenticate")
  })

  it("401 with an undocumented 1.x.x code -> the token stage", () => {
    for (const answer of [{ code: "1.9.9" }, { description: "Falha na autenticação 1.9.9" }]) {
      const error = UnicoCodes.toError({ status: 401, ...answer })
      expect(error).toBeInstanceOf(AuthenticationFailed)
      expect((error as AuthenticationFailed).stage).toBe("token")
      expect((error as AuthenticationFailed).providerCode).toBe("1.9.9")
      expect((error as AuthenticationFailed).tokenRejected).toBe(false)
      expect(RetryClass.of(error)).toBe("never")
    }
  })

  it("403 -> AccessDenied (never)", () => {
    const error = UnicoCodes.toError({ status: 403 })
    expect(error).toBeInstanceOf(AccessDenied)
    expect(RetryClass.of(error)).toBe("never")
    expect((UnicoCodes.toError({ status: 403, code: "40399" }) as AccessDenied).providerCode).toBe("40399")
  })

  it("404 -> ProcessNotFound, not gone", () => {
    const error = UnicoCodes.toError({ status: 404, processId: "p-1" })
    expect(error).toEqual(new ProcessNotFound({ processId: "p-1", gone: false }))
    expect(RetryClass.of(error)).toBe("never")
  })

  it("410 -> ProcessNotFound, gone", () => {
    const error = UnicoCodes.toError({ status: 410, processId: "p-1" })
    expect(error).toEqual(new ProcessNotFound({ processId: "p-1", gone: true }))
  })

  it("503 -> ProviderUnavailable that was not processed (the server did not handle it: safe to send again)", () => {
    const error = UnicoCodes.toError({ status: 503 })
    expect(error).toBeInstanceOf(ProviderUnavailable)
    expect(error).toMatchObject({ mayHaveBeenProcessed: false, transient: true, status: 503 })
    expect(RetryClass.of(error)).toBe("safe")
  })

  it.each([500, 502, 504, 599])("%i -> ProviderUnavailable that may have been processed (ambiguous)", (status) => {
    const error = UnicoCodes.toError({ status })
    expect(error).toBeInstanceOf(ProviderUnavailable)
    const unavailable = error as ProviderUnavailable
    expect(unavailable.mayHaveBeenProcessed).toBe(true)
    expect(unavailable.transient).toBe(true)
    expect(unavailable.status).toBe(status)
    expect(RetryClass.of(error)).toBe("ambiguous")
  })

  it("400 with an undocumented code -> InvalidRequest on the body, keeping the code", () => {
    const error = UnicoCodes.toError({ status: 400, code: "29999" })
    expect(error).toBeInstanceOf(InvalidRequest)
    expect((error as InvalidRequest).providerCode).toBe("29999")
    expect((error as InvalidRequest).errors.map((issue) => issue.field)).toEqual(["body"])
  })

  it("an unknown status (418) -> UnexpectedResponse (never)", () => {
    const error = UnicoCodes.toError({ status: 418 })
    expect(error).toBeInstanceOf(UnexpectedResponse)
    expect((error as UnexpectedResponse).status).toBe(418)
    expect(RetryClass.of(error)).toBe("never")
  })

  it("a documented code decides over the status class", () => {
    // 10508 is documented on 400: it is a PayloadRejected (reused), not a generic InvalidRequest.
    const error = UnicoCodes.toError({ status: 400, code: "10508" })
    expect(error).toBeInstanceOf(PayloadRejected)
    expect((error as PayloadRejected).reason).toBe("reused")
  })

  it("a not-sent transport failure is safe, a non-transient one never", () => {
    expect(
      RetryClass.of(new ProviderUnavailable({ mayHaveBeenProcessed: false, transient: true, detail: "refused" }))
    ).toBe("safe")
    expect(
      RetryClass.of(new ProviderUnavailable({ mayHaveBeenProcessed: true, transient: false, detail: "config" }))
    ).toBe("never")
  })
})

describe("UnicoCodes.toError for the token endpoint", () => {
  it("a refusal without a code is an authentication failure at the token stage, never retried", () => {
    const error = UnicoCodes.toError({ status: 400, description: "invalid_grant", endpoint: "token" })
    expect(error).toMatchObject({ _tag: "AuthenticationFailed", stage: "token", tokenRejected: false })
    expect(RetryClass.of(error)).toBe("never")
  })

  it("the code inside the description decides, with its hint", () => {
    const error = UnicoCodes.toError({ status: 401, description: "Falha na autenticação 1.2.22", endpoint: "token" })
    expect(error).toMatchObject({ _tag: "AuthenticationFailed", stage: "token", providerCode: "1.2.22" })
    expect(error.message).toContain("no sub, jti or nbf")
  })

  it("1.2.7 (assertion reused) is safe to retry: the next attempt signs a fresh assertion", () => {
    const error = UnicoCodes.toError({ status: 401, description: "Falha na autenticação 1.2.7", endpoint: "token" })
    expect(RetryClass.of(error)).toBe("safe")
  })

  it("a 5xx from the token endpoint billed nothing: safe, not ambiguous", () => {
    const error = UnicoCodes.toError({ status: 503, endpoint: "token" })
    expect(error).toMatchObject({ _tag: "ProviderUnavailable", mayHaveBeenProcessed: false })
    expect(RetryClass.of(error)).toBe("safe")
  })

  it("an API 5xx whose text happens to contain 1.2.5 stays a provider failure", () => {
    const error = UnicoCodes.toError({ status: 500, description: "upstream 1.2.5 failed" })
    expect(error._tag).toBe("ProviderUnavailable")
  })
})
