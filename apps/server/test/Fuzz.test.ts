/**
 * Bad input, property-based: broken JSON, wrong types, huge and empty fields, invalid CPFs and UUIDs,
 * non-image base64, wrong content types and oversize bodies. Every case must be answered 4xx
 * application/problem+json (never a 5xx, never HTML), and the gateway must still serve afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Cpf } from "@liveness/core"
import * as fc from "effect/FastCheck"
import { seedBody, startGateway, type TestGateway } from "./support.js"

let gw: TestGateway

beforeAll(async () => {
  gw = await startGateway({ LIVENESS_PROVIDER: "fake", BODY_LIMIT: "64kb", GATEWAY_RATE_LIMIT: "0" })
})
afterAll(() => gw.close())

interface Case {
  readonly contentType: string
  readonly body: string
}

/** Strings that are never a valid selfie payload: no three-part base64url, no image signature. */
const notAPayload = fc.oneof(
  fc.string({ maxLength: 64 }).map((s) => `${s} !`),
  fc.uint8Array({ minLength: 1, maxLength: 2048 }).map((bytes) => Buffer.from([0, ...bytes]).toString("base64")),
  fc.constant(""),
  fc.constant("data:image/jpeg;base64,/9j/4AAQ"),
  fc.integer({ min: 65_000, max: 90_000 }).map((size) => "A".repeat(size))
)

const invalidCpf = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.stringMatching(/^\d{11}$/).filter((code) => !Cpf.isValid(code)),
  fc.constant("00000000000"),
  fc.constant("123.456.789-09")
)

const notAUuid = fc.oneof(fc.string({ maxLength: 40 }).filter((s) => !/^[0-9a-f-]{36}$/i.test(s)), fc.integer())

const anyJson = fc.jsonValue({ maxDepth: 3 })

/** A JSON body with one or more fields broken (the rest of the seed's example kept). */
const brokenBody = fc.oneof(
  fc.record({ imageBase64: notAPayload }).map((b) => ({ ...seedBody(), ...b })),
  fc.record({ code: invalidCpf }).map(({ code }) => ({ ...seedBody(), subject: { ...seedBody().subject, code } })),
  fc.record({
    // Never a valid name: empty, blank, double spaces, or not a string at all.
    name: fc.oneof(
      fc.constant(""),
      fc.constant("Luke  Skywalker"),
      fc.constant(" "),
      anyJson.filter((v) => typeof v !== "string")
    )
  }).map((
    { name }
  ) => ({ ...seedBody(), subject: { ...seedBody().subject, name } })),
  fc.record({ subsidiaryId: notAUuid }).map((b) => ({ ...seedBody(), ...b })),
  fc.record({ phone: fc.string({ maxLength: 20 }).filter((p) => !/^\d{10,13}$/.test(p)) }).map(({ phone }) => ({
    ...seedBody(),
    subject: { ...seedBody().subject, phone }
  })),
  fc.record({ subject: anyJson.filter((v) => typeof v !== "object" || v === null || Array.isArray(v)) }).map((b) => ({
    ...seedBody(),
    ...b
  })),
  anyJson.filter((v) => typeof v !== "object" || v === null || Array.isArray(v) || !("imageBase64" in v))
)

const cases: fc.Arbitrary<Case> = fc.oneof(
  { weight: 4, arbitrary: brokenBody.map((body) => ({ contentType: "application/json", body: JSON.stringify(body) })) },
  {
    weight: 2,
    arbitrary: fc.string({ maxLength: 200 }).filter((text) => {
      try {
        JSON.parse(text)
        return false
      } catch {
        return true
      }
    }).map((body) => ({ contentType: "application/json", body }))
  },
  {
    weight: 1,
    arbitrary: fc.record({
      contentType: fc.constantFrom(
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/xml",
        "application/json; charset=latin1"
      ),
      body: fc.string({ maxLength: 100 })
    })
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 70_000, max: 200_000 }).map((size) => ({
      contentType: "application/json",
      body: JSON.stringify({ ...seedBody(), imageBase64: "A".repeat(size) })
    }))
  }
)

describe("bad input, property-based (1,000 cases)", () => {
  it("every bad request is a 4xx problem+json, and the gateway keeps serving", async () => {
    const statuses = new Map<number, number>()
    await fc.assert(
      fc.asyncProperty(cases, async ({ body, contentType }) => {
        const response = await fetch(`${gw.url}/processes/v1`, {
          method: "POST",
          headers: { "content-type": contentType },
          body
        })
        const text = await response.text()
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1)
        expect(response.status, text.slice(0, 200)).toBeGreaterThanOrEqual(400)
        expect(response.status, text.slice(0, 200)).toBeLessThan(500)
        expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/)
        const problem = JSON.parse(text) as { status: number; type: string; requestId: string }
        expect(problem.status).toBe(response.status)
        expect(problem.requestId).toBeTruthy()
      }),
      { numRuns: 1000 }
    )
    // Several kinds of refusal were exercised, not one.
    expect([...statuses.keys()].sort()).toEqual(expect.arrayContaining([400, 413, 415]))
    const after = await fetch(`${gw.url}/processes/v1`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(seedBody())
    })
    expect(after.status).toBe(200)
    expect(((await after.json()) as { verdict: string }).verdict).toBe("live")
  }, 120_000)
})
