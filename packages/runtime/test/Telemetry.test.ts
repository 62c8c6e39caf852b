/**
 * Telemetry: OTEL_* read through Config (bad values name the variable, never a header's value), no tracer without an
 * endpoint, the samplers, and a collector that is down: the work goes on, the failure is counted and logged once.
 */
import { describe, expect, it } from "@effect/vitest"
import { SettingError, Tracing } from "@liveness/core"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Logger from "effect/Logger"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Tracer from "effect/Tracer"
import { createServer } from "node:net"
import { Telemetry, TelemetryConfig, TelemetrySampler } from "../src/index.js"
import * as TelemetryReceiver from "../src/TelemetryReceiver.js"

const withEnv = (env: Record<string, string>) =>
  Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))

const read = (env: Record<string, string>) => TelemetryConfig.config.pipe(withEnv(env), Effect.either)

const problem = (env: Record<string, string>) =>
  Effect.map(read(env), (result) => Either.isLeft(result) ? SettingError.describe(result.left) : "no error")

const exporting = Effect.withFiberRuntime<boolean>((fiber) => Effect.succeed(Tracing.exportsSpans(fiber)))

const closedPort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })

describe("TelemetryConfig", () => {
  it.effect("nothing to export without an endpoint, or with OTEL_SDK_DISABLED=true", () =>
    Effect.gen(function*() {
      expect(yield* read({})).toEqual(Either.right(Option.none()))
      expect(yield* read({ OTEL_SDK_DISABLED: "true", OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318" })).toEqual(
        Either.right(Option.none())
      )
      expect(yield* read({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_TRACES_SAMPLER: "always_off" }))
        .toMatchObject(Either.right(Option.some({ tracesUrl: undefined, metricsUrl: "http://c:4318/v1/metrics" })))
    }))

  it.effect("the base endpoint gets /v1/<signal>; a signal's own endpoint is used as given", () =>
    Effect.gen(function*() {
      const settings = yield* read({
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/otlp/",
        OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: "https://metrics.example/ingest",
        OTEL_EXPORTER_OTLP_HEADERS: "api-key=s3cr%3Dt, x-team = blue",
        OTEL_RESOURCE_ATTRIBUTES: "deployment.environment=prod,service.namespace=kyc",
        OTEL_METRICS_EXPORTER: "otlp"
      })
      const value = Either.getOrThrow(settings).pipe(Option.getOrThrow)
      expect(value).toMatchObject({
        protocol: "http/protobuf",
        tracesUrl: "http://collector:4318/otlp/v1/traces",
        metricsUrl: "https://metrics.example/ingest",
        resourceAttributes: { "deployment.environment": "prod", "service.namespace": "kyc" },
        sampler: { _tag: "ParentBased", root: { _tag: "AlwaysOn" } }
      })
      expect(Redacted.value(value.headers)).toEqual({ "api-key": "s3cr=t", "x-team": "blue" })
      expect(String(value.headers)).not.toContain("s3cr")
    }))

  it.effect("a bad value is an error that names the variable and says how to fix it", () =>
    Effect.gen(function*() {
      const base = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318" }
      expect(yield* problem({ OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4317" })).toMatch(
        /^OTEL_EXPORTER_OTLP_ENDPOINT: /
      )
      expect(yield* problem({ ...base, OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" })).toMatch(
        /^OTEL_EXPORTER_OTLP_PROTOCOL: grpc is not supported/
      )
      expect(yield* problem({ ...base, OTEL_TRACES_SAMPLER: "jaeger_remote" })).toMatch(/^OTEL_TRACES_SAMPLER: /)
      expect(yield* problem({ ...base, OTEL_TRACES_SAMPLER: "traceidratio", OTEL_TRACES_SAMPLER_ARG: "2" })).toMatch(
        /^OTEL_TRACES_SAMPLER_ARG: must be a number from 0 to 1/
      )
      expect(yield* problem({ ...base, OTEL_METRIC_EXPORT_INTERVAL: "soon" })).toMatch(/^OTEL_METRIC_EXPORT_INTERVAL: /)
      expect(yield* problem({ ...base, OTEL_SDK_DISABLED: "yes" })).toMatch(/^OTEL_SDK_DISABLED: /)
      expect(yield* problem({ ...base, OTEL_TRACES_EXPORTER: "zipkin" })).toMatch(/^OTEL_TRACES_EXPORTER: /)
      // A header's value is never quoted: it is often an API key.
      const headers = yield* problem({ ...base, OTEL_EXPORTER_OTLP_HEADERS: "api-key=ok,topsecretvalue" })
      expect(headers).toMatch(/^OTEL_EXPORTER_OTLP_HEADERS: entry 2 is not key=value/)
      expect(headers).not.toContain("topsecretvalue")
    }))
})

describe("Telemetry.layer", () => {
  it.effect("without an endpoint it is empty: no tracer, so no span is made (with one, there is)", () =>
    Effect.gen(function*() {
      const under = (env: Record<string, string>) =>
        exporting.pipe(Effect.provide(Telemetry.layer({ serviceName: "test" })), withEnv(env))
      expect(yield* under({ OTEL_SERVICE_NAME: "test" })).toBe(false)
      expect(yield* under({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:1", OTEL_METRICS_EXPORTER: "none" })).toBe(
        true
      )
    }))

  it.live(
    "a collector that is down: the work goes on, the failure is counted and logged once",
    () =>
      Effect.gen(function*() {
        const port = yield* Effect.promise(closedPort)
        const logs: Array<string> = []
        const logger = Logger.replace(
          Logger.defaultLogger,
          Logger.make(({ message }) => void logs.push(String(message)))
        )
        const failures = Metric.tagged(Telemetry.exportFailures, "signal", "traces")
        const before = (yield* Metric.value(failures)).count
        const work = Effect.forEach([1, 2, 3], (n) => Effect.succeed(n).pipe(Effect.withSpan(`work ${n}`)))
        // Releasing the layer sends what is buffered: to nobody here (retried, then given up within the shutdown bound).
        const [results, on] = yield* Effect.all([work, exporting]).pipe(
          Effect.provide(Telemetry.layer({ serviceName: "test" })),
          withEnv({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://127.0.0.1:${port}/v1/traces` }),
          Effect.provide(logger)
        )
        expect(results).toEqual([1, 2, 3])
        expect(on).toBe(true)
        expect((yield* Metric.value(failures)).count).toBeGreaterThan(before)
        const warned = logs.filter((line) => line.startsWith("telemetry: traces export failed"))
        expect(warned).toHaveLength(1)
        expect(warned[0]).toContain("ECONNREFUSED")
      }),
    20_000
  )

  it.scopedLive("exports to a receiver: the sampler decides, unsampled spans never leave", () =>
    Effect.gen(function*() {
      const otlp = yield* Effect.acquireRelease(Effect.promise(TelemetryReceiver.start), (r) => Effect.promise(r.close))
      const sampled = Tracer.externalSpan({ traceId: "a".repeat(32), spanId: "b".repeat(16), sampled: true })
      const unsampled = Tracer.externalSpan({ traceId: "c".repeat(32), spanId: "d".repeat(16), sampled: false })
      yield* Effect.all([
        Effect.void.pipe(Effect.withSpan("kept"), Effect.withSpan("kept parent"), Effect.withParentSpan(sampled)),
        Effect.void.pipe(
          Effect.withSpan("dropped"),
          Effect.withSpan("dropped parent"),
          Effect.withParentSpan(unsampled)
        ),
        Effect.void.pipe(Effect.withSpan("root"))
      ]).pipe(
        Effect.provide(Telemetry.layer({ serviceName: "test" })),
        withEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_EXPORTER_OTLP_PROTOCOL: "http/json" })
      )
      const spans = otlp.spans()
      expect(spans.map((span) => span.name).sort()).toEqual(["kept", "kept parent", "root"])
      expect(spans.find((span) => span.name === "kept parent")).toMatchObject({
        traceId: "a".repeat(32),
        parentSpanId: "b".repeat(16),
        service: "test"
      })
    }))
})

describe("Telemetry.layer, http/protobuf (the default)", () => {
  it.scopedLive("sends protobuf: the spans' names in the bytes, the protobuf content type", () =>
    Effect.gen(function*() {
      const otlp = yield* Effect.acquireRelease(Effect.promise(TelemetryReceiver.start), (r) => Effect.promise(r.close))
      yield* Effect.void.pipe(
        Effect.withSpan("protobuf-encoded-span"),
        Effect.provide(Telemetry.layer({ serviceName: "test" })),
        withEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_METRICS_EXPORTER: "none" })
      )
      expect(otlp.received.map((r) => [r.path, r.headers["content-type"]])).toEqual([
        ["/v1/traces", "application/x-protobuf"]
      ])
      expect(otlp.received[0]!.body.includes("protobuf-encoded-span")).toBe(true)
      expect(otlp.spans()).toEqual([])
    }))
})

describe("TelemetrySampler", () => {
  const recording = () => {
    const made: Array<string> = []
    const inner = Tracer.make({
      span: (name, parent, context, links, startTime, kind) => {
        made.push(name)
        return {
          _tag: "Span",
          name,
          spanId: "1".repeat(16),
          traceId: parent._tag === "Some" ? parent.value.traceId : "f".repeat(19) + "0".repeat(13),
          parent,
          context,
          status: { _tag: "Started", startTime },
          attributes: new Map(),
          links,
          sampled: true,
          kind,
          end: () => {},
          attribute: () => {},
          event: () => {},
          addLinks: () => {}
        }
      },
      context: (f) => f()
    })
    return { inner, made }
  }

  it("traceidratio judges the trace id's low bits; children follow their parent", () => {
    const ratio = (r: string) => Either.getOrThrow(TelemetrySampler.parse("traceidratio", r))
    const { inner } = recording()
    // The recording tracer's trace ids end in zeros: the lowest value, kept by any ratio above 0.
    const kept = TelemetrySampler.wrap(inner, ratio("0.5")).span(
      "a",
      Option.none(),
      Context.empty(),
      [],
      0n,
      "internal"
    )
    expect(kept.sampled).toBe(true)
    const none = TelemetrySampler.wrap(inner, ratio("0")).span("a", Option.none(), Context.empty(), [], 0n, "internal")
    expect(none.sampled).toBe(false)
    const child = TelemetrySampler.wrap(inner, ratio("1")).span(
      "b",
      Option.some(none),
      Context.empty(),
      [],
      0n,
      "internal"
    )
    expect(child).toMatchObject({ sampled: false, traceId: none.traceId })
  })

  it("parentbased_always_off: a sampled caller's trace is kept, a new one is not", () => {
    const { inner, made } = recording()
    const tracer = TelemetrySampler.wrap(
      inner,
      Either.getOrThrow(TelemetrySampler.parse("parentbased_always_off", undefined))
    )
    const caller = Tracer.externalSpan({ traceId: "a".repeat(32), spanId: "b".repeat(16), sampled: true })
    expect(tracer.span("x", Option.some(caller), Context.empty(), [], 0n, "server").sampled).toBe(true)
    expect(tracer.span("y", Option.none(), Context.empty(), [], 0n, "server").sampled).toBe(false)
    expect(made).toEqual(["x", "y"])
  })
})
