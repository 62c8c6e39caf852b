import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import * as LogLevel from "effect/LogLevel"

/**
 * `Effect.logWithLevel(level, message)` with `annotations`, decided in `fiber`'s current step: the line's effect, or
 * `Effect.void` when the minimum log level drops it anyway, so the annotations are never applied (a per-check cost
 * on the hot path for a line nobody sees).
 */
export const lineIn = (
  fiber: Fiber.RuntimeFiber<unknown, unknown>,
  level: LogLevel.LogLevel,
  message: string,
  annotations: Record<string, unknown>
): Effect.Effect<void> =>
  LogLevel.greaterThan(fiber.getFiberRef(FiberRef.currentMinimumLogLevel), level)
    ? Effect.void
    : Effect.annotateLogs(Effect.logWithLevel(level, message), annotations)
