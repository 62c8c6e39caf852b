/**
 * OpenTelemetry's standard variables, as `Config`s: a bad value is a `ConfigError` whose path is the variable, its
 * message `<problem>. <fix>` (SettingError), read while the app builds its runtime. Nothing is exported unless an
 * endpoint is set.
 *
 * | variable | default |
 * |---|---|
 * | `OTEL_EXPORTER_OTLP_ENDPOINT` | none: the base URL, `/v1/traces` and `/v1/metrics` appended |
 * | `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT` | from the base, used as given |
 * | `OTEL_EXPORTER_OTLP_PROTOCOL` | `http/protobuf` (or `http/json`; gRPC is not supported) |
 * | `OTEL_EXPORTER_OTLP_HEADERS` | none (`name=value,…`, values percent-decoded; Redacted: often an API key) |
 * | `OTEL_EXPORTER_OTLP_TIMEOUT` | 10000 ms per export request |
 * | `OTEL_SERVICE_NAME` | the app's (`liveness-gateway`, `liveness-cli`) |
 * | `OTEL_RESOURCE_ATTRIBUTES` | none (`key=value,…`, values percent-decoded) |
 * | `OTEL_TRACES_SAMPLER`, `OTEL_TRACES_SAMPLER_ARG` | `parentbased_always_on`; the ratio defaults to 1 |
 * | `OTEL_TRACES_EXPORTER`, `OTEL_METRICS_EXPORTER` | `otlp` (or `none`: that signal off) |
 * | `OTEL_BSP_SCHEDULE_DELAY`, `OTEL_BSP_MAX_EXPORT_BATCH_SIZE` | 5000 ms, 512 spans |
 * | `OTEL_METRIC_EXPORT_INTERVAL` | 60000 ms |
 * | `OTEL_SDK_DISABLED` | `false` (`true`: nothing exported, whatever else is set) |
 *
 * @since 0.4.0
 */
import { SettingError } from "@liveness/core"
import * as Config from "effect/Config"
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as TelemetrySampler from "./TelemetrySampler.js"

export type Protocol = "http/protobuf" | "http/json"

/** What to export, resolved (only when an endpoint is configured and the SDK is not disabled). */
export interface Settings {
  readonly protocol: Protocol
  /** The traces URL, or undefined when traces are off (`OTEL_TRACES_EXPORTER=none`, `always_off`). */
  readonly tracesUrl: string | undefined
  readonly metricsUrl: string | undefined
  readonly headers: Redacted.Redacted<Readonly<Record<string, string>>>
  readonly timeout: Duration.Duration
  readonly serviceName: string | undefined
  readonly resourceAttributes: Readonly<Record<string, string>>
  readonly sampler: TelemetrySampler.Sampler
  readonly scheduleDelay: Duration.Duration
  readonly maxExportBatchSize: number
  readonly metricExportInterval: Duration.Duration
}

/** Every variable read, for docs and for `doctor`-style listings. */
export const variables = [
  "OTEL_SDK_DISABLED",
  "OTEL_EXPORTER_OTLP_ENDPOINT",
  "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
  "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
  "OTEL_EXPORTER_OTLP_PROTOCOL",
  "OTEL_EXPORTER_OTLP_HEADERS",
  "OTEL_EXPORTER_OTLP_TIMEOUT",
  "OTEL_SERVICE_NAME",
  "OTEL_RESOURCE_ATTRIBUTES",
  "OTEL_TRACES_SAMPLER",
  "OTEL_TRACES_SAMPLER_ARG",
  "OTEL_TRACES_EXPORTER",
  "OTEL_METRICS_EXPORTER",
  "OTEL_BSP_SCHEDULE_DELAY",
  "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
  "OTEL_METRIC_EXPORT_INTERVAL"
] as const

const refuse = (problem: string, fix: string): SettingError.Validated<never> => Either.left({ problem, fix })

const url = (value: string): SettingError.Validated<string> => {
  let parsed: URL
  try {
    parsed = new URL(value.trim())
  } catch {
    return refuse("is not a URL", "Give the collector's OTLP/HTTP address, e.g. http://localhost:4318")
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    return refuse(`uses ${parsed.protocol}, not http: or https:`, "OTLP is exported over HTTP (port 4318)")
  }
  return Either.right(parsed.toString())
}

const optionalUrl = (name: string) => Config.option(SettingError.variable(name, Config.string(), url))

const boolean = (name: string, fallback: boolean) =>
  SettingError.variable(name, Config.string(), (value): SettingError.Validated<boolean> => {
    const lower = value.trim().toLowerCase()
    if (lower === "true") return Either.right(true)
    if (lower === "false" || lower === "") return Either.right(false)
    return refuse("must be true or false", `Set ${name}=true to turn telemetry off, or unset it`)
  }).pipe(Config.withDefault(fallback))

const millis = (name: string, fallback: number) =>
  SettingError.variable(name, Config.string(), (value): SettingError.Validated<Duration.Duration> => {
    const n = Number(value.trim())
    return Number.isInteger(n) && n > 0
      ? Either.right(Duration.millis(n))
      : refuse("must be a whole number of milliseconds above 0", `e.g. ${name}=${fallback}`)
  }).pipe(Config.withDefault(Duration.millis(fallback)))

const positive = (name: string, fallback: number) =>
  SettingError.variable(name, Config.string(), (value): SettingError.Validated<number> => {
    const n = Number(value.trim())
    return Number.isInteger(n) && n > 0 ? Either.right(n) : refuse("must be a whole number above 0", `e.g. ${fallback}`)
  }).pipe(Config.withDefault(fallback))

