import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { postJson, seedBody, startGateway, type TestGateway } from "./support.js"

// The whole real path: the gateway, the core workflow, the real HTTP adapter and the embedded sandbox.
describe("the seed's example request, on the embedded sandbox", () => {
  let gw: TestGateway
  beforeAll(async () => {
    gw = await startGateway({})
  })
  afterAll(() => gw.close())

  it("defaults to the sandbox when no UNICO_* is set", () => {
    expect(gw.gateway.provider.kind).toBe("sandbox")
  })

  it("answers 200 with Unico's {id, status, liveness} and the verdict, marked as simulated", async () => {
    const body = seedBody()
    const response = await postJson(gw.url, body)
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toMatch(/^application\/json/)
    expect(response.headers.get("x-liveness-provider")).toBe("sandbox")
    expect(response.headers.get("x-liveness-simulated")).toBe("true")
    const result = (await response.json()) as { id: string }
    expect(result).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), status: 3, liveness: 1, verdict: "live" })

    const again = await fetch(`${gw.url}/processes/v1/${result.id}`)
    expect(again.status).toBe(200)
    expect(await again.json()).toEqual(result)

    const line = gw.logs.find((log) => log.requestId === response.headers.get("x-request-id"))
    expect(line).toMatchObject({ route: "/processes/v1", status: 200, verdict: "live", processId: result.id })
    expect(gw.rawLogs().includes(body.imageBase64)).toBe(false)
    expect(gw.rawLogs().includes(body.subject.code)).toBe(false)
  })

  it("is ready once a token can be minted, and counts token mints in /metrics", async () => {
    const ready = await fetch(`${gw.url}/readyz`)
    expect(ready.status).toBe(200)
    expect(await ready.json()).toEqual({ status: "ready", provider: "sandbox", simulated: true })
    const metrics = await (await fetch(`${gw.url}/metrics`)).text()
    expect(metrics).toMatch(/^# TYPE liveness_token_mints_total counter$/m)
    expect(metrics).toMatch(/^liveness_token_mints_total [1-9]\d*$/m)
  })
})
