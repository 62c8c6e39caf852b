/**
 * Every error the gateway answers, as `application/problem+json` (RFC 9457). One table drives the
 * responses, the OpenAPI document and the README, so they cannot disagree.
 */
import { FieldIssue, type LivenessError, PayloadRejectionReason } from "@liveness/core"
import * as Schema from "effect/Schema"

export const PROBLEM_BASE = "https://liveness.dev/problems/"

export const CONTENT_TYPE = "application/problem+json"

export interface ProblemType {
  /** The last part of the `type` URI. */
  readonly slug: string
  readonly status: number
  /** The `code` field: the core's error code for provider errors, the gateway's own otherwise. */
  readonly code: string
  readonly title: string
  /** When it happens, for the README and the OpenAPI document. */
  readonly when: string
}

const row = (slug: string, status: number, code: string, title: string, when: string): ProblemType => ({
  slug,
  status,
  code,
  title,
  when
})

/** The table, by key. */
export const types = {
  invalidRequest: row(
    "invalid-request",
    400,
    "invalid_request",
    "Invalid request",
    "The body (or the process id, or the `Idempotency-Key` header) failed validation: `errors` lists each field and what is wrong. Also used when Unico refuses a field (`providerCode`)."
  ),
  malformedJson: row("malformed-json", 400, "malformed_json", "Malformed JSON", "The body is not valid JSON."),
  unauthorized: row(
    "unauthorized",
    401,
    "unauthorized",
    "Missing or invalid gateway key",
    "No `Authorization: Bearer <key>` header, or a key that is not in `GATEWAY_API_KEYS`."
  ),
  processNotFound: row(
    "process-not-found",
    404,
    "process_not_found",
    "Process not found",
    "`GET /processes/v1/{id}`: no process with that id (or it is gone)."
  ),
  notFound: row("not-found", 404, "not_found", "Not found", "No such route."),
  payloadTooLarge: row(
    "payload-too-large",
    413,
    "payload_too_large",
    "Payload too large",
    "The body is larger than `BODY_LIMIT`."
  ),
  unsupportedMediaType: row(
    "unsupported-media-type",
    415,
    "unsupported_media_type",
    "Unsupported media type",
    "The body is not `application/json` (or its charset or encoding is not supported)."
  ),
  payloadRejected: row(
    "payload-rejected",
    422,
    "payload_rejected",
    "Selfie payload rejected",
    "The provider refused the selfie: format, size, resolution, unreadable image, expired or reused SDK payload (`reason`, `providerCode`). Ask for a new capture."
  ),
  idempotencyKeyReused: row(
    "idempotency-key-reused",
    422,
    "idempotency_key_reused",
    "Idempotency key reused",
    "`POST /processes/v1`: this caller sent the same `Idempotency-Key` earlier with another body (a key is bound to its first body for the capture ledger's retention). Send a new key with a new request."
  ),
  rateLimited: row(
    "rate-limited",
    429,
    "rate_limited",
    "Provider rate limit reached",
    "The tenant's quota at the provider is exhausted after the gateway's retries. `Retry-After` gives the seconds to wait."
  ),
  gatewayRateLimited: row(
    "gateway-rate-limited",
    429,
    "gateway_rate_limited",
    "Gateway rate limit reached",
    "This caller key sent more than `GATEWAY_RATE_LIMIT` requests in a minute. `Retry-After` and the `RateLimit` headers say when to come back."
  ),
  internal: row(
    "internal",
    500,
    "internal_error",
    "Internal error",
    "A bug in the gateway. Nothing about it is sent back."
  ),
  authenticationFailed: row(
    "provider-authentication-failed",
    502,
    "authentication_failed",
    "Provider refused the gateway's credentials",
    "Unico refused the gateway's own credentials (token endpoint, `1.x.x` codes). Not the caller's fault: the gateway logs the Unico code and a hint for operators."
  ),
  accessDenied: row(
    "provider-access-denied",
    502,
    "access_denied",
    "Provider denied the gateway access",
    "Unico refused the gateway's API key (for instance 30017: no Liveness capability). Not the caller's fault: logged for operators."
  ),
  outcomeUnknown: row(
    "outcome-unknown",
    502,
    "outcome_unknown",
    "Outcome unknown",
    "The provider may have processed the capture but its answer was lost. Ask the user for a new capture."
  ),
  unexpectedResponse: row(
    "unexpected-response",
    502,
    "unexpected_response",
    "Unexpected provider response",
    "The provider answered something the gateway could not read."
  ),
  providerUnavailable: row(
    "provider-unavailable",
    503,
    "provider_unavailable",
    "Provider unavailable",
    "The provider failed or could not be reached, after the retries that were safe. `mayHaveBeenProcessed` says whether the capture may have been billed: `true` after a 500, 502 or 504 or a request left unanswered, which the gateway cannot tell from a processed one (nothing is then sent again: an SDK payload becomes `outcome-unknown`); `false` when nothing was sent, on a 503 (not handled) or when Unico's code says nothing was processed (20502)."
  ),
  notReady: row(
    "not-ready",
    503,
    "not_ready",
    "Not ready",
    "`GET /readyz`: the provider cannot answer now (no token could be minted, or it is unreachable)."
  ),
  deadlineExceeded: row(
    "deadline-exceeded",
    504,
    "deadline_exceeded",
    "Deadline exceeded",
    "The check did not finish within the deadline (`LIVENESS_DEADLINE_MS`, 30 s by default). If a request had been sent, its outcome is unknown."
  )
} as const satisfies Record<string, ProblemType>

export type ProblemKey = keyof typeof types

