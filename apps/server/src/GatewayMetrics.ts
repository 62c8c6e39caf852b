/**
 * The gateway's own metrics, recorded as Effect metrics so `/metrics` renders them with the core's
 * (`liveness_*`) from one registry. Labels hold route templates, methods and statuses only: never a path with
 * an id in it, a key or a subject.
 */
import { LivenessMetrics } from "@liveness/core"
import * as Duration from "effect/Duration"
import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"

/** Finished requests, tagged `route` (template), `method` and `status` (`aborted` when the caller left first). */
export const httpRequests = Metric.counter("gateway_http_requests_total", {
  description: "HTTP requests the gateway finished, by route, method and status (aborted: the caller left first)",
  incremental: true
})

/** Time to answer, tagged `route` and `method`. */
export const httpDuration = Metric.histogram(
  "gateway_http_request_duration_seconds",
  MetricBoundaries.exponential({ start: 0.005, factor: 2, count: 14 }),
  "Time the gateway took to answer an HTTP request, by route and method, in seconds"
)

/** Workflow runs in flight: checks (`POST`) and read-backs (`GET`) the provider has not answered yet. */
export const checksInFlight = Metric.gauge("gateway_checks_in_flight", {
  description: "Liveness checks and process read-backs the gateway is waiting on"
})

/** Checks and read-backs whose caller went away before the answer (a check's capture was spent either way). */
export const abandonedChecks = Metric.counter("gateway_checks_abandoned_total", {
  description: "Liveness checks and process read-backs that finished after the caller had disconnected",
  incremental: true
})

/**
 * Answers given again from the capture ledger (`Idempotent-Replayed: true`): a caller's retry or a concurrent
 * duplicate of a capture, answered without a provider request; errors count too.
 */
export const replays = Metric.counter("gateway_replays_total", {
  description: "POST /processes/v1 answers given again from the capture ledger (Idempotent-Replayed: true), without " +
    "a provider request, errors included",
  incremental: true
})

// Recorded from Express callbacks, outside any fiber: straight into the metrics (`unsafeUpdate`, no label of a fiber to
// add), with each tag set's metric built once (LivenessMetrics.tagged). Running an effect for each (`Effect.runSync`)
// started a fiber per update, three per request.

/** Records one answered request (called from the response's `finish`/`close`). */
export const recordRequest = (route: string, method: string, status: string, elapsed: Duration.Duration) => {
  LivenessMetrics.tagged(httpRequests, "route", route, "method", method, "status", status).unsafeUpdate(1, [])
  LivenessMetrics.tagged(httpDuration, "route", route, "method", method).unsafeUpdate(Duration.toSeconds(elapsed), [])
}

export const setChecksInFlight = (count: number) => checksInFlight.unsafeUpdate(count, [])

export const recordAbandoned = () => abandonedChecks.unsafeUpdate(1, [])

export const recordReplay = () => replays.unsafeUpdate(1, [])
