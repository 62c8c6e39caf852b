/**
 * `POST /oauth2/token`: Unico's JWT-bearer token endpoint, with its checks and its error codes
 * (docs/unico-contract.md, Authentication): form fields, RS256 signature against the account's public key, the
 * issuer's tenant (1.0.1), the exact `aud` (no trailing slash), the exact claim set (extra claims 1.2.22,
 * no scope 1.1.1), expiry (1.2.4), lifetime at most one hour, single use (1.2.7).
 *
 * @since 0.1.0
 */
import { compactVerify, decodeJwt, decodeProtectedHeader } from "jose"
import { randomBytes } from "node:crypto"
import type { Credentials } from "./Credentials.js"

export const GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"

const ALLOWED_CLAIMS = new Set(["iss", "aud", "scope", "iat", "exp"])

export type TokenAnswer =
  | { readonly _tag: "Token"; readonly accessToken: string; readonly expiresIn: number }
  | { readonly _tag: "Refused"; readonly status: number; readonly body: Record<string, string> }

const authFailure = (code: string): TokenAnswer => ({
  _tag: "Refused",
  status: 401,
  body: { error: "server_error", error_description: `Falha na autenticação ${code}` }
})

export interface TokenEndpoint {
  /** Checks a token request and mints a token, or says why not. */
  readonly handle: (form: URLSearchParams, now: number) => Promise<TokenAnswer>
  /** Whether an access token is one this sandbox issued and still valid at `now`. */
  readonly check: (token: string, now: number) => "valid" | "expired" | "unknown"
  readonly mints: () => number
}

export const make = (credentials: Credentials, audience: string, lifetimeSeconds: number): TokenEndpoint => {
  const issued = new Map<string, number>()
  const usedAssertions = new Map<string, number>()
  let mints = 0

  const forgetExpired = (now: number) => {
    for (const [assertion, exp] of usedAssertions) if (exp * 1000 < now) usedAssertions.delete(assertion)
    // Keep expired tokens a while so they are reported as expired (10502), not unknown.
    for (const [token, expiresAt] of issued) if (expiresAt + 3_600_000 < now) issued.delete(token)
  }

  const handle = async (form: URLSearchParams, now: number): Promise<TokenAnswer> => {
    if (form.get("grant_type") !== GRANT_TYPE) {
      return {
        _tag: "Refused",
        status: 400,
        body: { error: "unsupported_grant_type", error_description: `grant_type must be ${GRANT_TYPE}` }
      }
    }
    const assertion = form.get("assertion")
    if (assertion === null || assertion === "") {
      return {
        _tag: "Refused",
        status: 400,
        body: { error: "invalid_request", error_description: "assertion is required" }
      }
    }
    let header: ReturnType<typeof decodeProtectedHeader>
    let claims: Record<string, unknown>
    try {
      header = decodeProtectedHeader(assertion)
      claims = decodeJwt(assertion)
    } catch {
      return authFailure("1.2.20")
    }
    if (header.alg !== "RS256") return authFailure("1.2.5")
    const match = typeof claims.iss === "string" ? /^([^@\s]+)@([^@\s]+)\.iam\.acesso\.io$/.exec(claims.iss) : null
    if (match === null || match[2] !== credentials.tenantId) return authFailure("1.0.1")
    if (match[1] !== credentials.serviceAccount) return authFailure("1.2.5")
    try {
      await compactVerify(assertion, credentials.publicKey, { algorithms: ["RS256"] })
    } catch {
      return authFailure("1.2.21")
    }
    if (Object.keys(claims).some((claim) => !ALLOWED_CLAIMS.has(claim))) return authFailure("1.2.22")
    if (claims.scope === undefined) return authFailure("1.1.1")
    if (claims.scope !== "*" || claims.aud !== audience) return authFailure("1.2.5")
    const { exp, iat } = claims
    if (!Number.isInteger(iat) || !Number.isInteger(exp)) return authFailure("1.2.20")
    const nowSeconds = now / 1000
    if ((exp as number) <= nowSeconds) return authFailure("1.2.4")
    if ((exp as number) - (iat as number) > 3600 || (iat as number) > nowSeconds + 60) return authFailure("1.2.5")
    forgetExpired(now)
    if (usedAssertions.has(assertion)) return authFailure("1.2.7")
    usedAssertions.set(assertion, exp as number)

    const accessToken = randomBytes(32).toString("base64url")
    issued.set(accessToken, now + lifetimeSeconds * 1000)
    mints++
    return { _tag: "Token", accessToken, expiresIn: lifetimeSeconds }
  }

  const check = (token: string, now: number) => {
    const expiresAt = issued.get(token)
    if (expiresAt === undefined) return "unknown" as const
    return now < expiresAt ? "valid" as const : "expired" as const
  }

  return { handle, check, mints: () => mints }
}
