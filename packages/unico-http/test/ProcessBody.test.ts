import { describe, expect, it } from "@effect/vitest"
import { CheckInput } from "@liveness/core"
import * as Effect from "effect/Effect"
import { UnicoHttp } from "../src/index.js"

const b64url = (text: string) => Buffer.from(text, "utf8").toString("base64url")
const jws = `${b64url("{\"alg\":\"RS256\"}")}.${b64url("{\"sub\":\"capture\"}")}.${b64url("signature")}`
const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(2048, 0x2a)]).toString("base64")
const subject = { code: "12345678909", name: "Luke \"the\" Skywalker", email: "luke@example.com" }

describe("UnicoHttp.processBody (the request body, written once)", () => {
  it.effect.each(
    [
      ["an SDK payload alone", { imageBase64: jws }],
      ["a plain image with a subject (quotes in the name are escaped)", { imageBase64: jpeg, subject }],
      ["a name beyond ASCII (written as UTF-8)", {
        imageBase64: jws,
        subject: { code: "12345678909", name: "José Ñandú 李" }
      }],
      [
        "everything",
        { imageBase64: jws, subject, subsidiaryId: "60837cd3-ed3c-4038-ad7c-0a85ad64b03a" }
      ]
    ] as const
  )("%s: the JSON Unico expects, the same as JSON.stringify gives", ([, body]) =>
    Effect.gen(function*() {
      const input = yield* CheckInput.validate(body)
      const written = Buffer.from(UnicoHttp.processBody(input)).toString("utf8")
      expect(JSON.parse(written)).toEqual(body)
      // The payload is written as it is, once, at the end.
      expect(written.endsWith(`"imageBase64":"${body.imageBase64}"}`)).toBe(true)
    }))
})
