import { describe, expect, it } from "@effect/vitest"
import { Deadline } from "@liveness/core"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as TestClock from "effect/TestClock"

const timedOut = () => "timed out" as const

describe("Deadline.timeoutFail", () => {
  describe("under the live clock (its own timer)", () => {
    it.live("gives the effect's value when it completes in time", () =>
      Effect.gen(function*() {
        const value = yield* Effect.sleep("5 millis").pipe(
          Effect.as(42),
          Deadline.timeoutFail({ duration: "1 second", onTimeout: timedOut })
        )
        expect(value).toBe(42)
      }))

    it.live("passes the effect's failure through", () =>
      Effect.gen(function*() {
        const exit = yield* Effect.fail("boom" as const).pipe(
          Deadline.timeoutFail({ duration: "1 second", onTimeout: timedOut }),
          Effect.exit
        )
        expect(exit).toStrictEqual(Exit.fail("boom"))
      }))

    it.live("fails with onTimeout once the effect has been interrupted (its finalizer has run)", () =>
      Effect.gen(function*() {
        let finalized = false
        const started = Date.now()
        const error = yield* Effect.never.pipe(
          Effect.onInterrupt(() => Effect.sync(() => (finalized = true))),
          Deadline.timeoutFail({ duration: "30 millis", onTimeout: timedOut }),
          Effect.flip
        )
        expect(error).toBe("timed out")
        expect(finalized).toBe(true)
        expect(Date.now() - started).toBeGreaterThanOrEqual(25)
      }))

    it.live("an interruption from outside reaches the effect", () =>
      Effect.gen(function*() {
        const started = yield* Deferred.make<void>()
        const interrupted = yield* Deferred.make<void>()
        const fiber = yield* Deferred.succeed(started, undefined).pipe(
          Effect.zipRight(Effect.never),
          Effect.onInterrupt(() => Deferred.succeed(interrupted, undefined)),
          Deadline.timeoutFail({ duration: "10 seconds", onTimeout: timedOut }),
          Effect.fork
        )
        yield* Deferred.await(started)
        const exit = yield* Fiber.interrupt(fiber)
        expect(Exit.isInterrupted(exit)).toBe(true)
        expect(yield* Deferred.isDone(interrupted)).toBe(true)
      }))

    it.live("a failure is passed through without a log line, even at the lowest level", () =>
      Effect.gen(function*() {
        const lines: Array<string> = []
        const exit = yield* Effect.fail("boom" as const).pipe(
          Deadline.timeoutFail({ duration: "1 second", onTimeout: timedOut }),
          Effect.exit,
          Effect.provide(
            Logger.replace(Logger.defaultLogger, Logger.make(({ message }) => lines.push(String(message))))
          ),
          Logger.withMinimumLogLevel(LogLevel.All)
        )
        expect(exit).toStrictEqual(Exit.fail("boom"))
        // Not Effect's "Fiber terminated with an unhandled error" for the timer's child fiber.
        expect(lines).toEqual([])
      }))

    it.live("the effect's fiber refs are kept on success", () =>
      Effect.gen(function*() {
        const ref = FiberRef.unsafeMake(0)
        yield* FiberRef.set(ref, 1).pipe(Deadline.timeoutFail({ duration: "1 second", onTimeout: timedOut }))
        expect(yield* FiberRef.get(ref)).toBe(1)
      }))
  })

  it.effect("under the test clock, time is the test's (Effect.timeoutFail)", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.never.pipe(
        Deadline.timeoutFail({ duration: "10 seconds", onTimeout: timedOut }),
        Effect.flip,
        Effect.fork
      )
      yield* TestClock.adjust("9 seconds")
      expect(fiber.unsafePoll()).toBeNull()
      yield* TestClock.adjust("1 second")
      expect(yield* Fiber.join(fiber)).toBe("timed out")
    }))
})
