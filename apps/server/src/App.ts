/**
 * The Express app: routes, middleware and the mapping of every outcome to a response. Handlers run Effect
 * programs on the gateway's runtime with `Runtime.runPromiseExit` and turn the `Exit` into JSON or
 * `application/problem+json`; they never throw. A final error middleware answers whatever Express forwards
 * (parser errors, rejected promises) as problem+json, never as an HTML page or a stack trace.
 */
import type { CaptureLedger } from "@liveness/core"
import { Liveness } from "@liveness/core"
import { LivenessRuntime } from "@liveness/runtime"
import cors from "cors"
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response } from "express"
import { ipKeyGenerator, rateLimit } from "express-rate-limit"
import helmet from "helmet"
import * as ApiKeys from "./ApiKeys.js"
import * as Docs from "./Docs.js"
import type * as GatewayConfig from "./GatewayConfig.js"
import * as GatewayMetrics from "./GatewayMetrics.js"
import * as IdempotencyKey from "./IdempotencyKey.js"
import * as Logging from "./Logging.js"
import * as OpenApi from "./OpenApi.js"
import * as Problems from "./Problems.js"
import * as Prometheus from "./Prometheus.js"
import * as Routes from "./Routes.js"
import * as ServerSpan from "./ServerSpan.js"
import * as TryPage from "./TryPage.js"

/**
 * The runtime the routes' programs run on: the one the gateway's layer built at start-up (so running on it fails
 * only with the program's own errors; the layer's are start-up errors).
 */
export type GatewayRuntime = Runtime.Runtime<Services>

/** What the routes' programs run on: the workflow, the provider's description, and the capture ledger. */
export type Services = Liveness.Liveness | LivenessRuntime.ProviderInfo | CaptureLedger.CaptureLedger

type CheckResult = Liveness.CheckResult

/** Shutdown state shared by the app and the server. */
export interface Lifecycle {
  /** True once shutdown has begun: responses then ask clients to close their connection. */
  closing: boolean
  /** Checks running on the runtime (they may outlive their connection). */
  readonly inFlight: Set<Promise<unknown>>
}

export interface Context {
  readonly config: GatewayConfig.GatewayConfig
  readonly runtime: GatewayRuntime
  readonly provider: LivenessRuntime.Info
  readonly keys: ApiKeys.ApiKeys
  readonly logger: Logging.PinoLogger
  readonly lifecycle: Lifecycle
  /** How long `/readyz` waits for the provider's probe. */
  readonly readyTimeout?: Duration.DurationInput
}

// ---------------------------------------------------------------------------------------------------------------
// The Effect programs of the routes
// ---------------------------------------------------------------------------------------------------------------

/**
 * A check through the capture ledger, for the caller's ledger scope: a capture this caller sent before gets its
 * first outcome again (`replayed`), another caller's gets the reuse rejection. An Idempotency-Key is bound first.
 */
const createProcess = Effect.fn("Gateway.createProcess")(function*(
  body: unknown,
  requestId: string,
  caller: CheckLocals
) {
  yield* Effect.annotateCurrentSpan({ "gateway.request_id": requestId })
  if (caller.idempotencyKey !== undefined) {
    yield* IdempotencyKey.bind(caller.callerScope, caller.idempotencyKey, body)
  }
  const liveness = yield* Liveness.Liveness
  return yield* liveness.submit(body, { caller: caller.callerScope }).pipe(Effect.annotateLogs({ requestId }))
})

/** A read-back, answered like a check (reads are idempotent: never a replay). */
const getProcess = Effect.fn("Gateway.getProcess")(function*(id: string, requestId: string) {
  yield* Effect.annotateCurrentSpan({ "gateway.request_id": requestId })
  const outcome = yield* Liveness.getProcess(id).pipe(Effect.annotateLogs({ requestId }), Effect.either)
  return { outcome, replayed: false } satisfies Liveness.Submission
})

