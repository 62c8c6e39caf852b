import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import {
  AccessDenied,
  AuthenticationFailed,
  CheckInput,
  DeadlineExceeded,
  InvalidRequest,
  Liveness,
  LivenessError,
  OutcomeUnknown,
  PayloadRejected,
  ProcessNotFound,
  ProviderUnavailable,
  RateLimited,
  UnexpectedResponse
} from "@liveness/core"
import { Fixtures } from "@liveness/fake"
import { LivenessRuntime } from "@liveness/runtime"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { Problems } from "../src/index.js"
import { expectProblem, postJson, raw, startGateway, type TestGateway } from "./support.js"

/** Errors no provider can be configured to produce on demand, chosen by the body's `imageBase64`. */
const errors: Record<string, LivenessError> = {
  InvalidRequest: new InvalidRequest({
    errors: [{ field: "subject.name", message: "must not contain two consecutive spaces" }],
    providerCode: "20502"
  }),
  PayloadRejected: new PayloadRejected({ reason: "resolution", providerCode: "20807", detail: "below 640x480" }),
  AuthenticationFailed: new AuthenticationFailed({
    stage: "token",
    providerCode: "1.2.6",
    tokenRejected: false,
    detail: "the private key is no longer accepted",
    hint: "request new credentials from Unico"
  }),
  AccessDenied: new AccessDenied({ providerCode: "30017", detail: "the API key lacks the capability" }),
  RateLimited: new RateLimited({ retryAfterMillis: 2500 }),
  ProviderUnavailable: new ProviderUnavailable({
    mayHaveBeenProcessed: false,
    transient: true,
    detail: "connection refused"
  }),
  OutcomeUnknown: new OutcomeUnknown({ attempts: 2, detail: "the replay was refused as reused" }),
  DeadlineExceeded: new DeadlineExceeded({ deadlineMillis: 30000, attempts: 1 }),
  ProcessNotFound: new ProcessNotFound({ processId: "80371b2a-3ac7-432e-866d-57fe37896ac6", gone: false }),
  UnexpectedResponse: new UnexpectedResponse({ status: 200, detail: "the process in the answer could not be read" })
}

const scriptedCheck = (input: unknown) => {
  const key = (input as { imageBase64?: string }).imageBase64 ?? ""
  if (key === "defect") return Effect.die(new Error("a bug"))
  const error = errors[key]
  return error === undefined ? Effect.die(new Error(`no scripted error ${key}`)) : Effect.fail(error)
}

const scripted = Layer.merge(
  Layer.succeed(Liveness.Liveness, {
    check: scriptedCheck,
    submit: (input) => Effect.map(Effect.either(scriptedCheck(input)), (outcome) => ({ outcome, replayed: false })),
    getProcess: (id) => Effect.fail(new ProcessNotFound({ processId: id, gone: true }))
  }),
  Layer.succeed(LivenessRuntime.ProviderInfo, {
    kind: "fake",
    description: "scripted provider",
    simulated: true,
    ready: Effect.fail(new ProviderUnavailable({ mayHaveBeenProcessed: false, transient: true, detail: "down" })),
    tokenMints: Effect.succeed(0)
  })
)

const expected: Record<string, readonly [number, string]> = {
  InvalidRequest: [400, "invalid-request"],
  PayloadRejected: [422, "payload-rejected"],
  AuthenticationFailed: [502, "provider-authentication-failed"],
  AccessDenied: [502, "provider-access-denied"],
  RateLimited: [429, "rate-limited"],
  ProviderUnavailable: [503, "provider-unavailable"],
  OutcomeUnknown: [502, "outcome-unknown"],
  DeadlineExceeded: [504, "deadline-exceeded"],
  ProcessNotFound: [404, "process-not-found"],
  UnexpectedResponse: [502, "unexpected-response"]
}

/** Every problem type answered in this file; the last test checks the whole table was covered. */
const seen = new Set<string>()
const check = async (response: Response, status: number, slug: string) => {
  const problem = await expectProblem(response, status, slug)
  seen.add(slug)
  return problem
}

