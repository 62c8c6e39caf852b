/**
 * Secrets never leave the adapter except on the wire: the API key, access tokens, the private key, the
 * assertion and the selfie payload appear in no log line (at every level), no span (names, attributes,
 * events, exits, including @effect/platform's http client spans that carry request headers) and no error
 * (String, JSON, message, stack, pretty cause).
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import type * as HttpClient from "@effect/platform/HttpClient"
import { describe, expect, it } from "@effect/vitest"
import { Liveness, type LivenessError } from "@liveness/core"
import { Fixtures } from "@liveness/fake"
import * as Cause from "effect/Cause"
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Tracer from "effect/Tracer"
import { UndiciHttpClient, UnicoHttp } from "../src/index.js"
import * as RecordingServer from "./support/recordingServer.js"
import {
  adapter,
  apiKey,
  assertionOf,
  type FakeUnico,
  fakeUnico,
  type FakeUnicoScript,
  keyPair,
  liveProcess,
  PROCESS_ID,
  SUBJECT,
  workflow
} from "./support/unicoHttpHarness.js"

const keys = keyPair()
const API_KEY = apiKey()

// ---------------------------------------------------------------------------------------------------------------
// Capture
// ---------------------------------------------------------------------------------------------------------------

interface Capture {
  readonly lines: Array<string>
  readonly spans: Array<RecordingSpan>
}

let ids = 0

class RecordingSpan implements Tracer.Span {
  readonly _tag = "Span"
  readonly spanId = `span${++ids}`
  readonly traceId: string
  readonly sampled = true
  readonly attributes = new Map<string, unknown>()
  readonly events: Array<{ readonly name: string; readonly attributes: Record<string, unknown> | undefined }> = []
  links: Array<Tracer.SpanLink>
  status: Tracer.SpanStatus

  constructor(
    readonly name: string,
    readonly parent: Option.Option<Tracer.AnySpan>,
    readonly context: Context.Context<never>,
    links: ReadonlyArray<Tracer.SpanLink>,
    startTime: bigint,
    readonly kind: Tracer.SpanKind
  ) {
    this.traceId = Option.match(parent, { onNone: () => `trace${ids}`, onSome: (span) => span.traceId })
    this.links = [...links]
    this.status = { _tag: "Started", startTime }
  }

  end(endTime: bigint, exit: Exit.Exit<unknown, unknown>) {
    this.status = { _tag: "Ended", startTime: this.status.startTime, endTime, exit }
  }

  attribute(key: string, value: unknown) {
    this.attributes.set(key, value)
  }

  event(name: string, _startTime: bigint, attributes?: Record<string, unknown>) {
    this.events.push({ name, attributes })
  }

  addLinks(links: ReadonlyArray<Tracer.SpanLink>) {
    this.links.push(...links)
  }
}

const renderValue = (value: unknown): string => {
  try {
    return `${String(value)} ${JSON.stringify(value)}`
  } catch {
    return String(value)
  }
}

/**
 * Everything a span exports, as text: name, attributes, events, links and, for a failed span, what an
 * exporter records of the failure (as @effect/opentelemetry does: the pretty cause and each error's message
 * and stack).
 *
 * Not the raw exit value: @effect/platform's own http client span ends with the platform's RequestError or
 * HttpClientResponse, whose `request` holds the headers and body as sent (secrets included) and which an
 * exporter must not serialise wholesale.
 */
const renderSpan = (span: RecordingSpan): string => {
  const parts = [`span ${span.name} kind=${span.kind}`]
  for (const [key, value] of span.attributes) parts.push(`${key}=${renderValue(value)}`)
  for (const event of span.events) parts.push(`event ${event.name} ${renderValue(event.attributes)}`)
  for (const link of span.links) parts.push(`link ${renderValue(link.attributes)}`)
  if (span.status._tag === "Ended" && Exit.isFailure(span.status.exit)) {
    parts.push(`failed ${Cause.pretty(span.status.exit.cause)}`)
    for (const error of Cause.prettyErrors(span.status.exit.cause)) {
      parts.push(`exception ${error.name}: ${error.message}\n${error.stack ?? ""}`)
    }
  }
  return parts.join("\n")
}

/** A logger that keeps every line (logfmt and JSON) and a tracer that keeps every span. */
const capturing = (): { readonly capture: Capture; readonly layer: Layer.Layer<never> } => {
  const capture: Capture = { lines: [], spans: [] }
  const logger = Logger.make((options) => {
    capture.lines.push(Logger.logfmtLogger.log(options))
    capture.lines.push(Logger.jsonLogger.log(options))
  })
  const tracer = Tracer.make({
    span: (name, parent, context, links, startTime, kind) => {
      const span = new RecordingSpan(name, parent, context, links, startTime, kind)
      capture.spans.push(span)
      return span
    },
    context: (f) => f()
  })
  const layer = Layer.mergeAll(
    Logger.replace(Logger.defaultLogger, logger),
    Logger.minimumLogLevel(LogLevel.All),
    Layer.setTracer(tracer)
  )
  return { capture, layer }
}

