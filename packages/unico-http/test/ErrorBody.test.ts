import { describe, expect, it } from "@effect/vitest"
import { ErrorBody } from "../src/index.js"

describe("ErrorBody.parse", () => {
  it("reads the by-Client shape", () => {
    expect(ErrorBody.parse(`{"error":{"code":"20009","description":"O parâmetro imagebase64 não foi informado."}}`))
      .toEqual({ code: "20009", description: "O parâmetro imagebase64 não foi informado." })
  })

  it("reads the generic shape with a numeric code and a message", () => {
    expect(ErrorBody.parse(`{"error":{"code":403,"message":"Forbidden"}}`)).toEqual({
      code: "403",
      description: "Forbidden"
    })
  })

  it("reads the token endpoint's shape and finds the code in the description", () => {
    expect(ErrorBody.parse(`{"error":"server_error","error_description":"Falha na autenticação 1.2.21"}`)).toEqual({
      code: "1.2.21",
      description: "Falha na autenticação 1.2.21"
    })
  })

  it("yields nothing for bodies that are not Unico errors", () => {
    for (const body of ["", "<html>502 Bad Gateway</html>", "null", "[]", `{"message":"x"}`, `{"error":42}`]) {
      expect(ErrorBody.parse(body)).toEqual({})
    }
  })
})

describe("ErrorBody.retryAfterMillis", () => {
  it("reads delta-seconds, rounding fractions up", () => {
    expect(ErrorBody.retryAfterMillis("2", 0)).toBe(2000)
    expect(ErrorBody.retryAfterMillis("0.5", 0)).toBe(500)
    expect(ErrorBody.retryAfterMillis("0", 0)).toBe(0)
  })

  it("reads an HTTP date relative to now, never negative", () => {
    const now = Date.parse("Wed, 25 Nov 2026 12:00:00 GMT")
    expect(ErrorBody.retryAfterMillis("Wed, 25 Nov 2026 12:00:03 GMT", now)).toBe(3000)
    expect(ErrorBody.retryAfterMillis("Wed, 25 Nov 2026 11:59:00 GMT", now)).toBe(0)
  })

  it("ignores absent or unreadable values", () => {
    expect(ErrorBody.retryAfterMillis(undefined, 0)).toBeUndefined()
    expect(ErrorBody.retryAfterMillis("", 0)).toBeUndefined()
    expect(ErrorBody.retryAfterMillis("soon", 0)).toBeUndefined()
    expect(ErrorBody.retryAfterMillis("-1", 0)).toBeUndefined()
  })
})