describe("problem+json: the domain errors", () => {
  let gw: TestGateway
  beforeAll(async () => {
    gw = await startGateway({}, { layer: scripted, readyTimeout: 1000 })
  })
  afterAll(() => gw.close())

  for (const [tag, [status, slug]] of Object.entries(expected)) {
    it(`${tag} → ${status} ${slug}`, async () => {
      const response = await postJson(gw.url, { imageBase64: tag })
      const problem = await check(response, status, slug)
      const error = errors[tag]
      expect(problem.code).toBe(error.code)
      const providerCode = "providerCode" in error ? error.providerCode : undefined
      expect(problem.providerCode).toBe(providerCode)
    })
  }

  it("InvalidRequest lists the field issues as errors [{field, message}]", async () => {
    const problem = await check(await postJson(gw.url, { imageBase64: "InvalidRequest" }), 400, "invalid-request")
    expect(problem.errors).toEqual([{ field: "subject.name", message: "must not contain two consecutive spaces" }])
  })

  it("RateLimited carries Retry-After in whole seconds, rounded up", async () => {
    const response = await postJson(gw.url, { imageBase64: "RateLimited" })
    expect(response.headers.get("retry-after")).toBe("3")
    await check(response, 429, "rate-limited")
  })

  it("refused credentials tell the caller nothing but log the Unico code and hint for operators", async () => {
    const response = await postJson(gw.url, { imageBase64: "AuthenticationFailed" })
    const problem = await check(response, 502, "provider-authentication-failed")
    expect(problem.detail).not.toMatch(/private key/)
    const log = gw.logs.find((line) => line.requestId === problem.requestId && line.level === "error")
    expect(log).toMatchObject({ providerCode: "1.2.6", error: "AuthenticationFailed" })
    expect(String(log?.msg)).toMatch(/1\.2\.6.*Hint: request new credentials/)
  })

  it("a defect is a 500 with nothing of the bug in the body", async () => {
    const problem = await check(await postJson(gw.url, { imageBase64: "defect" }), 500, "internal")
    expect(JSON.stringify(problem)).not.toMatch(/a bug/)
    const line = gw.logs.find((log) => log.requestId === problem.requestId && log.msg === "request completed")
    expect(line).toMatchObject({ status: 500, error: "Defect", level: "error" })
  })

  it("GET of a process that is gone → 404 process-not-found", async () => {
    await check(await fetch(`${gw.url}/processes/v1/80371b2a-3ac7-432e-866d-57fe37896ac6`), 404, "process-not-found")
  })

  it("/readyz with a failing provider → 503 not-ready", async () => {
    const problem = await check(await fetch(`${gw.url}/readyz`), 503, "not-ready")
    expect(problem.detail).toMatch(/provider_unavailable/)
  })
})

