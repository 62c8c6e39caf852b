/**
 * The check workflow: validate locally, wait for the tenant's quota, call the provider under the retry
 * policy and one deadline, and derive the verdict.
 *
 * The retry policy is what keeps a capture from reaching Unico twice (Unico has no idempotency key): failures
 * that provably submitted nothing are retried with backoff, a refused access token is renewed once, and
 * nothing else is retried. After an attempt that may have reached Unico, nothing is sent again: an SDK payload
 * is single use ("The JWT must be submitted only once", Unico's SDK guidance), so the check ends at once in
 * OutcomeUnknown (the user captures again); a plain image ends in the ProviderUnavailable that says it may have
 * been processed. `CheckPolicy.replayAmbiguous` brings back the replay of SDK payloads for teams that want it.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as LogLevel from "effect/LogLevel"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as CaptureKey from "./CaptureKey.js"
import { CaptureLedger } from "./CaptureLedger.js"
import * as CaptureLedgerMemory from "./CaptureLedgerMemory.js"
import * as CheckInput from "./CheckInput.js"
import { CheckPolicy } from "./CheckPolicy.js"
import * as Deadline from "./Deadline.js"
import * as ExactlyOnce from "./ExactlyOnce.js"
import * as log from "./internal/log.js"
import { DeadlineExceeded, InvalidRequest, type LivenessError, OutcomeUnknown } from "./LivenessError.js"
import * as LivenessMetrics from "./LivenessMetrics.js"
import { type LivenessProcess, ProcessId } from "./LivenessProcess.js"
import { LivenessProvider } from "./LivenessProvider.js"
import * as RetryClass from "./RetryClass.js"
import * as RetrySchedule from "./RetrySchedule.js"
import * as SelfiePayload from "./SelfiePayload.js"
import * as TenantRateLimiter from "./TenantRateLimiter.js"
import * as Tracing from "./Tracing.js"
import * as Verdict from "./Verdict.js"

/** A check's answer (`attempts`: provider requests made for it, 1 when the first attempt answered). */
export interface CheckResult extends ExactlyOnce.Answer {
  /**
   * True when this is the outcome of an earlier check of the same capture, given again by the capture ledger without
   * a provider request (`attempts` is then the earlier check's).
   */
  readonly replayed: boolean
}

export interface CheckOptions {
  /**
   * Who asks (e.g. the gateway's caller key id, never a secret): the outcome of a capture is given again only to the
   * same caller with the same request; another gets the rejection of a reused capture. Default: one caller.
   */
  readonly caller?: string | undefined
}

/** What a check request got: its outcome and whether it is a replay (so a replayed error can be told apart too). */
export interface Submission {
  readonly outcome: Either.Either<CheckResult, LivenessError>
  readonly replayed: boolean
}

export declare namespace Liveness {
  export interface Service {
    /**
     * Runs one liveness check. `input` is Unico's request body (or an already validated CheckInput). A capture is
     * sent at most once: a repeated check of it gets its outcome from the capture ledger (see ExactlyOnce).
     */
    readonly check: (input: unknown, options?: CheckOptions) => Effect.Effect<CheckResult, LivenessError>
    /** `check`, with its outcome as a value and whether it is a replay (the gateway's `Idempotent-Replayed`). */
    readonly submit: (input: unknown, options?: CheckOptions) => Effect.Effect<Submission>
    /** Reads a process back (`GET /processes/v1/{id}`). */
    readonly getProcess: (id: string) => Effect.Effect<CheckResult, LivenessError>
  }
}

export class Liveness extends Context.Tag("@liveness/core/Liveness")<Liveness, Liveness.Service>() {}

type Operation = "createProcess" | "getProcess"

/** Unico's code of an error, as a span attribute (none when the error carries none). */
const unicoCode = (error: LivenessError) =>
  "providerCode" in error && error.providerCode !== undefined ? { "unico.code": error.providerCode } : {}

/** How long past the deadline a claim is kept for its check before the ledger takes the check for dead. */
const LEASE_MARGIN = Duration.seconds(10)

/**
 * Builds the workflow from a provider, a rate limiter and the policy in context.
 */
export const make: Effect.Effect<
  Liveness.Service,
  never,
  LivenessProvider | TenantRateLimiter.TenantRateLimiter | CaptureLedger | Scope.Scope
