/**
 * The HTTP adapter's exact wire format, over real HTTP on 127.0.0.1: a recording server plays both of
 * Unico's hosts, and the real adapter (undici) runs under the real check workflow.
 */
import { describe, expect, it } from "@effect/vitest"
import { type CheckPolicy, Liveness } from "@liveness/core"
import { Fixtures } from "@liveness/fake"
import * as Effect from "effect/Effect"
import { UnicoHttp } from "../src/index.js"
import * as RecordingServer from "./support/recordingServer.js"
import {
  adapter,
  apiKey,
  assertionOf,
  expectTag,
  type FakeUnico,
  fakeUnico,
  type FakeUnicoScript,
  ISSUER,
  keyPair,
  liveProcess,
  PROCESS_ID,
  quietLogs,
  SUBJECT,
  SUBSIDIARY_ID,
  verifyAssertion,
  workflow
} from "./support/unicoHttpHarness.js"

const keys = keyPair()
const API_KEY = apiKey()

const layerFor = (unico: FakeUnico, policy: Partial<CheckPolicy.Policy> = {}, authUrl = unico.server.url) =>
  workflow(adapter({ authUrl, apiUrl: unico.server.url, keys, apiKey: API_KEY }), policy)

/** Runs `program` with the workflow over the adapter pointed at `unico`. */
const withUnico = <A, E>(
  unico: FakeUnico,
  program: Effect.Effect<A, E, Liveness.Liveness | UnicoHttp.UnicoHttp>,
  policy: Partial<CheckPolicy.Policy> = {}
) => program.pipe(Effect.provide(layerFor(unico, policy)), Effect.provide(quietLogs))

const check = (unico: FakeUnico, body: unknown, policy: Partial<CheckPolicy.Policy> = {}) =>
  withUnico(unico, Liveness.check(body), policy)

const sdkBody = () => ({ subject: SUBJECT, imageBase64: Fixtures.sdkPayload() })
const imageBody = () => ({ subject: SUBJECT, imageBase64: Fixtures.image() })

/** Only the first API request gets `first`; the rest get a live process. */
const apiOnce = (first: RecordingServer.Behaviour): FakeUnicoScript => ({
  api: (_, nth) => (nth === 0 ? first : RecordingServer.json(200, liveProcess))
})

const bearer = (request: RecordingServer.RecordedRequest) => request.headers.authorization

