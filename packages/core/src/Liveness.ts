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
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as LogLevel from "effect/LogLevel"
import * as Metric from "effect/Metric"
import * as Random from "effect/Random"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as CheckInput from "./CheckInput.js"
import { CheckPolicy, type Policy } from "./CheckPolicy.js"
import * as Deadline from "./Deadline.js"
import * as log from "./internal/log.js"
import { DeadlineExceeded, InvalidRequest, type LivenessError, OutcomeUnknown } from "./LivenessError.js"
import * as LivenessMetrics from "./LivenessMetrics.js"
import { type LivenessProcess, ProcessId } from "./LivenessProcess.js"
import { LivenessProvider } from "./LivenessProvider.js"
import * as RetryClass from "./RetryClass.js"
import * as SelfiePayload from "./SelfiePayload.js"
import * as TenantRateLimiter from "./TenantRateLimiter.js"
import * as Verdict from "./Verdict.js"

export interface CheckResult {
  readonly process: LivenessProcess
  readonly verdict: Verdict.Verdict
  /** Provider requests made for this check (1 when the first attempt answered). */
  readonly attempts: number
}

export declare namespace Liveness {
  export interface Service {
    /** Runs one liveness check. `input` is Unico's request body (or an already validated CheckInput). */
    readonly check: (input: unknown) => Effect.Effect<CheckResult, LivenessError>
    /** Reads a process back (`GET /processes/v1/{id}`). */
    readonly getProcess: (id: string) => Effect.Effect<CheckResult, LivenessError>
  }
}

export class Liveness extends Context.Tag("@liveness/core/Liveness")<Liveness, Liveness.Service>() {}

type Operation = "createProcess" | "getProcess"

interface RetryState {
  readonly attempt: number
  readonly sawAmbiguous: boolean
  readonly renewedToken: boolean
}

const backoff = (policy: Policy, attempt: number): Effect.Effect<Duration.Duration> => {
  const exponential = Duration.toMillis(policy.baseDelay) * 2 ** (attempt - 1)
  const capped = Math.min(exponential, Duration.toMillis(policy.maxDelay))
  return policy.jitter
    ? Effect.map(Random.next, (r) => Duration.millis(Math.floor(r * capped)))
    : Effect.succeed(Duration.millis(capped))
}

/**
 * Builds the workflow from a provider, a rate limiter and the policy in context.
 */
export const make: Effect.Effect<
  Liveness.Service,
  never,
  LivenessProvider | TenantRateLimiter.TenantRateLimiter
