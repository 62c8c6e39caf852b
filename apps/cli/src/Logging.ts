/**
 * Logs go to standard error, so standard output holds only results (scripts parse it), at the level
 * named by LIVENESS_LOG_LEVEL (any case: `warning`, `Warning`, `WARNING`; default Warning, so a person sees
 * only what needs attention). A line written inside an exported span (OTEL_* set) carries `trace_id` and `span_id`.
 */
import { Telemetry } from "@liveness/runtime"
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"

/** By name (`warning`) or label (`WARN`), in any case. */
const levelOf = (name: string) =>
  LogLevel.allLevels.find((level) =>
    [level._tag, level.label].some((known) => known.toLowerCase() === name.toLowerCase())
  )

export const level = Config.string("LIVENESS_LOG_LEVEL").pipe(
  Config.withDefault("warning"),
  Config.mapOrFail((name) => {
    const found = levelOf(name.trim())
    return found === undefined
      ? Either.left(
        ConfigError.InvalidData(
          ["LIVENESS_LOG_LEVEL"],
          `must be one of ${LogLevel.allLevels.map((level) => level._tag.toLowerCase()).join(", ")}`
        )
      )
      : Either.right(found)
  })
)

export const layer = Layer.unwrapEffect(
  Effect.map(level, (minimum) =>
    Layer.merge(
      // With traces exported (OTEL_*), a line written during a traced command carries trace_id and span_id.
      Logger.replace(Logger.defaultLogger, Logger.withConsoleError(Telemetry.withTraceIds(Logger.logfmtLogger))),
      Logger.minimumLogLevel(minimum)
    ))
)
