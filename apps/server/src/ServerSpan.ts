/**
 * One server span per request (but `/healthz` and `/metrics`), when the runtime exports spans (OTEL_* set: see
 * Telemetry in @liveness/runtime); none otherwise, at no cost. Named `<METHOD> <route template>` (`POST /processes/v1`), never with the path (it may hold
 * a process id); HTTP semantic-convention attributes, the request id, and the check's outcome (verdict, process id,
 * replay, error tag and codes). A caller's W3C `traceparent` makes it a child of the caller's span, in the caller's
 * trace; the route's Effect program runs under it (`within`), so the check's spans are its children and its log
 * lines carry its ids.
 */
import * as Headers from "@effect/platform/Headers"
import * as HttpTraceContext from "@effect/platform/HttpTraceContext"
import { Tracing } from "@liveness/core"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import type * as Tracer from "effect/Tracer"
import type { RequestHandler, Response } from "express"
import type { IncomingMessage, ServerResponse } from "node:http"
import type * as Logging from "./Logging.js"

/** A server span's failure (a 5xx answer): what the exported span's status says. */
class ServerError extends Data.TaggedError("ServerError")<{ readonly status: number }> {
  override get message() {
    return `HTTP ${this.status}`
  }
}

interface State {
  readonly startTime: bigint
  readonly parent: Option.Option<Tracer.AnySpan>
  span?: Tracer.Span
  untraced?: boolean
}

/** Probed and scraped every few seconds: a trace each would bury the checks' (their metrics say how they do). */
const UNTRACED: ReadonlySet<string> = new Set(["/healthz", "/metrics"])

const STATE = Symbol.for("@liveness/server/ServerSpan")

const clock = Clock.make()

const stateOf = (res: ServerResponse): State | undefined => (res as ServerResponse & { [STATE]?: State })[STATE]

/** The request's span, if it is traced. */
export const of = (res: ServerResponse): Tracer.Span | undefined => stateOf(res)?.span

/** `trace_id` and `span_id` of the request's span, for a log line (nothing when it is not traced). */
export const ids = (res: ServerResponse): { trace_id?: string; span_id?: string } => {
  const span = of(res)
  return span === undefined ? {} : { trace_id: span.traceId, span_id: span.spanId }
}

/** `program` as a child of the request's span (itself when the request is not traced). */
export const within = <A, E, R>(res: ServerResponse, program: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> => {
  const span = of(res)
  return span === undefined ? program : Effect.withParentSpan(program, span)
}

export interface ServerSpans {
  /** The first middleware: notes when the request started and the caller's trace context. */
  readonly start: RequestHandler
  /** Opens the span, named by the route template (the route middleware calls it once the route is known). */
  readonly open: (req: IncomingMessage, res: ServerResponse, template: string | undefined) => void
}

/** The server spans of a runtime, or undefined when it exports no span (the built-in tracer). */
export const make = <R>(
  runtime: Runtime.Runtime<R>,
  factsOf: (res: ServerResponse) => Logging.RequestFacts
): ServerSpans | undefined => {
  const [tracer, exporting] = Runtime.runSync(runtime)(
    Effect.withFiberRuntime<readonly [Tracer.Tracer, boolean]>((fiber) =>
      Effect.succeed([fiber.currentTracer, Tracing.exportsSpans(fiber)])
    )
  )
  if (!exporting) return undefined

  const open = (req: IncomingMessage, res: ServerResponse, template: string | undefined) => {
    const state = stateOf(res)
    if (state === undefined || state.span !== undefined || state.untraced === true) return
    if (template !== undefined && UNTRACED.has(template)) {
      state.untraced = true
      return
    }
    const method = req.method ?? "GET"
    const span = tracer.span(
      template === undefined ? method : `${method} ${template}`,
      state.parent,
      Context.empty(),
      [],
      state.startTime,
      "server"
    )
    span.attribute("http.request.method", method)
    if (template !== undefined) span.attribute("http.route", template)
    span.attribute("url.scheme", "http")
    span.attribute("network.protocol.version", req.httpVersion)
    if (req.socket.localPort !== undefined) span.attribute("server.port", req.socket.localPort)
    state.span = span
  }

  const end = (req: IncomingMessage, res: ServerResponse) => {
    const facts = factsOf(res)
    open(req, res, facts.route === undefined || facts.route === "unmatched" ? undefined : facts.route)
    const span = of(res)
    if (span === undefined) return
    const status = res.headersSent ? res.statusCode : undefined
    if (status !== undefined) span.attribute("http.response.status_code", status)
    if (status !== undefined && status >= 500) span.attribute("error.type", String(status))
    if (!res.writableFinished) span.attribute("gateway.aborted", true)
    span.attribute("gateway.request_id", String((req as IncomingMessage & { id?: unknown }).id))
    if (facts.caller !== undefined) span.attribute("gateway.caller", facts.caller)
    if (facts.verdict !== undefined) span.attribute("liveness.verdict", facts.verdict)
    if (facts.processId !== undefined) span.attribute("liveness.process_id", facts.processId)
    if (facts.replayed === true) span.attribute("liveness.replayed", true)
    if (facts.error !== undefined) span.attribute("liveness.error", facts.error)
    if (facts.code !== undefined) span.attribute("liveness.code", facts.code)
    if (facts.providerCode !== undefined) span.attribute("unico.code", facts.providerCode)
    span.end(
      clock.unsafeCurrentTimeNanos(),
      status !== undefined && status >= 500 ? Exit.fail(new ServerError({ status })) : Exit.void
    )
  }

  const start: RequestHandler = (req, res, next) => {
    const state: State = {
      startTime: clock.unsafeCurrentTimeNanos(),
      parent: HttpTraceContext.w3c(Headers.fromInput(req.headers))
    }
    ;(res as Response & { [STATE]?: State })[STATE] = state
    let ended = false
    const once = () => {
      if (ended) return
      ended = true
      end(req, res)
    }
    res.on("finish", once)
    res.on("close", once)
    next()
  }

  return { start, open }
}
