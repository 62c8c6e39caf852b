/**
 * Nothing of a trace reaches Unico, even while spans are exported (an OpenTelemetry tracer installed; the wire tests
 * run under the built-in tracer, where no span is made at all): the adapter's requests, on the shipped undici client
 * and on @effect/platform-node's, carry no `traceparent`, `tracestate` or `b3` header, while their client spans are
 * made under the check's trace; the API key and the bearer token appear in no span attribute.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import type * as HttpClient from "@effect/platform/HttpClient"
import { describe, expect, it } from "@effect/vitest"
import { Liveness } from "@liveness/core"
import { Fixtures } from "@liveness/fake"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Tracer from "effect/Tracer"
import { UndiciHttpClient } from "../src/index.js"
import { adapter, apiKey, fakeUnico, keyPair, quietLogs, SUBJECT, workflow } from "./support/unicoHttpHarness.js"

const keys = keyPair()
const API_KEY = apiKey()

/** A tracer that is not the built-in one (so spans are made) and keeps every span with its attributes. */
const recordingTracer = () => {
  const spans: Array<Tracer.Span> = []
  let next = 0
  const tracer = Tracer.make({
    span: (name, parent, context, links, startTime, kind) => {
      const attributes = new Map<string, unknown>()
      const span: Tracer.Span = {
        _tag: "Span",
        name,
        spanId: (++next).toString(16).padStart(16, "0"),
        traceId: Option.match(parent, { onNone: () => "ab".repeat(16), onSome: (p) => p.traceId }),
        parent,
        context,
        status: { _tag: "Started", startTime },
        attributes,
        links,
        // A child of an unsampled span is unsampled, as under a parent-based sampler.
        sampled: Option.match(parent, { onNone: () => true, onSome: (p) => p.sampled }),
        kind,
        end: () => {},
        attribute: (key, value) => void attributes.set(key, value),
        event: () => {},
        addLinks: () => {}
      }
      spans.push(span)
      return span
    },
    context: (f) => f()
  })
  return { spans, tracer }
}

/** A check under `caller`'s trace and `tracer`, through `client`: its verdict, and every request the fake Unico saw. */
const checkUnder = (
  caller: Tracer.ExternalSpan,
  tracer: Tracer.Tracer,
  client?: Layer.Layer<HttpClient.HttpClient>
) =>
  Effect.gen(function*() {
    const unico = yield* fakeUnico()
    const layer = workflow(
      adapter({
        authUrl: unico.server.url,
        apiUrl: unico.server.url,
        keys,
        apiKey: API_KEY,
        ...(client ? { client } : {})
      })
    )
    const result = yield* Liveness.check({ subject: SUBJECT, imageBase64: Fixtures.sdkPayload() }).pipe(
      Effect.withParentSpan(caller),
      Effect.provide(layer),
      Effect.provide(quietLogs),
      Effect.withTracer(tracer)
    )
    const requests = [...(yield* unico.tokenRequests), ...(yield* unico.apiRequests)]
    return { issued: unico.issued(), requests, verdict: result.verdict }
  })

const clients: ReadonlyArray<[string, Layer.Layer<HttpClient.HttpClient>]> = [
  ["UndiciHttpClient", UndiciHttpClient.layer()],
  ["NodeHttpClient.layerUndici", NodeHttpClient.layerUndici]
]

describe("no trace context to Unico while spans are exported", () => {
  for (const [label, client] of clients) {
    it.scopedLive(label, () =>
      Effect.gen(function*() {
        const { spans, tracer } = recordingTracer()
        const caller = Tracer.externalSpan({ traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7" })
        const { issued, requests, verdict } = yield* checkUnder(caller, tracer, client)
        expect(verdict).toBe("live")
        expect(requests).toHaveLength(2)
        for (const request of requests) {
          const names = Object.keys(request.headers)
          expect(names.filter((name) => /^(traceparent|tracestate|baggage|b3|x-b3-.*)$/.test(name))).toEqual([])
        }
        // Spans were made, in the caller's trace: the test would see a header if one were sent.
        const clientSpans = spans.filter((span) => span.kind === "client")
        expect(clientSpans.length).toBe(2)
        expect(new Set(spans.map((span) => span.traceId))).toEqual(new Set([caller.traceId]))
        const attributes = JSON.stringify(spans.map((span) => [...span.attributes]))
        expect(attributes).not.toContain(API_KEY)
        for (const token of issued) expect(attributes).not.toContain(token)
      }))
  }
})

describe("below an unsampled span", () => {
  it.scopedLive("the shipped client makes no client span (nobody would receive it) and still sends no trace header", () =>
    Effect.gen(function*() {
      const { spans, tracer } = recordingTracer()
      const caller = Tracer.externalSpan({
        traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
        spanId: "00f067aa0ba902b7",
        sampled: false
      })
      const { requests, verdict } = yield* checkUnder(caller, tracer)
      expect(verdict).toBe("live")
      // The check's own span is made (unsampled, as the sampler decides); nothing below it.
      expect(spans.map((span) => [span.name, span.sampled])).toEqual([["Liveness.check", false]])
      expect(requests).toHaveLength(2)
      for (const request of requests) expect(Object.keys(request.headers)).not.toContain("traceparent")
    }))
})
