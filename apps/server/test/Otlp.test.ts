/**
 * Traces and metrics over OTLP/HTTP, end to end: the gateway on the real HTTP adapter (against an in-process
 * sandbox) exports to a real OTLP/HTTP receiver on 127.0.0.1. Checks with and without a caller's `traceparent`, a
 * retried attempt, a replay: the spans' names, parents, trace ids and attributes, the log lines' trace ids, and that
 * no exported byte carries a secret, a payload slice, a CPF or a name. Everything is sent when the gateway closes
 * (no timer is waited on).
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Fixtures, Leaks } from "@liveness/fake"
import * as TelemetryReceiver from "@liveness/runtime/TelemetryReceiver"
import { Sandbox } from "@liveness/sandbox"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import { ApiKeys } from "../src/index.js"
import { startGateway, type TestGateway, unicoEnv } from "./support.js"

const GATEWAY_KEY = "gw-key-5d1e8a2c7f3b9e4a6c0d"
const COLLECTOR_KEY = "collector-key-9a7c5e3b1d"
const NAME = "Leia Organa Skywalker"
const CPF = "12345678909"
const CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
const CALLER_SPAN = "00f067aa0ba902b7"
const UNSAMPLED_TRACE = "0af7651916cd43dd8448eb211c80319c"

let scope: Scope.CloseableScope
let sandbox: Sandbox.Sandbox
let receiver: TelemetryReceiver.Receiver
let gateway: TestGateway
const payloads: Array<string> = []

interface Answer {
  readonly status: number
  readonly requestId: string
  readonly body: { id?: string; verdict?: string }
}
const answers: Record<string, Answer> = {}

const post = async (label: string, body: unknown, headers: Record<string, string> = {}) => {
  const response = await fetch(`${gateway.url}/processes/v1`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${GATEWAY_KEY}`, ...headers },
    body: JSON.stringify(body)
  })
  answers[label] = {
    status: response.status,
    requestId: response.headers.get("x-request-id")!,
    body: await response.json() as Answer["body"]
  }
}

const subject = (code: string) => ({ code, name: NAME, email: "leia@example.com", phone: "5511974749090" })

beforeAll(async () => {
  scope = Effect.runSync(Scope.make())
  sandbox = await Effect.runPromise(Sandbox.start({ rateLimit: false }).pipe(Scope.extend(scope)))
  receiver = await TelemetryReceiver.start()
  gateway = await startGateway({
    ...unicoEnv(sandbox),
    GATEWAY_API_KEYS: GATEWAY_KEY,
    LOG_LEVEL: "debug",
    LIVENESS_BASE_DELAY_MS: "10",
    LIVENESS_MAX_DELAY_MS: "20",
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
    OTEL_EXPORTER_OTLP_HEADERS: `x-collector-key=${COLLECTOR_KEY}`,
    OTEL_RESOURCE_ATTRIBUTES: "deployment.environment=test,service.namespace=liveness"
  })
  const first = { subject: subject(CPF), imageBase64: Fixtures.sdkPayload() }
  const continued = { subject: subject(CPF), imageBase64: Fixtures.sdkPayload() }
  // A plain image the sandbox answers 503 first (nothing processed): retried, then live.
  const retried = { subject: { code: "00000000434", name: NAME }, imageBase64: Fixtures.image() }
  payloads.push(first.imageBase64, continued.imageBase64, retried.imageBase64)
  await post("first", first)
  await post("continued", continued, { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` })
  await post("retried", retried)
  await post("replayed", first)
  await post("invalid", { subject: { code: "12345678900", name: NAME }, imageBase64: Fixtures.sdkPayload() })
  // A caller's trace that its sampler dropped (flags 00): nothing exported, the log lines still name it.
  const unsampled = { subject: subject(CPF), imageBase64: Fixtures.sdkPayload() }
  payloads.push(unsampled.imageBase64)
  await post("unsampled", unsampled, { traceparent: `00-${UNSAMPLED_TRACE}-${CALLER_SPAN}-00` })
  // Probes and scrapes are not traced; readiness is.
  await fetch(`${gateway.url}/healthz`)
  await fetch(`${gateway.url}/metrics`)
  await fetch(`${gateway.url}/readyz`)
  // Closing flushes the exporters: every span and the metrics are sent before it returns.
  await gateway.close()
}, 60_000)

afterAll(async () => {
  await receiver.close()
  await Effect.runPromise(Scope.close(scope, Exit.void))
})

/** The spans of the request answered with `label`, by its server span's request id. */
const traceOf = (label: string) => {
  const spans = receiver.spans()
  const server = spans.find((span) =>
    span.kind === 2 && span.attributes["gateway.request_id"] === answers[label]!.requestId
  )
  expect(server, `the server span of ${label}`).toBeDefined()
  const inTrace = spans.filter((span) => span.traceId === server!.traceId)
  const childrenOf = (parent: TelemetryReceiver.Span) => inTrace.filter((span) => span.parentSpanId === parent.spanId)
  const descendants = (parent: TelemetryReceiver.Span): Array<TelemetryReceiver.Span> =>
    childrenOf(parent).flatMap((child) => [child, ...descendants(child)])
  const one = (name: string, under: TelemetryReceiver.Span = server!) => {
    const found = descendants(under).filter((span) => span.name === name)
    expect(found.map((span) => span.name), `${name} under ${under.name}`).toEqual([name])
    return found[0]!
  }
  return { server: server!, inTrace, childrenOf, descendants, one }
}

