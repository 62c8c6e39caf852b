/**
 * How the capture ledger names a capture and a request, without keeping either: SHA-256 digests, base64url.
 *
 * - The **capture key** digests the provider's scope (tenant and environment) and the payload: the same capture sent
 *   to another tenant is another capture.
 * - The **request digest** digests who asks (the caller's scope, e.g. the gateway's caller key id) and the rest of
 *   the request (subject, branch): a second request for one capture gets the first one's outcome only if it is the
 *   same request from the same caller.
 *
 * @since 0.2.0
 */
import * as Redacted from "effect/Redacted"
import { createHash } from "node:crypto"
import type { CheckInput } from "./CheckInput.js"

/**
 * SHA-256, base64url. `node:crypto` (Node, Deno and Bun all have it) rather than Web Crypto: `subtle.digest` is
 * asynchronous only, and a real promise between a check's start and its first request would put the check out of
 * step with a TestClock-driven test; the native hash is also the fastest over a payload of hundreds of kilobytes.
 */
const sha256 = (text: string): string => createHash("sha256").update(text).digest("base64url")

/** The ledger's key of a capture: its payload under the provider's scope. */
export const captureKey = (scope: string, input: CheckInput): string =>
  createHash("sha256").update(scope).update("\u0000").update(Redacted.value(input.imageBase64)).digest("base64url")

/** The digest of who asks and what else the request says (never the payload: the key already names it). */
export const requestDigest = (caller: string, input: CheckInput): string => {
  const subject = input.subject
  return sha256(JSON.stringify([
    caller,
    subject === undefined ? null : [subject.code, subject.name, subject.email ?? null, subject.phone ?? null],
    input.subsidiaryId ?? null
  ]))
}
