/**
 * The JWT-bearer assertion (RFC 7523) that buys an access token: RS256, header `{alg, typ}`, and exactly
 * the claims `iss`, `aud`, `scope`, `iat`, `exp` (any other claim is Unico error 1.2.22). Assertions are
 * single use (1.2.7), so a fresh one is signed for every token request.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import { SignJWT } from "jose"
import type { KeyObject } from "node:crypto"

/** `exp - iat`, in seconds: Unico's maximum. */
export const LIFETIME_SECONDS = 3600

/** The shortest lifetime a stamp gives (see `stamper`). */
export const MIN_LIFETIME_SECONDS = 3000

export interface Claims {
  readonly iss: string
  readonly aud: string
  readonly scope: "*"
  readonly iat: number
  readonly exp: number
}

export const claims = (
  issuer: string,
  audience: string,
  issuedAtSeconds: number,
  lifetimeSeconds: number = LIFETIME_SECONDS
): Claims => ({
  iss: issuer,
  aud: audience,
  scope: "*",
  iat: issuedAtSeconds,
  exp: issuedAtSeconds + lifetimeSeconds
})

export interface Stamp {
  readonly issuedAtSeconds: number
  readonly lifetimeSeconds: number
}

/**
 * Times for assertions that never repeat. RS256 signatures are deterministic and `jti` is forbidden, so two
 * assertions with the same claims are the same string, and Unico refuses the second as reused (1.2.7). A stamp
 * takes the current second and a random lifetime from 3,000 to 3,600 s not yet used in that second: unique in this
 * process, and unlikely to collide with another process (a replica, a second CLI run) minting in the same second.
 */
export const stamper = (): Effect.Effect<Stamp> => {
  const choices = LIFETIME_SECONDS - MIN_LIFETIME_SECONDS + 1
  let second = -1
  let used = new Set<number>()
  const stamp: Effect.Effect<Stamp> = Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    const current = Math.floor(now / 1000)
    if (current !== second) {
      second = current
      used = new Set()
    }
    if (used.size === choices) {
      // Every lifetime of this second is taken (601 mints in one second): use the next second.
      yield* Effect.sleep(Duration.millis((current + 1) * 1000 - now))
      return yield* stamp
    }
    let lifetime = LIFETIME_SECONDS - (yield* Random.nextIntBetween(0, choices))
    while (used.has(lifetime)) lifetime = lifetime === MIN_LIFETIME_SECONDS ? LIFETIME_SECONDS : lifetime - 1
    used.add(lifetime)
    return { issuedAtSeconds: current, lifetimeSeconds: lifetime }
  })
  return stamp
}

/** Signs the claims; jose adds nothing to them (no jti, no nbf). */
export const sign = (key: KeyObject, payload: Claims): Effect.Effect<string> =>
  Effect.promise(() => new SignJWT({ ...payload }).setProtectedHeader({ alg: "RS256", typ: "JWT" }).sign(key))