/** The table in a stable order (by status, then slug). */
export const all: ReadonlyArray<ProblemType> = Object.values(types).slice().sort((a, b) =>
  a.status - b.status || a.slug.localeCompare(b.slug)
)

export const uri = (type: ProblemType) => `${PROBLEM_BASE}${type.slug}`

/**
 * The body of every problem, for the OpenAPI document: the table's URIs and codes, the core's field issues and
 * rejection reasons (a test holds the bodies `make` and `fromLivenessError` build to it).
 */
export const Body = Schema.Struct({
  type: Schema.Literal(...all.map(uri)).annotations({ jsonSchema: { format: "uri" } }),
  title: Schema.String,
  status: Schema.propertySignature(Schema.Int).annotations({ description: "The response's HTTP status." }),
  detail: Schema.String,
  code: Schema.Literal(...new Set(all.map((type) => type.code))),
  requestId: Schema.String,
  providerCode: Schema.optionalWith(Schema.String, { exact: true }).annotations({
    description: "Unico's code, when it gave one (e.g. 20506, 1.2.5)."
  }),
  errors: Schema.optionalWith(Schema.Array(FieldIssue), { exact: true }).annotations({
    description: "`invalid-request`: each field and what is wrong with it (the core's `InvalidRequest.errors`)."
  }),
  reason: Schema.optionalWith(PayloadRejectionReason, { exact: true }).annotations({
    description: "`payload-rejected`: why the provider refused the selfie."
  }),
  mayHaveBeenProcessed: Schema.optionalWith(Schema.Boolean, { exact: true }).annotations({
    description: "`provider-unavailable`: whether the capture may have reached the provider."
  }),
  retryAfterSeconds: Schema.optionalWith(Schema.Int, { exact: true }).annotations({
    description: "`rate-limited`: as in `Retry-After`."
  })
}).annotations({ identifier: "Problem", description: "RFC 9457 problem details." })

export interface Problem {
  readonly type: string
  readonly title: string
  readonly status: number
  readonly detail: string
  readonly code: string
  readonly requestId: string
  readonly providerCode?: string
  readonly [extension: string]: unknown
}

/** A problem body of a type. */
export const make = (
  type: ProblemType,
  requestId: string,
  detail: string,
  extensions: Record<string, unknown> = {}
): Problem => ({
  type: uri(type),
  title: type.title,
  status: type.status,
  detail,
  code: type.code,
  requestId,
  ...extensions
})

/** What the gateway does with a domain error: the body, extra headers, and a log for operators if needed. */
export interface Mapped {
  readonly problem: Problem
  readonly headers: Record<string, string>
  /** An error-level server-side log (our own credentials refused): never shown to the caller. */
  readonly operatorLog?: { readonly message: string; readonly providerCode: string | undefined }
}

const providerCode = (code: string | undefined) => code === undefined ? {} : { providerCode: code }

/** Maps each error of the core's union; the switch is exhaustive, so a new error fails to compile here. */
export const fromLivenessError = (error: LivenessError, requestId: string): Mapped => {
  switch (error._tag) {
    case "InvalidRequest":
      return {
        problem: make(types.invalidRequest, requestId, error.message, {
          ...providerCode(error.providerCode),
          errors: error.errors.map((issue) => ({ field: issue.field, message: issue.message }))
        }),
        headers: {}
      }
    case "PayloadRejected":
      return {
        problem: make(types.payloadRejected, requestId, error.message, {
          providerCode: error.providerCode,
          reason: error.reason
        }),
        headers: {}
      }
    case "AuthenticationFailed":
      return {
        problem: make(
          types.authenticationFailed,
          requestId,
          "The provider refused the gateway's own credentials. This is not a problem with the request; operators have been alerted.",
          providerCode(error.providerCode)
        ),
        headers: {},
        operatorLog: { message: error.message, providerCode: error.providerCode }
      }
    case "AccessDenied":
      return {
        problem: make(
          types.accessDenied,
          requestId,
          "The provider denied the gateway access. This is not a problem with the request; operators have been alerted.",
          providerCode(error.providerCode)
        ),
        headers: {},
        operatorLog: {
          message: `${error.message}. Hint: the gateway's UNICO_API_KEY must have the Liveness capability`,
          providerCode: error.providerCode
        }
      }
    case "RateLimited": {
      const seconds = error.retryAfterSeconds ?? 1
      return {
        problem: make(types.rateLimited, requestId, error.message, { retryAfterSeconds: seconds }),
        headers: { "Retry-After": String(seconds) }
      }
    }
    case "ProviderUnavailable":
      return {
        problem: make(types.providerUnavailable, requestId, error.message, {
          ...providerCode(error.providerCode),
          mayHaveBeenProcessed: error.mayHaveBeenProcessed
        }),
        headers: {}
      }
    case "OutcomeUnknown":
      return { problem: make(types.outcomeUnknown, requestId, error.message), headers: {} }
    case "DeadlineExceeded":
      return { problem: make(types.deadlineExceeded, requestId, error.message), headers: {} }
    case "ProcessNotFound":
      return { problem: make(types.processNotFound, requestId, error.message), headers: {} }
    case "UnexpectedResponse":
      return {
        problem: make(types.unexpectedResponse, requestId, error.message, providerCode(error.providerCode)),
        headers: {}
      }
  }
}

/** The problem types a domain error can map to (for the OpenAPI document). */
export const livenessErrorTypes: ReadonlyArray<ProblemType> = [
  types.invalidRequest,
  types.payloadRejected,
  types.authenticationFailed,
  types.accessDenied,
  types.rateLimited,
  types.providerUnavailable,
  types.outcomeUnknown,
  types.deadlineExceeded,
  types.processNotFound,
  types.unexpectedResponse
]