> = Effect.gen(function*() {
  const provider = yield* LivenessProvider
  const limiter = yield* TenantRateLimiter.TenantRateLimiter
  const policy = yield* CheckPolicy
  const deadlineMillis = Duration.toMillis(policy.deadline)

  const prepare = provider.prepare ?? Effect.void

  /** Whether a capture that may have been submitted must not be sent again (reads are always idempotent). */
  const singleSubmission = (operation: Operation) => operation === "createProcess" && !policy.replayAmbiguous

  /**
   * One provider request, under the quota, measured (the latency excludes the wait for a permit). The provider's
   * preparation (e.g. an access token) comes first, outside the permit: see LivenessProvider.prepare.
   */
  const attempt = <A>(operation: Operation, attemptNumber: number, request: Effect.Effect<A, LivenessError>) => {
    // Counted once the request runs, whatever its outcome (an interrupted request was sent too).
    const measured = request.pipe(
      Metric.trackDuration(LivenessMetrics.tagged(LivenessMetrics.providerLatency, "operation", operation)),
      Effect.ensuring(
        Metric.increment(LivenessMetrics.tagged(LivenessMetrics.providerAttempts, "operation", operation))
      )
    )
    return prepare.pipe(
      Effect.zipRight(limiter.withPermit(measured)),
      Effect.withSpan(`LivenessProvider.${operation}`, {
        attributes: { "liveness.attempt": attemptNumber },
        captureStackTrace: false
      })
    )
  }

  /**
   * Runs `request` until it succeeds or the policy says stop. `replaySafe` says whether an ambiguous
   * failure may be replayed. `onAttempt` records the attempt count for the deadline error, once the request
   * holds its permit (a check still waiting for the quota has sent nothing).
   */
  const withRetries = <A>(
    operation: Operation,
    request: Effect.Effect<A, LivenessError>,
    replaySafe: boolean,
    startedAt: number,
    onAttempt: (n: number) => void
  ) => {
    const loop = (state: RetryState): Effect.Effect<readonly [A, number], LivenessError> => {
      const sent = Effect.suspend(() => {
        onAttempt(state.attempt)
        return request
      })
      return attempt(operation, state.attempt, sent).pipe(
        Effect.map((a) => [a, state.attempt] as const),
        Effect.catchAll((error) => decide(error, state))
      )
    }

    const decide = (error: LivenessError, state: RetryState): Effect.Effect<readonly [A, number], LivenessError> =>
      Effect.gen(function*() {
        // The replay of an SDK payload was refused as reused: an earlier, ambiguous attempt most likely
        // landed, and its answer is lost. The user did nothing wrong; the outcome is unknown.
        if (error._tag === "PayloadRejected" && error.reason === "reused" && state.sawAmbiguous) {
          return yield* new OutcomeUnknown({
            attempts: state.attempt,
            detail: "an earlier attempt may have been processed and the provider refused the replay as reused"
          })
        }
        const retryClass = RetryClass.of(error)
        // Unico's single-submission rule: an SDK payload that may have reached Unico is never sent again.
        if (retryClass === "ambiguous" && replaySafe && singleSubmission(operation)) {
          return yield* new OutcomeUnknown({
            attempts: state.attempt,
            detail: "the request may have reached the provider, and an SDK payload is submitted only once"
          })
        }
        const retryable = retryClass === "safe" ||
          (retryClass === "ambiguous" && replaySafe) ||
          (retryClass === "reauthenticate" && !state.renewedToken)
        if (!retryable || state.attempt >= policy.maxAttempts) return yield* error

        const delay = retryClass === "reauthenticate"
          ? Duration.zero
          : error._tag === "RateLimited" && error.retryAfterMillis !== undefined
          ? Duration.max(Duration.millis(error.retryAfterMillis), yield* backoff(policy, state.attempt))
          : yield* backoff(policy, state.attempt)
        // Waiting past the deadline cannot succeed: give the caller the real reason now.
        const now = yield* Clock.currentTimeMillis
        if (now - startedAt + Duration.toMillis(delay) >= deadlineMillis) return yield* error

        yield* Metric.increment(
          LivenessMetrics.tagged(LivenessMetrics.retries, "operation", operation, "reason", retryClass)
        )
        yield* Effect.logDebug("retrying provider request").pipe(
          Effect.annotateLogs({
            attempt: state.attempt,
            error: error._tag,
            retryClass,
            delayMillis: Duration.toMillis(delay)
          })
        )
        yield* Effect.sleep(delay)
        return yield* loop({
          attempt: state.attempt + 1,
          sawAmbiguous: state.sawAmbiguous || retryClass === "ambiguous",
          renewedToken: state.renewedToken || retryClass === "reauthenticate"
        })
      })

    return loop({ attempt: 1, sawAmbiguous: false, renewedToken: false })
  }

  /** The retry loop under the one deadline, then the verdict, with metrics, logs and span attributes. */
  const run = (operation: Operation, request: Effect.Effect<LivenessProcess, LivenessError>, replaySafe: boolean) =>
    Effect.gen(function*() {
      const startedAt = yield* Clock.currentTimeMillis
      let attempts = 0
      const [process, made] = yield* withRetries(operation, request, replaySafe, startedAt, (n) => {
        attempts = n
      }).pipe(
        Deadline.timeoutFail({
          duration: policy.deadline,
          onTimeout: () => new DeadlineExceeded({ deadlineMillis, attempts })
        })
      )
      const verdict = Verdict.fromProcess(process)
      const unknown = Verdict.unknownValues(process)
      if (unknown !== undefined) {
        yield* Effect.logWarning(`provider answered a value this library does not know: ${unknown}`).pipe(
          Effect.annotateLogs({ processId: process.id })
        )
      }
      return { process, verdict, attempts: made } satisfies CheckResult
    }).pipe(
      Effect.tap((result) =>
        Effect.all([
          Effect.annotateCurrentSpan({
            "liveness.process_id": result.process.id,
            "liveness.verdict": result.verdict,
            "liveness.attempts": result.attempts
          }),
          // A read-back is not a check: it is counted apart, so a process read twice is still one check.
          Metric.increment(
            LivenessMetrics.tagged(
              operation === "createProcess" ? LivenessMetrics.checksByVerdict : LivenessMetrics.readsByVerdict,
              "verdict",
              result.verdict
            )
          ),
          // Debug: a library writes nothing a program did not ask for (Effect's default logger prints Info and
          // above to standard output). Apps that want the line lower the minimum level.
          log.annotated(LogLevel.Debug, "liveness process answered", {
            operation,
            processId: result.process.id,
            verdict: result.verdict,
            attempts: result.attempts
          })
        ], { discard: true })
      ),
      Effect.tapError((error) =>
        Effect.all([
          Effect.annotateCurrentSpan({ "liveness.error": error._tag }),
          Metric.increment(
            LivenessMetrics.tagged(LivenessMetrics.errorsByTag, "error", error._tag, "operation", operation)
          ),
          log.annotated(LogLevel.Debug, "liveness operation failed", { operation, error: error._tag, code: error.code })
        ], { discard: true })
      ),
      Metric.trackDuration(LivenessMetrics.tagged(LivenessMetrics.checkLatency, "operation", operation))
    )

  const check = (input: unknown) =>
    Effect.gen(function*() {
      // Only local validation failures count on operation "check"; the provider's are counted by run.
      const valid = yield* CheckInput.validate(input).pipe(
        Effect.tapError((error) =>
          Effect.all([
            Effect.annotateCurrentSpan({ "liveness.error": error._tag }),
            Metric.increment(
              LivenessMetrics.tagged(LivenessMetrics.errorsByTag, "error", error._tag, "operation", "check")
            )
          ], { discard: true })
        )
      )
      // Validation has just classified the payload: its kind follows without another pass over it.
      const kind = SelfiePayload.kindOfAccepted(Redacted.value(valid.imageBase64))
      yield* Effect.annotateCurrentSpan({ "liveness.payload_kind": kind._tag })
      return yield* run("createProcess", provider.createProcess(valid), SelfiePayload.isReplaySafe(kind))
    }).pipe(Effect.withSpan("Liveness.check", { captureStackTrace: false }))

  const decodeId = Schema.decodeUnknown(Schema.UUID.pipe(Schema.compose(ProcessId)))

  const getProcess = (id: string) =>
    decodeId(id).pipe(
      Effect.mapError(() =>
        new InvalidRequest({ errors: [{ field: "id", message: "must be a process id (a UUID)" }] })
      ),
      // Reads are idempotent: every transient failure may be retried.
      Effect.flatMap((processId) => run("getProcess", provider.getProcess(processId), true)),
      Effect.withSpan("Liveness.getProcess", { captureStackTrace: false })
    )

  return { check, getProcess }
})

/** The workflow with an in-process tenant limiter configured by CheckPolicy. Requires a provider. */
export const layer: Layer.Layer<Liveness, never, LivenessProvider> = Layer.effect(Liveness, make).pipe(
  Layer.provide(TenantRateLimiter.layer)
)

/** The workflow with a TenantRateLimiter of your own (e.g. one shared between replicas). */
export const layerWithoutRateLimiter: Layer.Layer<
  Liveness,
  never,
  LivenessProvider | TenantRateLimiter.TenantRateLimiter
> = Layer.effect(Liveness, make)

/** Runs one liveness check with the Liveness service in context. */
export const check = (input: unknown): Effect.Effect<CheckResult, LivenessError, Liveness> =>
  Effect.flatMap(Liveness, (liveness) => liveness.check(input))

/** Reads a process back with the Liveness service in context. */
export const getProcess = (id: string): Effect.Effect<CheckResult, LivenessError, Liveness> =>
  Effect.flatMap(Liveness, (liveness) => liveness.getProcess(id))
