/**
 * The fake's scenarios: what the provider answers, expressed as Unico would answer it (an HTTP status
 * and a Unico code, or a process). The engine picks one per request from the subject's magic CPF, from
 * the `scenario` claim of a fake SDK payload, or from a script; the adapters map error answers through
 * the core's code catalogue, so the fake and the sandbox fail exactly as the real provider would.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"

/** A provider answer before the adapter maps it: a process, or an error status with a Unico code. */
export type Answer =
  | { readonly _tag: "Process"; readonly status: number; readonly liveness?: number }
  | {
    readonly _tag: "Error"
    readonly status: number
    readonly code?: string
    readonly description?: string
    readonly retryAfterSeconds?: number
  }

/** A scripted or scenario outcome: an answer, optionally after a delay. */
export interface Outcome {
  readonly answer: Answer
  /** How long the provider takes to answer (after creating the process, if it creates one). */
  readonly delay?: Duration.Duration
}

const process = (status: number, liveness?: number): Outcome => ({
  answer: liveness === undefined ? { _tag: "Process", status } : { _tag: "Process", status, liveness }
})

const error = (status: number, code?: string, description?: string, retryAfterSeconds?: number): Outcome => ({
  answer: {
    _tag: "Error",
    status,
    ...(code === undefined ? {} : { code }),
    ...(description === undefined ? {} : { description }),
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds })
  }
})

/** Outcome constructors, for scripting (`FakeProvider.enqueue`). */
export const Outcome = {
  live: process(3, 1),
  notLive: process(3, 2),
  processingError: process(5),
  canceled: process(4),
  process,
  /** A Unico error: `Outcome.error(400, "20506")`. */
  error: (status: number, code?: string, description?: string): Outcome => error(status, code, description),
  /** 429, with `Retry-After` in seconds when given. */
  rateLimited: (retryAfterSeconds?: number): Outcome => error(429, undefined, "Too Many Requests", retryAfterSeconds),
  /** A 5xx without a Unico code (default 503). */
  unavailable: (status = 503): Outcome => error(status, undefined, "Service Unavailable"),
  /** A token-endpoint style authentication failure (`Falha na autenticação <code>`). */
  authenticationFailed: (code = "1.2.5"): Outcome => error(401, code, `Falha na autenticação ${code}`),
  /** The same outcome, answered after `delay`. */
  delayed: (delay: Duration.DurationInput, outcome: Outcome): Outcome => ({ ...outcome, delay: Duration.decode(delay) })
} as const

/** Named scenarios, selectable by magic CPF or by a fake SDK payload's `scenario` claim. */
export const names = [
  "live",
  "not-live",
  "processing-error",
  "rate-limited-once",
  "unavailable-once",
  "image-too-large",
  "access-denied",
  "authentication-failed",
  "unavailable",
  "slow"
] as const
export type Name = typeof names[number]

export const isName = (value: unknown): value is Name =>
  typeof value === "string" && (names as ReadonlyArray<string>).includes(value)

/**
 * How long the `slow` scenario takes: past the per-attempt timeout of the HTTP adapter and of the fake (15 s by
 * default), and past the workflow's default 30 s deadline. With the defaults, the attempt times out first.
 */
export const SLOW_DELAY = Duration.seconds(40)

/**
 * The outcome of a scenario for the `attempt`-th request with the same capture (1 for the first).
 */
export const outcomeOf = (name: Name, attempt: number): Outcome => {
  switch (name) {
    case "live":
      return Outcome.live
    case "not-live":
      return Outcome.notLive
    case "processing-error":
      return Outcome.processingError
    case "rate-limited-once":
      return attempt === 1 ? Outcome.rateLimited(1) : Outcome.live
    case "unavailable-once":
      return attempt === 1 ? Outcome.unavailable(503) : Outcome.live
    case "image-too-large":
      return Outcome.error(400, "20506")
    case "access-denied":
      return Outcome.error(403, "30017")
    case "authentication-failed":
      return Outcome.authenticationFailed("1.2.5")
    case "unavailable":
      return Outcome.unavailable(503)
    case "slow":
      return Outcome.delayed(SLOW_DELAY, Outcome.live)
  }
}
