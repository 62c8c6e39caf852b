/**
 * Caller authentication: `Authorization: Bearer <key>` against `GATEWAY_API_KEYS`. Both sides are hashed
 * with SHA-256 and compared with `timingSafeEqual`, and every configured key is compared, so neither the
 * length nor the position of a match leaks through timing. Keys never leave this module in clear.
 */
import * as Redacted from "effect/Redacted"
import { createHash, timingSafeEqual } from "node:crypto"

const digest = (value: string) => createHash("sha256").update(value, "utf8").digest()

export interface ApiKeys {
  /** False when no keys are configured: authentication is off. */
  readonly enabled: boolean
  /**
   * The id of the caller's key (`key-1`, `key-2`, … in the order of GATEWAY_API_KEYS), or `undefined` when the
   * header is missing, malformed or holds an unknown key. The id, not the key, is what rate limits and logs see.
   */
  readonly authenticate: (authorization: string | undefined) => string | undefined
}

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i

export const make = (keys: ReadonlyArray<Redacted.Redacted<string>>): ApiKeys => {
  const digests = keys.map((key) => digest(Redacted.value(key)))
  return {
    enabled: digests.length > 0,
    authenticate: (authorization) => {
      if (authorization === undefined) return undefined
      const match = BEARER.exec(authorization)
      if (match === null) return undefined
      const presented = digest(match[1])
      let found: number | undefined
      for (let i = 0; i < digests.length; i++) {
        if (timingSafeEqual(presented, digests[i]) && found === undefined) found = i
      }
      return found === undefined ? undefined : `key-${found + 1}`
    }
  }
}
