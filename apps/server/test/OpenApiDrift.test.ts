/**
 * The served OpenAPI document and the Schemas it is derived from say the same thing. For sampled values, the
 * Schema's decision (for request bodies: the gateway's own answer over HTTP too) and the document's JSON Schema
 * (validated with Ajv, formats asserted as a strict client would) agree, wherever JSON Schema can say the rule;
 * where it cannot (a CPF's check digits), the document says so at that field. The problem table and the route
 * table are in the document, and nothing else is.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { CheckInput, Cpf, LivenessError, Verdict } from "@liveness/core"
import { Fixtures, MagicValues } from "@liveness/fake"
import formats from "ajv-formats"
import { Ajv2020 } from "ajv/dist/2020.js"
import * as Arbitrary from "effect/Arbitrary"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import * as Schema from "effect/Schema"
import { OpenApi, Problems, Routes } from "../src/index.js"
import { postJson, startGateway, type TestGateway } from "./support.js"

type Document = typeof OpenApi.document

interface Sample {
  readonly label: string
  readonly value: unknown
  /**
   * A rule the document's JSON Schema cannot say: the Schema refuses the value, the document accepts it, and the
   * description at `gap.at` (a path into the component `gap.in`) says so with `gap.says`.
   */
  readonly gap?: { readonly in: string; readonly at: ReadonlyArray<string>; readonly says: string }
}

const payload = Fixtures.sdkPayload()
const subject = { code: MagicValues.LIVE_CPF, name: "Luke Skywalker" }
const request = (fields: Record<string, unknown>) => ({ imageBase64: payload, subject, ...fields })
const withSubject = (fields: Record<string, unknown>) => request({ subject: { ...subject, ...fields } })

const cpfGap = { in: "Subject", at: ["properties", "code"], says: "wrong check digit" }
const nameGap = { in: "Subject", at: ["properties", "name"], says: "U+FFFF" }
const payloadGap = { in: "CreateProcessRequest", at: ["properties", "imageBase64"], says: "neither kind is refused" }

/** The CPFs of the samples: the document's pattern must accept exactly what `Cpf.FORMAT` does. */
const codes: ReadonlyArray<Sample> = [
  { label: "a valid CPF", value: MagicValues.LIVE_CPF },
  { label: "another valid CPF", value: Cpf.withCheckDigits("529982247") },
  { label: "a wrong first check digit", value: "12345678919", gap: cpfGap },
  { label: "a wrong second check digit", value: "12345678900", gap: cpfGap },
  { label: "11 equal digits", value: "11111111111", gap: cpfGap },
  { label: "10 digits", value: "1234567890" },
  { label: "12 digits", value: "123456789090" },
  { label: "dots and dash", value: "123.456.789-09" },
  { label: "a letter", value: "1234567890a" },
  { label: "a trailing newline", value: "12345678909\n" },
  { label: "Arabic-Indic digits", value: "١٢٣٤٥٦٧٨٩٠٩" },
  { label: "empty", value: "" },
  { label: "a number", value: 12345678909 }
]

