/**
 * Helpers shared by the Redis tests: waiting in real time for Redis, and capturing the warnings of an outage.
 */
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"

/** Collects the messages logged by `effect` and every fiber it starts. */
export const capturingLogs = (logs: Array<string>) =>
  Effect.provide(Logger.replace(Logger.defaultLogger, Logger.make(({ message }) => logs.push(String(message)))))

/** Waits in real time (Redis answers in real time, whatever the TestClock says) until `condition` holds. */
export const untilTrue = <R>(condition: Effect.Effect<boolean, never, R>): Effect.Effect<void, never, R> =>
  Effect.flatMap(condition, (holds): Effect.Effect<void, never, R> =>
    holds
      ? Effect.void
      : Effect.zipRight(
        Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 5))),
        Effect.suspend(() => untilTrue(condition))
      ))
