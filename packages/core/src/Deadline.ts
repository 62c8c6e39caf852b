/**
 * `Effect.timeoutFail` for hot paths: the same outcome (the effect's result if it completes in time; otherwise
 * the effect is interrupted, its interruption awaited, and the timeout error raised), at half the cost.
 *
 * `Effect.timeoutFail` races the effect against a sleeping fiber: two fibers forked, joined and interrupted per
 * call, which is a large share of a check against a fast provider. Here, under the live clock, the effect runs in
 * one child fiber and the timer is a plain timer. Under any other clock (TestClock in tests) it is
 * `Effect.timeoutFail` itself, so time stays under the test's control.
 *
 * It still pays with the rest of the hot path lean (a check runs it twice: the deadline and the attempt's timeout):
 * against the bench's stub at concurrency 32, a check with `Effect.timeoutFail` in its place starts 6 fibers instead of
 * 4, runs 250 operations instead of 175, allocates 168 KiB instead of 114 and costs 0.57–0.63 ms of CPU instead of
 * 0.40–0.50 (`pnpm --filter @liveness/bench profile adapter tiny32`, 2026-12-02).
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import { dual } from "effect/Function"

// Timers exist in every JavaScript runtime; the core's compiler settings declare no host (no DOM, no Node types).
declare const setTimeout: (task: () => void, millis: number) => unknown
declare const clearTimeout: (handle: unknown) => void

/** The clock every runtime starts with (the live one): one instance, shared by all default services. */
const liveClock = Effect.runSync(Effect.clock)

/** Longer timers than this never fire in JavaScript; Effect's clock treats them as infinite. */
const MAX_TIMER_MILLIS = 2 ** 31 - 1

export interface Options<E> {
  readonly duration: Duration.DurationInput
  readonly onTimeout: () => E
}

/**
 * Fails with `onTimeout()` when `self` has not completed within `duration`, after interrupting it and waiting for
 * its interruption; otherwise gives what `self` gives (its fiber refs are inherited on success, as with
 * `Effect.timeoutFail`).
 */
export const timeoutFail: {
  <E2>(options: Options<E2>): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E | E2, R>
  <A, E, R, E2>(self: Effect.Effect<A, E, R>, options: Options<E2>): Effect.Effect<A, E | E2, R>
} = dual(2, <A, E, R, E2>(self: Effect.Effect<A, E, R>, options: Options<E2>): Effect.Effect<A, E | E2, R> => {
  const millis = Duration.toMillis(options.duration)
  return Effect.flatMap(Effect.clock, (clock) => {
    if (clock !== liveClock || !(millis <= MAX_TIMER_MILLIS)) return Effect.timeoutFail(self, options)
    return Effect.fiberIdWith((parentId) =>
      Effect.uninterruptibleMask((restore) =>
        // The child succeeds with the effect's exit: a failure is this fiber's to report, not an "unhandled error"
        // of the child (which Effect would log at Debug, with the error's stack, for every failed check).
        Effect.flatMap(Effect.fork(Effect.exit(restore(self))), (fiber) =>
          // Uninterruptible wait, as Effect.timeoutFail's: an interruption of this fiber reaches the child (a
          // child of this fiber), which then completes and ends the wait.
          Effect.async<A, E | E2>((resume) => {
            let settled = false
            const timer = setTimeout(() => {
              if (settled) return
              settled = true
              resume(Effect.zipRight(Fiber.interruptAs(fiber, parentId), Effect.fail(options.onTimeout())))
            }, millis)
            fiber.addObserver((exit) => {
              if (settled) return
              settled = true
              clearTimeout(timer)
              const outcome = Exit.flatten(exit)
              resume(Exit.isSuccess(outcome) ? Effect.as(fiber.inheritAll, outcome.value) : outcome)
            })
          }))
      )
    )
  })
})