const requests: ReadonlyArray<Sample> = [
  { label: "the documented example", value: request({}) },
  { label: "no subject", value: { imageBase64: payload } },
  { label: "an unknown field (ignored)", value: request({ extra: true }) },
  ...codes.map((sample) => ({
    ...sample,
    label: `subject.code: ${sample.label}`,
    value: withSubject({ code: sample.value })
  })),
  { label: "a name of one letter", value: withSubject({ name: "L" }) },
  { label: "a name of 200 characters", value: withSubject({ name: "a".repeat(200) }) },
  { label: "a name of 201 characters", value: withSubject({ name: "a".repeat(201) }) },
  { label: "an empty name", value: withSubject({ name: "" }) },
  { label: "a blank name", value: withSubject({ name: "   " }) },
  { label: "a leading space", value: withSubject({ name: " Luke" }) },
  { label: "a trailing space", value: withSubject({ name: "Luke " }) },
  { label: "a trailing tab", value: withSubject({ name: "Luke\t" }) },
  { label: "a no-break space at the start", value: withSubject({ name: "\u00a0Luke" }) },
  { label: "two consecutive spaces", value: withSubject({ name: "Luke  Skywalker" }) },
  { label: "two consecutive tabs (allowed)", value: withSubject({ name: "Luke\t\tSkywalker" }) },
  { label: "a line break inside", value: withSubject({ name: "Luke\nSkywalker" }) },
  { label: "accents", value: withSubject({ name: "João Conceição" }) },
  { label: "100 emoji (200 UTF-16 units)", value: withSubject({ name: "😀".repeat(100) }) },
  { label: "101 emoji (202 UTF-16 units)", value: withSubject({ name: "😀".repeat(101) }), gap: nameGap },
  { label: "a name that is a number", value: withSubject({ name: 7 }) },
  { label: "no name", value: request({ subject: { code: MagicValues.LIVE_CPF } }) },
  { label: "no code", value: request({ subject: { name: "Luke" } }) },
  { label: "a subject that is a string", value: request({ subject: "Luke" }) },
  { label: "a null subject", value: request({ subject: null }) },
  { label: "an e-mail", value: withSubject({ email: "luke@example.com" }) },
  { label: "an e-mail with two dots", value: withSubject({ email: "luke@example..com" }) },
  { label: "an e-mail without a dot", value: withSubject({ email: "luke@example" }) },
  { label: "an e-mail with a space", value: withSubject({ email: "luke skywalker@example.com" }) },
  { label: "an e-mail of 254 characters", value: withSubject({ email: `${"a".repeat(242)}@example.com` }) },
  { label: "an e-mail of 255 characters", value: withSubject({ email: `${"a".repeat(243)}@example.com` }) },
  { label: "a phone of 10 digits", value: withSubject({ phone: "1972557070" }) },
  { label: "a phone of 13 digits", value: withSubject({ phone: "5511972557070" }) },
  { label: "a phone of 9 digits", value: withSubject({ phone: "972557070" }) },
  { label: "a phone of 14 digits", value: withSubject({ phone: "55119725570701" }) },
  { label: "a phone with +", value: withSubject({ phone: "+551972557070" }) },
  { label: "a subsidiary id", value: request({ subsidiaryId: "60837cd3-ed3c-4038-ad7c-0a85ad64b03a" }) },
  { label: "a subsidiary id in capitals", value: request({ subsidiaryId: "60837CD3-ED3C-4038-AD7C-0A85AD64B03A" }) },
  {
    label: "a subsidiary id as a URN",
    value: request({ subsidiaryId: "urn:uuid:60837cd3-ed3c-4038-ad7c-0a85ad64b03a" })
  },
  { label: "a subsidiary id without dashes", value: request({ subsidiaryId: "60837cd3ed3c4038ad7c0a85ad64b03a" }) },
  { label: "a subsidiary id that is a number", value: request({ subsidiaryId: 42 }) },
  { label: "an empty subsidiary id", value: request({ subsidiaryId: "" }) },
  { label: "no imageBase64", value: { subject } },
  { label: "an empty imageBase64", value: request({ imageBase64: "" }) },
  { label: "an imageBase64 that is a number", value: request({ imageBase64: 42 }) },
  { label: "a JWE payload", value: request({ imageBase64: "aGVhZA..aXY.Y2lwaGVy.dGFn" }) },
  { label: "a payload of two parts", value: request({ imageBase64: "aGVhZA.Ym9keQ" }), gap: payloadGap },
  { label: "a data: URL", value: request({ imageBase64: "data:image/png;base64,iVBORw0KGgo=" }), gap: payloadGap },
  { label: "base64 that is no image", value: request({ imageBase64: "aGVsbG8gd29ybGQh" }), gap: payloadGap },
  { label: "an array", value: [request({})] },
  { label: "null", value: null },
  { label: "a string", value: "imageBase64" }
]

const answers: ReadonlyArray<Sample> = [
  { label: "live", value: { id: "80371b2a-3ac7-432e-866d-57fe37896ac6", status: 3, liveness: 1, verdict: "live" } },
  { label: "without liveness", value: { id: "p-1", status: 5, verdict: "retry-capture" } },
  { label: "an unknown status", value: { id: "p-1", status: 9, verdict: "unexpected" } },
  ...[...Verdict.Verdict.literals, "LIVE", "", "approved", null].map((verdict) => ({
    label: `verdict ${JSON.stringify(verdict)}`,
    value: { id: "p-1", status: 3, verdict }
  })),
  { label: "a fractional status", value: { id: "p-1", status: 3.5, verdict: "live" } },
  { label: "a status as a string", value: { id: "p-1", status: "3", verdict: "live" } },
  { label: "an empty id", value: { id: "", status: 3, verdict: "live" } },
  { label: "an id with a leading space", value: { id: " p-1", status: 3, verdict: "live" } },
  { label: "no verdict", value: { id: "p-1", status: 3, liveness: 1 } },
  { label: "no id", value: { status: 3, liveness: 1, verdict: "live" } }
]

const problem = (fields: Record<string, unknown>) => ({
  ...Problems.make(Problems.types.payloadRejected, "r-1", "rejected", { reason: "size", providerCode: "20506" }),
  ...fields
})

