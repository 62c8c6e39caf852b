/**
 * Test inputs: fake SDK payloads (compact JWTs whose claims the fake understands) and real, small JPEGs.
 *
 * A fake SDK payload carries `iss: "liveness-fake"`, a unique `jti`, the capture time `iat` and an optional
 * `scenario`, so a test without a subject can still choose the outcome. Like real ones, the fake enforces
 * their rules: older than 10 minutes → 10507, used twice → 10508.
 *
 * @since 0.1.0
 */
import { createHash, randomBytes, randomUUID } from "node:crypto"
import { encodeGrey } from "./Jpeg.js"
import type { Name } from "./Scenario.js"
import { isName } from "./Scenario.js"

export const FAKE_ISSUER = "liveness-fake"

/** How long an SDK payload stays valid (Unico: send within 10 minutes of capture). */
export const SDK_PAYLOAD_LIFETIME_MILLIS = 10 * 60 * 1000

export interface SdkPayloadOptions {
  /** The outcome the fake (or sandbox) gives this capture when the subject does not choose one. */
  readonly scenario?: Name
  /** The capture time (default: now). */
  readonly issuedAt?: Date
  /** Grow the payload to about this many characters (real SDK payloads are hundreds of kilobytes). */
  readonly size?: number
}

export interface SdkPayloadClaims {
  readonly iss: typeof FAKE_ISSUER
  readonly jti: string
  /** Capture time, Unix seconds. */
  readonly iat: number
  readonly scenario?: Name
}

const base64url = (value: string | Uint8Array) => Buffer.from(value).toString("base64url")

/** A fake SDK payload: `header.claims.signature`, three base64url parts like the SDK's `encrypted`. */
export const sdkPayload = (options: SdkPayloadOptions = {}): string => {
  const issuedAt = options.issuedAt ?? new Date()
  const claims: Record<string, unknown> = {
    iss: FAKE_ISSUER,
    jti: randomUUID(),
    iat: Math.floor(issuedAt.getTime() / 1000),
    ...(options.scenario === undefined ? {} : { scenario: options.scenario })
  }
  const header = base64url(JSON.stringify({ alg: "none", typ: "JWT", cty: "liveness-fake" }))
  const signature = base64url(randomBytes(32))
  const bare = `${header}.${base64url(JSON.stringify(claims))}.${signature}`
  const missing = (options.size ?? 0) - bare.length
  if (missing <= 16) return bare
  // A face-like blob of random bytes, so payloads of a realistic size do not compress to nothing.
  // The claims part is base64url (4 chars per 3 bytes) of JSON holding base64 (4 chars per 3 bytes).
  const faceChars = Math.floor((missing * 3) / 4) - 12
  claims.face = randomBytes(Math.max(0, Math.floor((faceChars * 3) / 4))).toString("base64")
  return `${header}.${base64url(JSON.stringify(claims))}.${signature}`
}

/** The claims of a fake SDK payload, or `undefined` for anything else (a real SDK payload, an image). */
export const readSdkClaims = (payload: string): SdkPayloadClaims | undefined => {
  const parts = payload.split(".")
  if (parts.length !== 3) return undefined
  try {
    const claims = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8")) as Record<string, unknown>
    if (claims.iss !== FAKE_ISSUER || typeof claims.jti !== "string" || typeof claims.iat !== "number") return undefined
    return {
      iss: FAKE_ISSUER,
      jti: claims.jti,
      iat: claims.iat,
      ...(isName(claims.scenario) ? { scenario: claims.scenario } : {})
    }
  } catch {
    return undefined
  }
}

export interface ImageOptions {
  /** Default 800 (Unico's minimum is 640x480). */
  readonly width?: number
  /** Default 600. */
  readonly height?: number
  /** Pad the JPEG to at least this many bytes (e.g. past the 800 KB limit). */
  readonly minBytes?: number
}

/**
 * A valid JPEG (flat grey), base64-encoded, as a plain-image `imageBase64`. Each call is a new capture (a comment
 * segment holds a random id), as two photos of a person are: the capture ledger gives a repeated capture its first
 * outcome instead of sending it again.
 */
export const image = (options: ImageOptions = {}): string =>
  Buffer.from(
    encodeGrey({
      width: options.width ?? 800,
      height: options.height ?? 600,
      comment: `capture ${randomUUID()}`,
      ...(options.minBytes === undefined ? {} : { minBytes: options.minBytes })
    })
  ).toString("base64")

/**
 * A short, stable identifier of a payload (SHA-256, 16 hex characters): what the fake records and the
 * sandbox counts instead of the payload itself.
 */
export const fingerprint = (payload: string): string => createHash("sha256").update(payload).digest("hex").slice(0, 16)
