import { describe, expect, it } from "@effect/vitest"
import { Fixtures } from "@liveness/fake"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import { Sandbox } from "../src/index.js"
import { authHeaders, createProcess, seedBody, withSandbox } from "./support.js"

const unicoError = async (response: Response) => ({ status: response.status, body: await response.json() })

describe("POST /processes/v1", () => {
  it("answers the seed's example with {id, status: 3, liveness: 1}, pretty-printed, in Unico's content type", () =>
    withSandbox({}, async (sandbox) => {
      // One token for both calls: two assertions signed within the same second are identical, hence reused (1.2.7).
      const headers = await authHeaders(sandbox)
      const response = await createProcess(sandbox, seedBody(), headers)
      expect(response.status).toBe(200)
      expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8")
      const text = await response.text()
      expect(text).toContain("\n    \"status\": 3")
      const body = JSON.parse(text)
      expect(body).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), status: 3, liveness: 1 })
      const get = await fetch(`${sandbox.apiUrl}/processes/v1/${body.id}`, { headers })
      expect(await get.json()).toEqual(body)
    }))

  it("20001 without Authorization, 20002 without APIKEY (400)", () =>
    withSandbox({}, async (sandbox) => {
      const headers = await authHeaders(sandbox)
      const noAuth = await createProcess(sandbox, seedBody(), { apikey: headers.apikey })
      expect(await unicoError(noAuth)).toMatchObject({ status: 400, body: { error: { code: "20001" } } })
      const noKey = await createProcess(sandbox, seedBody(), { authorization: headers.authorization })
      expect(await unicoError(noKey)).toMatchObject({ status: 400, body: { error: { code: "20002" } } })
    }))

  it("an unknown token is refused (401 10501, or 403 when configured); the bare token form is accepted", () =>
    withSandbox({}, async (sandbox) => {
      const headers = await authHeaders(sandbox)
      const unknown = await createProcess(sandbox, seedBody(), { ...headers, authorization: "Bearer nope" })
      expect(await unicoError(unknown)).toMatchObject({ status: 401, body: { error: { code: "10501" } } })
      const bare = await createProcess(sandbox, seedBody(), {
        ...headers,
        authorization: headers.authorization.replace("Bearer ", "")
      })
      expect(bare.status).toBe(200)
    }).then(() =>
      withSandbox({ tokenErrorStatus: 403 }, async (sandbox) => {
        const headers = await authHeaders(sandbox)
        const unknown = await createProcess(sandbox, seedBody(), { ...headers, authorization: "Bearer nope" })
        expect(unknown.status).toBe(403)
      })
    ))

  // The sandbox keeps the time of the effect that starts it: here TestClock, moved by the test (from 0).
  it.scoped("a token is accepted for its whole lifetime, then refused with 10502", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.start({ tokenLifetimeSeconds: 1 })
      const headers = yield* Effect.promise(() => authHeaders(sandbox, { iat: 0, exp: 3600 }))
      yield* TestClock.adjust("999 millis")
      const valid = yield* Effect.promise(() => createProcess(sandbox, seedBody(), headers))
      expect(valid.status).toBe(200)
      yield* TestClock.adjust("1 millis")
      const expired = yield* Effect.promise(() => createProcess(sandbox, seedBody(), headers))
      expect(yield* Effect.promise(() => unicoError(expired))).toMatchObject({
        status: 401,
        body: { error: { code: "10502" } }
      })
    }))

  it("10201 for an API key the sandbox does not know (403)", () =>
    withSandbox({}, async (sandbox) => {
      const headers = await authHeaders(sandbox)
      const response = await createProcess(sandbox, seedBody(), { ...headers, apikey: "someone-elses-key" })
      expect(await unicoError(response)).toMatchObject({ status: 403, body: { error: { code: "10201" } } })
    }))

  it("body rules: 20003 not JSON, 20005/20006 missing subject fields, 20507 bad CPF, 20009 no image", () =>
    withSandbox({}, async (sandbox) => {
      const headers = await authHeaders(sandbox)
      const cases: ReadonlyArray<readonly [unknown, string]> = [
        ["{not json", "20003"],
        [[1, 2], "20003"],
        [{ ...seedBody(), subject: { name: "Luke Skywalker" } }, "20005"],
        [{ ...seedBody(), subject: { code: "12345678909" } }, "20006"],
        [{ ...seedBody(), subject: { code: "12345678909", name: "Luke  Skywalker" } }, "20006"],
        [{ ...seedBody(), subject: { code: "12345678900", name: "Luke Skywalker" } }, "20507"],
        [{ subject: seedBody().subject }, "20009"],
        [{ ...seedBody(), subsidiaryId: "branch-1" }, "20003"]
      ]
      for (const [body, code] of cases) {
        const response = await createProcess(sandbox, body, headers)
        expect(await unicoError(response), JSON.stringify(code)).toMatchObject({
          status: 400,
          body: { error: { code } }
        })
      }
      const stats = await Effect.runPromise(sandbox.stats)
      expect(stats.processes).toBe(0)
    }))

  it("20004 when a subject is required and missing; accepted by default", () =>
    withSandbox({}, async (sandbox) => {
      const response = await createProcess(sandbox, { imageBase64: Fixtures.sdkPayload() }, await authHeaders(sandbox))
      expect(response.status).toBe(200)
    }).then(() =>
      withSandbox({ requireSubject: true }, async (sandbox) => {
        const response = await createProcess(
          sandbox,
          { imageBase64: Fixtures.sdkPayload() },
          await authHeaders(sandbox)
        )
        expect(await unicoError(response)).toMatchObject({ status: 400, body: { error: { code: "20004" } } })
      })
    ))

  it("payload rules of the scenario engine: 20505, 20807, 10508", () =>
    withSandbox({}, async (sandbox) => {
      const headers = await authHeaders(sandbox)
      const subject = seedBody().subject
      const text = await createProcess(
        sandbox,
        { subject, imageBase64: Buffer.from("hello").toString("base64") },
        headers
      )
      expect(await unicoError(text)).toMatchObject({ status: 400, body: { error: { code: "20505" } } })
      const small = await createProcess(
        sandbox,
        { subject, imageBase64: Fixtures.image({ width: 100, height: 100 }) },
        headers
      )
      expect(await unicoError(small)).toMatchObject({ status: 400, body: { error: { code: "20807" } } })
      const payload = Fixtures.sdkPayload()
      expect((await createProcess(sandbox, { subject, imageBase64: payload }, headers)).status).toBe(200)
      const again = await createProcess(sandbox, { subject, imageBase64: payload }, headers)
      expect(await unicoError(again)).toMatchObject({ status: 400, body: { error: { code: "10508" } } })
      const stats = await Effect.runPromise(sandbox.stats)
      expect(stats.processesByPayload[Fixtures.fingerprint(payload)]).toBe(1)
    }))

  it("the magic authentication failure answers in the token endpoint's shape", () =>
    withSandbox({}, async (sandbox) => {
      const response = await createProcess(
        sandbox,
        { subject: { code: "00000000787", name: "Test Subject" }, imageBase64: Fixtures.sdkPayload() },
        await authHeaders(sandbox)
      )
      expect(await unicoError(response)).toEqual({
        status: 401,
        body: { error: "server_error", error_description: "Falha na autenticação 1.2.5" }
      })
    }))

  it("the tenant quota answers 429 with Retry-After once exhausted, and counts it", () =>
    withSandbox({ rateLimit: { limit: 3, intervalMillis: 1000 } }, async (sandbox) => {
      const headers = await authHeaders(sandbox)
      const statuses: Array<number> = []
      let retryAfter: string | null = null
      for (let i = 0; i < 5; i++) {
        const response = await createProcess(sandbox, { imageBase64: Fixtures.sdkPayload() }, headers)
        statuses.push(response.status)
        if (response.status === 429) retryAfter = response.headers.get("retry-after")
        await response.arrayBuffer()
      }
      expect(statuses).toEqual([200, 200, 200, 429, 429])
      expect(retryAfter).toBe("1")
      const stats = await Effect.runPromise(sandbox.stats)
      expect(stats.requestsByStatus).toEqual({ "200": 3, "429": 2 })
    }))

  it("unknown routes 404, wrong methods 405, bodies over the limit 413: all JSON", () =>
    withSandbox({ bodyLimit: 1024 }, async (sandbox) => {
      const missing = await fetch(`${sandbox.apiUrl}/nowhere`)
      expect(missing.status).toBe(404)
      expect(missing.headers.get("content-type")).toContain("application/json")
      const wrong = await fetch(`${sandbox.apiUrl}/processes/v1`)
      expect(wrong.status).toBe(405)
      const big = await createProcess(sandbox, { imageBase64: "A".repeat(4096) }, {
        authorization: "Bearer x",
        apikey: Redacted.value(sandbox.apiKey)
      })
      expect(big.status).toBe(413)
    }))
})

describe("GET /processes/v1/{id}", () => {
  it("404 for a process it never created", () =>
    withSandbox({}, async (sandbox) => {
      const response = await fetch(`${sandbox.apiUrl}/processes/v1/9f1c2a7e-1111-4222-8333-444455556666`, {
        headers: await authHeaders(sandbox)
      })
      expect(response.status).toBe(404)
      expect(((await response.json()) as { error: { description?: string } }).error.description).toBeDefined()
    }))
})
