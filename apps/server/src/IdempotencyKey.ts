/**
 * The `Idempotency-Key` request header (IETF draft-ietf-httpapi-idempotency-key-header): its syntax, its limit, and
 * the names the capture ledger binds. The draft makes the value a Structured Field String (`"…"`, RFC 8941); the
 * bare form Stripe's clients send (`Idempotency-Key: 8e03978e-…`) is taken as the same key, so either client works.
 *
 * A key is scoped to its caller: the binding's name digests the caller's ledger scope and the key, and it is bound
 * to a digest of the request body. The body digest is SHA-256 over the body's canonical JSON (object keys sorted,
 * no whitespace): the same JSON in another key order or spacing is the same body; a changed value is another.
 */
import { CaptureLedger } from "@liveness/core"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import { createHash } from "node:crypto"

export const HEADER = "Idempotency-Key"

/** The answer header of a response given again from the capture ledger (Stripe's name and value). */
export const REPLAYED_HEADER = "Idempotent-Replayed"

/** The longest key taken, in characters (what Stripe and most APIs that take the header allow). */
export const MAX_LENGTH = 255

/** What the header held: no key, a key, or why it is not one (the field issue of a 400). */
export type Parsed =
  | { readonly _tag: "Absent" }
  | { readonly _tag: "Key"; readonly key: string }
  | { readonly _tag: "Malformed"; readonly message: string }

const malformed = (message: string): Parsed => ({ _tag: "Malformed", message })

/** RFC 8941 sf-string: printable ASCII between double quotes, `\"` and `\\` escaped. */
const SF_STRING = /^"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"$/

/** The bare form: visible ASCII, not starting with a quote. */
const BARE = /^[\x21\x23-\x7e][\x21-\x7e]*$/

/**
 * Reads the header from Node's `headersDistinct` (every field line apart: the draft allows one), whitespace around
 * the value already trimmed by Node.
 */
export const parse = (lines: ReadonlyArray<string> | undefined): Parsed => {
  if (lines === undefined || lines.length === 0) return { _tag: "Absent" }
  if (lines.length > 1) return malformed("must be sent once")
  const value = lines[0]!
  const quoted = SF_STRING.exec(value)
  if (quoted === null && !BARE.test(value)) {
    return value === ""
      ? malformed("must not be empty")
      : malformed("must be a quoted string of printable ASCII characters (or a bare value of visible ones)")
  }
  const key = quoted === null ? value : quoted[1]!.replace(/\\(["\\])/g, "$1")
  if (key === "") return malformed("must not be empty")
  if (key.length > MAX_LENGTH) return malformed(`must be at most ${MAX_LENGTH} characters`)
  return { _tag: "Key", key }
}

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("base64url")

/** The name the ledger binds for a caller's key: neither the key nor the scope in clear. */
export const bindingName = (callerScope: string, key: string): string =>
  sha256(JSON.stringify(["idempotency-key", callerScope, key]))

/** JSON with object keys sorted at every depth (arrays keep their order). */
const canonical = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`
  if (typeof value === "object" && value !== null) {
    const record = value as Record<string, unknown>
    return `{${Object.keys(record).sort().map((key) => `${JSON.stringify(key)}:${canonical(record[key])}`).join(",")}}`
  }
  return JSON.stringify(value) ?? "null"
}

/** The digest a key is bound to: SHA-256 of the parsed body's canonical JSON. */
export const bodyDigest = (body: unknown): string => sha256(canonical(body))

/** The caller sent this key before with another body: the draft's 422. */
export class Reused extends Data.TaggedError("IdempotencyKeyReused")<{}> {}

/**
 * Binds the caller's key to this body for the ledger's retention (shared by the replicas when the ledger is), unless
 * it is bound already: then the body must be the one it is bound to. A key is bound to its first body whatever
 * becomes of that request, even a refusal as invalid: one key names one request.
 */
export const bind = (
  callerScope: string,
  key: string,
  body: unknown
): Effect.Effect<void, Reused, CaptureLedger.CaptureLedger> =>
  Effect.flatMap(CaptureLedger.CaptureLedger, (ledger) => {
    const digest = bodyDigest(body)
    return Effect.flatMap(
      ledger.bind(bindingName(callerScope, key), digest),
      (bound) => bound === digest ? Effect.void : Effect.fail(new Reused())
    )
  })
