/**
 * Start-up and shutdown. `start` reads the gateway's configuration, builds the one ManagedRuntime over
 * `LivenessRuntime.layer` and warms it before `listen`, so bad configuration fails fast with a readable
 * message; `close` stops accepting, lets in-flight checks finish within the grace period, then disposes the
 * runtime. Tests start it in-process on port 0; `main.ts` runs it as a process.
 */
import { CaptureLedgerMemory, type Liveness, SettingError } from "@liveness/core"
import { LivenessRuntime, Telemetry } from "@liveness/runtime"
import * as Cause from "effect/Cause"
import * as ConfigError from "effect/ConfigError"
import * as ConfigProvider from "effect/ConfigProvider"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import type { Express } from "express"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import type { DestinationStream } from "pino"
import * as ApiKeys from "./ApiKeys.js"
import * as App from "./App.js"
import * as GatewayConfig from "./GatewayConfig.js"
import * as Logging from "./Logging.js"

export interface StartOptions {
  /** The environment to read (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>
  /** Where JSON log lines go (default standard output). */
  readonly logDestination?: DestinationStream
  /**
   * Replaces the provider layer (`LivenessRuntime.layer`): tests use it to make the workflow fail in ways no
   * provider can be configured to. A layer without a `CaptureLedger` gets one in memory, for `Idempotency-Key`.
   */
  readonly layer?:
    | Layer.Layer<App.Services, unknown>
    | Layer.Layer<Liveness.Liveness | LivenessRuntime.ProviderInfo, unknown>
  /** How long `/readyz` waits for the provider (default 5 s). */
  readonly readyTimeout?: Duration.DurationInput
}

export interface Gateway {
  /** `http://host:port`, with the port actually bound. */
  readonly url: string
  readonly port: number
  readonly config: GatewayConfig.GatewayConfig
  readonly provider: LivenessRuntime.Info
  readonly server: Server
  /** The Express app (its router lists the routes served). */
  readonly app: Express
  /** Stops accepting, drains in-flight checks (up to SHUTDOWN_GRACE_MS), disposes the runtime. Idempotent. */
  readonly close: () => Promise<void>
}

/** A start-up failure, with a message for people (no stack trace needed). */
export class StartupError extends Error {
  override readonly name = "StartupError"
}

/** The message of the first failure of a cause: domain errors' own messages, ConfigError's `<variable>: <problem>`. */
export const describe = (cause: Cause.Cause<unknown>): string => {
  const failure = Cause.failureOption(cause)
  const error = Option.isSome(failure) ? failure.value : Cause.squash(cause)
  if (ConfigError.isConfigError(error)) return SettingError.describe(error)
  if (error instanceof Error) return error.message
  if (typeof error === "object" && error !== null && "message" in error) return String(error.message)
  return String(error)
}

const causeOf = (error: unknown): Cause.Cause<unknown> =>
  Runtime.isFiberFailure(error) ? error[Runtime.FiberFailureCauseId] : Cause.die(error)

const listen = (server: Server, port: number, host: string) =>
  new Promise<AddressInfo>((resolve, reject) => {
    const onError = (error: Error) => reject(error)
    server.once("error", onError)
    server.listen(port, host, () => {
      server.off("error", onError)
      resolve(server.address() as AddressInfo)
    })
  })

/** `service.name` of the gateway's telemetry, unless OTEL_SERVICE_NAME says otherwise. */
export const SERVICE_NAME = "liveness-gateway"

const sleep = (millis: number) =>
  new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), millis).unref())

