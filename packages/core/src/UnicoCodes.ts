/**
 * The catalogue of every documented Unico error code (docs/unico-contract.md, Authentication and Errors) and the one
 * function that turns a provider answer into a domain error. Adapters (HTTP and fake) call `toError`;
 * nobody else maps codes, so the two cannot drift apart.
 *
 * @since 0.1.0
 */
import * as Option from "effect/Option"
import {
  AccessDenied,
  AuthenticationFailed,
  InvalidRequest,
  type LivenessError,
  PayloadRejected,
  type PayloadRejectionReason,
  ProcessNotFound,
  ProviderUnavailable,
  RateLimited,
  UnexpectedResponse
} from "./LivenessError.js"
import type { RetryClass } from "./RetryClass.js"

/** What a catalogue row turns into. */
export type Mapping =
  | { readonly error: "InvalidRequest"; readonly field: string }
  | { readonly error: "PayloadRejected"; readonly reason: PayloadRejectionReason }
  | { readonly error: "AuthenticationFailed"; readonly stage: "token" | "api"; readonly tokenRejected: boolean }
  | { readonly error: "AccessDenied" }
  | { readonly error: "ProviderUnavailable"; readonly transient: boolean }

export interface Entry {
  /** Unico's code, as it appears in `error.code` or in `Falha na autenticação <code>`. */
  readonly code: string
  /** The HTTP status Unico documents for it. */
  readonly status: number
  /** What it means, in English. */
  readonly meaning: string
  readonly mapping: Mapping
  /** The retry class of the error it maps to (see RetryClass). */
  readonly retry: RetryClass
  /** What to do about it, for people (authentication codes). */
  readonly hint?: string
}

const COMMON_AUTH_CAUSES =
  "the usual causes are a private key that does not belong to the service account, a wrong tenant id in the " +
  "issuer, UAT credentials used against production (or the reverse), or claims other than iss, aud, scope, iat, exp"

const auth = (code: string, meaning: string, hint: string, retry: RetryClass = "never"): Entry => ({
  code,
  status: 401,
  meaning,
  mapping: { error: "AuthenticationFailed", stage: "token", tokenRejected: false },
  retry,
  hint
})

const invalid = (code: string, field: string, meaning: string): Entry => ({
  code,
  status: 400,
  meaning,
  mapping: { error: "InvalidRequest", field },
  retry: "never"
})

const rejected = (code: string, reason: PayloadRejectionReason, meaning: string): Entry => ({
  code,
  status: 400,
  meaning,
  mapping: { error: "PayloadRejected", reason },
  retry: "never"
})

/** The API key is missing, unknown, or lacks the capability. */
const denied = (code: string, status: number, meaning: string): Entry => ({
  code,
  status,
  meaning,
  mapping: { error: "AccessDenied" },
  retry: "never"
})

/** The API refused the access token we hold: drop it, mint another, retry once. */
const tokenRefused = (code: string, status: number, meaning: string): Entry => ({
  code,
  status,
  meaning,
  mapping: { error: "AuthenticationFailed", stage: "api", tokenRejected: true },
  retry: "reauthenticate"
})

