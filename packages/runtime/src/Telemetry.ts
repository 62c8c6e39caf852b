/**
 * Traces and metrics over OTLP/HTTP when OpenTelemetry's variables ask for them (TelemetryConfig), through
 * `@effect/opentelemetry`'s OTLP exporters on `@effect/platform`'s HttpClient: no OpenTelemetry SDK. Without an
 * endpoint the layer is empty: no tracer is installed, so the core makes no span (see Tracing in the core) and a check
 * costs what it did.
 *
 * The exporters' client is apart from Unico's (its own connection pool) and never slows a check:
 *
 * - an export makes no span and sends no trace header (the exporter runs with the tracer off; propagation is off too);
 * - each request is bounded by `OTEL_EXPORTER_OTLP_TIMEOUT`, and at most `MAX_IN_FLIGHT` run per signal: spans end
 *   into a batch of bounded size, and a batch the collector cannot take is dropped, not queued;
 * - while the collector fails, the exporter pauses for a minute (`@effect/opentelemetry`'s policy) and drops what ends
 *   meanwhile; each failed request is counted in `liveness_telemetry_export_failures_total`, and the outage is logged
 *   once at Warning, its end once at Info.
 *
 * @since 0.4.0
 */
import * as OtlpMetrics from "@effect/opentelemetry/OtlpMetrics"
import * as OtlpSerialization from "@effect/opentelemetry/OtlpSerialization"
import * as OtlpTracer from "@effect/opentelemetry/OtlpTracer"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import { Tracing } from "@liveness/core"
import { UndiciHttpClient } from "@liveness/unico-http"
import type * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import type * as FiberRefs from "effect/FiberRefs"
import * as HashMap from "effect/HashMap"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as TelemetryConfig from "./TelemetryConfig.js"
import * as TelemetrySampler from "./TelemetrySampler.js"

export interface Options {
  /** `service.name` when neither `OTEL_SERVICE_NAME` nor `OTEL_RESOURCE_ATTRIBUTES` gives one. */
  readonly serviceName: string
  readonly serviceVersion?: string | undefined
}

/** Export requests in flight per signal, at most: past it a batch is dropped (the collector is not keeping up). */
export const MAX_IN_FLIGHT = 4

/** Failed export requests (unreachable collector, timeout, refusal, too many in flight), by signal. */
export const exportFailures = Metric.counter("liveness_telemetry_export_failures_total", {
  description: "OTLP export requests that failed (the telemetry they carried is dropped); the checks go on",
  incremental: true
})

type Signal = "traces" | "metrics"

/** A Node error's code (`ECONNREFUSED`), for the one log line of an outage. */
const codeOf = (cause: unknown): string | undefined =>
  typeof cause === "object" && cause !== null && "code" in cause ? String(cause.code) : undefined

/**
 * The exporter's client for one signal over `client`: no propagation, bounded in time and in flight, failures counted
 * and logged once per outage.
 */
const exportClient = (signal: Signal, settings: TelemetryConfig.Settings) =>
  Layer.effect(
    HttpClient.HttpClient,
    Effect.map(HttpClient.HttpClient, (client) => {
      const failures = Metric.tagged(exportFailures, "signal", signal)
      let inFlight = 0
      let failing = false
      const failed = (reason: string) =>
        Effect.zipRight(
          Metric.increment(failures),
          failing ? Effect.void : Effect.suspend(() => {
            failing = true
            return Effect.logWarning(
              `telemetry: ${signal} export failed (${reason}); ${signal} are dropped until the collector answers ` +
                "(checks are not affected)"
            )
          })
        )
      return client.pipe(
        HttpClient.withTracerPropagation(false),
        HttpClient.transform((response, request) =>
          Effect.suspend(() => {
            if (inFlight >= MAX_IN_FLIGHT) {
              return Effect.zipRight(
                failed(`${MAX_IN_FLIGHT} requests already in flight`),
                Effect.fail(
                  new HttpClientError.RequestError({
                    request,
                    reason: "Transport",
                    description: "too many export requests in flight"
                  })
                )
              )
            }
            inFlight++
            return response.pipe(
              Effect.timeoutFail({
                duration: settings.timeout,
                onTimeout: () =>
                  new HttpClientError.RequestError({ request, reason: "Transport", description: "timed out" })
              }),
              Effect.tapBoth({
                onFailure: (error) =>
                  failed(
                    error.reason === "Transport"
                      ? `unreachable: ${error.description ?? codeOf(error.cause) ?? "transport failure"}`
                      : error.reason
                  ),
                onSuccess: (answer) =>
                  answer.status >= 300
                    ? failed(`HTTP ${answer.status}`)
                    : failing
                    ? Effect.suspend(() => {
                      failing = false
                      return Effect.logInfo(`telemetry: ${signal} export works again`)
                    })
                    : Effect.void
              }),
              Effect.ensuring(Effect.sync(() => inFlight--))
            )
          })
        )
      )
    })
  )

