/**
 * The capture ledger: what makes a capture reach the provider at most once and gives every request about it its one
 * outcome. The port holds the storage primitives (claim, settle, release, wait); `ExactlyOnce` runs a check through
 * them, the same way for every implementation: in memory (`CaptureLedgerMemory`, the default) or on Redis
 * (`@liveness/redis`, shared by replicas).
 *
 * An entry holds a capture key and a request digest (see CaptureKey) and, once settled, the outcome: never a payload,
 * a subject or a credential.
 *
 * @since 0.2.0
 */
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { LivenessError, OutcomeUnknown } from "./LivenessError.js"
import { LivenessProcess } from "./LivenessProcess.js"
import * as Verdict from "./Verdict.js"

/** A check's outcome as the ledger keeps it: the answer, or the error the check ended with. */
export const Outcome = Schema.Union(
  Schema.TaggedStruct("Answered", {
    process: LivenessProcess,
    verdict: Verdict.Verdict,
    attempts: Schema.Number
  }),
  Schema.TaggedStruct("Failed", { error: LivenessError })
)
export type Outcome = typeof Outcome.Type

/** What `claim` found. */
export type Claim =
  /** Nobody holds the capture: it is yours until you `settle` or `release` it with this token. */
  | { readonly _tag: "Claimed"; readonly token: string }
  /** A check of it is in flight (`digest`: the request that holds it). */
  | { readonly _tag: "InFlight"; readonly digest: string }
  /** Its outcome is known (`digest`: the request that produced it). */
  | { readonly _tag: "Settled"; readonly digest: string; readonly outcome: Outcome }

/** What a wait for an in-flight capture ended with. */
export type Wait =
  | { readonly _tag: "Settled"; readonly digest: string; readonly outcome: Outcome }
  /** The holder released it (it submitted nothing): claim it again. */
  | { readonly _tag: "Released" }

export declare namespace CaptureLedger {
  export interface Service {
    /**
     * Takes the capture for one check, unless it is held or settled. A claim not settled or released within `lease`
     * (its holder died) settles as `OutcomeUnknown` for everyone: the holder may have submitted it.
     */
    readonly claim: (key: string, digest: string, lease: Duration.Duration) => Effect.Effect<Claim>
    /** Records the outcome of a claimed capture; kept for the ledger's retention. A stale token changes nothing. */
    readonly settle: (key: string, token: string, outcome: Outcome) => Effect.Effect<void>
    /** Forgets a claim that submitted nothing, so the capture may be checked again. */
    readonly release: (key: string, token: string) => Effect.Effect<void>
    /** Waits until an in-flight capture is settled or released (or its lease runs out). */
    readonly await: (key: string) => Effect.Effect<Wait>
    /**
     * Binds an idempotency key to a request digest, unless it is bound already; gives the digest it is bound to. Kept
     * for the ledger's retention (the gateway's `Idempotency-Key`).
     */
    readonly bind: (key: string, digest: string) => Effect.Effect<string>
  }
}

export class CaptureLedger extends Context.Tag("@liveness/core/CaptureLedger")<
  CaptureLedger,
  CaptureLedger.Service
>() {}

/** How an expired claim settles: its holder stopped, and may have submitted the capture. */
export const abandoned: Outcome = {
  _tag: "Failed",
  error: new OutcomeUnknown({
    attempts: 1,
    detail: "the check that held this capture stopped before it recorded an outcome; it may have been submitted"
  })
}

/**
 * Whether a check that ended with `error` is remembered: it may have submitted the capture (or the provider answered
 * about it), so sending it again could bill twice or spend a single-use payload. Failures that provably submitted
 * nothing are forgotten, and the caller may try again: the quota (429), the provider unreachable or refusing to handle
 * the request (503), a token or credential refusal, and a deadline passed before any request was sent.
 */
export const remembers = (error: LivenessError): boolean => {
  switch (error._tag) {
    case "RateLimited":
    case "AuthenticationFailed":
    case "AccessDenied":
      return false
    case "ProviderUnavailable":
      return error.mayHaveBeenProcessed
    case "DeadlineExceeded":
      return error.attempts > 0
    case "InvalidRequest":
      return error.providerCode !== undefined
    default:
      return true
  }
}
