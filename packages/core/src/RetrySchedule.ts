/**
 * The retry policy of a check as an Effect `Schedule`: a schedule decides **when** the next attempt starts (the
 * policy's own, or the default built from `maxAttempts`, `baseDelay`, `maxDelay` and `jitter`); the core alone
 * decides **whether** an error may be retried at all (its retry class and Unico's single-submission rule), and a
 * user's `retryWhile` can only narrow that. It is composed the way `@effect/platform`'s `HttpClient.retryTransient`
 * composes a user's schedule with its own `while`, so `Effect.retry` runs the loop.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import * as Schedule from "effect/Schedule"
import type { Policy } from "./CheckPolicy.js"
import type { LivenessError } from "./LivenessError.js"
import * as RetryClass from "./RetryClass.js"

/** When to retry: any schedule that takes the failure as input (its output is ignored). */
export type RetrySchedule = Schedule.Schedule<unknown, LivenessError>

/**
 * The default schedule of a policy: exponential from `baseDelay` (doubling), capped at `maxDelay`, with full jitter
 * (each delay uniform in [0, computed delay]) unless `jitter` is off, and at most `maxAttempts` attempts in all.
 */
export const exponential = (
  policy: Pick<Policy, "maxAttempts" | "baseDelay" | "maxDelay" | "jitter">
): RetrySchedule => {
  const capped = Schedule.exponential(policy.baseDelay, 2).pipe(
    Schedule.modifyDelay((_, delay) => Duration.min(delay, policy.maxDelay))
  )
  const jittered = policy.jitter
    ? Schedule.modifyDelayEffect(
      capped,
      (_, delay) => Effect.map(Random.next, (r) => Duration.millis(Math.floor(r * Duration.toMillis(delay))))
    )
    : capped
  return Schedule.intersect(jittered, Schedule.recurs(policy.maxAttempts - 1))
}

/** What the core knows about a check's attempts so far, read by the schedule (one per check). */
export interface Attempts {
  /** Attempts started (the first included), whether or not they reached the provider request. */
  started: number
  /** The number of the last attempt that reached the provider request (it held a quota permit); 0 for none. */
  lastSent: number
  /** Refused access tokens seen: the first is renewed and retried, a second is final. */
  tokenRefusals: number
}

export interface Options {
  readonly policy: Policy
  /** Whether an ambiguous failure (may have been processed) may be sent again for this request. */
  readonly replaySafe: boolean
  /** When the check started (the one deadline counts from here). */
  readonly startedAt: number
  readonly attempts: Attempts
  /** Called once per retry that will happen, with its class and delay (metrics and logs). */
  readonly onRetry: (
    error: LivenessError,
    retryClass: RetryClass.RetryClass,
    delay: Duration.Duration
  ) => Effect.Effect<void>
}

/** Whether the core allows `error` to be retried at all; a user's predicate may only narrow this. */
const mayRetry = (error: LivenessError, options: Options): boolean => {
  switch (RetryClass.of(error)) {
    case "safe":
      return true
    case "ambiguous":
      return options.replaySafe
    case "reauthenticate":
      return options.attempts.tokenRefusals <= 1
    case "never":
      return false
  }
}

/**
 * The delay the provider asks for wins over a shorter one: `Retry-After` on a 429 is a floor. A refused access
 * token is renewed and sent again at once (nothing to wait for).
 */
const adjustDelay = (error: LivenessError, delay: Duration.Duration): Duration.Duration => {
  if (RetryClass.of(error) === "reauthenticate") return Duration.zero
  if (error._tag === "RateLimited" && error.retryAfterMillis !== undefined) {
    return Duration.max(Duration.millis(error.retryAfterMillis), delay)
  }
  return delay
}

/** The schedule `Effect.retry` runs for one check: the policy's "when", under the core's "whether". */
export const forCheck = (options: Options): Schedule.Schedule<unknown, LivenessError> => {
  const { policy } = options
  const deadlineMillis = Duration.toMillis(policy.deadline)
  const when = policy.schedule ?? exponential(policy)
  const retryWhile = policy.retryWhile
  return when.pipe(
    Schedule.whileInput((error: LivenessError) =>
      mayRetry(error, options) && (retryWhile === undefined || retryWhile(error))
    ),
    // Pair the output with the failure, so the delay can follow what the provider said.
    Schedule.intersect(Schedule.identity<LivenessError>()),
    Schedule.modifyDelay(([, error], delay) => adjustDelay(error, delay)),
    Schedule.delays,
    Schedule.intersect(Schedule.identity<LivenessError>()),
    // Waiting past the deadline cannot succeed: give the caller the real reason now.
    Schedule.checkEffect((_, [delay, error]) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        if (now - options.startedAt + Duration.toMillis(delay) >= deadlineMillis) return Effect.succeed(false)
        return Effect.as(options.onRetry(error, RetryClass.of(error), delay), true)
      })
    )
  )
}
