/**
 * Effect metrics of the check workflow. Apps export them (the gateway as Prometheus text). Tags hold only
 * verdicts, error tags and operation names: never a process id, a subject or a payload.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import type * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"

/** A histogram of durations in seconds, 5 ms to about 41 s. */
function secondsHistogram(name: string, description: string) {
  return Metric.mapInput(
    Metric.histogram(name, MetricBoundaries.exponential({ start: 0.005, factor: 2, count: 14 }), description),
    (duration: Duration.Duration) => Duration.toSeconds(duration)
  )
}

/** Checks (`Liveness.check`) that produced a verdict, tagged `verdict`. Read-backs are `readsByVerdict`. */
export const checksByVerdict = Metric.counter("liveness_checks_total", {
  description: "Liveness checks (Liveness.check, one per capture sent) that produced a verdict, by verdict. " +
    "Process read-backs are counted in liveness_process_reads_total",
  incremental: true
})

/** Processes read back (`Liveness.getProcess`) that produced a verdict, tagged `verdict`. */
export const readsByVerdict = Metric.counter("liveness_process_reads_total", {
  description: "Processes read back (Liveness.getProcess) that produced a verdict, by verdict. Not checks",
  incremental: true
})

/**
 * Failed checks and read-backs, tagged `error` (the error's tag) and `operation`: `check` (local validation, nothing
 * sent), `createProcess` (a check the provider failed) or `getProcess` (a read-back).
 */
export const errorsByTag = Metric.counter("liveness_check_errors_total", {
  description: "Liveness checks and process read-backs that failed, by error tag and operation " +
    "(check: refused by local validation; createProcess: a check; getProcess: a read-back)",
  incremental: true
})

/** Every request made to the provider, tagged `operation`. */
export const providerAttempts = Metric.counter("liveness_provider_attempts_total", {
  description: "Requests made to the liveness provider (first attempts and retries), by operation",
  incremental: true
})

/**
 * Provider requests that failed, tagged `operation` and `error` (the error's tag), each attempt counted: `RateLimited`
 * is the provider's 429 (Unico's tenant quota), whether or not a retry then succeeded.
 */
export const providerErrors = Metric.counter("liveness_provider_errors_total", {
  description: "Requests to the liveness provider that failed, each attempt counted, by operation and error tag " +
    "(RateLimited: the provider answered 429)",
  incremental: true
})

/** Retries only, tagged `operation` and `reason` (the retry class). */
export const retries = Metric.counter("liveness_retries_total", {
  description: "Provider requests retried by the workflow, by operation and retry class",
  incremental: true
})

/**
 * Latency of each provider request (upstream latency), in seconds, tagged `operation`: from the moment it holds a
 * tenant-quota permit to its answer (neither the provider's preparation, such as a token, nor the wait for a permit).
 */
export const providerLatency = secondsHistogram(
  "liveness_provider_request_duration_seconds",
  "Latency of one request to the liveness provider, in seconds, by operation (the wait for the tenant quota " +
    "and the access token excluded)"
)

/**
 * Latency of a whole operation, tagged `operation`: a check (`createProcess`) or a read-back (`getProcess`), from
 * after local validation to its verdict or error, retries, quota waits and tokens included.
 */
export const checkLatency = secondsHistogram(
  "liveness_check_duration_seconds",
  "Latency of a whole liveness operation, by operation (createProcess: a check; getProcess: a read-back), " +
    "retries, quota waits and tokens included, in seconds"
)

/**
 * How many checks may be in flight before the newest would wait past its deadline for the tenant quota: the quota
 * (requests per second) times the deadline (seconds). Set once when the workflow is built; absent without a quota.
 * Each retry takes a permit too, so retries lower the real capacity.
 */
export const checkCapacity = Metric.gauge("liveness_check_capacity", {
  description: "Checks that may be in flight before the newest waits past its deadline for the tenant quota " +
    "(quota in requests per second times the deadline in seconds; retries take permits too)"
})

const taggedCache = new WeakMap<object, Map<string, unknown>>()

/**
 * `Metric.tagged` with the tagged metric built once per metric and tag values: building one (a new metric key)
 * on every check shows up in the profile of the hot path.
 */
export const tagged = <M extends Metric.Metric<any, any, any>>(metric: M, ...pairs: ReadonlyArray<string>): M => {
  let byTags = taggedCache.get(metric)
  if (byTags === undefined) taggedCache.set(metric, byTags = new Map())
  const key = pairs.join("\u0000")
  let found = byTags.get(key) as M | undefined
  if (found === undefined) {
    found = metric
    for (let i = 0; i + 1 < pairs.length; i += 2) found = Metric.tagged(found, pairs[i]!, pairs[i + 1]!) as M
    byTags.set(key, found)
  }
  return found
}

/**
 * Checks of a capture by what the capture ledger did, tagged `result`: `claimed` (sent to the provider), `replayed`
 * (its outcome was known), `joined` (it waited for the check in flight), `refused` (another request holds it).
 */
export const ledgerRequests = Metric.counter("liveness_capture_ledger_total", {
  description: "Liveness checks by what the capture ledger did: claimed (sent to the provider), replayed (outcome " +
    "already known), joined (waited for the check in flight), refused (the capture belongs to another request)",
  incremental: true
})

/**
 * `Metric.update(metric, input)` inside `fiber`'s current step, with the fiber's metric labels (`Effect.tagMetrics`)
 * as `Metric.update` applies them: a check updates several metrics at once, and one step for each shows in its profile.
 */
export const updateIn = <In>(
  fiber: Fiber.RuntimeFiber<unknown, unknown>,
  metric: Metric.Metric<any, In, any>,
  input: In
): void => metric.unsafeUpdate(input, fiber.getFiberRef(FiberRef.currentMetricLabels))

/** The fiber's clock (TestClock in tests), for timings taken inside a step. */
export const clockIn = (fiber: Fiber.RuntimeFiber<unknown, unknown>): Clock.Clock =>
  Context.get(fiber.currentDefaultServices, Clock.Clock)

/** The time since `startNanos` (from `clockIn(fiber).unsafeCurrentTimeNanos()`), for a latency histogram. */
export const elapsedIn = (fiber: Fiber.RuntimeFiber<unknown, unknown>, startNanos: bigint): Duration.Duration =>
  Duration.nanos(clockIn(fiber).unsafeCurrentTimeNanos() - startNanos)
