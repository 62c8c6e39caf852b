/**
 * What `imageBase64` holds. Unico accepts two kinds, and the kind decides whether a failed attempt may be
 * replayed (see RetryClass):
 * - the SDK's `encrypted` payload: a compact JWT (three base64url parts; five for a JWE), single use, valid
 *   for 10 minutes, sent unchanged;
 * - a plain image: base64 whose bytes start with a JPEG, PNG or WebP signature, at most 800 KB decoded.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import * as Encoding from "effect/Encoding"

export type ImageFormat = "jpeg" | "png" | "webp"

export type PayloadKind =
  | { readonly _tag: "SdkPayload" }
  | { readonly _tag: "Image"; readonly format: ImageFormat; readonly bytes: number }

/** Unico's limit for plain images, decoded. */
export const MAX_IMAGE_BYTES = 800 * 1024

const SDK_PAYLOAD: PayloadKind = { _tag: "SdkPayload" }

const BASE64URL_PART = /^[A-Za-z0-9_-]+$/
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

const decodedLength = (base64: string): number => {
  const padding = base64.endsWith("==") ? 2 : base64.endsWith("=") ? 1 : 0
  return (base64.length / 4) * 3 - padding
}

const firstBytes = (base64: string, count: number): Uint8Array => {
  // Decode only the prefix that holds the signature: payloads are up to megabytes.
  const chunk = base64.slice(0, Math.ceil(count / 3) * 4)
  return Either.getOrElse(Encoding.decodeBase64(chunk), () => new Uint8Array(0))
}

/** The image format of raw bytes by their signature (JPEG, PNG, WebP), or `undefined`. */
export const formatOf = (bytes: Uint8Array): ImageFormat | undefined => {
  const at = (i: number) => bytes[i]
  if (at(0) === 0xff && at(1) === 0xd8 && at(2) === 0xff) return "jpeg"
  if ([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((byte, i) => at(i) === byte)) return "png"
  const ascii = (from: number, to: number) => String.fromCharCode(...bytes.slice(from, to))
  if (ascii(0, 4) === "RIFF" && ascii(8, 12) === "WEBP") return "webp"
  return undefined
}

const isCompactJwt = (value: string): boolean => {
  const parts = value.split(".")
  if (parts.length === 3) return parts.every((part) => BASE64URL_PART.test(part))
  // A compact JWE: the encrypted-key part is empty for direct encryption.
  if (parts.length === 5) return parts.every((part, i) => (i === 1 && part === "") || BASE64URL_PART.test(part))
  return false
}

/**
 * Recognises the payload kind, or says why the value is neither kind. The reason never quotes the value.
 */
export const classify = (value: string): Either.Either<PayloadKind, string> => {
  if (value.length === 0) return Either.left("must not be empty")
  if (isCompactJwt(value)) return Either.right(SDK_PAYLOAD)
  if (value.startsWith("data:")) {
    return Either.left("must be bare base64: remove the data: URL prefix (data:image/...;base64,)")
  }
  if (value.includes(".")) {
    return Either.left("is neither an SDK payload (a compact JWT of three base64url parts) nor base64")
  }
  if (value.length % 4 !== 0 || !BASE64.test(value)) {
    return Either.left("is not valid base64 (nor an SDK payload from Unico's capture SDK)")
  }
  const bytes = decodedLength(value)
  const format = formatOf(firstBytes(value, 12))
  if (format === undefined) return Either.left("is base64 but not a JPEG, PNG or WebP image, nor an SDK payload")
  if (bytes > MAX_IMAGE_BYTES) {
    return Either.left(`is an image of ${bytes} bytes; Unico accepts at most ${MAX_IMAGE_BYTES} bytes (800 KB)`)
  }
  return Either.right({ _tag: "Image", format, bytes })
}

/**
 * The kind of a value that `classify` accepted, without scanning it again: of the accepted values, only SDK payloads
 * hold a dot (base64 images cannot), and an image's format and size come from its first bytes and its length. For a
 * value `classify` refuses, the answer is not meaningful: validate first.
 */
export const kindOfAccepted = (value: string): PayloadKind => {
  if (value.includes(".")) return SDK_PAYLOAD
  const format = formatOf(firstBytes(value, 12))
  if (format !== undefined) return { _tag: "Image", format, bytes: decodedLength(value) }
  return Either.getOrThrowWith(classify(value), (reason) => new Error(`not an accepted payload: ${reason}`))
}

/** Whether a failed attempt with this payload may be replayed: only single-use SDK payloads are safe. */
export const isReplaySafe = (kind: PayloadKind): boolean => kind._tag === "SdkPayload"