const probeReadiness = Effect.fn("Gateway.ready")(function*(timeout: Duration.DurationInput) {
  const info = yield* LivenessRuntime.ProviderInfo
  return yield* info.ready.pipe(Effect.timeoutFail({ duration: timeout, onTimeout: () => "timeout" as const }))
})

const metricsText = Effect.map(Metric.snapshot, Prometheus.render)

/** What `/readyz` says of Redis: connected, or degraded since when, why, and what replicas do meanwhile. */
const redisReadiness = (redis: NonNullable<LivenessRuntime.Info["redis"]>) =>
  Effect.map(redis.state, (state) => ({
    status: state.status,
    target: redis.target,
    since: new Date(state.since).toISOString(),
    ...(state.status === "degraded" ? { reason: state.reason, degradedMode: redis.degradedMode } : {})
  }))

// ---------------------------------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------------------------------

const requestIdOf = (req: Request) => String(req.id)

const facts = (res: Response): Logging.RequestFacts => res.locals as Logging.RequestFacts

/** What the middleware learns about a check request for its handler (not logged). */
interface CheckLocals {
  /** The caller's scope in the capture ledger (ApiKeys.Caller.scope, or the one anonymous caller). */
  callerScope: string
  idempotencyKey?: string
}

const checkLocals = (res: Response) => res.locals as Partial<CheckLocals>

const body = (result: CheckResult) => ({
  id: result.process.id,
  status: result.process.status,
  ...(result.process.liveness === undefined ? {} : { liveness: result.process.liveness }),
  verdict: result.verdict
})

const isJson = (contentType: string | undefined) =>
  contentType !== undefined && /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(contentType)

const JSON_RESPONSE = "application/json; charset=utf-8"

/** How many provider requests the check made: the one figure of a check its 200 body (Unico's) has no room for. */
const ATTEMPTS_HEADER = "X-Liveness-Attempts"

const PROBLEM_RESPONSE = `${Problems.CONTENT_TYPE}; charset=utf-8`