/** Every documented code, in the order of docs/unico-contract.md. */
export const entries: ReadonlyArray<Entry> = [
  // The token endpoint (OAuth2 JWT bearer): docs/unico-contract.md, Token endpoint codes
  auth(
    "1.0.1",
    "the tenant id used to build the issuer is wrong",
    "check the tenant part of the issuer (<account>@<tenant>.iam.acesso.io)"
  ),
  auth("1.0.14", "the application in use is not active", "ask your Unico project manager to activate the application"),
  auth("1.1.1", "the assertion has no scope claim", "the assertion must carry scope: \"*\""),
  auth("1.2.4", "the assertion has expired", "check exp and this machine's clock (NTP)"),
  auth("1.2.5", "the assertion could not be validated (parameters or signature)", COMMON_AUTH_CAUSES),
  auth("1.2.6", "the private key is no longer accepted", "request new credentials from Unico"),
  auth(
    "1.2.7",
    "the assertion was already used",
    "assertions are single use: mint a new one per token request",
    "safe"
  ),
  auth("1.2.11", "the service account is not active", "ask Unico to activate the service account"),
  auth("1.2.14", "the service account lacks the required permissions", "ask Unico to grant the permissions"),
  auth(
    "1.2.18",
    "the service account is locked after too many failed attempts",
    "wait for the lock to expire, then fix the credentials before retrying"
  ),
  auth("1.2.19", "the account may not impersonate another account", "remove the sub claim from the assertion"),
  auth("1.2.20", "the assertion could not be decoded", "send only iss, aud, scope, iat, exp with the right types"),
  auth("1.2.21", "the assertion could not be decoded (or was signed with the wrong private key)", COMMON_AUTH_CAUSES),
  auth(
    "1.2.22",
    "the assertion carries claims that are not allowed",
    "send only iss, aud, scope, iat and exp (no sub, jti or nbf)"
  ),
  auth(
    "1.3.1",
    "the account has source-IP restrictions",
    "call from an allowed IP address or ask Unico to change the restriction"
  ),
  auth(
    "1.3.2",
    "the account has access date/time restrictions",
    "call within the allowed window or ask Unico to change it"
  ),
  // docs/unico-contract.md, Errors: HTTP 400
  {
    code: "20001",
    status: 400,
    meaning: "the Authorization header is missing",
    mapping: { error: "AuthenticationFailed", stage: "api", tokenRejected: false },
    retry: "never"
  },
  denied("20002", 400, "the APIKEY header is missing"),
  invalid("20003", "body", "the request body is missing or invalid"),
  invalid("20004", "subject", "subject is missing"),
  invalid("20005", "subject.code", "subject.code (CPF) is missing"),
  invalid("20006", "subject.name", "subject.name is missing"),
  invalid("20009", "imageBase64", "imageBase64 (the selfie) is missing"),
  rejected("20505", "format", "the base64 is not a supported image (png, jpeg, webp)"),
  rejected("20506", "size", "the image is larger than 800 KB"),
  invalid("20507", "subject.code", "subject.code is not a valid CPF"),
  rejected("20807", "resolution", "the image resolution must be above 640x480"),
  rejected("20900", "invalid-image", "the base64 is not an image or looks like an injection attempt"),
  rejected("10506", "security-bundle", "the API key requires the SDK security method and the payload does not meet it"),
  rejected("10507", "expired", "the SDK payload has expired (send it within 10 minutes of capture)"),
  rejected("10508", "reused", "the SDK payload was already used (it is single use)"),
  // docs/unico-contract.md, Errors: HTTP 403
  denied("30017", 403, "the account may not perform this action (capability not enabled)"),
  denied("10201", 403, "the API key is invalid or missing"),
  tokenRefused("10501", 403, "the access token is invalid"),
  tokenRefused("10502", 403, "the access token has expired"),
  // docs/unico-contract.md, Errors: HTTP 500
  {
    code: "510",
    status: 500,
    meaning: "internal failure at the provider",
    mapping: { error: "ProviderUnavailable", transient: true },
    retry: "ambiguous"
  },
  tokenRefused("10700", 500, "generic token validation failure (expired or invalid token)"),
  {
    code: "20502",
    status: 500,
    meaning: "the biometry URI is not configured at the provider",
    mapping: { error: "ProviderUnavailable", transient: false },
    retry: "never"
  }
]

const byCode: ReadonlyMap<string, Entry> = new Map(entries.map((entry) => [entry.code, entry]))

/** The catalogue row for a code, if Unico documents it. */
export const lookup = (code: string): Option.Option<Entry> => Option.fromNullable(byCode.get(code))

/** `Falha na autenticação 1.2.5` → `1.2.5`: the code inside a token-endpoint error description. */
export const authCodeFromDescription = (description: string): Option.Option<string> =>
  Option.fromNullable(/\b(1\.\d+\.\d+)\b/.exec(description)?.[1])

/** What the provider answered, as an adapter read it off the wire (or as the fake's engine decided). */
export interface ProviderAnswer {
  readonly status: number
  readonly code?: string | undefined
  readonly description?: string | undefined
  readonly retryAfterMillis?: number | undefined
  /** For answers to `GET /processes/v1/{id}`. */
  readonly processId?: string | undefined
  /**
   * Which endpoint answered (default `"api"`). The token endpoint creates nothing billable, so its failures
   * are never ambiguous, and a refusal there is always about the assertion.
   */
  readonly endpoint?: "api" | "token" | undefined
}