> = Effect.gen(function*() {
  const provider = yield* LivenessProvider
  const limiter = yield* TenantRateLimiter.TenantRateLimiter
  const ledger = yield* CaptureLedger
  const policy = yield* CheckPolicy
  const scope = yield* Effect.scope
  const deadlineMillis = Duration.toMillis(policy.deadline)
  const providerScope = provider.scope ?? "provider"
  // A claim outlives its check only when the check's process died: the deadline bounds every live check.
  const lease = Duration.sum(policy.deadline, LEASE_MARGIN)
  if (policy.rateLimit !== undefined) {
    const perSecond = policy.rateLimit.limit / Duration.toSeconds(policy.rateLimit.interval)
    yield* Metric.set(LivenessMetrics.checkCapacity, perSecond * Duration.toSeconds(policy.deadline))
  }

  const prepare = provider.prepare

  // Every metric a check touches, tagged once (see LivenessMetrics.tagged).
  const metricsOf = (operation: Operation) => ({
    latency: LivenessMetrics.tagged(LivenessMetrics.providerLatency, "operation", operation),
    attempts: LivenessMetrics.tagged(LivenessMetrics.providerAttempts, "operation", operation),
    duration: LivenessMetrics.tagged(LivenessMetrics.checkLatency, "operation", operation),
    byVerdict: (verdict: Verdict.Verdict) =>
      // A read-back is not a check: it is counted apart, so a process read twice is still one check.
      LivenessMetrics.tagged(
        operation === "createProcess" ? LivenessMetrics.checksByVerdict : LivenessMetrics.readsByVerdict,
        "verdict",
        verdict
      ),
    byError: (error: LivenessError) =>
      LivenessMetrics.tagged(LivenessMetrics.errorsByTag, "error", error._tag, "operation", operation),
    attemptError: (error: LivenessError) =>
      LivenessMetrics.tagged(LivenessMetrics.providerErrors, "error", error._tag, "operation", operation)
  })
  const metrics = { createProcess: metricsOf("createProcess"), getProcess: metricsOf("getProcess") }

  /** Whether a capture that may have been submitted must not be sent again (reads are always idempotent). */
  const singleSubmission = (operation: Operation) => operation === "createProcess" && !policy.replayAmbiguous

  /**
   * One provider request, under the quota, measured (the latency excludes the wait for a permit). The provider's
   * preparation (e.g. an access token) comes first, outside the permit: see LivenessProvider.prepare.
   */
  const attempt = <A>(operation: Operation, attemptNumber: number, request: Effect.Effect<A, LivenessError>) => {
    const { attemptError, attempts, latency } = metrics[operation]
    // Counted once the request runs, whatever its outcome (an interrupted request was sent too); a failed one by its
    // error too, in the same step.
    const measured = Effect.withFiberRuntime<A, LivenessError>((fiber) => {
      const startNanos = LivenessMetrics.clockIn(fiber).unsafeCurrentTimeNanos()
      return Effect.onExit(request, (exit) =>
        Effect.withFiberRuntime((fiber) => {
          LivenessMetrics.updateIn(fiber, latency, LivenessMetrics.elapsedIn(fiber, startNanos))
          LivenessMetrics.updateIn(fiber, attempts, 1)
          if (Exit.isFailure(exit)) {
            const failure = Cause.failureOption(exit.cause)
            if (Option.isSome(failure)) {
              LivenessMetrics.updateIn(fiber, attemptError(failure.value), 1)
              // The attempt's span: what failed, and what the workflow may do next (its retry class).
              Tracing.annotate(fiber, {
                "liveness.error": failure.value._tag,
                "liveness.retry_class": RetryClass.of(failure.value),
                ...unicoCode(failure.value)
              })
            }
          }
          return Effect.void
        }))
    })
    const permitted = limiter.withPermit(measured)
    return (prepare === undefined ? permitted : Effect.zipRight(prepare, permitted)).pipe(
      Tracing.withSpan(`LivenessProvider.${operation}`, { attributes: { "liveness.attempt": attemptNumber } })
    )
  }

  /**
   * Runs `request` under the retry schedule (RetrySchedule: the policy says when, the core says whether).
   * `replaySafe` says whether an ambiguous failure may be replayed. `attempts` records the attempts started and the
   * last one that held its permit (a check still waiting for the quota has sent nothing), for the answer and errors.
   * The schedule is built only when the first attempt fails: most checks need none.
   */
  const withRetries = <A>(
    operation: Operation,
    request: Effect.Effect<A, LivenessError>,
    replaySafe: boolean,
    startedAt: number,
    attempts: RetrySchedule.Attempts
  ) => {
    let sawAmbiguous = false
    const once = Effect.suspend(() => {
      const attemptNumber = ++attempts.started
      const sent = Effect.suspend(() => {
        attempts.lastSent = attemptNumber
        return request
      })
      return attempt(operation, attemptNumber, sent)
    }).pipe(
      Effect.mapError((error): LivenessError => {
        // The replay of an SDK payload was refused as reused: an earlier, ambiguous attempt most likely
        // landed, and its answer is lost. The user did nothing wrong; the outcome is unknown.
        if (error._tag === "PayloadRejected" && error.reason === "reused" && sawAmbiguous) {
          return new OutcomeUnknown({
            attempts: attempts.started,
            detail: "an earlier attempt may have been processed and the provider refused the replay as reused"
          })
        }
        const retryClass = RetryClass.of(error)
        // Unico's single-submission rule: an SDK payload that may have reached Unico is never sent again,
        // whatever the schedule says.
        if (retryClass === "ambiguous" && replaySafe && singleSubmission(operation)) {
          return new OutcomeUnknown({
            attempts: attempts.started,
            detail: "the request may have reached the provider, and an SDK payload is submitted only once"
          })
        }
        if (retryClass === "ambiguous") sawAmbiguous = true
        if (retryClass === "reauthenticate") attempts.tokenRefusals++
        return error
      })
    )
    const onRetry = (error: LivenessError, retryClass: RetryClass.RetryClass, delay: Duration.Duration) =>
      Effect.zipRight(
        Metric.increment(LivenessMetrics.tagged(LivenessMetrics.retries, "operation", operation, "reason", retryClass)),
        Effect.logDebug("retrying provider request").pipe(
          Effect.annotateLogs({
            attempt: attempts.started,
            error: error._tag,
            retryClass,
            delayMillis: Duration.toMillis(delay)
          })
        )
      )
    return Effect.catchAll(once, (first) => {
      // Effect.retry from here on, its schedule starting with the first failure, as if it had run the first attempt.
      let replayed = false
      const next = Effect.suspend(() => {
        if (replayed) return once
        replayed = true
        return Effect.fail(first)
      })
      return Effect.retry(next, RetrySchedule.forCheck({ policy, replaySafe, startedAt, attempts, onRetry }))
    })
  }

  /** The retry loop under the one deadline, then the verdict, with metrics, logs and span attributes. */
  const run = (
    operation: Operation,
    request: Effect.Effect<LivenessProcess, LivenessError>,
    replaySafe: boolean,
    attempts: RetrySchedule.Attempts = { started: 0, lastSent: 0, tokenRefusals: 0 }
  ): Effect.Effect<ExactlyOnce.Answer, LivenessError> =>
    Effect.withFiberRuntime((fiber) => {
      const clock = LivenessMetrics.clockIn(fiber)
      const startNanos = clock.unsafeCurrentTimeNanos()
      const startedAt = clock.unsafeCurrentTimeMillis()
      const { byError, byVerdict, duration } = metrics[operation]
      return withRetries(operation, request, replaySafe, startedAt, attempts).pipe(
        Deadline.timeoutFail({
          duration: policy.deadline,
          onTimeout: () => new DeadlineExceeded({ deadlineMillis, attempts: attempts.lastSent })
        }),
        // One step for the answer's bookkeeping: its span attributes, metrics and (Debug) log line.
        Effect.flatMap((process) =>
          Effect.withFiberRuntime<ExactlyOnce.Answer>((fiber) => {
            const result = { process, verdict: Verdict.fromProcess(process), attempts: attempts.started }
            Tracing.annotate(fiber, {
              "liveness.process_id": process.id,
              "liveness.verdict": result.verdict,
              "liveness.attempts": result.attempts
            })
            LivenessMetrics.updateIn(fiber, byVerdict(result.verdict), 1)
            LivenessMetrics.updateIn(fiber, duration, LivenessMetrics.elapsedIn(fiber, startNanos))
            // Debug: a library writes nothing a program did not ask for (Effect's default logger prints Info and
            // above to standard output). Apps that want the line lower the minimum level.
            const line = log.lineIn(fiber, LogLevel.Debug, "liveness process answered", {
              operation,
              processId: process.id,
              verdict: result.verdict,
              attempts: result.attempts
            })
            const unknown = Verdict.unknownValues(process)
            const warning = unknown === undefined ? Effect.void : Effect.logWarning(
              `provider answered a value this library does not know: ${unknown}`
            ).pipe(Effect.annotateLogs({ processId: process.id }))
            return line === Effect.void && unknown === undefined
              ? Effect.succeed(result)
              : Effect.as(Effect.zipRight(warning, line), result)
          })
        ),
        Effect.tapError((error) =>
          Effect.withFiberRuntime((fiber) => {
            Tracing.annotate(fiber, {
              "liveness.error": error._tag,
              "liveness.attempts": attempts.started,
              ...unicoCode(error)
            })
            LivenessMetrics.updateIn(fiber, byError(error), 1)
            LivenessMetrics.updateIn(fiber, duration, LivenessMetrics.elapsedIn(fiber, startNanos))
            return log.lineIn(fiber, LogLevel.Debug, "liveness operation failed", {
              operation,
              error: error._tag,
              code: error.code
            })
          })
        )
      )
    })

  /** A check refused by local validation: counted on operation "check" (the provider's are counted by run). */
  const refusedLocally = (error: InvalidRequest) =>
    Effect.withFiberRuntime<Submission>((fiber) => {
      Tracing.annotate(fiber, { "liveness.error": error._tag })
      LivenessMetrics.updateIn(
        fiber,
        LivenessMetrics.tagged(LivenessMetrics.errorsByTag, "error", error._tag, "operation", "check"),
        1
      )
      return Effect.succeed({ outcome: Either.left(error), replayed: false })
    })

  const submit = (input: unknown, options: CheckOptions = {}): Effect.Effect<Submission> =>
    Effect.suspend(() => {
      const validated = CheckInput.validateEither(input)
      if (Either.isLeft(validated)) return refusedLocally(validated.left)
      const valid = validated.right
      // Validation has just classified the payload: its kind follows without another pass over it.
      const kind = SelfiePayload.kindOfAccepted(Redacted.value(valid.imageBase64))
      const key = CaptureKey.captureKey(providerScope, valid)
      const digest = CaptureKey.requestDigest(options.caller ?? "", valid)
      const attempts: RetrySchedule.Attempts = { started: 0, lastSent: 0, tokenRefusals: 0 }
      return Effect.flatMap(
        ExactlyOnce.run(
          { ledger, key, digest, lease, scope, sent: () => attempts.lastSent > 0 },
          run("createProcess", provider.createProcess(valid), SelfiePayload.isReplaySafe(kind), attempts)
        ),
        (submitted) =>
          Effect.withFiberRuntime<Submission>((fiber) => {
            Tracing.annotate(fiber, { "liveness.payload_kind": kind._tag, "liveness.replayed": submitted.replayed })
            return Effect.succeed({
              outcome: Either.map(submitted.outcome, (answer) => ({ ...answer, replayed: submitted.replayed })),
              replayed: submitted.replayed
            })
          })
      )
    }).pipe(Tracing.withSpan("Liveness.check"))

  const check = (input: unknown, options?: CheckOptions) =>
    Effect.flatMap(submit(input, options), (submission) => submission.outcome)

  const decodeId = Schema.decodeUnknown(Schema.UUID.pipe(Schema.compose(ProcessId)))

  const getProcess = (id: string) =>
    decodeId(id).pipe(
      Effect.mapError(() =>
        new InvalidRequest({ errors: [{ field: "id", message: "must be a process id (a UUID)" }] })
      ),
      // Reads are idempotent: every transient failure may be retried.
      Effect.flatMap((processId) => run("getProcess", provider.getProcess(processId), true)),
      Effect.map((answer): CheckResult => ({ ...answer, replayed: false })),
      Tracing.withSpan("Liveness.getProcess")
    )

  return { check, submit, getProcess }
})

