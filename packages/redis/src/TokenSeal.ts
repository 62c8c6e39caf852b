/**
 * Seals an access token for Redis: AES-256-GCM under a key derived (HKDF-SHA256) from the service account's
 * private key, which every replica of the account has and Redis never sees. Whoever reads Redis without the
 * private key gets neither the token nor a way to use it. The seal also carries the token's times, bound to
 * the Redis key as associated data, and a fingerprint (HMAC) that lets a replica remove exactly the token the
 * API refused without decrypting.
 *
 * Format: `v1.<fingerprint>.<iv>.<ciphertext+tag>.<expiresAt>.<refreshAt>` (base64url parts).
 *
 * @since 0.2.0
 */
import * as Redacted from "effect/Redacted"
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from "node:crypto"

export interface Sealer {
  readonly seal: (token: { accessToken: Redacted.Redacted<string>; expiresAt: number; refreshAt: number }) => string
  readonly open: (
    sealed: string
  ) => { accessToken: Redacted.Redacted<string>; expiresAt: number; refreshAt: number } | undefined
  /** The value prefix that identifies `accessToken` (for compare-and-delete). */
  readonly prefixOf: (accessToken: Redacted.Redacted<string>) => string
}

const VERSION = "v1"

/** `secret`: the key material; `context`: what the seal is bound to (the Redis key). */
export const make = (secret: Redacted.Redacted<string>, context: string): Sealer => {
  const keys = Buffer.from(
    hkdfSync("sha256", Buffer.from(Redacted.value(secret)), "@liveness/redis token seal", context, 64)
  )
  const encryptionKey = keys.subarray(0, 32)
  const macKey = keys.subarray(32)

  const fingerprint = (accessToken: Redacted.Redacted<string>) =>
    createHmac("sha256", macKey).update(Redacted.value(accessToken)).digest("base64url").slice(0, 22)
  const prefixOf = (accessToken: Redacted.Redacted<string>) => `${VERSION}.${fingerprint(accessToken)}.`
  const aad = (expiresAt: number, refreshAt: number) => Buffer.from(`${context}|${expiresAt}|${refreshAt}`)

  return {
    prefixOf,
    seal: ({ accessToken, expiresAt, refreshAt }) => {
      const iv = randomBytes(12)
      const cipher = createCipheriv("aes-256-gcm", encryptionKey, iv).setAAD(aad(expiresAt, refreshAt))
      const body = Buffer.concat([
        cipher.update(Redacted.value(accessToken), "utf8"),
        cipher.final(),
        cipher.getAuthTag()
      ])
      return `${prefixOf(accessToken)}${iv.toString("base64url")}.${
        body.toString("base64url")
      }.${expiresAt}.${refreshAt}`
    },
    open: (sealed) => {
      const parts = sealed.split(".")
      if (parts.length !== 6 || parts[0] !== VERSION) return undefined
      const [, , ivText, bodyText, expiresText, refreshText] = parts as [string, string, string, string, string, string]
      const expiresAt = Number(expiresText)
      const refreshAt = Number(refreshText)
      if (!Number.isFinite(expiresAt) || !Number.isFinite(refreshAt)) return undefined
      try {
        const body = Buffer.from(bodyText, "base64url")
        if (body.length < 17) return undefined
        const decipher = createDecipheriv("aes-256-gcm", encryptionKey, Buffer.from(ivText, "base64url"))
          .setAAD(aad(expiresAt, refreshAt))
        decipher.setAuthTag(body.subarray(body.length - 16))
        const plain = Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()])
        return { accessToken: Redacted.make(plain.toString("utf8")), expiresAt, refreshAt }
      } catch {
        // Sealed under another key (another service account key, a rotated one) or tampered with.
        return undefined
      }
    }
  }
}
