import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Fixtures } from "@liveness/fake"
import { expectNotLogged, expectProblem, postJson, seedBody, startGateway, type TestGateway } from "./support.js"

// The fake with a short deadline (the 40 s CPF) and short backoffs; quotas off so checks run concurrently.
const env = {
  LIVENESS_PROVIDER: "fake",
  LIVENESS_DEADLINE_MS: "2500",
  LIVENESS_BASE_DELAY_MS: "20",
  LIVENESS_MAX_DELAY_MS: "100",
  LIVENESS_RATE_LIMIT: "0"
}

const used: Array<string> = []
const body = (code: string, imageBase64?: string) => {
  const made = seedBody({ code, ...(imageBase64 === undefined ? {} : { imageBase64 }) })
  used.push(made.subject.code, made.imageBase64)
  return made
}

// Test names say what a CPF stands for, never the CPF (test output is a log too).
const verdicts: ReadonlyArray<readonly [string, string, string, { status: number; liveness?: number }]> = [
  ["the seed's CPF", "12345678909", "live", { status: 3, liveness: 1 }],
  ["the not-live CPF", "00000000191", "not-live", { status: 3, liveness: 2 }],
  ["the processing-error CPF", "00000000272", "retry-capture", { status: 5 }],
  ["the rate-limited-once CPF", "00000000353", "live", { status: 3, liveness: 1 }],
  ["the unavailable-once CPF (SDK payload, replayed)", "00000000434", "live", { status: 3, liveness: 1 }]
]

const problems: ReadonlyArray<readonly [string, string, number, string, string | undefined]> = [
  ["the image-too-large CPF", "00000000515", 422, "payload-rejected", "20506"],
  ["the access-denied CPF", "00000000604", 502, "provider-access-denied", "30017"],
  ["the authentication-failed CPF", "00000000787", 502, "provider-authentication-failed", "1.2.5"],
  ["the always-unavailable CPF", "00000000868", 503, "provider-unavailable", undefined],
  ["the 40 s CPF", "00000000949", 504, "deadline-exceeded", undefined]
]

describe("every magic CPF of the fake, through the gateway", () => {
  let gw: TestGateway
  beforeAll(async () => {
    gw = await startGateway(env)
  })
  afterAll(async () => {
    await gw.close()
    expectNotLogged(gw, used)
  })

  describe.concurrent("answers a verdict", () => {
    for (const [label, code, verdict, process] of verdicts) {
      it(`${label}: 200 ${verdict}`, async () => {
        const response = await postJson(gw.url, body(code))
        expect(response.status).toBe(200)
        expect(response.headers.get("x-liveness-provider")).toBe("fake")
        expect(response.headers.get("x-liveness-simulated")).toBe("true")
        expect(await response.json()).toEqual({ id: expect.any(String), ...process, verdict })
      })
    }
  })

  describe.concurrent("answers a problem", () => {
    for (const [label, code, status, slug, providerCode] of problems) {
      it(`${label}: ${status} ${slug}`, async () => {
        const response = await postJson(gw.url, body(code))
        const problem = await expectProblem(response, status, slug)
        if (providerCode !== undefined) expect(problem.providerCode).toBe(providerCode)
        else expect(problem.providerCode).toBeUndefined()
      })
    }

    it("the unavailable CPF with a plain image: 503, not processed (every attempt got a 503)", async () => {
      const response = await postJson(gw.url, body("00000000868", Fixtures.image()))
      const problem = await expectProblem(response, 503, "provider-unavailable")
      expect(problem.mayHaveBeenProcessed).toBe(false)
    })

    it("an SDK payload sent again: the same request gets its answer again; with another subject, 422 reused (10508); an expired one: 422 expired (10507)", async () => {
      const payload = Fixtures.sdkPayload()
      const answered = await postJson(gw.url, body("12345678909", payload))
      expect(answered.status).toBe(200)
      const again = await postJson(gw.url, body("12345678909", payload))
      expect(again.headers.get("idempotent-replayed")).toBe("true")
      expect(await again.json()).toEqual(await answered.json())
      // Another subject with the same capture: refused as Unico refuses a reused payload, without a submission.
      const reused = await expectProblem(
        await postJson(gw.url, body("52998224725", payload)),
        422,
        "payload-rejected"
      )
      expect(reused).toMatchObject({ providerCode: "10508", reason: "reused", code: "payload_rejected" })
      const old = Fixtures.sdkPayload({ issuedAt: new Date(Date.now() - 11 * 60 * 1000) })
      const expired = await expectProblem(await postJson(gw.url, body("12345678909", old)), 422, "payload-rejected")
      expect(expired).toMatchObject({ providerCode: "10507", reason: "expired" })
    })
  })

  it("logs our refused credentials at error level with the Unico code and a hint, not the caller's data", () => {
    const operator = gw.logs.filter((log) =>
      log.level === "error" && String(log.msg).includes("refused the gateway's credentials")
    )
    expect(operator.map((log) => log.providerCode).sort()).toEqual(["1.2.5", "30017"])
    expect(operator.find((log) => log.providerCode === "1.2.5")?.msg).toMatch(/Hint: /)
  })

  it("writes one line per request with the verdict or the error and the process id", () => {
    const lines = gw.logs.filter((log) => log.msg === "request completed" && log.route === "/processes/v1")
    expect(lines.length).toBeGreaterThanOrEqual(verdicts.length + problems.length + 4)
    for (const line of lines) {
      expect(Object.keys(line).sort()).toEqual(
        expect.arrayContaining(["durationMs", "method", "requestId", "route", "status"])
      )
      if (line.status === 200) {
        expect(line).toMatchObject({ verdict: expect.any(String), processId: expect.any(String) })
      } else expect(line).toMatchObject({ error: expect.any(String), code: expect.any(String) })
    }
  })
})

describe("the provider's rate limit, when retries are used up", () => {
  let gw: TestGateway
  beforeAll(async () => {
    gw = await startGateway({ ...env, LIVENESS_MAX_ATTEMPTS: "1" })
  })
  afterAll(() => gw.close())

  it("the rate-limited-once CPF with one attempt: 429 rate-limited with Retry-After", async () => {
    const response = await postJson(gw.url, body("00000000353"))
    const problem = await expectProblem(response, 429, "rate-limited")
    expect(response.headers.get("retry-after")).toBe("1")
    expect(problem.code).toBe("rate_limited")
  })
})
