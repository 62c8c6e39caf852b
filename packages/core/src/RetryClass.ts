/**
 * How the check workflow may react to a failure. The class is a property of the error's data, so an
 * adapter decides it once (through the code catalogue) and the workflow only reads it.
 *
 * - `safe`: nothing was processed; retry with backoff (`RateLimited`: after `Retry-After`).
 * - `ambiguous`: the provider may have processed the request; a replay can bill twice, so it is retried
 *   only for single-use SDK payloads (the provider refuses the replay with 10508 if the first landed).
 * - `reauthenticate`: the API refused our access token; drop it, mint another, retry once.
 * - `never`: retrying cannot change the answer.
 *
 * @since 0.1.0
 */
import type { LivenessError } from "./LivenessError.js"

export type RetryClass = "safe" | "ambiguous" | "reauthenticate" | "never"

/** The retry class of an error, derived from its fields. */
export const of = (error: LivenessError): RetryClass => {
  switch (error._tag) {
    case "RateLimited":
      return "safe"
    case "ProviderUnavailable":
      return !error.transient ? "never" : error.mayHaveBeenProcessed ? "ambiguous" : "safe"
    case "AuthenticationFailed":
      if (error.tokenRejected) return "reauthenticate"
      // 1.2.7: the token endpoint saw this assertion before. Assertions are single use and minted per token
      // request, so another attempt carries a fresh one (the catalogue row says "safe").
      return error.stage === "token" && error.providerCode === "1.2.7" ? "safe" : "never"
    default:
      return "never"
  }
}
