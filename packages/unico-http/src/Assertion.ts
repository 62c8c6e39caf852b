/**
 * The JWT-bearer assertion (RFC 7523) that buys an access token: RS256, header `{alg, typ}`, and exactly
 * the claims `iss`, `aud`, `scope`, `iat`, `exp` (any other claim is Unico error 1.2.22). Assertions are
 * single use (1.2.7), so a fresh one is signed for every token request.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { SignJWT } from "jose"
import type { KeyObject } from "node:crypto"

/** `exp - iat`, in seconds (Unico's maximum). */
export const LIFETIME_SECONDS = 3600

export interface Claims {
  readonly iss: string
  readonly aud: string
  readonly scope: "*"
  readonly iat: number
  readonly exp: number
}

export const claims = (issuer: string, audience: string, issuedAtSeconds: number): Claims => ({
  iss: issuer,
  aud: audience,
  scope: "*",
  iat: issuedAtSeconds,
  exp: issuedAtSeconds + LIFETIME_SECONDS
})

/** Signs the claims; jose adds nothing to them (no jti, no nbf). */
export const sign = (key: KeyObject, payload: Claims): Effect.Effect<string> =>
  Effect.promise(() => new SignJWT({ ...payload }).setProtectedHeader({ alg: "RS256", typ: "JWT" }).sign(key))
