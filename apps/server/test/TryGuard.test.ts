/**
 * Where `/try` is served, and what its JSON routes answer, over plain HTTP (no browser): on the sandbox and the fake
 * only, off with `NODE_ENV=production` unless `GATEWAY_TRY_PAGE=true` (like the simulated providers themselves);
 * elsewhere every `/try` route is a 404 problem that says why. `POST /try/payloads` makes payloads in
 * `Fixtures.sdkPayload`'s format and refuses bad input with clear problems.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Fixtures, MagicValues } from "@liveness/fake"
import { Sandbox } from "@liveness/sandbox"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import { Routes, start, StartupError } from "../src/index.js"
import { expectProblem, postJson, seedBody, startGateway, type TestGateway } from "./support.js"

const KEY = "try-guard-key-0001"
const auth = { authorization: `Bearer ${KEY}` }

const tryRoutes = Object.values(Routes.routes).filter((route) => route.express.startsWith("/try"))

const request = (url: string, route: typeof tryRoutes[number]) =>
  fetch(`${url}${route.express}`, {
    method: route.method.toUpperCase(),
    ...(route.method === "post" ? { headers: { "content-type": "application/json" }, body: "{}" } : {})
  })

const mint = (url: string, body: unknown, contentType = "application/json") =>
  fetch(`${url}/try/payloads`, { method: "POST", headers: { "content-type": contentType }, body: JSON.stringify(body) })

/** Every /try route answers 404 not-found, its detail matching `why`. */
const expectRefused = async (gw: TestGateway, why: RegExp) => {
  expect(tryRoutes.length).toBe(5)
  for (const route of tryRoutes) {
    const problem = await expectProblem(await request(gw.url, route), 404, "not-found")
    expect(problem.detail, route.express).toMatch(why)
  }
}

/** Every /try route is served. */
const expectServed = async (gw: TestGateway) => {
  for (const route of tryRoutes) expect((await request(gw.url, route)).status, route.express).toBe(200)
}

describe("the production guard of /try, like the simulated providers'", () => {
  const production = {
    NODE_ENV: "production",
    LIVENESS_PROVIDER: "fake",
    LIVENESS_ALLOW_FAKE: "true",
    GATEWAY_API_KEYS: KEY
  }

  it("NODE_ENV=production, even on the fake allowed on purpose: every /try route is refused, saying how to enable it; checks still run", async () => {
    const gw = await startGateway(production)
    try {
      await expectRefused(gw, /NODE_ENV=production: set GATEWAY_TRY_PAGE=true/)
      expect((await postJson(gw.url, seedBody(), auth)).status).toBe(200)
    } finally {
      await gw.close()
    }
  })

  it("NODE_ENV=production with GATEWAY_TRY_PAGE=true: served", async () => {
    const gw = await startGateway({ ...production, GATEWAY_TRY_PAGE: "true" })
    try {
      await expectServed(gw)
      // The page's checks still need a gateway key.
      await expectProblem(await postJson(gw.url, seedBody()), 401, "unauthorized")
    } finally {
      await gw.close()
    }
  })

  it("GATEWAY_TRY_PAGE=false turns it off outside production; a value that is not a boolean stops start-up", async () => {
    const gw = await startGateway({ LIVENESS_PROVIDER: "fake", GATEWAY_TRY_PAGE: "false" })
    try {
      await expectRefused(gw, /turned off \(GATEWAY_TRY_PAGE=false\)/)
    } finally {
      await gw.close()
    }
    const failed = await start({
      env: { PORT: "0", LOG_LEVEL: "silent", LIVENESS_PROVIDER: "fake", GATEWAY_TRY_PAGE: "maybe" },
      logDestination: { write: () => undefined }
    }).then(async (gateway) => {
      await gateway.close()
      return undefined
    }, (error: unknown) => error)
    expect(failed).toBeInstanceOf(StartupError)
    expect((failed as StartupError).message).toContain("GATEWAY_TRY_PAGE")
  })
})

describe("/try on the real adapter and on the embedded sandbox", () => {
  let scope: Scope.CloseableScope
  let sandbox: Sandbox.Sandbox
  beforeAll(async () => {
    scope = Effect.runSync(Scope.make())
    sandbox = await Effect.runPromise(Sandbox.start({ rateLimit: false }).pipe(Scope.extend(scope)))
  })
  afterAll(() => Effect.runPromise(Scope.close(scope, Exit.void)))

  it("LIVENESS_PROVIDER=unico: refused even with GATEWAY_TRY_PAGE=true (fake payloads mean nothing to Unico)", async () => {
    const gw = await startGateway({
      LIVENESS_PROVIDER: "unico",
      ...Sandbox.unicoEnvironment(sandbox),
      GATEWAY_TRY_PAGE: "true"
    })
    try {
      await expectRefused(gw, /simulated provider only .*runs on unico/)
    } finally {
      await gw.close()
    }
  })

  it("the embedded sandbox (the default): served, and a minted payload's scenario decides a check without a subject", async () => {
    const gw = await startGateway({ LIVENESS_RATE_LIMIT: "0" })
    try {
      await expectServed(gw)
      const table = (await (await fetch(`${gw.url}/try/scenarios.json`)).json()) as {
        provider: { kind: string }
        scenarios: unknown
      }
      expect(table.provider.kind).toBe("sandbox")
      expect(table.scenarios).toEqual(MagicValues.documented)
      const { imageBase64 } = (await (await mint(gw.url, { scenario: "not-live" })).json()) as { imageBase64: string }
      const response = await postJson(gw.url, { imageBase64 })
      expect(await response.json()).toMatchObject({ status: 3, liveness: 2, verdict: "not-live" })
    } finally {
      await gw.close()
    }
  })
})