/** Every way an error is shown to people and machines. */
const renderError = (error: LivenessError): string =>
  [
    String(error),
    JSON.stringify(error),
    error.message,
    error.stack ?? "",
    Cause.pretty(Cause.fail(error)),
    renderValue(Cause.fail(error))
  ].join("\n")

// ---------------------------------------------------------------------------------------------------------------
// Secrets
// ---------------------------------------------------------------------------------------------------------------

/** The base64 body of a PEM (no armour lines, no line breaks). */
const pemBody = (pem: string) => pem.split("\n").filter((line) => line !== "" && !line.startsWith("-----")).join("")

/** Every `size`-character slice of `text`. */
const slices = (text: string, size: number) =>
  Array.from({ length: Math.max(0, text.length - size + 1) }, (_, i) => text.slice(i, i + size))

interface Leak {
  readonly secret: string
  readonly what: string
}

/** The secrets found in `corpus` (none, hopefully). */
const leaks = (corpus: string, secrets: ReadonlyArray<readonly [what: string, value: string]>): Array<Leak> =>
  secrets.filter(([, value]) => corpus.includes(value)).map(([what, secret]) => ({ what, secret }))

// ---------------------------------------------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------------------------------------------

interface Scenario {
  readonly name: string
  readonly script: FakeUnicoScript
  readonly run: (payload: string) => Effect.Effect<unknown, LivenessError, Liveness.Liveness | UnicoHttp.UnicoHttp>
  readonly expect: "success" | LivenessError["_tag"]
  /** Whether the workflow retries (and so writes its debug line "retrying provider request"). */
  readonly retries: boolean
}

const checkOf = (payload: string) => Liveness.check({ subject: SUBJECT, imageBase64: payload })

const scenarios: ReadonlyArray<Scenario> = [
  {
    name: "success, then a read back",
    script: {},
    run: (payload) => Effect.zip(checkOf(payload), Liveness.getProcess(PROCESS_ID)),
    expect: "success",
    retries: false
  },
  {
    name: "401 then a fresh token",
    script: { api: (_, nth) => (nth === 0 ? RecordingServer.raw(401, "") : RecordingServer.json(200, liveProcess)) },
    run: checkOf,
    expect: "success",
    retries: true
  },
  {
    name: "403 (capability not enabled)",
    script: {
      api: () =>
        RecordingServer.json(403, {
          error: { code: "30017", description: "Usuário não tem permissão para executar esta ação." }
        })
    },
    run: checkOf,
    expect: "AccessDenied",
    retries: false
  },
  {
    name: "token refused (1.2.5)",
    script: {
      token: () =>
        RecordingServer.json(401, { error: "server_error", error_description: "Falha na autenticação 1.2.5" })
    },
    run: checkOf,
    expect: "AuthenticationFailed",
    retries: false
  },
  {
    // May have reached Unico: the SDK payload is not sent again.
    name: "the connection dropped after the body was read",
    script: { api: () => RecordingServer.destroyAfterBody },
    run: checkOf,
    expect: "OutcomeUnknown",
    retries: false
  },
  {
    name: "an unreadable 200",
    script: { api: () => RecordingServer.raw(200, "{\"id\":", { "content-type": "application/json" }) },
    run: checkOf,
    expect: "UnexpectedResponse",
    retries: false
  }
]

interface Observed {
  readonly corpus: string
  readonly capture: Capture
  readonly unico: FakeUnico
  readonly payload: string
}

/** Runs one scenario under the capturing logger and tracer and gathers everything that was observable. */
const observe = (scenario: Scenario, client: Layer.Layer<HttpClient.HttpClient> = NodeHttpClient.layerUndici) =>
  Effect.gen(function*() {
    const unico = yield* fakeUnico(scenario.script)
    const { capture, layer } = capturing()
    const payload = Fixtures.sdkPayload({ size: 2048 })
    const layers = workflow(
      adapter({ authUrl: unico.server.url, apiUrl: unico.server.url, keys, apiKey: API_KEY, client }),
      { maxAttempts: 2 }
    )
    const { exit, settings } = yield* Effect.gen(function*() {
      const exit = yield* Effect.exit(scenario.run(payload))
      const settings = (yield* UnicoHttp.UnicoHttp).settings
      return { exit, settings }
    }).pipe(Effect.provide(layers), Effect.provide(layer))
    if (scenario.expect === "success") {
      expect(exit._tag).toBe("Success")
    } else {
      expect(Exit.isFailure(exit) && Cause.failureOption(exit.cause).pipe(Option.map((error) => error._tag))).toEqual(
        Option.some(scenario.expect)
      )
    }
    const errors = Exit.isFailure(exit) ? [renderError(Cause.squash(exit.cause) as LivenessError)] : []
    const corpus = [
      ...capture.lines,
      ...capture.spans.map(renderSpan),
      ...errors,
      Exit.isFailure(exit) ? Cause.pretty(exit.cause) : renderValue(exit.value),
      renderValue(settings)
    ].join("\n")
    return { corpus, capture, unico, payload } satisfies Observed
  })

