/**
 * How the check workflow may react to a failure. The class is a property of the error's data, so an
 * adapter decides it once (through the code catalogue) and the workflow only reads it.
 *
 * - `safe`: nothing was processed; retry with backoff (`RateLimited`: after `Retry-After`).
 * - `ambiguous`: the provider may have processed the request; a replay can bill twice. A capture is never sent
 *   again (Unico's single-submission rule: an SDK payload ends in OutcomeUnknown, a plain image in the
 *   ProviderUnavailable that says it may have been processed); only reads are retried, and SDK payloads only with
 *   `CheckPolicy.replayAmbiguous` (docs/architecture.md, the retry policy).
 * - `reauthenticate`: the API refused our access token; drop it, mint another, retry once.
 * - `never`: retrying cannot change the answer.
 *
 * @since 0.1.0
 */
import type { LivenessError } from "./LivenessError.js"
import * as UnicoCodes from "./UnicoCodes.js"

export type RetryClass = "safe" | "ambiguous" | "reauthenticate" | "never"

/**
 * The retry class of an error: the catalogue's, when the error carries a documented Unico code (so the two
 * cannot drift apart), otherwise derived from the error's fields.
 */
export const of = (error: LivenessError): RetryClass => {
  const code = "providerCode" in error ? error.providerCode : undefined
  const entry = code === undefined ? undefined : UnicoCodes.lookup(code)
  if (entry !== undefined && entry._tag === "Some") return entry.value.retry
  switch (error._tag) {
    case "RateLimited":
      return "safe"
    case "ProviderUnavailable":
      return !error.transient ? "never" : error.mayHaveBeenProcessed ? "ambiguous" : "safe"
    case "AuthenticationFailed":
      return error.tokenRejected ? "reauthenticate" : "never"
    default:
      return "never"
  }
}