export const make = (context: Context): express.Express => {
  const { config, keys, lifecycle, logger, provider, runtime } = context
  const readyTimeout = context.readyTimeout ?? Duration.seconds(5)
  // Undefined unless the runtime exports spans (OTEL_*): then nothing below traces.
  const spans = ServerSpan.make(runtime, Logging.facts)

  const send = (res: Response, status: number, contentType: string, payload: string) => {
    // Already answered (by the error middleware) or the connection is gone: nothing left to send.
    if (res.headersSent || res.destroyed) return
    if (lifecycle.closing) res.setHeader("Connection", "close")
    if (!res.hasHeader("Cache-Control")) res.setHeader("Cache-Control", "no-store")
    res.status(status).setHeader("Content-Type", contentType)
    res.end(payload)
  }

  const sendJson = (res: Response, status: number, value: unknown) =>
    send(res, status, JSON_RESPONSE, JSON.stringify(value))

  const sendProblem = (res: Response, problem: Problems.Problem, headers: Record<string, string> = {}) => {
    const f = facts(res)
    f.error ??= problem.type.slice(Problems.PROBLEM_BASE.length)
    f.code = problem.code
    if (typeof problem.providerCode === "string") f.providerCode = problem.providerCode
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value)
    send(res, problem.status, PROBLEM_RESPONSE, JSON.stringify(problem))
  }

  const problemOf = (res: Response, req: Request, key: Problems.ProblemKey, detail: string, extensions = {}) =>
    sendProblem(res, Problems.make(Problems.types[key], requestIdOf(req), detail, extensions))

  /** A failure that is not a domain error: a defect (bug) or an interruption (runtime disposed). */
  const unexpected = (req: Request, res: Response, cause: Cause.Cause<unknown>) => {
    const interrupted = Cause.isInterruptedOnly(cause)
    const squashed = Cause.squash(cause)
    facts(res).error = interrupted ? "Interrupted" : "Defect"
    logger.error(
      {
        requestId: requestIdOf(req),
        ...ServerSpan.ids(res),
        error: interrupted ? "Interrupted" : squashed instanceof Error ? squashed.name : typeof squashed,
        ...(squashed instanceof Error && !interrupted ? { message: squashed.message } : {})
      },
      interrupted ? "check interrupted: the gateway is shutting down" : "unexpected failure"
    )
    problemOf(
      res,
      req,
      "internal",
      interrupted
        ? "The check was interrupted because the gateway is shutting down; its outcome is unknown."
        : "The gateway failed unexpectedly. The request id identifies the failure in the gateway's logs."
    )
  }

  /**
   * Runs a check on the runtime and answers its outcome, even if the caller is gone. An outcome given again from the
   * capture ledger is answered as the first one was (the same status and body; a problem's `requestId` is this
   * request's) with `Idempotent-Replayed: true`.
   */
  const answerCheck = async (
    req: Request,
    res: Response,
    program: Effect.Effect<Liveness.Submission, IdempotencyKey.Reused, Services>
  ) => {
    const requestId = requestIdOf(req)
    let callerGone = false
    res.on("close", () => {
      if (!res.writableFinished) callerGone = true
    })
    // No abort signal: if the caller disconnects, the provider call still completes (the capture is spent either
    // way), its outcome is kept in the capture ledger for the caller's retry, and it is logged below.
    const running = Runtime.runPromiseExit(runtime)(ServerSpan.within(res, program))
    lifecycle.inFlight.add(running)
    GatewayMetrics.setChecksInFlight(lifecycle.inFlight.size)
    const exit = await running.finally(() => {
      lifecycle.inFlight.delete(running)
      GatewayMetrics.setChecksInFlight(lifecycle.inFlight.size)
    })

    const f = facts(res)
    let answer: () => void
    if (Exit.isSuccess(exit)) {
      const { outcome, replayed } = exit.value
      if (replayed) f.replayed = true
      answer = Either.match(outcome, {
        onRight: (result) => {
          f.verdict = result.verdict
          f.processId = result.process.id
          return () => {
            res.setHeader(ATTEMPTS_HEADER, String(result.attempts))
            sendJson(res, 200, body(result))
          }
        },
        onLeft: (error) => {
          const mapped = Problems.fromLivenessError(error, requestId)
          f.error = error._tag
          f.code = mapped.problem.code
          if (error._tag === "ProcessNotFound") f.processId = error.processId
          if (mapped.operatorLog !== undefined) {
            // Our own Unico credentials were refused: the caller cannot fix it, operators must.
            logger.error(
              {
                requestId,
                ...ServerSpan.ids(res),
                error: error._tag,
                code: error.code,
                providerCode: mapped.operatorLog.providerCode
              },
              `the provider refused the gateway's credentials: ${mapped.operatorLog.message}`
            )
          }
          return () => sendProblem(res, mapped.problem, mapped.headers)
        }
      })
    } else if (Option.isSome(Cause.failureOption(exit.cause))) {
      // The only failure a program has: the Idempotency-Key was sent before with another body.
      answer = () =>
        problemOf(
          res,
          req,
          "idempotencyKeyReused",
          `This ${IdempotencyKey.HEADER} was sent earlier with another request body, and a key names one request. ` +
            "Send a new key with a new request."
        )
    } else {
      f.error = Cause.isInterruptedOnly(exit.cause) ? "Interrupted" : "Defect"
      answer = () => unexpected(req, res, exit.cause)
    }

    if (callerGone || res.destroyed) {
      GatewayMetrics.recordAbandoned()
      logger.info(
        {
          requestId,
          ...ServerSpan.ids(res),
          route: f.route,
          ...(f.verdict === undefined ? {} : { verdict: f.verdict }),
          ...(f.processId === undefined ? {} : { processId: f.processId }),
          ...(f.replayed === true ? { replayed: true } : {}),
          ...(f.error === undefined ? {} : { error: f.error, code: f.code })
        },
        "check finished after the caller disconnected"
      )
      return
    }
    if (f.replayed === true) {
      res.setHeader(IdempotencyKey.REPLAYED_HEADER, "true")
      GatewayMetrics.recordReplay()
    }
    answer()
  }

  // -------------------------------------------------------------------------------------------------------------
  // Middleware
  // -------------------------------------------------------------------------------------------------------------

  /** Names the route for the log line and the metrics (the template, never the path). */
  const route = (template: string): RequestHandler => (req, res, next) => {
    facts(res).route = template
    spans?.open(req, res, template)
    next()
  }

  const measure: RequestHandler = (req, res, next) => {
    const started = process.hrtime.bigint()
    let recorded = false
    const record = () => {
      if (recorded) return
      recorded = true
      const elapsed = Duration.nanos(process.hrtime.bigint() - started)
      const status = res.writableFinished ? String(res.statusCode) : "aborted"
      GatewayMetrics.recordRequest(facts(res).route ?? "unmatched", req.method, status, elapsed)
    }
    res.on("finish", record)
    res.on("close", record)
    next()
  }

  const simulated: RequestHandler = (_req, res, next) => {
    res.setHeader("X-Liveness-Provider", provider.kind)
    res.setHeader("X-Liveness-Simulated", "true")
    next()
  }

  const authenticate: RequestHandler = (req, res, next) => {
    if (!keys.enabled) return next()
    const caller = keys.authenticate(req.headers.authorization)
    if (caller === undefined) {
      res.setHeader("WWW-Authenticate", "Bearer realm=\"liveness-gateway\"")
      return problemOf(
        res,
        req,
        "unauthorized",
        req.headers.authorization === undefined
          ? "Send a gateway key as Authorization: Bearer <key>."
          : "The gateway key is not valid."
      )
    }
    facts(res).caller = caller.id
    checkLocals(res).callerScope = caller.scope
    next()
  }

  /** Reads `Idempotency-Key` (a malformed one is a 400, as the draft asks) before the body is parsed. */
  const idempotencyKey: RequestHandler = (req, res, next) => {
    const parsed = IdempotencyKey.parse(req.headersDistinct["idempotency-key"])
    if (parsed._tag === "Malformed") {
      return problemOf(res, req, "invalidRequest", `The ${IdempotencyKey.HEADER} header ${parsed.message}.`, {
        errors: [{ field: IdempotencyKey.HEADER, message: parsed.message }]
      })
    }
    if (parsed._tag === "Key") checkLocals(res).idempotencyKey = parsed.key
    next()
  }

  const limit: RequestHandler = config.rateLimitPerMinute === 0
    ? (_req, _res, next) => next()
    : rateLimit({
      windowMs: 60_000,
      limit: config.rateLimitPerMinute,
      standardHeaders: "draft-8",
      legacyHeaders: false,
      identifier: "per-key",
      // The caller's key id when authentication is on; the client address otherwise.
      keyGenerator: (req, res) => facts(res).caller ?? `ip:${ipKeyGenerator(req.ip ?? "unknown")}`,
      handler: (req, res) =>
        problemOf(
          res,
          req,
          "gatewayRateLimited",
          `More than ${config.rateLimitPerMinute} requests in a minute for this caller. Retry after ${
            String(res.getHeader("Retry-After") ?? "60")
          } s.`
        ),
      logger: {
        error: (_error, message) => logger.error({ source: "express-rate-limit" }, message ?? "rate limiter error"),
        warn: (_error, message) => logger.warn({ source: "express-rate-limit" }, message ?? "rate limiter warning")
      }
    })

  const requireJson: RequestHandler = (req, res, next) => {
    if (isJson(req.headers["content-type"])) return next()
    problemOf(res, req, "unsupportedMediaType", "Send the body as application/json.")
  }

  const parseJson = express.json({ limit: config.bodyLimitBytes, strict: true, type: () => true })

  // -------------------------------------------------------------------------------------------------------------
  // The app
  // -------------------------------------------------------------------------------------------------------------

  const app = express()
  app.disable("x-powered-by")
  app.disable("etag")
  app.set("query parser", false)

  if (spans !== undefined) app.use(spans.start)
  app.use(Logging.httpLogger(logger))
  app.use(measure)
  // The gateway itself speaks plain HTTP (TLS, if any, ends in front of it): asking browsers to upgrade the /docs
  // assets to https would break the page when it is reached over http on a private address.
  app.use(helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }))
  if (provider.simulated) app.use(simulated)
  if (config.corsOrigins.length > 0) {
    app.use(cors({
      origin: [...config.corsOrigins],
      methods: ["GET", "POST"],
      allowedHeaders: ["Authorization", "Content-Type", "X-Request-Id", IdempotencyKey.HEADER],
      exposedHeaders: [
        "X-Request-Id",
        IdempotencyKey.REPLAYED_HEADER,
        "RateLimit",
        "RateLimit-Policy",
        "Retry-After",
        ATTEMPTS_HEADER,
        "X-Liveness-Provider",
        "X-Liveness-Simulated"
      ],
      maxAge: 600
    }))
  }

  const { createProcess: create, docs, docsAsset, getProcess: get, health, metrics, openapi, ready } = Routes.routes

  app.post(
    create.express,
    route(create.express),
    authenticate,
    limit,
    idempotencyKey,
    requireJson,
    parseJson,
    (req, res) => {
      const locals = checkLocals(res)
      const caller: CheckLocals = {
        callerScope: locals.callerScope ?? ApiKeys.ANONYMOUS_SCOPE,
        ...(locals.idempotencyKey === undefined ? {} : { idempotencyKey: locals.idempotencyKey })
      }
      return answerCheck(req, res, createProcess(req.body as unknown, requestIdOf(req), caller))
    }
  )

  app.get(
    get.express,
    route(get.express),
    authenticate,
    limit,
    (req, res) => answerCheck(req, res, getProcess(String(req.params.id), requestIdOf(req)))
  )

  app.get(health.express, route(health.express), (_req, res) => sendJson(res, 200, { status: "ok" }))

  app.get(ready.express, route(ready.express), async (req, res) => {
    const exit = await Runtime.runPromiseExit(runtime)(ServerSpan.within(res, probeReadiness(readyTimeout)))
    if (Exit.isSuccess(exit)) {
      return sendJson(res, 200, {
        status: "ready",
        provider: provider.kind,
        simulated: provider.simulated,
        // Degraded Redis does not fail readiness: checks go on with local limits and tokens.
        ...(provider.redis === undefined
          ? {}
          : { redis: await Runtime.runPromise(runtime)(redisReadiness(provider.redis)) })
      })
    }
    const failure = Cause.failureOption(exit.cause)
    const reason = Option.isNone(failure)
      ? "failed unexpectedly"
      : failure.value === "timeout"
      ? `did not answer within ${Duration.format(readyTimeout)}`
      : `answered ${failure.value.code}`
    logger.warn(
      {
        requestId: requestIdOf(req),
        ...ServerSpan.ids(res),
        provider: provider.kind,
        ...(Option.isSome(failure) && failure.value !== "timeout"
          ? { error: failure.value._tag, code: failure.value.code }
          : {})
      },
      Option.isSome(failure) && failure.value !== "timeout"
        ? `not ready: ${failure.value.message}`
        : `not ready: the provider ${reason}`
    )
    facts(res).error = Option.isSome(failure) && failure.value !== "timeout" ? failure.value._tag : "NotReady"
    problemOf(res, req, "notReady", `The provider (${provider.kind}) is not ready: it ${reason}.`)
  })

  app.get(
    metrics.express,
    route(metrics.express),
    async (_req, res) => send(res, 200, Prometheus.CONTENT_TYPE, await Runtime.runPromise(runtime)(metricsText))
  )

  app.get(openapi.express, route(openapi.express), (_req, res) => sendJson(res, 200, OpenApi.document))

  app.get(docs.express, route(docs.express), (_req, res) => send(res, 200, "text/html; charset=utf-8", Docs.page))

  app.get(docsAsset.express, route(docsAsset.express), (req, res, next) => {
    const file = String(req.params.file)
    if (file === "init.js") return send(res, 200, "text/javascript; charset=utf-8", Docs.init)
    if (!Docs.isAsset(file)) return problemOf(res, req, "notFound", "No such documentation asset.")
    res.sendFile(file, { root: Docs.assetsRoot, maxAge: "1h" }, (error) => {
      if (error !== undefined && !res.headersSent) next(error)
    })
  })

  // The testers' page, on a simulated provider only; where it is not served, a 404 that says why.
  const { tryPage, tryPayloads, tryScenarios, tryScript, tryStyle } = Routes.routes
  const tryRefusal = TryPage.refusal(config, provider)
  const tryServed: RequestHandler = (req, res, next) =>
    tryRefusal === undefined ? next() : problemOf(res, req, "notFound", tryRefusal)
  const tryScenariosJson = TryPage.scenarios(provider)
  app.get(
    tryPage.express,
    route(tryPage.express),
    tryServed,
    (_req, res) => send(res, 200, "text/html; charset=utf-8", TryPage.page)
  )
  app.get(
    tryScript.express,
    route(tryScript.express),
    tryServed,
    (_req, res) => send(res, 200, "text/javascript; charset=utf-8", TryPage.script)
  )
  app.get(
    tryStyle.express,
    route(tryStyle.express),
    tryServed,
    (_req, res) => send(res, 200, "text/css; charset=utf-8", TryPage.style)
  )
  app.get(
    tryScenarios.express,
    route(tryScenarios.express),
    tryServed,
    (_req, res) => sendJson(res, 200, tryScenariosJson)
  )
  app.post(
    tryPayloads.express,
    route(tryPayloads.express),
    tryServed,
    requireJson,
    parseJson,
    (req, res) =>
      Either.match(TryPage.mint(req.body as unknown), {
        onLeft: (errors) =>
          problemOf(res, req, "invalidRequest", errors.map((issue) => `${issue.field} ${issue.message}`).join("; "), {
            errors
          }),
        onRight: (minted) => sendJson(res, 200, minted)
      })
  )

  // Anything else: 404 as a problem.
  app.use((req, res) => {
    facts(res).route = "unmatched"
    problemOf(res, req, "notFound", "No such route. See /openapi.json for the routes this gateway serves.")
  })

  const errorHandler: ErrorRequestHandler = (error: unknown, req, res, _next) => {
    if (res.headersSent) {
      res.destroy()
      return
    }
    // body-parser and send errors carry `type` and `status`; nothing of the error is logged or echoed (a JSON
    // parse error quotes the body).
    const { status, type } = (typeof error === "object" && error !== null ? error : {}) as {
      type?: unknown
      status?: unknown
    }
    if (type === "entity.parse.failed") {
      return problemOf(res, req, "malformedJson", "The request body is not valid JSON.")
    }
    if (type === "entity.too.large" || status === 413) {
      return problemOf(res, req, "payloadTooLarge", `The request body is larger than ${config.bodyLimitBytes} bytes.`)
    }
    if (type === "charset.unsupported" || type === "encoding.unsupported" || status === 415) {
      return problemOf(res, req, "unsupportedMediaType", "Send the body as UTF-8 application/json, uncompressed.")
    }
    if (status === 404) {
      return problemOf(res, req, "notFound", "No such route.")
    }
    if (typeof status === "number" && status >= 400 && status < 500) {
      return problemOf(res, req, "invalidRequest", "The request could not be read.", { errors: [] })
    }
    facts(res).error = "Defect"
    logger.error(
      {
        requestId: requestIdOf(req),
        ...ServerSpan.ids(res),
        error: error instanceof Error ? error.name : typeof error,
        ...(error instanceof Error ? { message: error.message } : {})
      },
      "unexpected failure"
    )
    problemOf(
      res,
      req,
      "internal",
      "The gateway failed unexpectedly. The request id identifies the failure in the gateway's logs."
    )
  }
  app.use(errorHandler)

  return app
}
