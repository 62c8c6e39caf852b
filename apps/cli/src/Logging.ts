/**
 * Logs go to standard error, so standard output holds only results (scripts parse it), at the level
 * named by LIVENESS_LOG_LEVEL (default Warning: a person sees only what needs attention).
 */
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"

export const layer = Layer.unwrapEffect(
  Effect.gen(function*() {
    const level = yield* Config.logLevel("LIVENESS_LOG_LEVEL").pipe(Config.withDefault(LogLevel.Warning))
    return Layer.merge(
      Logger.replace(Logger.defaultLogger, Logger.withConsoleError(Logger.prettyLogger({ colors: false }))),
      Logger.minimumLogLevel(level)
    )
  }).pipe(Effect.orDie)
)
