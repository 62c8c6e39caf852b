import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as Redacted from "effect/Redacted"
import { ApiKeys } from "../src/index.js"
import {
  checksInFlight,
  eventually,
  expectNotLogged,
  expectProblem,
  postJson,
  seedBody,
  startGateway,
  type TestGateway
} from "./support.js"

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const someProcess = "/processes/v1/80371b2a-3ac7-432e-866d-57fe37896ac6"

describe("authentication on", () => {
  const keys = ["first-caller-key-0001", "second-caller-key-0002"]
  let gw: TestGateway
  beforeAll(async () => {
    gw = await startGateway({
      LIVENESS_PROVIDER: "fake",
      GATEWAY_API_KEYS: ` ${keys[0]}, ${keys[1]} `,
      GATEWAY_RATE_LIMIT: "3"
    })
  })
  afterAll(async () => {
    await gw.close()
    expectNotLogged(gw, keys)
  })

  it("accepts every configured key (Bearer, any case), and logs the key's id, not the key", async () => {
    const first = await postJson(gw.url, seedBody(), { authorization: `Bearer ${keys[0]}` })
    expect(first.status).toBe(200)
    const second = await postJson(gw.url, seedBody(), { authorization: `bearer ${keys[1]}` })
    expect(second.status).toBe(200)
    const line = gw.logs.find((log) => log.requestId === second.headers.get("x-request-id"))
    expect(line).toMatchObject({ caller: "key-2", verdict: "live" })
  })

  it("refuses a missing key, a wrong key, another scheme and a key's prefix with 401", async () => {
    const attempts: ReadonlyArray<Record<string, string>> = [
      {},
      { authorization: "Bearer not-a-key" },
      { authorization: `Basic ${Buffer.from(`x:${keys[0]}`).toString("base64")}` },
      { authorization: `Bearer ${keys[0].slice(0, -1)}` },
      { authorization: `Bearer ${keys[0]} extra` }
    ]
    for (const headers of attempts) {
      const response = await fetch(`${gw.url}${someProcess}`, { headers })
      expect(response.headers.get("www-authenticate")).toBe("Bearer realm=\"liveness-gateway\"")
      await expectProblem(response, 401, "unauthorized")
    }
  })

  it("limits each key on its own, with draft-8 RateLimit headers and Retry-After", async () => {
    const key = { authorization: `Bearer ${keys[1]}` }
    // key-2 made one request above; two more reach the limit of 3 per minute.
    for (let i = 0; i < 2; i++) {
      const response = await fetch(`${gw.url}${someProcess}`, { headers: key })
      expect(response.status).toBe(404)
      expect(response.headers.get("ratelimit-policy")).toMatch(/^"per-key"; q=3; w=60/)
      expect(response.headers.get("ratelimit")).toMatch(/^"per-key"; r=\d+; t=\d+/)
    }
    const limited = await fetch(`${gw.url}${someProcess}`, { headers: key })
    expect(limited.headers.get("ratelimit")).toMatch(/r=0/)
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0)
    await expectProblem(limited, 429, "gateway-rate-limited")
    // The other key still has its own quota.
    const other = await fetch(`${gw.url}${someProcess}`, { headers: { authorization: `Bearer ${keys[0]}` } })
    expect(other.status).toBe(404)
    // Unauthenticated requests do not use anyone's quota: they stop at 401.
    expect((await fetch(`${gw.url}${someProcess}`)).status).toBe(401)
  })

  it("leaves health, readiness, metrics and docs open", async () => {
    for (const path of ["/healthz", "/readyz", "/metrics", "/openapi.json", "/docs"]) {
      expect((await fetch(`${gw.url}${path}`)).status).toBe(200)
    }
  })
})