/**
 * `key=value,key=value` (the W3C Baggage form both variables use), values percent-decoded. A refusal names the
 * entry by position, never by its text: a header's value is often an API key.
 */
export const parseList = (value: string): SettingError.Validated<Record<string, string>> => {
  const entries: Record<string, string> = {}
  const items = value.split(",")
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!.trim()
    if (item === "") continue
    const at = item.indexOf("=")
    const key = at < 0 ? "" : item.slice(0, at).trim()
    if (key === "") return refuse(`entry ${i + 1} is not key=value`, "Write name=value pairs separated by commas")
    try {
      entries[key] = decodeURIComponent(item.slice(at + 1).trim())
    } catch {
      return refuse(`entry ${i + 1} (${key}) is not percent-encoded correctly`, "Encode , = and % as %2C %3D %25")
    }
  }
  return Either.right(entries)
}

const exporter = (name: string) =>
  SettingError.variable(name, Config.string(), (value): SettingError.Validated<boolean> => {
    const lower = value.trim().toLowerCase()
    if (lower === "otlp" || lower === "") return Either.right(true)
    if (lower === "none") return Either.right(false)
    return refuse(`${value.trim()} is not supported`, "Use otlp (the default) or none")
  }).pipe(Config.withDefault(true))

const protocol = SettingError.variable(
  "OTEL_EXPORTER_OTLP_PROTOCOL",
  Config.string(),
  (value): SettingError.Validated<Protocol> => {
    const lower = value.trim().toLowerCase()
    if (lower === "http/protobuf" || lower === "http/json") return Either.right(lower)
    return refuse(
      `${value.trim()} is not supported`,
      "Use http/protobuf (the default) or http/json, and the collector's OTLP/HTTP port (4318)"
    )
  }
).pipe(Config.withDefault<Protocol>("http/protobuf"))

const sampler = Config.all({
  name: Config.option(Config.string("OTEL_TRACES_SAMPLER")),
  arg: Config.option(Config.string("OTEL_TRACES_SAMPLER_ARG"))
}).pipe(
  Config.mapOrFail(({ arg, name }) => TelemetrySampler.parse(Option.getOrUndefined(name), Option.getOrUndefined(arg)))
)

/** `base` with `path` appended (the spec's rule for OTEL_EXPORTER_OTLP_ENDPOINT). */
const signalUrl = (base: string, path: string) => `${base.replace(/\/+$/, "")}/${path}`

/**
 * The settings, or none when nothing is to be exported: no endpoint, `OTEL_SDK_DISABLED=true`, or both signals off.
 */
export const config: Config.Config<Option.Option<Settings>> = Config.all({
  disabled: boolean("OTEL_SDK_DISABLED", false),
  endpoint: optionalUrl("OTEL_EXPORTER_OTLP_ENDPOINT"),
  tracesEndpoint: optionalUrl("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"),
  metricsEndpoint: optionalUrl("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"),
  protocol,
  headers: Config.option(
    SettingError.variable(
      "OTEL_EXPORTER_OTLP_HEADERS",
      Config.redacted(),
      (value) =>
        Either.map(parseList(Redacted.value(value)), (headers) => Redacted.make(headers) as Settings["headers"])
    )
  ),
  timeout: millis("OTEL_EXPORTER_OTLP_TIMEOUT", 10_000),
  serviceName: Config.option(Config.string("OTEL_SERVICE_NAME")),
  resourceAttributes: Config.option(SettingError.variable("OTEL_RESOURCE_ATTRIBUTES", Config.string(), parseList)),
  sampler,
  tracesOn: exporter("OTEL_TRACES_EXPORTER"),
  metricsOn: exporter("OTEL_METRICS_EXPORTER"),
  scheduleDelay: millis("OTEL_BSP_SCHEDULE_DELAY", 5_000),
  maxExportBatchSize: positive("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", 512),
  metricExportInterval: millis("OTEL_METRIC_EXPORT_INTERVAL", 60_000)
}).pipe(Config.map((read): Option.Option<Settings> => {
  if (read.disabled) return Option.none()
  const base = Option.getOrUndefined(read.endpoint)
  const pick = (own: Option.Option<string>, path: string, on: boolean) =>
    !on ? undefined : Option.isSome(own) ? own.value : base === undefined ? undefined : signalUrl(base, path)
  const tracesUrl = pick(read.tracesEndpoint, "v1/traces", read.tracesOn && read.sampler._tag !== "AlwaysOff")
  const metricsUrl = pick(read.metricsEndpoint, "v1/metrics", read.metricsOn)
  if (tracesUrl === undefined && metricsUrl === undefined) return Option.none()
  const serviceName = Option.getOrUndefined(read.serviceName)?.trim()
  return Option.some({
    protocol: read.protocol,
    tracesUrl,
    metricsUrl,
    headers: Option.getOrElse(read.headers, () => Redacted.make({})),
    timeout: read.timeout,
    serviceName: serviceName === "" ? undefined : serviceName,
    resourceAttributes: Option.getOrElse(read.resourceAttributes, () => ({})),
    sampler: read.sampler,
    scheduleDelay: read.scheduleDelay,
    maxExportBatchSize: read.maxExportBatchSize,
    metricExportInterval: read.metricExportInterval
  })
}))