describe("OTLP traces", () => {
  it("one trace per request: the server span, the check, the ledger's claim, the attempt, the token, Unico's call", () => {
    expect(answers.first!.status).toBe(200)
    const { descendants, inTrace, one, server } = traceOf("first")
    expect(server).toMatchObject({
      name: "POST /processes/v1",
      service: "liveness-gateway",
      attributes: {
        "http.request.method": "POST",
        "http.route": "/processes/v1",
        "http.response.status_code": 200,
        "url.scheme": "http",
        "gateway.caller": "key-1",
        "gateway.request_id": answers.first!.requestId,
        "liveness.verdict": "live",
        "liveness.process_id": answers.first!.body.id
      }
    })
    expect(server.parentSpanId).toBeUndefined()
    // Every span of the request is in its trace, under its server span.
    expect(descendants(server)).toHaveLength(inTrace.length - 1)
    const gatewaySpan = one("Gateway.createProcess")
    expect(gatewaySpan.parentSpanId).toBe(server.spanId)
    const check = one("Liveness.check", gatewaySpan)
    expect(check.attributes).toMatchObject({
      "liveness.verdict": "live",
      "liveness.attempts": 1,
      "liveness.process_id": answers.first!.body.id,
      "liveness.replayed": false,
      "liveness.ledger": "claimed",
      "liveness.payload_kind": "SdkPayload"
    })
    one("CaptureLedger.claim", check)
    const attempt = one("LivenessProvider.createProcess", check)
    expect(attempt.attributes["liveness.attempt"]).toBe(1)
    // The first check mints the token, inside its attempt (before the quota permit).
    one("UnicoHttp.mintToken", attempt)
    const unico = one("UnicoHttp.createProcess", attempt)
    const client = descendants(unico).find((span) => span.kind === 3)!
    expect(client.attributes).toMatchObject({ "http.request.method": "POST", "http.response.status_code": 200 })
    expect(client.attributes["url.full"]).toBe(`${sandbox.apiUrl}/processes/v1`)
  })

  it("a caller's traceparent: the request's spans are in the caller's trace, the server span under the caller's", () => {
    const { inTrace, one, server } = traceOf("continued")
    expect(server.traceId).toBe(CALLER_TRACE)
    expect(server.parentSpanId).toBe(CALLER_SPAN)
    expect(inTrace.length).toBeGreaterThanOrEqual(5)
    expect(one("Liveness.check").attributes["liveness.verdict"]).toBe("live")
    // Without one, each request is a trace of its own.
    expect(traceOf("first").server.traceId).not.toBe(CALLER_TRACE)
    expect(traceOf("first").server.traceId).not.toBe(traceOf("retried").server.traceId)
  })

  it("a caller's unsampled trace (flags 00): no span exported, its log lines still carry the caller's trace id", () => {
    expect(answers.unsampled!.status).toBe(200)
    expect(receiver.spans().filter((span) => span.traceId === UNSAMPLED_TRACE)).toEqual([])
    const lines = gateway.logs.filter((line) => line.requestId === answers.unsampled!.requestId)
    expect(lines.length).toBeGreaterThan(1)
    for (const line of lines) expect(line.trace_id).toBe(UNSAMPLED_TRACE)
  })

  it("a retried check: each attempt a span, the failed one with its error, Unico's code and retry class", () => {
    expect(answers.retried!.status).toBe(200)
    const { childrenOf, one } = traceOf("retried")
    const check = one("Liveness.check")
    expect(check.attributes["liveness.attempts"]).toBe(2)
    const attempts = childrenOf(check).filter((span) => span.name === "LivenessProvider.createProcess")
    expect(attempts.map((span) => span.attributes["liveness.attempt"]).sort()).toEqual([1, 2])
    const failed = attempts.find((span) => span.attributes["liveness.attempt"] === 1)!
    expect(failed.attributes).toMatchObject({ "liveness.error": "ProviderUnavailable", "liveness.retry_class": "safe" })
    expect(failed.status.code).toBe(2)
    expect(attempts.find((span) => span.attributes["liveness.attempt"] === 2)!.status.code).toBe(1)
  })

  it("a replay: the ledger answers, no attempt; an invalid request: no ledger, no attempt", () => {
    const replayed = traceOf("replayed")
    expect(replayed.server.attributes).toMatchObject({ "liveness.replayed": true, "liveness.verdict": "live" })
    expect(replayed.one("Liveness.check").attributes).toMatchObject({
      "liveness.replayed": true,
      "liveness.ledger": "replayed"
    })
    expect(replayed.inTrace.map((span) => span.name)).not.toContain("LivenessProvider.createProcess")
    const invalid = traceOf("invalid")
    expect(invalid.server.attributes).toMatchObject({
      "http.response.status_code": 400,
      "liveness.error": "InvalidRequest"
    })
    expect(invalid.one("Liveness.check").attributes["liveness.error"]).toBe("InvalidRequest")
    expect(invalid.inTrace.map((span) => span.name)).not.toContain("CaptureLedger.claim")
  })

  it("every log line of a traced request carries its trace id and a span id of that trace", () => {
    const spans = receiver.spans()
    for (const label of Object.keys(answers).filter((label) => label !== "unsampled")) {
      const { server } = traceOf(label)
      const lines = gateway.logs.filter((line) => line.requestId === answers[label]!.requestId)
      // The request line (pino-http) and the core's debug lines (Effect, routed to pino).
      expect(lines.map((line) => line.source ?? "http")).toContain("http")
      const requestLine = lines.find((line) => line.msg === "request completed")!
      expect(requestLine).toMatchObject({ trace_id: server.traceId, span_id: server.spanId })
      for (const line of lines) {
        expect(line.trace_id, String(line.msg)).toBe(server.traceId)
        expect(spans.some((span) => span.spanId === line.span_id && span.traceId === server.traceId)).toBe(true)
      }
    }
    expect(gateway.logs.some((line) => line.source === "effect" && line.trace_id !== undefined)).toBe(true)
  })
})