describe("/try's routes on the fake", () => {
  let gw: TestGateway
  beforeAll(async () => {
    gw = await startGateway({ LIVENESS_PROVIDER: "fake", LIVENESS_BASE_DELAY_MS: "20", LIVENESS_MAX_DELAY_MS: "100" })
  })
  afterAll(() => gw.close())

  it("POST /try/payloads: a fresh payload in Fixtures.sdkPayload's format, with the scenario asked for", async () => {
    const response = await mint(gw.url, { scenario: "unavailable-once" })
    expect(response.status).toBe(200)
    expect(response.headers.get("cache-control")).toBe("no-store")
    const minted = (await response.json()) as { imageBase64: string; scenario: string; issuedAt: string }
    expect(minted.scenario).toBe("unavailable-once")
    expect(Fixtures.readSdkClaims(minted.imageBase64)).toMatchObject({
      iss: Fixtures.FAKE_ISSUER,
      scenario: "unavailable-once",
      iat: Math.floor(Date.parse(minted.issuedAt) / 1000)
    })
    const other = (await (await mint(gw.url, {})).json()) as { imageBase64: string; scenario?: string }
    expect(other.imageBase64).not.toBe(minted.imageBase64)
    expect(other.scenario).toBeUndefined()
    expect(Fixtures.readSdkClaims(other.imageBase64)?.scenario).toBeUndefined()
    // The scenario claim decides when there is no subject: 503 once, then live.
    const checked = await postJson(gw.url, { imageBase64: minted.imageBase64 })
    expect(await checked.json()).toMatchObject({ verdict: "live" })
    expect(checked.headers.get("x-liveness-attempts")).toBe("2")
  })

  it("POST /try/payloads refuses bad input with clear problems", async () => {
    const unknown = await expectProblem(await mint(gw.url, { scenario: "sunny" }), 400, "invalid-request")
    expect(unknown.errors).toEqual([{ field: "scenario", message: expect.stringContaining("unavailable-once") }])
    const array = await expectProblem(await mint(gw.url, ["live"]), 400, "invalid-request")
    expect(array.errors).toEqual([{ field: "body", message: "must be a JSON object" }])
    await expectProblem(await mint(gw.url, { scenario: "live" }, "text/plain"), 415, "unsupported-media-type")
    await expectProblem(
      await fetch(`${gw.url}/try/payloads`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{"
      }),
      400,
      "malformed-json"
    )
  })

  it("X-Liveness-Attempts on a check's 200, a replay's (the first check's) and a read-back's", async () => {
    const body = seedBody()
    const first = await postJson(gw.url, body)
    expect(first.headers.get("x-liveness-attempts")).toBe("1")
    const { id } = (await first.json()) as { id: string }
    const replay = await postJson(gw.url, body)
    expect(replay.headers.get("idempotent-replayed")).toBe("true")
    expect(replay.headers.get("x-liveness-attempts")).toBe("1")
    expect((await fetch(`${gw.url}/processes/v1/${id}`)).headers.get("x-liveness-attempts")).toBe("1")
    const refused = await postJson(gw.url, seedBody({ code: "00000000515" }))
    expect(refused.headers.get("x-liveness-attempts")).toBeNull()
  })

  it("the page and its assets come from the gateway, under its CSP: no inline script or handler, no storage for the key", async () => {
    const response = await fetch(`${gw.url}/try`)
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8")
    const csp = response.headers.get("content-security-policy")!
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain("script-src-attr 'none'")
    const html = await response.text()
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/)
    expect(html).not.toMatch(/\son[a-z]+=/i)
    const assets = [...html.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"/g)].map((match) => match[1]!)
    expect(assets.filter((asset) => !asset.startsWith("data:"))).toEqual(["/try/app.css", "/try/app.js"])
    const script = await (await fetch(`${gw.url}/try/app.js`)).text()
    expect(script).not.toMatch(/localStorage|sessionStorage|indexedDB|document\.cookie|console\./)
    expect((await fetch(`${gw.url}/try/app.css`)).headers.get("content-type")).toBe("text/css; charset=utf-8")
  })
})
