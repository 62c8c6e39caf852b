import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { generateKeyPairSync } from "node:crypto"
import { assertion, GRANT, now, requestToken, withSandbox } from "./support.js"

const refusal = async (response: Response) => ({ status: response.status, body: await response.json() })

const authFailure = (code: string) => ({
  status: 401,
  body: { error: "server_error", error_description: `Falha na autenticação ${code}` }
})

describe("POST /oauth2/token", () => {
  it("mints an opaque bearer token for a valid assertion", () =>
    withSandbox({ tokenLifetimeSeconds: 120 }, async (sandbox) => {
      const response = await requestToken(sandbox, { grant_type: GRANT, assertion: await assertion(sandbox) })
      expect(response.status).toBe(200)
      expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8")
      const body = await response.json() as { access_token: string }
      expect(body).toMatchObject({ token_type: "Bearer", expires_in: 120 })
      expect(body.access_token).toMatch(/^[A-Za-z0-9_-]{20,}$/)
      expect((await Effect.runPromise(sandbox.stats)).tokenMints).toBe(1)
    }))

  it("refuses a wrong grant type and a missing assertion (400)", () =>
    withSandbox({}, async (sandbox) => {
      const wrongGrant = await requestToken(sandbox, {
        grant_type: "client_credentials",
        assertion: await assertion(sandbox)
      })
      expect(wrongGrant.status).toBe(400)
      expect(((await wrongGrant.json()) as { error: string }).error).toBe("unsupported_grant_type")
      const missing = await requestToken(sandbox, { grant_type: GRANT })
      expect(missing.status).toBe(400)
      expect(((await missing.json()) as { error: string }).error).toBe("invalid_request")
    }))

  it("1.0.1: an issuer whose tenant is not this sandbox's", () =>
    withSandbox({}, async (sandbox) => {
      const iss = sandbox.issuer.replace(`@${sandbox.tenantId}.`, "@othertenant.")
      expect(
        await refusal(await requestToken(sandbox, { grant_type: GRANT, assertion: await assertion(sandbox, { iss }) }))
      )
        .toEqual(authFailure("1.0.1"))
    }))

  it("1.2.21: signed with another private key", () =>
    withSandbox({}, async (sandbox) => {
      const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({
        type: "pkcs8",
        format: "pem"
      })
      const signed = await assertion(sandbox, {}, { key: other.toString() })
      expect(await refusal(await requestToken(sandbox, { grant_type: GRANT, assertion: signed }))).toEqual(
        authFailure("1.2.21")
      )
    }))

  it("1.2.22: claims other than iss, aud, scope, iat, exp", () =>
    withSandbox({}, async (sandbox) => {
      for (const extra of [{ sub: "someone" }, { jti: "abc" }, { nbf: now() }]) {
        const signed = await assertion(sandbox, extra)
        expect(await refusal(await requestToken(sandbox, { grant_type: GRANT, assertion: signed }))).toEqual(
          authFailure("1.2.22")
        )
      }
    }))

  it("1.1.1: no scope claim", () =>
    withSandbox({}, async (sandbox) => {
      const signed = await assertion(sandbox, { scope: undefined })
      expect(await refusal(await requestToken(sandbox, { grant_type: GRANT, assertion: signed }))).toEqual(
        authFailure("1.1.1")
      )
    }))

  it("1.2.5: aud with a trailing slash, another host, or a lifetime over an hour", () =>
    withSandbox({}, async (sandbox) => {
      // One reading of the clock for iat and exp: two readings may fall either side of a second's boundary.
      const iat = now()
      for (
        const claims of [{ aud: `${sandbox.authUrl}/` }, { aud: "https://identity.acesso.io" }, {
          iat,
          exp: iat + 3601
        }]
      ) {
        const signed = await assertion(sandbox, claims)
        expect(await refusal(await requestToken(sandbox, { grant_type: GRANT, assertion: signed }))).toEqual(
          authFailure("1.2.5")
        )
      }
    }))

  it("1.2.4: an expired assertion", () =>
    withSandbox({}, async (sandbox) => {
      const iat = now() - 7200
      const signed = await assertion(sandbox, { iat, exp: iat + 3600 })
      expect(await refusal(await requestToken(sandbox, { grant_type: GRANT, assertion: signed }))).toEqual(
        authFailure("1.2.4")
      )
    }))

  it("1.2.7: an assertion used twice", () =>
    withSandbox({}, async (sandbox) => {
      const signed = await assertion(sandbox)
      expect((await requestToken(sandbox, { grant_type: GRANT, assertion: signed })).status).toBe(200)
      expect(await refusal(await requestToken(sandbox, { grant_type: GRANT, assertion: signed }))).toEqual(
        authFailure("1.2.7")
      )
    }))

  it("1.2.20: an assertion that is not a JWT", () =>
    withSandbox({}, async (sandbox) => {
      expect(await refusal(await requestToken(sandbox, { grant_type: GRANT, assertion: "not-a-jwt" }))).toEqual(
        authFailure("1.2.20")
      )
    }))
})