const secretsOf = (observed: Observed, assertions: ReadonlyArray<string>) => {
  const key = pemBody(keys.pem)
  return [
    ["the API key", API_KEY] as const,
    ...observed.unico.issued().map((token) => ["an access token", token] as const),
    ...assertions.map((assertion) => ["an assertion", assertion] as const),
    ...assertions.map((assertion) => ["an assertion's signature", assertion.split(".")[2]!] as const),
    ...assertions.map((assertion) => ["an assertion's claims", assertion.split(".")[1]!] as const),
    ["the private key PEM", key] as const,
    ...keys.pem.split("\n").filter((line) => line.length === 64).map((line) => ["a PEM line", line] as const),
    ...slices(key, 16).map((slice) => ["a slice of the private key", slice] as const),
    ...slices(observed.payload, 16).map((slice) => ["a slice of imageBase64", slice] as const)
  ]
}

// Both HttpClients the adapter is documented with: the lean one the runtime ships, and @effect/platform-node's, whose
// spans carry the request headers.
const clients = [
  ["UndiciHttpClient", UndiciHttpClient.layer()],
  ["NodeHttpClient.layerUndici", NodeHttpClient.layerUndici]
] as const

describe("no secret in logs, spans or errors", () => {
  for (const scenario of scenarios) {
    for (const [clientName, client] of clients) {
      it.scopedLive(`${scenario.name} (${clientName})`, () =>
        Effect.gen(function*() {
          const observed = yield* observe(scenario, client)
          const assertions = (yield* observed.unico.tokenRequests).map(assertionOf)
          // The secrets did travel (on the wire), so the search below is not vacuous.
          expect(assertions.length).toBeGreaterThan(0)
          expect(assertions.every((assertion) => assertion.split(".").length === 3)).toBe(true)
          // What was captured is real: log lines at debug level and the http client's spans.
          expect(observed.capture.lines.length).toBeGreaterThan(0)
          const names = observed.capture.spans.map((span) => span.name)
          expect(names).toContain("Liveness.check")
          expect(names).toContain("UnicoHttp.mintToken")
          expect(names.some((name) => name.startsWith("http.client"))).toBe(true)
          // The net is cast at every level: the workflow's debug line is caught when it retries.
          expect(observed.capture.lines.some((line) => line.includes("level=DEBUG") && line.includes("retrying"))).toBe(
            scenario.retries
          )
          expect(leaks(observed.corpus, secretsOf(observed, assertions))).toEqual([])
        }))
    }
  }

  it.scopedLive("the http client spans carry the request headers, with authorization and apikey redacted", () =>
    Effect.gen(function*() {
      const observed = yield* observe(scenarios[0]!)
      const apiSpans = observed.capture.spans.filter((span) =>
        span.name.startsWith("http.client") && String(span.attributes.get("url.path")).startsWith("/processes/v1")
      )
      expect(apiSpans).toHaveLength(2)
      for (const span of apiSpans) {
        expect(span.attributes.get("http.request.header.authorization")).toBe("<redacted>")
        expect(span.attributes.get("http.request.header.apikey")).toBe("<redacted>")
        expect(span.attributes.get("http.request.header.content-type") ?? "absent").not.toContain(API_KEY)
      }
      // The debug log of the workflow is there too (LogLevel.All reaches the logger).
      const tokenSpan = observed.capture.spans.find((span) =>
        span.name.startsWith("http.client") && span.attributes.get("url.path") === "/oauth2/token"
      )
      expect(tokenSpan).toBeDefined()
      expect(tokenSpan!.attributes.get("http.request.header.content-type")).toBe("application/x-www-form-urlencoded")
    }))

  it.scopedLive("UndiciHttpClient's spans carry the method, the URL and the status, and no header at all", () =>
    Effect.gen(function*() {
      const observed = yield* observe(scenarios[0]!, UndiciHttpClient.layer())
      const httpSpans = observed.capture.spans.filter((span) => span.name.startsWith("http.client"))
      expect(httpSpans.length).toBeGreaterThanOrEqual(3)
      for (const span of httpSpans) {
        expect(span.kind).toBe("client")
        expect([...span.attributes.keys()].filter((key) => key.includes("header"))).toEqual([])
        expect(span.attributes.get("http.request.method")).toMatch(/^(GET|POST)$/)
        expect(String(span.attributes.get("url.full"))).toContain(observed.unico.server.url)
        expect(span.attributes.get("http.response.status_code")).toBeTypeOf("number")
      }
    }))
})