describe("OTLP server spans", () => {
  it("/readyz is traced (its probe mints no token: the checks did), /healthz and /metrics are not", () => {
    const names = receiver.spans().filter((span) => span.kind === 2).map((span) => span.name)
    expect(names).toContain("GET /readyz")
    expect(names.filter((name) => name.includes("/healthz") || name.includes("/metrics"))).toEqual([])
    expect(names.filter((name) => name === "POST /processes/v1")).toHaveLength(5)
  })

  it("a bad OTEL_* value stops start-up with the variable's name", async () => {
    await expect(
      startGateway({
        LIVENESS_PROVIDER: "fake",
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_TRACES_SAMPLER: "sometimes"
      })
    )
      .rejects.toThrow(/OTEL_TRACES_SAMPLER/)
  })
})

describe("OTLP export", () => {
  it("the resource, the collector's headers, no trace header and no span of its own", () => {
    const traces = receiver.received.filter((request) => request.path === "/v1/traces")
    expect(traces.length).toBeGreaterThan(0)
    for (const request of receiver.received) {
      expect(request.headers["x-collector-key"]).toBe(COLLECTOR_KEY)
      expect(request.headers["content-type"]).toContain("application/json")
      expect(request.headers.traceparent).toBeUndefined()
      expect(request.headers.b3).toBeUndefined()
    }
    const spans = receiver.spans()
    expect(spans.filter((span) => String(span.attributes["url.full"] ?? "").startsWith(receiver.url))).toEqual([])
    const body = JSON.parse(traces[0]!.body.toString("utf8")) as {
      resourceSpans: Array<{ resource: { attributes: Array<{ key: string; value: { stringValue: string } }> } }>
    }
    const resource = Object.fromEntries(
      body.resourceSpans[0]!.resource.attributes.map((kv) => [kv.key, kv.value.stringValue])
    )
    expect(resource).toMatchObject({
      "service.name": "liveness-gateway",
      "deployment.environment": "test",
      "service.namespace": "liveness"
    })
  })

  it("the metrics of the registry are exported too", () => {
    const names = receiver.metricNames()
    for (const name of ["liveness_checks_total", "liveness_check_duration_seconds", "liveness_token_mints_total"]) {
      expect(names.has(name), name).toBe(true)
    }
  })

  it("no exported byte carries a secret, a payload slice, a CPF or a name", () => {
    const everything = receiver.received.map((request) =>
      `${request.body.toString("utf8")}\n${JSON.stringify(request.headers).replace(COLLECTOR_KEY, "")}`
    ).join("\n")
    expect(everything.length).toBeGreaterThan(1000)
    expect(
      Leaks.find(everything, {
        secrets: {
          "the API key": Redacted.value(sandbox.apiKey),
          "the gateway key": GATEWAY_KEY,
          "the gateway key's ledger scope": ApiKeys.make([Redacted.make(GATEWAY_KEY)]).authenticate(
            `Bearer ${GATEWAY_KEY}`
          )!.scope,
          "the name": NAME,
          "the CPF": CPF,
          "the retried CPF": "00000000434",
          "the invalid CPF": "12345678900"
        },
        privateKeys: [Redacted.value(sandbox.privateKey)],
        payloads
      })
    ).toEqual([])
    expect(everything.toLowerCase()).not.toContain("bearer ")
  })
})