const fromEntry = (entry: Entry, answer: ProviderAnswer): LivenessError => {
  const mapping = entry.mapping
  switch (mapping.error) {
    case "InvalidRequest":
      return new InvalidRequest({
        errors: [{ field: mapping.field, message: entry.meaning }],
        providerCode: entry.code
      })
    case "PayloadRejected":
      return new PayloadRejected({ reason: mapping.reason, providerCode: entry.code, detail: entry.meaning })
    case "AuthenticationFailed":
      return new AuthenticationFailed({
        stage: mapping.stage,
        providerCode: entry.code,
        tokenRejected: mapping.tokenRejected,
        detail: entry.meaning,
        ...(entry.hint === undefined ? {} : { hint: entry.hint })
      })
    case "AccessDenied":
      return new AccessDenied({ providerCode: entry.code, detail: entry.meaning })
    case "ProviderUnavailable":
      return new ProviderUnavailable({
        mayHaveBeenProcessed: mapping.transient,
        transient: mapping.transient,
        status: answer.status,
        providerCode: entry.code,
        // The documented meaning, not the provider's text: error messages must never carry request data.
        detail: entry.meaning
      })
  }
}

const optionalCode = (code: string | undefined) => (code === undefined ? {} : { providerCode: code })

/**
 * The domain error for a non-2xx answer. A documented code decides; otherwise the HTTP status does.
 * Descriptions from the provider are kept only where they cannot carry request data.
 */
export const toError = (answer: ProviderAnswer): LivenessError => {
  const status = answer.status
  const token = answer.endpoint === "token"
  // Authentication codes travel inside the description ("Falha na autenticação 1.2.5"), on refusals only.
  const fromDescription = answer.description !== undefined && (token || status === 400 || status === 401)
    ? Option.getOrUndefined(authCodeFromDescription(answer.description))
    : undefined
  const code = answer.code ?? fromDescription
  const entry = code === undefined ? undefined : byCode.get(code)
  if (entry !== undefined && status !== 429) return fromEntry(entry, answer)
  if (status === 429) {
    return new RateLimited(answer.retryAfterMillis === undefined ? {} : { retryAfterMillis: answer.retryAfterMillis })
  }
  if (token) {
    if (status >= 500) {
      return new ProviderUnavailable({
        mayHaveBeenProcessed: false,
        transient: true,
        status,
        ...optionalCode(code),
        detail: `the token endpoint answered HTTP ${status}`
      })
    }
    return new AuthenticationFailed({
      stage: "token",
      ...optionalCode(code),
      tokenRejected: false,
      detail: answer.description === undefined
        ? `the token endpoint refused the assertion (HTTP ${status})`
        : `the token endpoint refused the assertion: ${answer.description}`,
      hint: COMMON_AUTH_CAUSES
    })
  }
  if (status === 401) {
    // An undocumented 1.x.x code still comes from the token endpoint.
    if (code !== undefined && /^1\.\d+\.\d+$/.test(code)) {
      return new AuthenticationFailed({
        stage: "token",
        providerCode: code,
        tokenRejected: false,
        detail: "the token endpoint refused the assertion",
        hint: COMMON_AUTH_CAUSES
      })
    }
    return new AuthenticationFailed({
      stage: "api",
      ...optionalCode(code),
      tokenRejected: true,
      detail: "the API refused the access token",
      hint: "a second refusal with a fresh token points to a UAT/production mix-up or a wrong APIKEY"
    })
  }
  if (status === 403) {
    return new AccessDenied({ ...optionalCode(code), detail: "the API key may not use this capability" })
  }
  if (status === 404 || status === 410) {
    return new ProcessNotFound({ processId: answer.processId ?? "unknown", gone: status === 410 })
  }
  if (status === 400 || status === 422) {
    return new InvalidRequest({
      errors: [{ field: "body", message: "the provider refused the request as invalid" }],
      ...optionalCode(code)
    })
  }
  if (status >= 500) {
    // What a 5xx from the processes API proves (one place: a documented code above decides first):
    // - 503: the server "is currently unable to handle the request" (RFC 9110 §15.6.4): it was not handled, so
    //   nothing was submitted and the request may be sent again (safe);
    // - 500 (Unico's 510 included), 502, 504 and any other: the request may have been processed before the
    //   failure, or upstream of the proxy that answered (ambiguous: an SDK payload is never sent again).
    const handled = status !== 503
    return new ProviderUnavailable({
      mayHaveBeenProcessed: handled,
      transient: true,
      status,
      ...optionalCode(code),
      detail: handled
        ? `the provider answered HTTP ${status}`
        : "the provider answered HTTP 503: unavailable, the request was not handled"
    })
  }
  return new UnexpectedResponse({ status, ...optionalCode(code), detail: `unexpected HTTP status ${status}` })
}