describe("problem+json: the gateway's own errors", () => {
  let gw: TestGateway
  beforeAll(async () => {
    gw = await startGateway({
      LIVENESS_PROVIDER: "fake",
      BODY_LIMIT: "2kb",
      GATEWAY_API_KEYS: "problem-test-key",
      GATEWAY_RATE_LIMIT: "1000"
    })
  })
  afterAll(() => gw.close())
  const auth = { authorization: "Bearer problem-test-key" }

  it("malformed JSON → 400 malformed-json, without quoting the body", async () => {
    const response = await fetch(`${gw.url}/processes/v1`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: "{\"imageBase64\": \"secret-looking\""
    })
    const problem = await check(response, 400, "malformed-json")
    expect(JSON.stringify(problem)).not.toMatch(/secret-looking/)
  })

  it("a body that is valid JSON but not a check → 400 invalid-request with field errors", async () => {
    const response = await postJson(gw.url, { subject: { code: "123", name: "A" } }, auth)
    const problem = await check(response, 400, "invalid-request")
    expect(problem.errors?.map((issue) => issue.field).sort()).toEqual(["imageBase64", "subject.code"])
    const array = await check(await postJson(gw.url, [1, 2], auth), 400, "invalid-request")
    expect(array.errors).toEqual([{ field: "body", message: "must be a JSON object" }])
  })

  it("invalid-request's `errors` is the core's InvalidRequest.errors: one name, the same items, the same message", async () => {
    const body = {
      subject: { code: "12345678900", name: "Luke  Skywalker", email: "not-an-email" },
      subsidiaryId: "not-a-uuid",
      imageBase64: "data:image/jpeg;base64,AAAA"
    }
    const error = await Effect.runPromise(Effect.flip(CheckInput.validate(body)))
    expect(error.errors.length).toBeGreaterThan(3)
    const problem = await check(await postJson(gw.url, body, auth), 400, "invalid-request")
    expect(problem.errors).toEqual(error.errors)
    expect(problem.detail).toBe(error.message)
    // The error's own serialised form (the LivenessError schema) uses the same name; the body has no other list.
    expect(Schema.encodeSync(LivenessError)(error)).toMatchObject({ errors: problem.errors })
    expect(Object.keys(problem)).not.toContain("issues")
  })

  it("an empty JSON body → 400 invalid-request", async () => {
    await check(
      await raw(gw.url, "POST", "/processes/v1", { ...auth, "content-type": "application/json" }),
      400,
      "invalid-request"
    )
  })

  it("the same Idempotency-Key with another body → 422 idempotency-key-reused; a malformed key → 400", async () => {
    const key = { ...auth, "idempotency-key": "\"problem-test-idempotency-key\"" }
    expect((await postJson(gw.url, { imageBase64: Fixtures.sdkPayload() }, key)).status).toBe(200)
    const problem = await check(
      await postJson(gw.url, { imageBase64: Fixtures.sdkPayload() }, key),
      422,
      "idempotency-key-reused"
    )
    expect(problem.code).toBe("idempotency_key_reused")
    const malformed = await check(
      await postJson(gw.url, { imageBase64: Fixtures.sdkPayload() }, { ...auth, "idempotency-key": "x".repeat(256) }),
      400,
      "invalid-request"
    )
    expect(malformed.errors).toEqual([{ field: "Idempotency-Key", message: "must be at most 255 characters" }])
  })

  it("GET with an id that is not a UUID → 400 invalid-request on field id", async () => {
    const problem = await check(
      await fetch(`${gw.url}/processes/v1/not-a-uuid`, { headers: auth }),
      400,
      "invalid-request"
    )
    expect(problem.errors).toEqual([{ field: "id", message: expect.any(String) }])
  })

  it("a body over BODY_LIMIT → 413 payload-too-large", async () => {
    const response = await postJson(gw.url, { imageBase64: "x".repeat(4096) }, auth)
    await check(response, 413, "payload-too-large")
  })

  it("a body that is not JSON → 415 unsupported-media-type (text/plain, form, none, a non-UTF-8 charset)", async () => {
    for (const contentType of ["text/plain", "application/x-www-form-urlencoded"]) {
      const response = await fetch(`${gw.url}/processes/v1`, {
        method: "POST",
        headers: { ...auth, "content-type": contentType },
        body: "imageBase64=x"
      })
      await check(response, 415, "unsupported-media-type")
    }
    await check(await raw(gw.url, "POST", "/processes/v1", auth, "{}"), 415, "unsupported-media-type")
    await check(
      await raw(gw.url, "POST", "/processes/v1", { ...auth, "content-type": "application/json; charset=latin1" }, "{}"),
      415,
      "unsupported-media-type"
    )
  })

  it("application/*+json is accepted as JSON", async () => {
    const response = await postJson(gw.url, { subject: {} }, {
      ...auth,
      "content-type": "application/merge-patch+json"
    })
    await check(response, 400, "invalid-request")
  })

  it("an unknown route or method → 404 not-found, never an HTML page", async () => {
    await check(await fetch(`${gw.url}/nope`), 404, "not-found")
    await check(await fetch(`${gw.url}/processes/v1`, { headers: auth }), 404, "not-found")
    await check(await fetch(`${gw.url}/processes/v1/x`, { method: "DELETE", headers: auth }), 404, "not-found")
    await check(await fetch(`${gw.url}/docs/assets/package.json`), 404, "not-found")
  })

  it("a path that cannot be decoded → 400 invalid-request, not a stack trace", async () => {
    await check(await raw(gw.url, "GET", "/processes/v1/%E0%A4%A", auth), 400, "invalid-request")
  })

  it("a missing or wrong key → 401 unauthorized with WWW-Authenticate", async () => {
    const missing = await postJson(gw.url, {})
    expect(missing.headers.get("www-authenticate")).toMatch(/^Bearer/)
    await check(missing, 401, "unauthorized")
    await check(await postJson(gw.url, {}, { authorization: "Bearer wrong" }), 401, "unauthorized")
  })
})

describe("problem+json: the gateway's per-key limit", () => {
  let gw: TestGateway
  beforeAll(async () => {
    gw = await startGateway({ LIVENESS_PROVIDER: "fake", GATEWAY_RATE_LIMIT: "1" })
  })
  afterAll(() => gw.close())

  it("the request over the limit → 429 gateway-rate-limited with Retry-After", async () => {
    await fetch(`${gw.url}/processes/v1/80371b2a-3ac7-432e-866d-57fe37896ac6`)
    const response = await fetch(`${gw.url}/processes/v1/80371b2a-3ac7-432e-866d-57fe37896ac6`)
    expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0)
    await check(response, 429, "gateway-rate-limited")
  })
})

describe("the problem table", () => {
  it("every row was answered by a test above", () => {
    expect(Problems.all.map((type) => type.slug).filter((slug) => !seen.has(slug))).toEqual([])
  })
})
