/**
 * Runs a check of one capture through the capture ledger, the same way for every ledger:
 *
 * - the first request claims the capture and runs the check; the outcome is settled in the ledger when the check may
 *   have submitted it, and the claim released when it provably submitted nothing (the caller may try again);
 * - a request for a capture in flight waits for that check's outcome and never reaches the provider;
 * - a request for a settled capture gets its outcome again, marked as a replay;
 * - a request for a capture another request holds (another caller, or another subject) gets the rejection the
 *   provider would give a reused capture (10508), without the other request's outcome.
 *
 * The check runs in a fiber of the workflow's scope, not the caller's: a caller that leaves (a timeout, a dropped
 * connection) does not stop it, and its outcome is kept for the caller's retry.
 *
 * @since 0.2.0
 */
import * as Cause from "effect/Cause"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import type * as Scope from "effect/Scope"
import { abandoned, type CaptureLedger, type Outcome, remembers } from "./CaptureLedger.js"
import { type LivenessError, PayloadRejected } from "./LivenessError.js"
import * as LivenessMetrics from "./LivenessMetrics.js"
import type { LivenessProcess } from "./LivenessProcess.js"
import * as Tracing from "./Tracing.js"
import type * as Verdict from "./Verdict.js"

/** A check's answer, as the workflow gives it. */
export interface Answer {
  readonly process: LivenessProcess
  readonly verdict: Verdict.Verdict
  readonly attempts: number
}

/** What a request for a capture got: its outcome, and whether that outcome is a replay of an earlier check's. */
export interface Submitted {
  readonly outcome: Either.Either<Answer, LivenessError>
  readonly replayed: boolean
}

export interface Options {
  readonly ledger: CaptureLedger.Service
  readonly key: string
  readonly digest: string
  /** How long a claim may stay in flight: past it, its holder is taken for dead (the deadline and a margin). */
  readonly lease: Duration.Duration
  /** Where the check's fiber runs (the workflow's scope). */
  readonly scope: Scope.Scope
  /** Whether the check has sent a request yet: an interrupted check that sent nothing is released, not settled. */
  readonly sent: () => boolean
}

const reusedByAnother = new PayloadRejected({
  reason: "reused",
  providerCode: "10508",
  detail: "this capture was already submitted by another request, and a capture is submitted once"
})

const counters = {
  claimed: LivenessMetrics.tagged(LivenessMetrics.ledgerRequests, "result", "claimed"),
  replayed: LivenessMetrics.tagged(LivenessMetrics.ledgerRequests, "result", "replayed"),
  joined: LivenessMetrics.tagged(LivenessMetrics.ledgerRequests, "result", "joined"),
  refused: LivenessMetrics.tagged(LivenessMetrics.ledgerRequests, "result", "refused")
}

/** Counts what the ledger did (and says it on the check's span), in the step that goes on to `then`. */
const counted = <A>(result: keyof typeof counters, then: Effect.Effect<A>) =>
  Effect.withFiberRuntime<A>((fiber) => {
    LivenessMetrics.updateIn(fiber, counters[result], 1)
    Tracing.annotate(fiber, { "liveness.ledger": result })
    return then
  })

const fromOutcome = (outcome: Outcome): Either.Either<Answer, LivenessError> =>
  outcome._tag === "Answered"
    ? Either.right({ process: outcome.process, verdict: outcome.verdict, attempts: outcome.attempts })
    : Either.left(outcome.error)

const refused = counted(
  "refused",
  Effect.succeed<Submitted>({ outcome: Either.left(reusedByAnother), replayed: false })
)

/**
 * What a settled capture gives this request: its outcome if it is the same request (`result`: replayed from the
 * ledger, or joined while in flight), else the reuse rejection.
 */
const settledFor = (
  digest: string,
  settled: { readonly digest: string; readonly outcome: Outcome },
  result: "replayed" | "joined"
) =>
  settled.digest === digest
    ? counted(result, Effect.succeed<Submitted>({ outcome: fromOutcome(settled.outcome), replayed: true }))
    : refused

/** Runs `check` at most once per capture key (see the module's comment). */
export const run = (options: Options, check: Effect.Effect<Answer, LivenessError>): Effect.Effect<Submitted> => {
  const { digest, key, ledger } = options

  const record = (token: string, exit: Exit.Exit<Answer, LivenessError>): Effect.Effect<void> => {
    if (Exit.isSuccess(exit)) {
      return ledger.settle(key, token, { _tag: "Answered", ...exit.value })
    }
    const failure = Cause.failureOption(exit.cause)
    if (failure._tag === "Some") {
      return remembers(failure.value)
        ? ledger.settle(key, token, { _tag: "Failed", error: failure.value })
        : ledger.release(key, token)
    }
    // Interrupted (the workflow is shutting down) or a defect: what was sent may have been processed.
    return options.sent() ? ledger.settle(key, token, abandoned) : ledger.release(key, token)
  }

  const owned = (token: string) =>
    counted(
      "claimed",
      // The fiber succeeds with the check's exit: a failure is the caller's to report, not an "unhandled error" of
      // the fiber (which Effect would log at Debug, with the error's stack, for every failed check).
      Effect.flatMap(
        check.pipe(Effect.onExit((exit) => record(token, exit)), Effect.exit, Effect.forkIn(options.scope)),
        (fiber) =>
          Effect.flatMap(Fiber.await(fiber), (joined): Effect.Effect<Submitted> => {
            const exit = Exit.flatten(joined)
            if (Exit.isSuccess(exit)) return Effect.succeed({ outcome: Either.right(exit.value), replayed: false })
            const failure = Cause.failureOption(exit.cause)
            if (failure._tag === "Some") return Effect.succeed({ outcome: Either.left(failure.value), replayed: false })
            return Effect.failCause(exit.cause as Cause.Cause<never>)
          })
      )
    )

  const claim = ledger.claim(key, digest, options.lease).pipe(Tracing.withSpan("CaptureLedger.claim"))
  const attempt: Effect.Effect<Submitted> = Effect.flatMap(claim, (claim) => {
    switch (claim._tag) {
      case "Claimed":
        return owned(claim.token)
      case "Settled":
        return settledFor(digest, claim, "replayed")
      case "InFlight":
        if (claim.digest !== digest) return refused
        return Effect.flatMap(
          ledger.await(key),
          (wait) => wait._tag === "Released" ? attempt : settledFor(digest, wait, "joined")
        )
    }
  })
  return attempt
}
