/**
 * Secret hygiene through the whole gateway flow on the real HTTP adapter (against an in-process sandbox):
 * success, invalid input, the provider's refusals and failures, our own credentials refused at the token
 * endpoint, a replay and a reused Idempotency-Key, and a wrong gateway key, all at debug level. No log line and no
 * response may contain the private key, the API key, an access token, the gateway key (or its ledger scope), the
 * Idempotency-Key, any 16-character slice of a payload, a CPF or a name.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Fixtures, Leaks } from "@liveness/fake"
import { Sandbox } from "@liveness/sandbox"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import { ApiKeys } from "../src/index.js"
import { closedPort, postJson, seedBody, startGateway, type TestGateway } from "./support.js"

const GATEWAY_KEY = "gw-key-7f3c9a1e5b2d4c6f8a0b"
const NAME = "Leia Organa Skywalker"

let scope: Scope.CloseableScope
let sandbox: Sandbox.Sandbox
const gateways: Array<TestGateway> = []
const responses: Array<string> = []
const payloads: Array<string> = []
const cpfs = ["12345678909", "00000000191", "00000000515", "00000000604", "00000000787", "00000000868"]

const envFor = (sb: Sandbox.Sandbox, overrides: Record<string, string> = {}) => ({
  LIVENESS_PROVIDER: "unico",
  UNICO_AUTH_URL: sb.authUrl,
  UNICO_API_URL: sb.apiUrl,
  UNICO_ISSUER: sb.issuer,
  UNICO_PRIVATE_KEY: Redacted.value(sb.privateKey),
  UNICO_API_KEY: Redacted.value(sb.apiKey),
  GATEWAY_API_KEYS: GATEWAY_KEY,
  LOG_LEVEL: "debug",
  LIVENESS_MAX_ATTEMPTS: "2",
  LIVENESS_BASE_DELAY_MS: "10",
  LIVENESS_MAX_DELAY_MS: "20",
  ...overrides
})

const IDEMPOTENCY_KEY = "idem-key-3b8e1f4a9c2d7e05"

const post = async (gw: TestGateway, body: unknown, key = GATEWAY_KEY, headers: Record<string, string> = {}) => {
  const response = await fetch(`${gw.url}/processes/v1`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}`, ...headers },
    body: JSON.stringify(body)
  })
  const text = await response.text()
  responses.push(text, JSON.stringify([...response.headers]))
  return { status: response.status, text }
}

beforeAll(async () => {
  scope = Effect.runSync(Scope.make())
  sandbox = await Effect.runPromise(Sandbox.start({ rateLimit: false }).pipe(Scope.extend(scope)))
  gateways.push(await startGateway(envFor(sandbox)))
  // The same account but a tenant the token endpoint does not know: our own credentials refused (1.0.1).
  gateways.push(
    await startGateway(envFor(sandbox, { UNICO_ISSUER: sandbox.issuer.replace(/@[^.]+\./, "@othertenant.") }))
  )
})

afterAll(async () => {
  for (const gw of gateways) await gw.close()
  await Effect.runPromise(Scope.close(scope, Exit.void))
})

describe("secret hygiene, whole gateway flow at debug level", () => {
  it("nothing secret or personal reaches a log line or a response", async () => {
    const [gw, refused] = gateways as [TestGateway, TestGateway]
    for (const code of cpfs) {
      const imageBase64 = code === "12345678909" ? Fixtures.sdkPayload({ size: 4000 }) : Fixtures.sdkPayload()
      payloads.push(imageBase64)
      await post(gw, { subject: { code, name: NAME, email: "leia@example.com", phone: "5511974749090" }, imageBase64 })
    }
    const image = Fixtures.image()
    payloads.push(image)
    // A 503 handled nothing: the plain image is sent again, and is live.
    expect((await post(gw, { subject: { code: "00000000434", name: NAME }, imageBase64: image })).status).toBe(200)
    // Invalid input: a CPF with a wrong check digit, and a name with double spaces.
    await post(gw, { subject: { code: "12345678900", name: "Leia  Organa" }, imageBase64: Fixtures.sdkPayload() })
    // A capture sent again with an Idempotency-Key: a replay, then the key with another body (422).
    const replayed = { subject: { code: "12345678909", name: NAME }, imageBase64: Fixtures.sdkPayload() }
    payloads.push(replayed.imageBase64)
    const idempotency = { "idempotency-key": IDEMPOTENCY_KEY }
    expect((await post(gw, replayed, GATEWAY_KEY, idempotency)).status).toBe(200)
    expect((await post(gw, replayed, GATEWAY_KEY, idempotency)).status).toBe(200)
    const other = { ...replayed, imageBase64: Fixtures.sdkPayload() }
    payloads.push(other.imageBase64)
    expect((await post(gw, other, GATEWAY_KEY, idempotency)).status).toBe(422)
    // A wrong gateway key.
    expect((await post(gw, { imageBase64: Fixtures.sdkPayload() }, "not-the-key-0123456789")).status).toBe(401)
    // Our own Unico credentials refused at the token endpoint.
    const token = Fixtures.sdkPayload()
    payloads.push(token)
    expect((await post(refused, { subject: { code: "12345678909", name: NAME }, imageBase64: token })).status).toBe(502)
    const ready = await fetch(`${refused.url}/readyz`)
    responses.push(await ready.text())

    const logs = gateways.map((g) => g.rawLogs()).join("\n")
    expect(logs.length).toBeGreaterThan(1000)
    // Debug level really was on: the workflow's retry lines are there.
    expect(logs).toContain("retrying provider request")
    const everything = `${logs}\n${responses.join("\n")}`
    expect(
      Leaks.find(everything, {
        secrets: {
          "the API key": Redacted.value(sandbox.apiKey),
          "the gateway key": GATEWAY_KEY,
          "the idempotency key": IDEMPOTENCY_KEY,
          "the gateway key's ledger scope": ApiKeys.make([Redacted.make(GATEWAY_KEY)]).authenticate(
            `Bearer ${GATEWAY_KEY}`
          )!.scope,
          "the name": NAME,
          "the wrong gateway key": "not-the-key-0123456789",
          "the invalid CPF": "12345678900",
          ...Object.fromEntries(cpfs.map((cpf, i) => [`CPF number ${i + 1}`, cpf]))
        },
        privateKeys: [Redacted.value(sandbox.privateKey)],
        payloads
      })
    ).toEqual([])
    // The replay was logged as one, by the key's id.
    expect(gateways[0]!.logs).toContainEqual(expect.objectContaining({ replayed: true, caller: "key-1", status: 200 }))
    // No authorization, APIKEY or Idempotency-Key header is logged either.
    expect(logs.toLowerCase()).not.toContain("idempotency-key\":")
    expect(logs.toLowerCase()).not.toContain("\"authorization\"")
    expect(logs.toLowerCase()).not.toContain("apikey\":")
  }, 60_000)
})

describe("secret hygiene, Redis", () => {
  it("the Redis URL's password never reaches a log line, /readyz or /metrics, even while Redis is down", async () => {
    const port = await closedPort()
    const gw = await startGateway({
      LIVENESS_PROVIDER: "fake",
      LIVENESS_REDIS_URL: `redis://liveness:hunter2redis@127.0.0.1:${port}/0`,
      LOG_LEVEL: "debug"
    })
    try {
      expect((await postJson(gw.url, seedBody())).status).toBe(200)
      const ready = await (await fetch(`${gw.url}/readyz`)).json() as { redis: { status: string; target: string } }
      expect(ready.redis).toMatchObject({ status: "degraded", target: `redis://127.0.0.1:${port}/0` })
      const metrics = await (await fetch(`${gw.url}/metrics`)).text()
      const everything = `${gw.rawLogs()}${JSON.stringify(ready)}${metrics}`
      expect(everything).toContain("Redis unavailable")
      expect(everything).not.toContain("hunter2redis")
    } finally {
      await gw.close()
    }
  })
})
