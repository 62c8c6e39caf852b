/**
 * The one error channel of a liveness check. Every error has a stable `code` (for programs) and a
 * human `message` (for people); none carries the selfie payload, the subject or a credential.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/** One field-level problem found by local validation (or reported by the provider). */
export const FieldIssue = Schema.Struct({
  field: Schema.String,
  message: Schema.String
})
export type FieldIssue = typeof FieldIssue.Type

/** Why the provider refused a selfie payload. */
export const PayloadRejectionReason = Schema.Literal(
  "format",
  "size",
  "resolution",
  "invalid-image",
  "expired",
  "reused",
  "security-bundle"
)
export type PayloadRejectionReason = typeof PayloadRejectionReason.Type

/**
 * The input failed validation, locally (before any call to the provider) or at the provider (which then
 * gives a `providerCode`). `errors` lists every problem with its field: the same name and shape as the gateway's
 * `invalid-request` problem body (RFC 9457's `errors`).
 */
export class InvalidRequest extends Schema.TaggedError<InvalidRequest>()("InvalidRequest", {
  errors: Schema.Array(FieldIssue),
  providerCode: Schema.optional(Schema.String)
}) {
  get code() {
    return "invalid_request" as const
  }
  /** @deprecated The field is `errors`; `issues` is kept so code written against the old name still compiles. */
  get issues(): ReadonlyArray<FieldIssue> {
    return this.errors
  }
  override get message() {
    const list = this.errors.map((issue) => `${issue.field}: ${issue.message}`).join("; ")
    return `Invalid request: ${list}`
  }
}

/** The provider refused the selfie (format, size, resolution, expired or reused SDK payload, …). */
export class PayloadRejected extends Schema.TaggedError<PayloadRejected>()("PayloadRejected", {
  reason: PayloadRejectionReason,
  providerCode: Schema.String,
  detail: Schema.String
}) {
  get code() {
    return "payload_rejected" as const
  }
  override get message() {
    return `The provider rejected the selfie payload (${this.reason}, Unico ${this.providerCode}): ${this.detail}`
  }
}

/**
 * Our credentials were refused: the token endpoint refused the assertion (`stage: "token"`, with a `1.x.x`
 * code), or the API refused the access token or its absence (`stage: "api"`).
 * `tokenRejected` means the API refused a token we hold: dropping it and minting a new one may help once.
 */
export class AuthenticationFailed extends Schema.TaggedError<AuthenticationFailed>()("AuthenticationFailed", {
  stage: Schema.Literal("token", "api"),
  providerCode: Schema.optional(Schema.String),
  tokenRejected: Schema.Boolean,
  detail: Schema.String,
  hint: Schema.optional(Schema.String)
}) {
  get code() {
    return "authentication_failed" as const
  }
  override get message() {
    const code = this.providerCode === undefined ? "" : ` (Unico ${this.providerCode})`
    const hint = this.hint === undefined ? "" : ` Hint: ${this.hint}`
    return `Authentication with the provider failed at the ${this.stage} stage${code}: ${this.detail}.${hint}`
  }
}

/** The API key is unknown or lacks the Liveness capability (HTTP 403). */
export class AccessDenied extends Schema.TaggedError<AccessDenied>()("AccessDenied", {
  providerCode: Schema.optional(Schema.String),
  detail: Schema.String
}) {
  get code() {
    return "access_denied" as const
  }
  override get message() {
    const code = this.providerCode === undefined ? "" : ` (Unico ${this.providerCode})`
    return `The provider denied access${code}: ${this.detail}`
  }
}

/** The tenant's quota is exhausted (HTTP 429). `retryAfterMillis` comes from `Retry-After` when given. */
export class RateLimited extends Schema.TaggedError<RateLimited>()("RateLimited", {
  retryAfterMillis: Schema.optional(Schema.Number)
}) {
  get code() {
    return "rate_limited" as const
  }
  /** The wait in whole seconds (rounded up, at least 1), as a `Retry-After` header says it; undefined when not given. */
  get retryAfterSeconds(): number | undefined {
    return this.retryAfterMillis === undefined ? undefined : Math.max(1, Math.ceil(this.retryAfterMillis / 1000))
  }
  override get message() {
    const after = this.retryAfterSeconds === undefined ? "" : ` Retry after ${this.retryAfterSeconds} s.`
    return `The provider's rate limit for this tenant was reached.${after}`
  }
}

