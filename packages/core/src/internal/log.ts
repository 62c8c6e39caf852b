import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as LogLevel from "effect/LogLevel"

/**
 * `Effect.logWithLevel(level, message)` with `annotations`, or nothing at all when the minimum log level drops the
 * line anyway: the annotations are then never applied (a per-check cost on the hot path for a line nobody sees).
 */
export const annotated = (
  level: LogLevel.LogLevel,
  message: string,
  annotations: Record<string, unknown>
): Effect.Effect<void> =>
  Effect.withFiberRuntime((fiber) =>
    LogLevel.greaterThan(fiber.getFiberRef(FiberRef.currentMinimumLogLevel), level)
      ? Effect.void
      : Effect.annotateLogs(Effect.logWithLevel(level, message), annotations)
  )
