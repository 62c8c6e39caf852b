/**
 * Structured JSON logs with pino: one line per request (pino-http) carrying the request id, method, route
 * template, status, duration, the caller's key id, and the verdict or the error tag and code with the
 * liveness process id (and `replayed` for an answer given again from the capture ledger). Nothing else of the
 * request is logged: no headers, no body, no query string, no path (it may hold a process id: the route
 * template is logged instead). Effect's own logs (the core's) go to the same pino logger. When traces are exported
 * (OTEL_*), every line of a traced request carries `trace_id` and `span_id`: the request line and the gateway's own
 * lines those of the request's server span, Effect's lines those of the span they were written in.
 */
import { Telemetry } from "@liveness/runtime"
import * as HashMap from "effect/HashMap"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import type { IncomingMessage, ServerResponse } from "node:http"
import { pino } from "pino"
import { pinoHttp } from "pino-http"
import type * as GatewayConfig from "./GatewayConfig.js"
import * as RequestId from "./RequestId.js"
import * as ServerSpan from "./ServerSpan.js"

export type { Logger as PinoLogger } from "pino"

/** What handlers record on `res.locals` for the request's log line and metrics. */
export interface RequestFacts {
  /** The route template (`/processes/v1/:id`), or `unmatched`. */
  route?: string
  /** The caller's key id (`key-1`), when authentication is on. */
  caller?: string
  verdict?: string
  processId?: string
  /** True when the answer was given again from the capture ledger (`Idempotent-Replayed`). */
  replayed?: boolean
  /** The error's tag (`PayloadRejected`) or the gateway's problem slug. */
  error?: string
  code?: string
  providerCode?: string
}

export const facts = (res: ServerResponse): RequestFacts => {
  const locals = (res as ServerResponse & { locals?: RequestFacts }).locals
  return locals ?? {}
}

/** The root logger. `destination` defaults to standard output. */
export const makeLogger = (level: GatewayConfig.LogLevel, destination?: pino.DestinationStream): pino.Logger =>
  pino(
    {
      level,
      base: { service: "liveness-gateway" },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Belt and braces: nothing below should ever carry these, but if it does they are not written.
      redact: {
        paths: [
          "headers",
          "body",
          "authorization",
          "imageBase64",
          "subject",
          "*.headers",
          "*.body",
          "*.authorization",
          "*.imageBase64",
          "*.subject"
        ],
        remove: true
      }
    },
    destination
  )

const requestLine = (req: IncomingMessage, res: ServerResponse, durationMs: unknown) => {
  const f = facts(res)
  const aborted = !res.writableFinished
  return {
    method: req.method,
    route: f.route ?? "unmatched",
    ...ServerSpan.ids(res),
    status: res.headersSent ? res.statusCode : undefined,
    durationMs,
    ...(aborted ? { aborted: true } : {}),
    ...(f.caller === undefined ? {} : { caller: f.caller }),
    ...(f.verdict === undefined ? {} : { verdict: f.verdict }),
    ...(f.processId === undefined ? {} : { processId: f.processId }),
    ...(f.replayed === true ? { replayed: true } : {}),
    ...(f.error === undefined ? {} : { error: f.error }),
    ...(f.code === undefined ? {} : { code: f.code }),
    ...(f.providerCode === undefined ? {} : { providerCode: f.providerCode })
  }
}

const message = (res: ServerResponse) => res.writableFinished ? "request completed" : "request aborted by the client"

/** The request logger middleware: assigns the request id (and echoes it) and logs one line per request. */
export const httpLogger = (logger: pino.Logger) =>
  pinoHttp({
    logger,
    genReqId: (req, res) => {
      const id = RequestId.of(req.headers["x-request-id"])
      res.setHeader(RequestId.HEADER, id)
      return id
    },
    customAttributeKeys: { reqId: "requestId", responseTime: "durationMs" },
    // Whatever logs a request, a response or an error through these loggers gets these fields only: no headers,
    // no URL (query string, ids), no body, no error message (a parser's quotes the body).
    serializers: {
      req: (req: { id?: unknown; method?: unknown }) => ({ id: req.id, method: req.method }),
      res: (res: { statusCode?: unknown }) => ({ statusCode: res.statusCode }),
      err: (err: { type?: unknown }) => ({ type: err.type })
    },
    quietReqLogger: true,
    quietResLogger: true,
    customLogLevel: (_req, res, error) =>
      error !== undefined || res.statusCode >= 500 ? "error" : !res.writableFinished ? "warn" : "info",
    customSuccessMessage: (_req, res) => message(res),
    customErrorMessage: (_req, res) => message(res),
    customSuccessObject: (req, res, value) => requestLine(req, res, value.durationMs),
    // The error itself is not logged: a parser error can quote the body. Its tag is in `error`.
    customErrorObject: (req, res, _error, value) => requestLine(req, res, value.durationMs)
  })

const pinoLevel = (level: LogLevel.LogLevel): pino.Level | undefined => {
  switch (level._tag) {
    case "All":
    case "Trace":
      return "trace"
    case "Debug":
      return "debug"
    case "Info":
      return "info"
    case "Warning":
      return "warn"
    case "Error":
      return "error"
    case "Fatal":
      return "fatal"
    case "None":
      return undefined
  }
}

/**
 * Effect's minimum level for a pino level, level for level. The core logs its per-check lines at debug, so at
 * `info` the request line (which carries the verdict and process id) is the one line per check.
 */
export const effectLevel = (level: GatewayConfig.LogLevel): LogLevel.LogLevel => {
  switch (level) {
    case "trace":
      return LogLevel.Trace
    case "debug":
      return LogLevel.Debug
    case "info":
      return LogLevel.Info
    case "warn":
      return LogLevel.Warning
    case "error":
      return LogLevel.Error
    case "fatal":
      return LogLevel.Fatal
    case "silent":
      return LogLevel.None
  }
}

/** Effect's logs (annotations as fields; causes are not written: they could quote an answer) to pino. */
export const effectLoggerLayer = (logger: pino.Logger, level: GatewayConfig.LogLevel): Layer.Layer<never> => {
  const bridge = Logger.make(({ annotations, context, logLevel, message }) => {
    const target = pinoLevel(logLevel)
    if (target === undefined) return
    const fields: Record<string, unknown> = { source: "effect", ...Telemetry.traceIdsIn(context) }
    for (const [key, value] of HashMap.toEntries(annotations)) fields[key] = value
    const text = Array.isArray(message) ? message.map(String).join(" ") : String(message)
    logger[target](fields, text)
  })
  return Layer.merge(Logger.replace(Logger.defaultLogger, bridge), Logger.minimumLogLevel(effectLevel(level)))
}
