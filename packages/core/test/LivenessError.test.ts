import { describe, expect, it } from "@effect/vitest"
import {
  AccessDenied,
  AuthenticationFailed,
  DeadlineExceeded,
  InvalidRequest,
  LivenessError,
  OutcomeUnknown,
  PayloadRejected,
  ProcessNotFound,
  ProviderUnavailable,
  RateLimited,
  UnexpectedResponse
} from "@liveness/core"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"

/** Each class with its stable code, a minimal and a full instance. */
const cases = [
  {
    code: "invalid_request",
    minimal: new InvalidRequest({ errors: [{ field: "subject.code", message: "must be a CPF of 11 digits" }] }),
    full: new InvalidRequest({
      errors: [{ field: "body", message: "a" }, { field: "imageBase64", message: "b" }],
      providerCode: "20003"
    })
  },
  {
    code: "payload_rejected",
    minimal: new PayloadRejected({ reason: "reused", providerCode: "10508", detail: "already used" }),
    full: new PayloadRejected({ reason: "size", providerCode: "20506", detail: "too large" })
  },
  {
    code: "authentication_failed",
    minimal: new AuthenticationFailed({ stage: "api", tokenRejected: true, detail: "token refused" }),
    full: new AuthenticationFailed({
      stage: "token",
      providerCode: "1.2.5",
      tokenRejected: false,
      detail: "assertion refused",
      hint: "check the key"
    })
  },
  {
    code: "access_denied",
    minimal: new AccessDenied({ detail: "no capability" }),
    full: new AccessDenied({ providerCode: "30017", detail: "no capability" })
  },
  {
    code: "rate_limited",
    minimal: new RateLimited({}),
    full: new RateLimited({ retryAfterMillis: 1500 })
  },
  {
    code: "provider_unavailable",
    minimal: new ProviderUnavailable({ mayHaveBeenProcessed: false, transient: true, detail: "connection refused" }),
    full: new ProviderUnavailable({
      mayHaveBeenProcessed: true,
      transient: true,
      status: 500,
      providerCode: "510",
      detail: "internal failure"
    })
  },
  {
    code: "outcome_unknown",
    minimal: new OutcomeUnknown({ attempts: 2, detail: "the replay was refused" }),
    full: new OutcomeUnknown({ attempts: 5, detail: "lost answer" })
  },
  {
    code: "deadline_exceeded",
    minimal: new DeadlineExceeded({ deadlineMillis: 30000, attempts: 0 }),
    full: new DeadlineExceeded({ deadlineMillis: 30000, attempts: 3 })
  },
  {
    code: "process_not_found",
    minimal: new ProcessNotFound({ processId: "p-1", gone: false }),
    full: new ProcessNotFound({ processId: "p-1", gone: true })
  },
  {
    code: "unexpected_response",
    minimal: new UnexpectedResponse({ detail: "undecodable body" }),
    full: new UnexpectedResponse({ status: 418, providerCode: "x", detail: "teapot" })
  }
] as const

const encode = Schema.encodeSync(LivenessError)
const decode = Schema.decodeUnknownSync(LivenessError)

describe("LivenessError", () => {
  it("covers all ten error classes with distinct codes", () => {
    expect(LivenessError.members).toHaveLength(cases.length)
    expect(new Set(cases.map((c) => c.code)).size).toBe(cases.length)
  })

  describe.each(cases.map((c) => [c.minimal._tag, c] as const))("%s", (_, c) => {
    it(`has the stable code ${c.code}`, () => {
      expect(c.minimal.code).toBe(c.code)
      expect(c.full.code).toBe(c.code)
    })

    it("has a human message without 'undefined'", () => {
      for (const error of [c.minimal, c.full]) {
        expect(error.message.length).toBeGreaterThan(10)
        expect(error.message).not.toContain("undefined")
        expect(error.message).not.toContain("[object Object]")
        expect(String(error)).toContain(error.message)
      }
    })

    it("round-trips through the LivenessError union schema", () => {
      for (const error of [c.minimal, c.full]) {
        const encoded = encode(error)
        expect(encoded._tag).toBe(error._tag)
        // The encoded form is plain JSON data.
        const wire = JSON.parse(JSON.stringify(encoded))
        const decoded = decode(wire)
        expect(decoded).toBeInstanceOf(error.constructor)
        expect(decoded).toEqual(error)
        expect(decoded.code).toBe(c.code)
        expect(decoded.message).toBe(error.message)
      }
    })

    it.effect("is a failure that can be caught by tag", () =>
      Effect.gen(function*() {
        const error: LivenessError = c.minimal
        const exit = yield* Effect.exit(Effect.fail(error))
        expect(exit).toEqual(Exit.fail(error))
        const tag = yield* Effect.catchAll(Effect.fail(error), (caught) => Effect.succeed(caught._tag))
        expect(tag).toBe(error._tag)
        // Yieldable, as Effect errors are.
        const yielded = yield* Effect.flip(Effect.gen(function*() {
          return yield* error
        }))
        expect(yielded).toBe(error)
      }))
  })

  it("messages carry the details a person needs", () => {
    expect(new RateLimited({ retryAfterMillis: 1500 }).message).toContain("Retry after 2 s")
    expect(new ProviderUnavailable({ mayHaveBeenProcessed: true, transient: true, status: 503, detail: "x" }).message)
      .toContain("may have been processed")
    expect(new ProviderUnavailable({ mayHaveBeenProcessed: false, transient: true, detail: "x" }).message)
      .toContain("was not processed")
    expect(new InvalidRequest({ errors: [{ field: "subject.name", message: "must not be empty" }] }).message)
      .toBe("Invalid request: subject.name: must not be empty")
    expect(
      new AuthenticationFailed({ stage: "token", providerCode: "1.2.5", tokenRejected: false, detail: "d" })
        .message
    ).toContain("Unico 1.2.5")
    expect(new ProcessNotFound({ processId: "p-9", gone: true }).message).toContain("gone")
  })

  it("InvalidRequest's list is `errors` in the object and in its encoding; `issues` is only a deprecated alias", () => {
    const errors = [{ field: "subject.code", message: "must be a CPF of 11 digits" }]
    const error = new InvalidRequest({ errors })
    expect(Schema.encodeSync(LivenessError)(error)).toEqual({ _tag: "InvalidRequest", errors })
    expect(JSON.parse(JSON.stringify(error))).toEqual({ _tag: "InvalidRequest", errors })
    expect(error.issues).toBe(error.errors)
  })

  it("decoding refuses an unknown tag", () => {
    expect(() => decode({ _tag: "Nope" })).toThrow()
  })
})