const exporting = (options: Options, settings: TelemetryConfig.Settings): Layer.Layer<never> => {
  const attributes = settings.resourceAttributes
  const resource = {
    serviceName: settings.serviceName ?? attributes["service.name"] ?? options.serviceName,
    serviceVersion: attributes["service.version"] ?? options.serviceVersion,
    attributes
  }
  const headers = Redacted.value(settings.headers)
  const traces = settings.tracesUrl === undefined ? Layer.empty : Layer.unwrapScoped(
    Effect.map(
      OtlpTracer.make({
        url: settings.tracesUrl,
        resource,
        headers,
        exportInterval: settings.scheduleDelay,
        maxBatchSize: settings.maxExportBatchSize
      }),
      (tracer) => Layer.setTracer(TelemetrySampler.wrap(tracer, settings.sampler))
    )
  ).pipe(Layer.provide(exportClient("traces", settings)))
  const metrics = settings.metricsUrl === undefined ? Layer.empty : OtlpMetrics.layer({
    url: settings.metricsUrl,
    resource,
    headers,
    exportInterval: settings.metricExportInterval
  }).pipe(Layer.provide(exportClient("metrics", settings)))
  return Layer.merge(traces, metrics).pipe(
    Layer.provide(settings.protocol === "http/json" ? OtlpSerialization.layerJson : OtlpSerialization.layerProtobuf),
    // Its own keep-alive pool: a slow collector never holds a connection Unico's requests need.
    Layer.provide(UndiciHttpClient.layer())
  )
}

/**
 * Exports traces and metrics as the OTEL_* variables say (see TelemetryConfig); `Layer.empty` when none asks for it.
 * Provide it under the app's logger (its warnings are logged there) and over the app's layer (so the tracer is
 * installed for everything the app runs). Releasing it sends what is buffered (at most 3 s).
 */
export const layer = (options: Options): Layer.Layer<never, ConfigError.ConfigError> =>
  Layer.unwrapEffect(
    Effect.map(
      TelemetryConfig.config,
      Option.match({
        onNone: () => Layer.empty,
        onSome: (settings) => exporting(options, settings)
      })
    )
  )

/** The ids a log line carries to lead to its trace (`trace_id`, `span_id`), when spans are exported. */
export interface TraceIds {
  readonly trace_id: string
  readonly span_id: string
}

/** The trace ids of a logger's `context` (its fiber's refs), or undefined when no exported span is current. */
export const traceIdsIn = (refs: FiberRefs.FiberRefs): TraceIds | undefined => {
  const span = Tracing.exportedSpanIn(refs)
  return span === undefined ? undefined : { trace_id: span.traceId, span_id: span.spanId }
}

/** `logger` with `trace_id` and `span_id` among the annotations of every line written inside an exported span. */
export const withTraceIds = <Message, Output>(logger: Logger.Logger<Message, Output>): Logger.Logger<Message, Output> =>
  Logger.mapInputOptions(logger, (options) => {
    const ids = traceIdsIn(options.context)
    if (ids === undefined) return options
    return {
      ...options,
      annotations: HashMap.set(HashMap.set(options.annotations, "trace_id", ids.trace_id), "span_id", ids.span_id)
    }
  })
