/**
 * Whether a failed request may have reached the provider: the retry policy's most important input (a
 * replayed create that landed bills twice). Only failures that happen before a connection exists are "not
 * sent"; a reset, a closed socket or a timeout after connecting may have been processed.
 *
 * @since 0.1.0
 */

/** Error codes (Node, undici) raised before any byte of the request could reach the server. */
const NOT_SENT = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EAI_NONAME",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EADDRNOTAVAIL",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_INVALID_ARG",
  "ERR_INVALID_URL",
  "CERT_HAS_EXPIRED",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "ERR_TLS_CERT_ALTNAME_INVALID"
])

/** The first error `code` found along the cause chain (undici nests the system error). */
export const codeOf = (cause: unknown): string | undefined => {
  let current: unknown = cause
  for (let depth = 0; depth < 6 && typeof current === "object" && current !== null; depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === "string") return code
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}

export type Classification = "not-sent" | "may-have-been-processed"

export const classify = (cause: unknown): Classification => {
  const code = codeOf(cause)
  return code !== undefined && NOT_SENT.has(code) ? "not-sent" : "may-have-been-processed"
}
