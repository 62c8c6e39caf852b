/**
 * A minimal OTLP/HTTP receiver on 127.0.0.1, for tests and benchmarks: it keeps every request an exporter sends
 * (`/v1/traces`, `/v1/metrics`), answers 200, and reads back the spans of JSON-encoded exports
 * (`OTEL_EXPORTER_OTLP_PROTOCOL=http/json`). Not a collector: nothing is forwarded.
 *
 * @since 0.4.0
 */
import { createServer, type IncomingHttpHeaders } from "node:http"
import type { AddressInfo } from "node:net"

export interface Received {
  readonly path: string
  readonly headers: IncomingHttpHeaders
  readonly body: Buffer
}

/** An attribute value as OTLP/JSON writes it. */
export interface AnyValue {
  readonly stringValue?: string
  readonly intValue?: number | string
  readonly doubleValue?: number
  readonly boolValue?: boolean
}

/** A span as OTLP/JSON writes it, its attributes as a plain record. */
export interface Span {
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId?: string | undefined
  readonly name: string
  /** 1 internal, 2 server, 3 client. */
  readonly kind: number
  readonly attributes: Readonly<Record<string, string | number | boolean | undefined>>
  readonly status: { readonly code: number; readonly message?: string }
  /** The service.name of the resource it came with. */
  readonly service: string | undefined
}

export interface Receiver {
  /** `http://127.0.0.1:<port>`: an OTEL_EXPORTER_OTLP_ENDPOINT. */
  readonly url: string
  readonly received: ReadonlyArray<Received>
  /** Every span received so far (JSON exports only). */
  readonly spans: () => ReadonlyArray<Span>
  /** The names of the metrics received so far (JSON exports only). */
  readonly metricNames: () => ReadonlySet<string>
  readonly close: () => Promise<void>
}

interface KeyValue {
  readonly key: string
  readonly value: AnyValue
}

const valueOf = (value: AnyValue) =>
  value.stringValue ?? (value.intValue === undefined ? undefined : Number(value.intValue)) ?? value.doubleValue ??
    value.boolValue

const record = (attributes: ReadonlyArray<KeyValue> | undefined) =>
  Object.fromEntries((attributes ?? []).map((kv) => [kv.key, valueOf(kv.value)]))

const jsonBodies = (received: ReadonlyArray<Received>, path: string) =>
  received.filter((r) => r.path === path && String(r.headers["content-type"]).includes("json")).map((r) =>
    JSON.parse(r.body.toString("utf8")) as Record<string, ReadonlyArray<Record<string, unknown>> | undefined>
  )

/** Starts a receiver on 127.0.0.1 (an ephemeral port). */
export const start = async (): Promise<Receiver> => {
  const received: Array<Received> = []
  const server = createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => {
      received.push({ path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks) })
      res.writeHead(200, { "content-type": "application/json" }).end("{}")
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    spans: () =>
      jsonBodies(received, "/v1/traces").flatMap((body) =>
        (body.resourceSpans ?? []).flatMap((resourceSpan) => {
          const resource = resourceSpan.resource as { attributes?: ReadonlyArray<KeyValue> } | undefined
          const service = record(resource?.attributes)["service.name"]
          const scopes = (resourceSpan.scopeSpans ?? []) as ReadonlyArray<{ spans?: ReadonlyArray<Span> }>
          return scopes.flatMap((scope) =>
            (scope.spans ?? []).map((span): Span => ({
              ...span,
              attributes: record(span.attributes as unknown as ReadonlyArray<KeyValue>),
              service: typeof service === "string" ? service : undefined
            }))
          )
        })
      ),
    metricNames: () =>
      new Set(
        jsonBodies(received, "/v1/metrics").flatMap((body) =>
          (body.resourceMetrics ?? []).flatMap((resourceMetric) =>
            ((resourceMetric.scopeMetrics ?? []) as ReadonlyArray<{ metrics?: ReadonlyArray<{ name: string }> }>)
              .flatMap((scope) => (scope.metrics ?? []).map((metric) => metric.name))
          )
        )
      ),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