describe("a caller's id and its scope in the capture ledger", () => {
  it("the id is the key's position; the scope is the key's own, whatever the order, and never the key", () => {
    const [a, b] = ["scope-test-key-aaaa", "scope-test-key-bbbb"].map((key) => Redacted.make(key))
    const inOrder = ApiKeys.make([a!, b!]).authenticate("Bearer scope-test-key-aaaa")!
    const reordered = ApiKeys.make([b!, a!]).authenticate("Bearer scope-test-key-aaaa")!
    expect([inOrder.id, reordered.id]).toEqual(["key-1", "key-2"])
    expect(reordered.scope).toBe(inOrder.scope)
    expect(ApiKeys.make([b!]).authenticate("Bearer scope-test-key-bbbb")!.scope).not.toBe(inOrder.scope)
    expect(inOrder.scope).toMatch(/^key:[\w-]{16}$/)
    expect(inOrder.scope).not.toContain("scope-test-key")
  })
})

describe("authentication off (development, no GATEWAY_API_KEYS)", () => {
  let gw: TestGateway
  beforeAll(async () => {
    gw = await startGateway({ LIVENESS_PROVIDER: "fake", GATEWAY_RATE_LIMIT: "2" })
  })
  afterAll(() => gw.close())

  it("serves without a key, and said so at start-up", async () => {
    expect((await postJson(gw.url, seedBody())).status).toBe(200)
    const warning = gw.logs.find((log) => log.level === "warn" && String(log.msg).includes("authentication is off"))
    expect(warning).toBeDefined()
  })

  it("limits by client address instead", async () => {
    expect((await fetch(`${gw.url}${someProcess}`)).status).toBe(404)
    await expectProblem(await fetch(`${gw.url}${someProcess}`), 429, "gateway-rate-limited")
  })
})

describe("CORS, request ids, security headers", () => {
  let gw: TestGateway
  beforeAll(async () => {
    gw = await startGateway({
      LIVENESS_PROVIDER: "fake",
      GATEWAY_API_KEYS: "cors-test-key",
      CORS_ORIGINS: "https://app.example.com, http://localhost:5173"
    })
  })
  afterAll(() => gw.close())

  const preflight = (origin: string) =>
    fetch(`${gw.url}/processes/v1`, {
      method: "OPTIONS",
      headers: {
        origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type, x-request-id, idempotency-key"
      }
    })

  it("answers a preflight from an allowed origin without asking for a key", async () => {
    const response = await preflight("https://app.example.com")
    expect(response.status).toBe(204)
    expect(response.headers.get("access-control-allow-origin")).toBe("https://app.example.com")
    expect(response.headers.get("access-control-allow-methods")).toBe("GET,POST")
    expect(response.headers.get("access-control-allow-headers")?.toLowerCase()).toBe(
      "authorization,content-type,x-request-id,idempotency-key"
    )
  })

  it("grants nothing to an origin that is not on the list", async () => {
    const response = await preflight("https://evil.example.net")
    // Without Access-Control-Allow-Origin the browser refuses the call.
    expect(response.headers.get("access-control-allow-origin")).toBeNull()
    expect(response.headers.get("access-control-allow-credentials")).toBeNull()
  })

  it("exposes the request id, replay and rate-limit headers to allowed browsers", async () => {
    const response = await fetch(`${gw.url}${someProcess}`, {
      headers: { origin: "http://localhost:5173", authorization: "Bearer cors-test-key" }
    })
    expect(response.headers.get("access-control-allow-origin")).toBe("http://localhost:5173")
    expect(response.headers.get("access-control-expose-headers")).toMatch(
      /X-Request-Id.*Idempotent-Replayed.*RateLimit/
    )
  })

  it("keeps a well-formed X-Request-Id, replaces a malformed one, generates one when absent", async () => {
    const kept = await fetch(`${gw.url}/healthz`, { headers: { "x-request-id": "client-123:abc_DEF.9" } })
    expect(kept.headers.get("x-request-id")).toBe("client-123:abc_DEF.9")

    for (const malformed of ["has space", "x".repeat(129), "semi;colon", "a/b", "<script>"]) {
      const response = await fetch(`${gw.url}/healthz`, { headers: { "x-request-id": malformed } })
      expect(response.headers.get("x-request-id")).toMatch(UUID)
    }
    const generated = await fetch(`${gw.url}/healthz`)
    expect(generated.headers.get("x-request-id")).toMatch(UUID)
  })

  it("puts the request id in problem bodies and in the request's one log line", async () => {
    const response = await fetch(`${gw.url}${someProcess}?cpf=98765432100`, {
      headers: { authorization: "Bearer cors-test-key", "x-request-id": "trace-42", "x-custom": "header-value" }
    })
    const problem = await expectProblem(response, 404, "process-not-found")
    expect(problem.requestId).toBe("trace-42")
    const lines = gw.logs.filter((log) => log.requestId === "trace-42")
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatchObject({
      route: "/processes/v1/:id",
      status: 404,
      error: "ProcessNotFound",
      processId: "80371b2a-3ac7-432e-866d-57fe37896ac6"
    })
    expect(JSON.stringify(lines[0])).not.toMatch(/authorization|cors-test-key|headers|header-value|\?cpf|url/i)
    expectNotLogged(gw, ["98765432100", "header-value", "cors-test-key"])
  })

  it("sends helmet's headers and no X-Powered-By", async () => {
    const response = await fetch(`${gw.url}/healthz`)
    expect(response.headers.get("x-content-type-options")).toBe("nosniff")
    expect(response.headers.get("content-security-policy")).toMatch(/default-src 'self'/)
    expect(response.headers.get("x-powered-by")).toBeNull()
    expect(response.headers.get("cache-control")).toBe("no-store")
  })
})