/**
 * The workflow with the tenant limiter and the capture ledger of your choice (e.g. both shared between replicas
 * through Redis: `@liveness/redis`). Checks in flight when the layer is released are interrupted.
 */
export const layerWith: Layer.Layer<
  Liveness,
  never,
  LivenessProvider | TenantRateLimiter.TenantRateLimiter | CaptureLedger
> = Layer.scoped(Liveness, make)

/** The workflow with an in-process tenant limiter and capture ledger, configured by CheckPolicy. Requires a provider. */
export const layer: Layer.Layer<Liveness, never, LivenessProvider> = layerWith.pipe(
  Layer.provide(Layer.merge(TenantRateLimiter.layer, CaptureLedgerMemory.layer))
)

/** The workflow with a TenantRateLimiter of your own (e.g. one shared between replicas) and the in-memory ledger. */
export const layerWithoutRateLimiter: Layer.Layer<
  Liveness,
  never,
  LivenessProvider | TenantRateLimiter.TenantRateLimiter
> = layerWith.pipe(Layer.provide(CaptureLedgerMemory.layer))

/** Runs one liveness check with the Liveness service in context. */
export const check = (input: unknown, options?: CheckOptions): Effect.Effect<CheckResult, LivenessError, Liveness> =>
  Effect.flatMap(Liveness, (liveness) => liveness.check(input, options))

/** Reads a process back with the Liveness service in context. */
export const getProcess = (id: string): Effect.Effect<CheckResult, LivenessError, Liveness> =>
  Effect.flatMap(Liveness, (liveness) => liveness.getProcess(id))
