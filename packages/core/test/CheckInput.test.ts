import { describe, expect, it } from "@effect/vitest"
import { CheckInput, InvalidRequest, SelfiePayload } from "@liveness/core"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { imageBase64, sdkPayload, SEED_CPF, SEED_NAME, SEED_SUBSIDIARY, seedBody } from "./support.js"

/** Validates `input` and returns the InvalidRequest it must fail with. */
const invalid = (input: unknown) => Effect.flip(CheckInput.validate(input))

const fields = (error: InvalidRequest) => error.errors.map((issue) => issue.field)

/**
 * Asserts that nothing the caller sent as personal data or secret appears anywhere in the error: not in the
 * message, not in the issues, not in its JSON or string form.
 */
const expectNoLeak = (error: InvalidRequest, secrets: ReadonlyArray<string>) => {
  const renderings = [JSON.stringify(error), String(error), error.message, JSON.stringify(error.errors)]
  for (const rendering of renderings) {
    for (const secret of secrets) expect(rendering).not.toContain(secret)
  }
}

const withSubject = (subject: Record<string, unknown>, payload = sdkPayload()) => ({
  ...seedBody(payload),
  subject: { ...seedBody().subject, ...subject }
})

describe("CheckInput.validate", () => {
  describe("valid input", () => {
    it.effect("the seed example body passes and the payload becomes Redacted", () =>
      Effect.gen(function*() {
        const payload = sdkPayload()
        const input = yield* CheckInput.validate(seedBody(payload))
        expect(Redacted.isRedacted(input.imageBase64)).toBe(true)
        expect(Redacted.value(input.imageBase64)).toBe(payload)
        expect(String(input.imageBase64)).not.toContain(payload)
        expect(JSON.stringify(input)).not.toContain(payload)
        expect(input.subject).toEqual({
          code: SEED_CPF,
          name: SEED_NAME,
          email: "luke@example.com",
          phone: "551972557070"
        })
        expect(input.subsidiaryId).toBe(SEED_SUBSIDIARY)
        expect(SelfiePayload.kindOfAccepted(Redacted.value(input.imageBase64))).toEqual({ _tag: "SdkPayload" })
      }))

    it.effect("a plain JPEG passes and is classified as an image", () =>
      Effect.gen(function*() {
        const input = yield* CheckInput.validate(seedBody(imageBase64("jpeg", 4096)))
        expect(SelfiePayload.kindOfAccepted(Redacted.value(input.imageBase64))).toEqual({
          _tag: "Image",
          format: "jpeg",
          bytes: 4096
        })
      }))

    it.effect("only imageBase64 is required", () =>
      Effect.gen(function*() {
        const input = yield* CheckInput.validate({ imageBase64: sdkPayload() })
        expect(input.subject).toBeUndefined()
        expect(input.subsidiaryId).toBeUndefined()
      }))

    it.effect("email and phone are optional in the subject", () =>
      Effect.gen(function*() {
        const input = yield* CheckInput.validate({
          imageBase64: sdkPayload(),
          subject: { code: SEED_CPF, name: SEED_NAME }
        })
        expect(input.subject).toEqual({ code: SEED_CPF, name: SEED_NAME })
      }))

    it.effect("an already validated input validates again (idempotent)", () =>
      Effect.gen(function*() {
        const once = yield* CheckInput.validate(seedBody())
        const twice = yield* CheckInput.validate(once)
        expect(Redacted.value(twice.imageBase64)).toBe(Redacted.value(once.imageBase64))
        expect(twice.subject).toEqual(once.subject)
      }))
  })

  describe("field-level failures", () => {
    const payload = sdkPayload()
    const cases: ReadonlyArray<readonly [string, unknown, string]> = [
      ["subject.code with wrong check digits", withSubject({ code: "12345678900" }), "subject.code"],
      ["subject.code formatted", withSubject({ code: "123.456.789-09" }), "subject.code"],
      ["subject.code all digits equal", withSubject({ code: "11111111111" }), "subject.code"],
      ["subject.code as a number", withSubject({ code: 12345678909 }), "subject.code"],
      ["subject.name with double spaces", withSubject({ name: "Luke  Skywalker" }), "subject.name"],
      ["subject.name blank", withSubject({ name: "   " }), "subject.name"],
      ["subject.name empty", withSubject({ name: "" }), "subject.name"],
      ["subject.name with a leading space", withSubject({ name: " Luke Skywalker" }), "subject.name"],
      ["subject.name over 200 characters", withSubject({ name: "L".repeat(201) }), "subject.name"],
      ["subject.email not an address", withSubject({ email: "luke.example.com" }), "subject.email"],
      ["subject.phone with + and separators", withSubject({ phone: "+55 19 7255-7070" }), "subject.phone"],
      ["subject.phone too short", withSubject({ phone: "123456789" }), "subject.phone"],
      ["subject.phone too long", withSubject({ phone: "12345678901234" }), "subject.phone"],
      ["subject.code missing", { imageBase64: payload, subject: { name: SEED_NAME } }, "subject.code"],
      ["subject.name missing", { imageBase64: payload, subject: { code: SEED_CPF } }, "subject.name"],
      ["subject not an object", { imageBase64: payload, subject: `${SEED_CPF} ${SEED_NAME}` }, "subject"],
      ["subsidiaryId not a UUID", { ...seedBody(payload), subsidiaryId: "branch-42" }, "subsidiaryId"],
      ["subsidiaryId not a string", { ...seedBody(payload), subsidiaryId: 42 }, "subsidiaryId"],
      ["imageBase64 missing", { subject: seedBody().subject }, "imageBase64"],
      ["imageBase64 not a string", { ...seedBody(), imageBase64: 42 }, "imageBase64"],
      ["imageBase64 empty", { ...seedBody(), imageBase64: "" }, "imageBase64"],
      ["imageBase64 not base64", { ...seedBody(), imageBase64: "not base64 at all!" }, "imageBase64"],
      [
        "imageBase64 with a data: URL prefix",
        { ...seedBody(), imageBase64: `data:image/jpeg;base64,${imageBase64()}` },
        "imageBase64"
      ],
      [
        "imageBase64 of bytes that are no image",
        { ...seedBody(), imageBase64: Buffer.from("%PDF-1.7 a document, not a selfie").toString("base64") },
        "imageBase64"
      ],
      [
        "imageBase64 of an image over 800 KB",
        { ...seedBody(), imageBase64: imageBase64("jpeg", 800 * 1024 + 1) },
        "imageBase64"
      ]
    ]

    it.effect.each(cases.map(([label, body, field]) => [label, field, body] as const))(
      "%s -> InvalidRequest on %s",
      ([_, field, body]) =>
        Effect.gen(function*() {
          const error = yield* invalid(body)
          expect(error).toBeInstanceOf(InvalidRequest)
          expect(error.code).toBe("invalid_request")
          expect(fields(error)).toEqual([field])
          expect(error.providerCode).toBeUndefined()
          expect(error.message).toContain(field)
        })
    )

    it.effect("a formatted CPF is told to use digits only", () =>
      Effect.gen(function*() {
        const error = yield* invalid(withSubject({ code: "123.456.789-09" }))
        expect(error.errors[0].message).toBe("must be 11 digits without dots or dash")
      }))

    it.effect("a data: URL is told to drop the prefix", () =>
      Effect.gen(function*() {
        const error = yield* invalid({ imageBase64: `data:image/png;base64,${imageBase64("png")}` })
        expect(error.errors[0].message).toContain("data:")
      }))

    it.effect("a missing imageBase64 says it is missing", () =>
      Effect.gen(function*() {
        const error = yield* invalid({})
        expect(error.errors).toEqual([{ field: "imageBase64", message: "is missing" }])
      }))
  })

  describe("several problems at once", () => {
    it.effect("reports every issue, each with its field", () =>
      Effect.gen(function*() {
        const error = yield* invalid({
          subject: { code: "12345678900", name: "Luke  Skywalker", email: "nope", phone: "+55" },
          subsidiaryId: "not-a-uuid",
          imageBase64: "!!!"
        })
        expect(fields(error).sort()).toEqual(
          ["imageBase64", "subject.code", "subject.email", "subject.name", "subject.phone", "subsidiaryId"].sort()
        )
      }))
  })

  describe("a body that is not an object", () => {
    it.effect.each([null, 42, "a string", true, [1, 2]])("%j -> field body", (body) =>
      Effect.gen(function*() {
        const error = yield* invalid(body)
        expect(error.errors).toEqual([{ field: "body", message: "must be a JSON object" }])
      }))

    it.effect("a body that is the payload itself does not echo it", () =>
      Effect.gen(function*() {
        const payload = imageBase64("jpeg", 1024)
        const error = yield* invalid(payload)
        expect(fields(error)).toEqual(["body"])
        expectNoLeak(error, [payload, payload.slice(0, 24)])
      }))
  })

  describe("no personal data or payload in errors", () => {
    const payload = imageBase64("png", 900 * 1024)
    const jwt = sdkPayload({ sub: "capture-secret", cpf: SEED_CPF })
    const bodies: ReadonlyArray<readonly [string, unknown, ReadonlyArray<string>]> = [
      ["a bad CPF", withSubject({ code: "12345678900" }, jwt), ["12345678900", SEED_NAME, jwt]],
      ["a formatted CPF", withSubject({ code: "123.456.789-09" }, jwt), ["123.456.789-09", SEED_NAME]],
      ["a CPF as a number", withSubject({ code: 12345678900 }, jwt), ["12345678900", SEED_NAME]],
      ["a name with double spaces", withSubject({ name: "Luke  Skywalker" }), ["Luke  Skywalker", SEED_CPF]],
      ["a name as a number", withSubject({ name: 12345 }), ["12345", SEED_CPF]],
      ["an oversized image", { ...seedBody(payload) }, [payload.slice(0, 40), SEED_CPF, SEED_NAME]],
      [
        "a non-image payload",
        seedBody(Buffer.from("secret bytes that are not an image").toString("base64")),
        [Buffer.from("secret bytes that are not an image").toString("base64"), SEED_CPF, SEED_NAME]
      ],
      [
        "a data: URL",
        seedBody(`data:image/png;base64,${imageBase64("png", 64)}`),
        [imageBase64("png", 64), SEED_CPF, SEED_NAME]
      ],
      ["a payload that is not a string", { ...seedBody(), imageBase64: { data: jwt } }, [jwt, SEED_CPF]],
      ["a subject that is a string", { imageBase64: jwt, subject: `${SEED_CPF} ${SEED_NAME}` }, [SEED_CPF, SEED_NAME]],
      [
        "a subject that is an array",
        { imageBase64: jwt, subject: [SEED_CPF, SEED_NAME] },
        [SEED_CPF, SEED_NAME, jwt]
      ],
      [
        "a misplaced subject in subsidiaryId",
        { imageBase64: jwt, subsidiaryId: { code: SEED_CPF, name: SEED_NAME } },
        [SEED_CPF, SEED_NAME, jwt]
      ],
      ["the CPF as subsidiaryId", { imageBase64: jwt, subsidiaryId: SEED_CPF }, [SEED_CPF, jwt]],
      ["the CPF number as subsidiaryId", { imageBase64: jwt, subsidiaryId: 12345678909 }, [SEED_CPF, jwt]],
      ["the email misplaced", withSubject({ email: SEED_NAME }), [SEED_NAME, SEED_CPF]],
      ["the phone misplaced", withSubject({ phone: SEED_CPF + "x" }), [SEED_CPF]]
    ]

    it.effect.each(bodies)("%s", ([_, body, secrets]) =>
      Effect.gen(function*() {
        const error = yield* invalid(body)
        expect(error.errors.length).toBeGreaterThan(0)
        expectNoLeak(error, secrets)
      }))
  })
})