describe("a caller that disconnects mid-check", () => {
  let gw: TestGateway
  beforeAll(async () => {
    gw = await startGateway({ LIVENESS_PROVIDER: "fake" })
  })
  afterAll(() => gw.close())

  it("does not cancel the check: its outcome is logged with the process id", async () => {
    const controller = new AbortController()
    // Rate limited once (Retry-After: 1 s), then live: the caller gives up while the check waits to retry.
    const pending = postJson(gw.url, seedBody({ code: "00000000353" }), { "x-request-id": "gone-caller" }, {
      signal: controller.signal
    })
    await checksInFlight(gw.url, 1)
    controller.abort()
    await expect(pending).rejects.toThrow()
    const finished = await eventually(() =>
      gw.logs.find((log) => log.msg === "check finished after the caller disconnected")
    )
    expect(finished).toMatchObject({
      requestId: "gone-caller",
      verdict: "live",
      processId: expect.stringMatching(UUID)
    })
    const aborted = gw.logs.find((log) =>
      log.requestId === "gone-caller" && log.msg === "request aborted by the client"
    )
    expect(aborted).toMatchObject({ aborted: true, level: "warn" })
  })
})

describe("log lines per check: the request line at info, the core's own lines from debug", () => {
  const checkLines = async (level: string) => {
    const gw = await startGateway({ LIVENESS_PROVIDER: "fake", LOG_LEVEL: level })
    try {
      const response = await postJson(gw.url, seedBody(), { "x-request-id": `check-at-${level}` })
      expect(response.status).toBe(200)
      const { id } = (await response.json()) as { id: string }
      return { id, lines: gw.logs.filter((log) => log.requestId === `check-at-${level}`) }
    } finally {
      await gw.close()
    }
  }

  it("at info (the default), one line per check: the request line, with the verdict and the process id", async () => {
    const { id, lines } = await checkLines("info")
    expect(lines).toEqual([
      expect.objectContaining({ msg: "request completed", level: "info", status: 200, verdict: "live", processId: id })
    ])
  })

  it("at debug, the core's per-check line as well", async () => {
    const { id, lines } = await checkLines("debug")
    expect(lines.map((line) => line.msg)).toEqual(["liveness process answered", "request completed"])
    expect(lines[0]).toMatchObject({ level: "debug", source: "effect", processId: id, verdict: "live" })
  })
})