describe("UnicoHttp on the wire", () => {
  describe("token request", () => {
    it.scopedLive("POST /oauth2/token, form-encoded grant_type and assertion, nothing else", () =>
      Effect.gen(function*() {
        const unico = yield* fakeUnico()
        yield* check(unico, sdkBody())
        const tokenRequests = yield* unico.tokenRequests
        expect(tokenRequests).toHaveLength(1)
        const request = tokenRequests[0]!
        expect(request.method).toBe("POST")
        expect(request.path).toBe("/oauth2/token")
        expect(request.headers["content-type"]).toBe("application/x-www-form-urlencoded")
        const form = new URLSearchParams(request.body)
        expect([...form.keys()].sort()).toEqual(["assertion", "grant_type"])
        expect(form.getAll("grant_type")).toEqual(["urn:ietf:params:oauth:grant-type:jwt-bearer"])
        expect(form.getAll("assertion")).toHaveLength(1)
        // No trace context leaks to the identity host either.
        expect(request.headers.traceparent).toBeUndefined()
        expect(request.headers.b3).toBeUndefined()
        // Nothing but the form goes to the token host: no API key, no bearer.
        expect(request.headers.apikey).toBeUndefined()
        expect(request.headers.authorization).toBeUndefined()
      }))

    it.scopedLive("the assertion: RS256 signed by the key, header {alg, typ}, exactly iss aud scope iat exp", () =>
      Effect.gen(function*() {
        const unico = yield* fakeUnico()
        const before = Math.floor(Date.now() / 1000)
        yield* check(unico, sdkBody())
        const after = Math.ceil(Date.now() / 1000)
        const [request] = yield* unico.tokenRequests
        const { claims, header } = yield* verifyAssertion(assertionOf(request!), keys.publicKey)
        expect(header).toStrictEqual({ alg: "RS256", typ: "JWT" })
        expect(Object.keys(claims).sort()).toEqual(["aud", "exp", "iat", "iss", "scope"])
        expect(claims.iss).toBe(ISSUER)
        expect(claims.aud).toBe(unico.server.url)
        expect(claims.aud).not.toMatch(/\/$/)
        expect(claims.scope).toBe("*")
        const iat = claims.iat as number
        const exp = claims.exp as number
        expect(Number.isInteger(iat)).toBe(true)
        expect(Number.isInteger(exp)).toBe(true)
        // Seconds, not milliseconds, and near now (the minting may wait for the next second).
        expect(iat).toBeGreaterThanOrEqual(before - 1)
        expect(iat).toBeLessThanOrEqual(after + 1)
        expect(exp).toBeGreaterThan(after)
        expect(exp - iat).toBeGreaterThan(0)
        expect(exp - iat).toBeLessThanOrEqual(3600)
      }))

    it.scopedLive("aud is the token host's origin without the trailing slash the option was given with", () =>
      Effect.gen(function*() {
        const unico = yield* fakeUnico()
        yield* Liveness.check(sdkBody()).pipe(
          Effect.provide(layerFor(unico, {}, `${unico.server.url}/`)),
          Effect.provide(quietLogs)
        )
        const [request] = yield* unico.tokenRequests
        expect(request!.path).toBe("/oauth2/token")
        const { claims } = yield* verifyAssertion(assertionOf(request!), keys.publicKey)
        expect(claims.aud).toBe(unico.server.url)
      }))

    it.scopedLive.each(
      [
        ["a number", 3600],
        ["a numeric string", "3600"]
      ] as const
    )("expires_in as %s is accepted, and the token is reused", ([, expiresIn]) =>
      Effect.gen(function*() {
        const unico = yield* fakeUnico({ token: (_, issue) => issue(expiresIn) })
        const results = yield* withUnico(
          unico,
          Effect.all([Liveness.check(sdkBody()), Liveness.check(sdkBody())])
        )
        expect(results.map((result) => result.verdict)).toEqual(["live", "live"])
        // Read as an hour: the second check reuses the token.
        expect(yield* unico.tokenRequests).toHaveLength(1)
        const apiRequests = yield* unico.apiRequests
        expect(apiRequests.map(bearer)).toEqual([`Bearer ${unico.issued()[0]}`, `Bearer ${unico.issued()[0]}`])
      }))

    it.scopedLive("a token answer without a usable expires_in is an UnexpectedResponse, not a crash", () =>
      Effect.gen(function*() {
        const unico = yield* fakeUnico({
          token: () => RecordingServer.json(200, { access_token: "abc", token_type: "Bearer", expires_in: "soon" })
        })
        const error = yield* Effect.flip(check(unico, sdkBody(), { maxAttempts: 1 }))
        expect(expectTag(error, "UnexpectedResponse").status).toBe(200)
        expect(yield* unico.apiRequests).toHaveLength(0)
      }))
  })

  describe("processes requests", () => {
    it.scopedLive("create: POST /processes/v1 with the bearer, the APIKEY and exactly the body given", () =>
      Effect.gen(function*() {
        const unico = yield* fakeUnico()
        const payload = Fixtures.sdkPayload()
        const result = yield* check(unico, { subject: SUBJECT, subsidiaryId: SUBSIDIARY_ID, imageBase64: payload })
        expect(result.verdict).toBe("live")
        expect(result.process.id).toBe(PROCESS_ID)
        expect(result.attempts).toBe(1)
        const apiRequests = yield* unico.apiRequests
        expect(apiRequests).toHaveLength(1)
        const request = apiRequests[0]!
        expect(request.method).toBe("POST")
        expect(request.path).toBe("/processes/v1")
        expect(unico.issued()).toHaveLength(1)
        expect(request.headers.authorization).toBe(`Bearer ${unico.issued()[0]}`)
        expect(request.headers.apikey).toBe(API_KEY)
        expect(request.headers["content-type"]).toBe("application/json")
        expect(JSON.parse(request.body!)).toStrictEqual({
          subject: SUBJECT,
          subsidiaryId: SUBSIDIARY_ID,
          imageBase64: payload
        })
        expect(request.headers.traceparent).toBeUndefined()
        expect(request.headers.b3).toBeUndefined()
        expect(Object.keys(request.headers).filter((name) => /^x-b3-|^tracestate$/.test(name))).toEqual([])
      }))

    it.scopedLive("create without subject and subsidiaryId sends only imageBase64", () =>
      Effect.gen(function*() {
        const unico = yield* fakeUnico()
        const payload = Fixtures.image()
        yield* check(unico, { imageBase64: payload })
        const [request] = yield* unico.apiRequests
        expect(JSON.parse(request!.body!)).toStrictEqual({ imageBase64: payload })
      }))

    it.scopedLive("the subject is sent as given, optional fields included", () =>
      Effect.gen(function*() {
        const unico = yield* fakeUnico()
        const subject = { ...SUBJECT, email: "luke@example.com", phone: "5511974749090" }
        const payload = Fixtures.sdkPayload()
        yield* check(unico, { subject, imageBase64: payload })
        const [request] = yield* unico.apiRequests
        expect(JSON.parse(request!.body!)).toStrictEqual({ subject, imageBase64: payload })
      }))

    it.scopedLive("get: GET /processes/v1/<id> with the same headers, reusing the token", () =>
      Effect.gen(function*() {
        const unico = yield* fakeUnico()
        const [created, read] = yield* withUnico(
          unico,
          Effect.all([Liveness.check(sdkBody()), Liveness.getProcess(PROCESS_ID)])
        )
        expect(created.verdict).toBe("live")
        expect(read.process.id).toBe(PROCESS_ID)
        expect(read.verdict).toBe("live")
        const apiRequests = yield* unico.apiRequests
        expect(apiRequests.map((request) => `${request.method} ${request.path}`)).toEqual([
          "POST /processes/v1",
          `GET /processes/v1/${PROCESS_ID}`
        ])
        const get = apiRequests[1]!
        expect(get.headers.authorization).toBe(`Bearer ${unico.issued()[0]}`)
        expect(get.headers.apikey).toBe(API_KEY)
        expect(get.body).toBe("")
        expect(get.headers.traceparent).toBeUndefined()
        expect(get.headers.b3).toBeUndefined()
        expect(yield* unico.tokenRequests).toHaveLength(1)
      }))
  })

  describe("error bodies through the catalogue", () => {
    it.scopedLive("{error:{code:\"20506\",description}} -> PayloadRejected size", () =>
      Effect.gen(function*() {
        const unico = yield* fakeUnico({
          api: () =>
            RecordingServer.json(400, { error: { code: "20506", description: "O base64 informado é muito grande." } })
        })
        const error = expectTag(yield* Effect.flip(check(unico, imageBody())), "PayloadRejected")
        expect(error.reason).toBe("size")
        expect(error.providerCode).toBe("20506")
        expect(yield* unico.apiRequests).toHaveLength(1)
      }))

    it.scopedLive("{error:{code:400,message}} (the generic page's shape) -> InvalidRequest", () =>
      Effect.gen(function*() {
        const unico = yield* fakeUnico({
          api: () => RecordingServer.json(400, { error: { code: 400, message: "Bad request" } })
        })
        const error = expectTag(yield* Effect.flip(check(unico, imageBody())), "InvalidRequest")
        expect(error.errors.length).toBeGreaterThan(0)
        expect(yield* unico.apiRequests).toHaveLength(1)
      }))

    it.scopedLive("token endpoint 401 \"Falha na autenticação 1.2.5\" -> AuthenticationFailed at the token stage", () =>
      Effect.gen(function*() {
        const unico = yield* fakeUnico({
          token: () =>
            RecordingServer.json(401, { error: "server_error", error_description: "Falha na autenticação 1.2.5" })
        })
        const error = expectTag(yield* Effect.flip(check(unico, sdkBody())), "AuthenticationFailed")
        expect(error.stage).toBe("token")
        expect(error.providerCode).toBe("1.2.5")
        expect(error.tokenRejected).toBe(false)
        expect(error.hint).toBeDefined()
        expect(error.hint!.length).toBeGreaterThan(10)
        expect(error.message).toContain("1.2.5")
        // Retrying cannot fix a refused assertion: one token request, no API request.
        expect(yield* unico.tokenRequests).toHaveLength(1)
        expect(yield* unico.apiRequests).toHaveLength(0)
      }))

    it.scopedLive("429 with Retry-After: 2 -> RateLimited with retryAfterMillis 2000", () =>
      Effect.gen(function*() {
        const unico = yield* fakeUnico({
          api: () => RecordingServer.json(429, { error: { description: "Too Many Requests" } }, { "retry-after": "2" })
        })
        const error = expectTag(yield* Effect.flip(check(unico, imageBody(), { maxAttempts: 1 })), "RateLimited")
        expect(error.retryAfterMillis).toBe(2000)
      }))

    it.scopedLive("429 is retried even for a plain image (nothing was processed)", () =>
      Effect.gen(function*() {
        const unico = yield* fakeUnico(
          apiOnce(RecordingServer.json(429, { error: { description: "Too Many Requests" } }, { "retry-after": "0" }))
        )
        const result = yield* check(unico, imageBody())
        expect(result.verdict).toBe("live")
        expect(result.attempts).toBe(2)
        expect(yield* unico.apiRequests).toHaveLength(2)
      }))

    it.scopedLive("404 on GET -> ProcessNotFound with the id", () =>
      Effect.gen(function*() {
        const unico = yield* fakeUnico({
          api: () => RecordingServer.json(404, { error: { description: "Processo não encontrado." } })
        })
        const error = expectTag(
          yield* Effect.flip(withUnico(unico, Liveness.getProcess(PROCESS_ID))),
          "ProcessNotFound"
        )
        expect(error.processId).toBe(PROCESS_ID)
        expect(error.gone).toBe(false)
        expect(yield* unico.apiRequests).toHaveLength(1)
      }))

    it.scopedLive("410 on GET -> ProcessNotFound, gone", () =>
      Effect.gen(function*() {
        const unico = yield* fakeUnico({ api: () => RecordingServer.json(410, { error: { description: "Gone" } }) })
        const error = expectTag(
          yield* Effect.flip(withUnico(unico, Liveness.getProcess(PROCESS_ID))),
          "ProcessNotFound"
        )
        expect(error.processId).toBe(PROCESS_ID)
        expect(error.gone).toBe(true)
      }))

    it.scopedLive("503 -> not processed (the request was not handled): sent again, even a plain image", () =>
      Effect.gen(function*() {
        const unavailable = RecordingServer.json(503, { error: { description: "Service Unavailable" } })
        const once = yield* fakeUnico(apiOnce(unavailable))
        expect((yield* check(once, imageBody())).attempts).toBe(2)
        expect(yield* once.apiRequests).toHaveLength(2)
        const always = yield* fakeUnico({ api: () => unavailable })
        const error = expectTag(yield* Effect.flip(check(always, imageBody())), "ProviderUnavailable")
        expect(error.status).toBe(503)
        expect(error.mayHaveBeenProcessed).toBe(false)
      }))

    it.scopedLive("500 -> may have been processed: a plain image is not sent again", () =>
      Effect.gen(function*() {
        const unico = yield* fakeUnico({ api: () => RecordingServer.json(500, { error: { description: "Falha" } }) })
        const error = expectTag(yield* Effect.flip(check(unico, imageBody())), "ProviderUnavailable")
        expect(error.status).toBe(500)
        expect(error.mayHaveBeenProcessed).toBe(true)
        expect(yield* unico.apiRequests).toHaveLength(1)
      }))

    it.scopedLive("503 on GET is retried (reads are idempotent)", () =>
      Effect.gen(function*() {
        const unico = yield* fakeUnico(
          apiOnce(RecordingServer.json(503, { error: { description: "Service Unavailable" } }))
        )
        const result = yield* withUnico(unico, Liveness.getProcess(PROCESS_ID))
        expect(result.attempts).toBe(2)
        expect(yield* unico.apiRequests).toHaveLength(2)
      }))
  })

  describe("a refused access token is renewed once", () => {
    it.scopedLive.each(
      [
        ["401 without a body", RecordingServer.raw(401, "")],
        [
          "403 with code 10501",
          RecordingServer.json(403, { error: { code: "10501", description: "O token de acesso é inválido." } })
        ]
      ] as const
    )("%s: a new token is minted and the retry carries it", ([, refusal]) =>
      Effect.gen(function*() {
        const unico = yield* fakeUnico(apiOnce(refusal))
        // A plain image: a refused token means nothing was processed, so even it may be retried.
        const [result, later] = yield* withUnico(
          unico,
          Effect.all([Liveness.check(imageBody()), Liveness.check(imageBody())])
        )
        expect(result.verdict).toBe("live")
        expect(result.attempts).toBe(2)
        expect(yield* unico.tokenRequests).toHaveLength(2)
        const issued = unico.issued()
        expect(issued).toHaveLength(2)
        expect(issued[0]).not.toBe(issued[1])
        const apiRequests = yield* unico.apiRequests
        expect(apiRequests.slice(0, 2).map(bearer)).toEqual([`Bearer ${issued[0]}`, `Bearer ${issued[1]}`])
        // The fresh token is kept for later checks.
        expect(later.attempts).toBe(1)
        expect(apiRequests).toHaveLength(3)
        expect(bearer(apiRequests[2]!)).toBe(`Bearer ${issued[1]}`)
      }))

    it.scopedLive("a second 401 with the fresh token -> AuthenticationFailed, no third token request", () =>
      Effect.gen(function*() {
        const unico = yield* fakeUnico({ api: () => RecordingServer.raw(401, "") })
        const error = expectTag(yield* Effect.flip(check(unico, sdkBody())), "AuthenticationFailed")
        expect(error.stage).toBe("api")
        expect(error.tokenRejected).toBe(true)
        expect(yield* unico.tokenRequests).toHaveLength(2)
        const apiRequests = yield* unico.apiRequests
        expect(apiRequests).toHaveLength(2)
        expect(apiRequests.map(bearer)).toEqual(unico.issued().map((token) => `Bearer ${token}`))
      }))

    it.scopedLive("token endpoint 1.2.7 (assertion reused) once -> a fresh, different assertion succeeds", () =>
      Effect.gen(function*() {
        const unico = yield* fakeUnico({
          token: (nth, issue) =>
            nth === 0
              ? RecordingServer.json(401, { error: "server_error", error_description: "Falha na autenticação 1.2.7" })
              : issue()
        })
        const result = yield* check(unico, imageBody())
        expect(result.verdict).toBe("live")
        expect(result.attempts).toBe(2)
        const tokenRequests = yield* unico.tokenRequests
        expect(tokenRequests).toHaveLength(2)
        const [first, second] = tokenRequests.map(assertionOf)
        expect(first).not.toBe(second)
        const claims = yield* Effect.all([first!, second!].map((jwt) => verifyAssertion(jwt, keys.publicKey)))
        expect(claims.every(({ claims }) => claims.iss === ISSUER)).toBe(true)
        const apiRequests = yield* unico.apiRequests
        expect(apiRequests).toHaveLength(1)
        expect(bearer(apiRequests[0]!)).toBe(`Bearer ${unico.issued()[0]}`)
      }))
  })

  it.scopedLive("UnicoHttp.token gives the cached token and counts mints", () =>
    Effect.gen(function*() {
      const unico = yield* fakeUnico()
      const [first, second, mints] = yield* withUnico(
        unico,
        Effect.gen(function*() {
          const service = yield* UnicoHttp.UnicoHttp
          const first = yield* service.token
          const second = yield* service.token
          return [first, second, yield* service.tokenMints] as const
        })
      )
      expect(first).toBe(second)
      expect(mints).toBe(1)
      expect(yield* unico.tokenRequests).toHaveLength(1)
    }))
})
