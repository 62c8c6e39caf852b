import { describe, expect, it } from "@effect/vitest"
import { TransportFailure } from "../src/index.js"

const withCode = (code: string) => Object.assign(new Error(code), { code })

describe("TransportFailure.classify", () => {
  it("failures before a connection exists were not sent", () => {
    for (const code of ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "UND_ERR_CONNECT_TIMEOUT", "EHOSTUNREACH"]) {
      expect(TransportFailure.classify(withCode(code))).toBe("not-sent")
    }
  })

  it("failures on an open connection may have been processed", () => {
    for (const code of ["ECONNRESET", "UND_ERR_SOCKET", "EPIPE", "UND_ERR_HEADERS_TIMEOUT"]) {
      expect(TransportFailure.classify(withCode(code))).toBe("may-have-been-processed")
    }
  })

  it("an unknown failure is assumed to have been processed (the safe assumption for billing)", () => {
    expect(TransportFailure.classify(new Error("boom"))).toBe("may-have-been-processed")
    expect(TransportFailure.classify(undefined)).toBe("may-have-been-processed")
  })

  it("finds the code down the cause chain (fetch and undici nest the system error)", () => {
    const nested = new TypeError("fetch failed", { cause: withCode("ECONNREFUSED") })
    expect(TransportFailure.codeOf(nested)).toBe("ECONNREFUSED")
    expect(TransportFailure.classify(nested)).toBe("not-sent")
  })
})
