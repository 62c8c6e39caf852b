/**
 * The tunables of the check workflow, in one place, with the defaults of docs/architecture.md: exponential
 * backoff from 200 ms with full jitter, capped at 5 s, at most 5 attempts, one 30 s deadline over the whole
 * check, and a tenant quota of 10 requests per second.
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Layer from "effect/Layer"
import type { LivenessError } from "./LivenessError.js"
import type { RetrySchedule } from "./RetrySchedule.js"

export interface RateLimit {
  /** Requests allowed per `interval` (the tenant's quota; Unico's default is 10 per second). */
  readonly limit: number
  readonly interval: Duration.Duration
}

/** How long and how many outcomes the capture ledger keeps (see CaptureLedger). */
export interface LedgerOptions {
  /**
   * How long an outcome is kept after its check ended. The default, 15 minutes, covers an SDK payload's whole life
   * (10 minutes from the capture) plus the deadline of a check sent at its end, with room for the capturing device's
   * clock to run behind ours: within it, a repeated capture gets its outcome instead of a second submission.
   */
  readonly retention: Duration.Duration
  /** Outcomes kept at most by the in-memory ledger; the oldest go first (about 400 bytes each: see the README). */
  readonly maxEntries: number
}

export interface Policy {
  /**
   * When to retry, as your own Effect `Schedule` (it receives the failure). Unset: exponential from `baseDelay`,
   * capped at `maxDelay`, with full jitter, `maxAttempts` in all (`RetrySchedule.exponential`). Whatever it says,
   * the core decides whether a failure may be retried at all, a 429's `Retry-After` is a floor for the delay, and
   * no retry starts past the deadline.
   */
  readonly schedule?: RetrySchedule | undefined
  /**
   * Narrows which failures are retried: return false to give up on a failure the core would retry. It cannot
   * widen the core's rule (a failure the core does not retry is never retried).
   */
  readonly retryWhile?: ((error: LivenessError) => boolean) | undefined
  /** Attempts at the provider, the first included (the default schedule's). */
  readonly maxAttempts: number
  /** First backoff delay of the default schedule; it doubles per attempt. */
  readonly baseDelay: Duration.Duration
  /** Largest backoff delay. */
  readonly maxDelay: Duration.Duration
  /** Full jitter: each delay is uniform in [0, computed delay]. Off only for deterministic tests. */
  readonly jitter: boolean
  /** One deadline over the whole check: rate-limit wait, token, every attempt and every delay. */
  readonly deadline: Duration.Duration
  /** The tenant quota applied to every provider request, or `undefined` for none. */
  readonly rateLimit: RateLimit | undefined
  /**
   * Send an SDK payload again after an attempt that may have reached Unico (a 500, a reset or a timeout after
   * the request was written). Off by default, and off is Unico's rule: "The JWT must be submitted only once. If
   * an error occurs during submission, a new biometric capture must be performed — do not reuse the same JWT."
   * On, the replay is refused as reused (10508) when the first attempt landed, which ends in OutcomeUnknown, and
   * Unico sees the same capture twice, which is what replay fraud looks like to it.
   */
  readonly replayAmbiguous: boolean
  /** The capture ledger's retention and bound. */
  readonly ledger: LedgerOptions
}

export const defaults: Policy = {
  maxAttempts: 5,
  baseDelay: Duration.millis(200),
  maxDelay: Duration.seconds(5),
  jitter: true,
  deadline: Duration.seconds(30),
  rateLimit: { limit: 10, interval: Duration.seconds(1) },
  replayAmbiguous: false,
  ledger: { retention: Duration.minutes(15), maxEntries: 100_000 }
}

export class CheckPolicy extends Context.Reference<CheckPolicy>()("@liveness/core/CheckPolicy", {
  defaultValue: () => defaults
}) {}

/** Overrides some of the defaults. */
export const layer = (overrides: Partial<Policy>): Layer.Layer<CheckPolicy> =>
  Layer.succeed(CheckPolicy, { ...defaults, ...overrides })

const positiveInt = (name: string) =>
  Config.integer(name).pipe(
    Config.validate({ message: "must be a whole number of at least 1", validation: (n) => n >= 1 })
  )

const nonNegativeInt = (name: string) =>
  Config.integer(name).pipe(
    Config.validate({ message: "must be a whole number of at least 0", validation: (n) => n >= 0 })
  )

/** Milliseconds as a Duration, the default when unset. */
const millisOr = (name: string, fallback: Duration.Duration) =>
  positiveInt(name).pipe(Config.map(Duration.millis), Config.withDefault(fallback))

/**
 * The policy from the environment: `LIVENESS_MAX_ATTEMPTS`, `LIVENESS_BASE_DELAY_MS`, `LIVENESS_MAX_DELAY_MS`,
 * `LIVENESS_DEADLINE_MS`, `LIVENESS_RATE_LIMIT` (requests per second, 0 for none), `LIVENESS_REPLAY_AMBIGUOUS`
 * (`true` to replay SDK payloads after an ambiguous failure; see `Policy.replayAmbiguous`),
 * `LIVENESS_LEDGER_RETENTION_MS` and `LIVENESS_LEDGER_MAX_ENTRIES` (the capture ledger's bounds). Unset values keep
 * the defaults; a value out of range is a ConfigError whose path is its variable.
 */
export const config: Config.Config<Policy> = Config.all({
  maxAttempts: positiveInt("LIVENESS_MAX_ATTEMPTS").pipe(Config.withDefault(defaults.maxAttempts)),
  baseDelay: millisOr("LIVENESS_BASE_DELAY_MS", defaults.baseDelay),
  maxDelay: millisOr("LIVENESS_MAX_DELAY_MS", defaults.maxDelay),
  jitter: Config.succeed(defaults.jitter),
  deadline: millisOr("LIVENESS_DEADLINE_MS", defaults.deadline),
  rateLimit: nonNegativeInt("LIVENESS_RATE_LIMIT").pipe(
    Config.map((limit): RateLimit | undefined => limit === 0 ? undefined : { limit, interval: Duration.seconds(1) }),
    Config.withDefault(defaults.rateLimit)
  ),
  replayAmbiguous: Config.boolean("LIVENESS_REPLAY_AMBIGUOUS").pipe(Config.withDefault(defaults.replayAmbiguous)),
  ledger: Config.all({
    retention: millisOr("LIVENESS_LEDGER_RETENTION_MS", defaults.ledger.retention),
    maxEntries: positiveInt("LIVENESS_LEDGER_MAX_ENTRIES").pipe(Config.withDefault(defaults.ledger.maxEntries))
  })
})

/** The policy from the environment (`config`). */
export const layerConfig: Layer.Layer<CheckPolicy, ConfigError.ConfigError> = Layer.effect(CheckPolicy, config)