export const start = async (options: StartOptions = {}): Promise<Gateway> => {
  const env = options.env
  const configProvider = env === undefined
    ? ConfigProvider.fromEnv()
    : ConfigProvider.fromMap(
      new Map(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined))
    )

  const configExit = await Effect.runPromiseExit(GatewayConfig.load.pipe(Effect.withConfigProvider(configProvider)))
  if (Exit.isFailure(configExit)) throw new StartupError(describe(configExit.cause))
  const config = configExit.value

  const logger = Logging.makeLogger(config.logLevel, options.logDestination)

  // A fresh instance: the same layer inside options.layer (Liveness.layer's own ledger) would otherwise be shared
  // with this one by layer memoization, built once with whichever context came first (the default policy here, so
  // the layer's LIVENESS_LEDGER_* settings were lost).
  const fallbackLedger = Layer.fresh(CaptureLedgerMemory.layer)
  // One runtime for the life of the process: the provider, its HTTP client and token cache are built once.
  const runtime = ManagedRuntime.make(
    // The layer's own ledger, when it has one, wins over the fallback (the later layer of a merge does).
    (options.layer === undefined ? LivenessRuntime.layer : Layer.merge(fallbackLedger, options.layer)).pipe(
      // OTEL_*: traces and metrics over OTLP, nothing when unset. Below the app's layer, so its tracer is the one
      // every route and background fiber runs with; released last, so it sends what the rest ended with.
      Layer.provideMerge(Telemetry.layer({ serviceName: SERVICE_NAME })),
      Layer.provideMerge(
        Layer.merge(Logging.effectLoggerLayer(logger, config.logLevel), Layer.setConfigProvider(configProvider))
      )
    )
  )
  let provider: LivenessRuntime.Info
  let built: App.GatewayRuntime
  try {
    // Build it now: a provider that cannot be built fails here, before listen, not on the first request.
    built = await runtime.runtime()
    provider = await runtime.runPromise(LivenessRuntime.ProviderInfo)
  } catch (error) {
    await runtime.dispose()
    throw new StartupError(describe(causeOf(error)))
  }

  const keys = ApiKeys.make(config.apiKeys)
  const lifecycle: App.Lifecycle = { closing: false, inFlight: new Set() }
  const app = App.make({
    config,
    runtime: built,
    provider,
    keys,
    logger,
    lifecycle,
    ...(options.readyTimeout === undefined ? {} : { readyTimeout: options.readyTimeout })
  })
  const server = createServer(app)

  let address: AddressInfo
  try {
    address = await listen(server, config.port, config.host)
  } catch (error) {
    await runtime.dispose()
    throw new StartupError(
      `cannot listen on ${config.host}:${config.port}: ${error instanceof Error ? error.message : String(error)}`
    )
  }
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address
  const url = `http://${host}:${address.port}`

  logger.info(
    {
      url,
      provider: provider.kind,
      simulated: provider.simulated,
      auth: keys.enabled ? `${config.apiKeys.length} key(s)` : "off",
      rateLimitPerMinute: config.rateLimitPerMinute,
      bodyLimitBytes: config.bodyLimitBytes,
      ...(provider.redis === undefined
        ? {}
        : { redis: provider.redis.target, redisPrefix: provider.redis.prefix, replicas: provider.redis.replicas })
    },
    `liveness gateway listening on ${url}, provider: ${provider.description}${
      provider.redis === undefined ? "" : `, quota and token shared through ${provider.redis.target}`
    }`
  )
  if (!keys.enabled) {
    logger.warn(
      "authentication is off: GATEWAY_API_KEYS is not set, so any caller may run checks (allowed outside production only)"
    )
  }

  let closing: Promise<void> | undefined
  const close = () => {
    closing ??= (async () => {
      lifecycle.closing = true
      const inFlight = lifecycle.inFlight.size
      logger.info({ inFlight, graceMillis: config.shutdownGraceMillis }, "shutting down: no new connections")
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeIdleConnections()
      const drained = Promise.all([closed, Promise.allSettled([...lifecycle.inFlight])])
      const outcome = await Promise.race([drained.then(() => "drained" as const), sleep(config.shutdownGraceMillis)])
      if (outcome === "timeout") {
        logger.warn(
          { inFlight: lifecycle.inFlight.size },
          "grace period over: closing the remaining connections and interrupting the checks still running"
        )
        server.closeAllConnections()
      }
      await runtime.dispose()
      logger.info("stopped")
      logger.flush()
    })()
    return closing
  }

  return { url, port: address.port, config, provider, server, app, close }
}