const problems: ReadonlyArray<Sample> = [
  ...Problems.all.map((type) => ({ label: type.slug, value: Problems.make(type, "r-1", type.title) })),
  { label: "an unknown type", value: problem({ type: `${Problems.PROBLEM_BASE}nope` }) },
  { label: "an unknown code", value: problem({ code: "nope" }) },
  { label: "an unknown reason", value: problem({ reason: "blurry" }) },
  { label: "a status as a string", value: problem({ status: "422" }) },
  {
    label: "no requestId",
    value: Object.fromEntries(Object.entries(problem({})).filter(([key]) => key !== "requestId"))
  },
  { label: "errors without a message", value: problem({ errors: [{ field: "subject.code" }] }) },
  { label: "mayHaveBeenProcessed as a string", value: problem({ mayHaveBeenProcessed: "false" }) }
]

const at = (schema: unknown, path: ReadonlyArray<string>) =>
  path.reduce((node, key) => (node as Record<string, unknown>)[key], schema) as Record<string, unknown>

describe("the OpenAPI document and the Schemas it is derived from", () => {
  let gw: TestGateway
  let document: Document
  let validator: (component: string) => (value: unknown) => boolean
  beforeAll(async () => {
    gw = await startGateway({ LIVENESS_PROVIDER: "fake", GATEWAY_RATE_LIMIT: "0" })
    document = (await (await fetch(`${gw.url}/openapi.json`)).json()) as Document
    const ajv = new Ajv2020({ strict: true, allErrors: true })
    formats.default(ajv)
    // Where OpenAPI keeps the schemas, so that their `#/components/schemas/…` references resolve as they are.
    ajv.addKeyword("components")
    ajv.addSchema({ $id: "openapi.json", components: { schemas: document.components.schemas } })
    validator = (component) => {
      const validate = ajv.getSchema(`openapi.json#/components/schemas/${component}`)
      if (validate === undefined) throw new Error(`no component ${component}`)
      return (value) => validate(value) === true
    }
  })
  afterAll(() => gw.close())

  /** Each sample: the Schema and the document agree, or the gap is the documented one. */
  const expectAgreement = (
    component: string,
    samples: ReadonlyArray<Sample>,
    schemaAccepts: (value: unknown) => boolean
  ) => {
    const documentAccepts = validator(component)
    for (const sample of samples) {
      const expected = sample.gap === undefined ? schemaAccepts(sample.value) : true
      expect(documentAccepts(sample.value), `${component}: ${sample.label}`).toBe(expected)
      if (sample.gap !== undefined) {
        expect(schemaAccepts(sample.value), `${component}: ${sample.label} (a gap)`).toBe(false)
        const description = at(document.components.schemas[sample.gap.in], sample.gap.at).description
        expect(description, `${component}: ${sample.label}`).toContain(sample.gap.says)
      }
    }
  }

  it("request bodies: the core's CheckInput, the document's CreateProcessRequest and the gateway agree", async () => {
    const schemaAccepts = (value: unknown) => Either.isRight(CheckInput.validateEither(value))
    expectAgreement("CreateProcessRequest", requests, schemaAccepts)
    // What the gateway answers is what the Schema decided: a 400 of its own (no `providerCode`) exactly when it
    // refuses.
    for (const sample of requests) {
      const response = await postJson(gw.url, sample.value)
      const body = (await response.json()) as { type?: string; providerCode?: string }
      // JSON that is not an object or an array is refused as malformed before the Schema sees it.
      const refused = response.status === 400 && body.providerCode === undefined &&
        [Problems.types.invalidRequest, Problems.types.malformedJson].map(Problems.uri).includes(body.type ?? "")
      expect(refused, sample.label).toBe(!schemaAccepts(sample.value))
    }
  })

  it("a CPF: the document's pattern is the Schema's format, and says that check digits are beyond it", () => {
    const code = at(document.components.schemas.Subject, ["properties", "code"])
    expect(code.pattern).toBe(Cpf.FORMAT.source)
    const pattern = new RegExp(String(code.pattern), "u")
    for (const sample of codes) {
      const matches = typeof sample.value === "string" && pattern.test(sample.value)
      expect(matches, sample.label).toBe(typeof sample.value === "string" && Cpf.FORMAT.test(sample.value))
      // Never looser than the Schema: what the pattern refuses, the Schema refuses.
      if (!matches) expect(Schema.is(Cpf.Cpf)(sample.value), sample.label).toBe(false)
    }
    expect(code.description).toContain("check digits")
  })

  it("answers: ProcessResult and the gateway's 200 bodies", async () => {
    const decode = Schema.decodeUnknownEither(OpenApi.ProcessResult)
    const schemaAccepts = (value: unknown) => Either.isRight(decode(value))
    expectAgreement("ProcessResult", answers, schemaAccepts)
    expect(document.components.schemas.Verdict.enum).toEqual(Verdict.Verdict.literals)

    const documentAccepts = validator("ProcessResult")
    const served: Array<unknown> = []
    for (const scenario of ["live", "not-live", "processing-error"] as const) {
      const response = await postJson(gw.url, {
        imageBase64: Fixtures.sdkPayload(),
        subject: { ...subject, code: MagicValues.cpfOf(scenario) }
      })
      expect(response.status, scenario).toBe(200)
      served.push(await response.json())
    }
    const readBack = await fetch(`${gw.url}/processes/v1/${(served[0] as { id: string }).id}`)
    served.push(await readBack.json())
    expect(served.map((body) => (body as { verdict: string }).verdict)).toEqual([
      "live",
      "not-live",
      "retry-capture",
      "live"
    ])
    for (const body of served) {
      expect(schemaAccepts(body), JSON.stringify(body)).toBe(true)
      expect(documentAccepts(body), JSON.stringify(body)).toBe(true)
    }
  })

  it("problems: Problems.Body, the document's Problem, and every body the gateway builds or sends", async () => {
    const is = Schema.is(Problems.Body)
    expectAgreement("Problem", problems, is)
    const documentAccepts = validator("Problem")
    // Every error the core can give, as the gateway maps it; a wait in safe integers (Schema.Int's range).
    const errors = FastCheck.sample(Arbitrary.make(LivenessError), { numRuns: 300, seed: 14 }).filter((error) =>
      error._tag !== "RateLimited" || Number.isSafeInteger(error.retryAfterSeconds ?? 0)
    )
    expect(new Set(errors.map((error) => error._tag)).size).toBe(LivenessError.members.length)
    for (const error of errors) {
      const { problem } = Problems.fromLivenessError(error, "r-1")
      expect(is(problem), `${error._tag} ${JSON.stringify(problem)}`).toBe(true)
      expect(documentAccepts(problem), error._tag).toBe(true)
    }
    // And problems as served: a refused body, a rejected payload, an unknown route, a wrong media type.
    const sent = [
      await postJson(gw.url, withSubject({ code: "12345678900" })),
      await postJson(gw.url, {
        imageBase64: Fixtures.sdkPayload(),
        subject: { ...subject, code: MagicValues.cpfOf("image-too-large") }
      }),
      await fetch(`${gw.url}/nowhere`),
      await fetch(`${gw.url}/processes/v1`, { method: "POST", headers: { "content-type": "text/plain" }, body: "x" })
    ]
    expect(sent.map((response) => response.status)).toEqual([400, 422, 404, 415])
    for (const response of sent) {
      const body = await response.json()
      expect(is(body), JSON.stringify(body)).toBe(true)
      expect(documentAccepts(body), JSON.stringify(body)).toBe(true)
    }
  })

  it("every problem type of Problems.ts is in the document, and the document has no other", () => {
    const problem = document.components.schemas.Problem as { properties: Record<string, { enum: Array<string> }> }
    expect([...problem.properties.type!.enum].sort()).toEqual(Problems.all.map(Problems.uri).sort())
    expect([...problem.properties.code!.enum].sort()).toEqual(
      [...new Set(Problems.all.map((type) => type.code))].sort()
    )
    const rows = [...document.info.description.matchAll(/^\| \d{3} \| `([^`]+)` \|/gm)].map((match) => match[1])
    expect(rows).toEqual(Problems.all.map(Problems.uri))
    const responses = Object.entries(document.components.responses)
    expect(responses.map(([name]) => name).sort()).toEqual(
      [...new Set(Problems.all.map((type) => `Problem${type.status}`))].sort()
    )
    for (const [name, response] of responses) {
      const slugs = [...response.description.matchAll(/`([a-z-]+)`: /g)].map((match) => match[1])
      expect(slugs, name).toEqual(
        Problems.all.filter((type) => `Problem${type.status}` === name).map((type) => type.slug)
      )
    }
  })

  it("every route of the route table is in the document's paths, and the document has no other", () => {
    const documented = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method} ${path}`)
    )
    const table = Object.values(Routes.routes).map((route) => `${route.method} ${route.openapi}`)
    expect(documented.sort()).toEqual(table.sort())
    for (const route of Object.values(Routes.routes)) {
      expect(route.openapi).toBe(route.express.replace(/:(\w+)/g, "{$1}"))
    }
    const [asset] = document.paths[Routes.routes.docsAsset.openapi]!.get!.parameters!
    expect(asset).toMatchObject({ in: "path", schema: { enum: ["init.js", ...Routes.DOCS_ASSETS] } })
  })
})