/**
 * The provider failed or could not be reached. `mayHaveBeenProcessed` says whether the request could have
 * reached the provider (a 5xx, or a reset/timeout after it was sent): retrying such a request can bill twice.
 * `transient: false` marks failures that a retry will not fix (provider-side configuration).
 */
export class ProviderUnavailable extends Schema.TaggedError<ProviderUnavailable>()("ProviderUnavailable", {
  mayHaveBeenProcessed: Schema.Boolean,
  transient: Schema.Boolean,
  status: Schema.optional(Schema.Number),
  providerCode: Schema.optional(Schema.String),
  detail: Schema.String
}) {
  get code() {
    return "provider_unavailable" as const
  }
  override get message() {
    const status = this.status === undefined ?
      "" :
      ` (HTTP ${this.status}${this.providerCode === undefined ? "" : `, Unico ${this.providerCode}`})`
    const processed = this.mayHaveBeenProcessed
      ? " The request may have been processed."
      : " The request was not processed."
    return `The provider is unavailable${status}: ${this.detail}.${processed}`
  }
}

/**
 * The provider may have processed the capture but its answer was lost: the result cannot be known.
 * Ask the user for a new capture.
 */
export class OutcomeUnknown extends Schema.TaggedError<OutcomeUnknown>()("OutcomeUnknown", {
  attempts: Schema.Number,
  detail: Schema.String
}) {
  get code() {
    return "outcome_unknown" as const
  }
  override get message() {
    return `The outcome of the check is unknown after ${this.attempts} attempt(s): ${this.detail}. Ask for a new capture.`
  }
}

/** The whole check (token, rate-limit wait and every attempt) ran past its deadline. */
export class DeadlineExceeded extends Schema.TaggedError<DeadlineExceeded>()("DeadlineExceeded", {
  deadlineMillis: Schema.Number,
  attempts: Schema.Number
}) {
  get code() {
    return "deadline_exceeded" as const
  }
  override get message() {
    const processed = this.attempts > 0 ? " A request had been sent: its outcome is unknown." : ""
    return `The check did not finish within ${this.deadlineMillis} ms (${this.attempts} attempt(s)).${processed}`
  }
}

/** No process with that id exists for this tenant (404), or it is gone (410). */
export class ProcessNotFound extends Schema.TaggedError<ProcessNotFound>()("ProcessNotFound", {
  processId: Schema.String,
  gone: Schema.Boolean
}) {
  get code() {
    return "process_not_found" as const
  }
  override get message() {
    return this.gone
      ? `Process ${this.processId} is gone (it ended in error or was deleted by retention).`
      : `Process ${this.processId} was not found.`
  }
}

/** The provider answered something we could not understand. */
export class UnexpectedResponse extends Schema.TaggedError<UnexpectedResponse>()("UnexpectedResponse", {
  status: Schema.optional(Schema.Number),
  providerCode: Schema.optional(Schema.String),
  detail: Schema.String
}) {
  get code() {
    return "unexpected_response" as const
  }
  override get message() {
    const status = this.status === undefined ? "" : ` (HTTP ${this.status})`
    return `The provider sent an unexpected response${status}: ${this.detail}`
  }
}

/** Every error a liveness check can fail with, as a schema (for serialisation) and as a type. */
export const LivenessError = Schema.Union(
  InvalidRequest,
  PayloadRejected,
  AuthenticationFailed,
  AccessDenied,
  RateLimited,
  ProviderUnavailable,
  OutcomeUnknown,
  DeadlineExceeded,
  ProcessNotFound,
  UnexpectedResponse
)
export type LivenessError = typeof LivenessError.Type

/** The stable machine-readable codes, one per error. */
export type LivenessErrorCode = LivenessError["code"]
