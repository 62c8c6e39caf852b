/**
 * Caller authentication: `Authorization: Bearer <key>` against `GATEWAY_API_KEYS`. Both sides are hashed
 * with SHA-256 and compared with `timingSafeEqual`, and every configured key is compared, so neither the
 * length nor the position of a match leaks through timing. Keys never leave this module in clear.
 */
import * as Redacted from "effect/Redacted"
import { createHash, timingSafeEqual } from "node:crypto"

const digest = (value: string) => createHash("sha256").update(value, "utf8").digest()

/** Who a request comes from. */
export interface Caller {
  /** The key's position (`key-1`, `key-2`, … in the order of GATEWAY_API_KEYS): what logs and rate limits see. */
  readonly id: string
  /**
   * The key's stable scope in the capture ledger (`key:` and a digest prefix, never the key): unlike the id, it
   * does not change when an operator reorders GATEWAY_API_KEYS, so a remembered outcome stays its caller's.
   */
  readonly scope: string
}

/** The one caller of a gateway without keys (authentication off). */
export const ANONYMOUS_SCOPE = "anonymous"

export interface ApiKeys {
  /** False when no keys are configured: authentication is off. */
  readonly enabled: boolean
  /** The caller of a valid key, or `undefined` when the header is missing, malformed or holds an unknown key. */
  readonly authenticate: (authorization: string | undefined) => Caller | undefined
}

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i

/**
 * A digest of its own (domain-separated), not the comparison's SHA-256 of the key: the scope goes into the capture
 * ledger, and nothing there should equal a plain hash of a key. 96 bits: no two keys of one gateway collide.
 */
const scopeOf = (key: string) =>
  `key:${
    createHash("sha256").update("liveness-gateway caller scope\u0000").update(key, "utf8").digest("base64url")
      .slice(0, 16)
  }`

export const make = (keys: ReadonlyArray<Redacted.Redacted<string>>): ApiKeys => {
  const callers = keys.map((key, i) => ({
    digest: digest(Redacted.value(key)),
    caller: { id: `key-${i + 1}`, scope: scopeOf(Redacted.value(key)) } satisfies Caller
  }))
  return {
    enabled: callers.length > 0,
    authenticate: (authorization) => {
      if (authorization === undefined) return undefined
      const match = BEARER.exec(authorization)
      if (match === null) return undefined
      const presented = digest(match[1])
      let found: Caller | undefined
      for (const { caller, digest } of callers) {
        if (timingSafeEqual(presented, digest) && found === undefined) found = caller
      }
      return found
    }
  }
}
