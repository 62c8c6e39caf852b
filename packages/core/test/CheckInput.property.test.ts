/**
 * Property tests of the input schema: whatever arrives, validation answers (never throws or dies), every
 * problem names a field, and no message repeats a string that was sent (payloads, CPFs and names are secrets or
 * personal data).
 */
import { describe, expect, it } from "@effect/vitest"
import { CheckInput, Cpf } from "@liveness/core"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as fc from "effect/FastCheck"

const strings = (value: unknown): Array<string> =>
  typeof value === "string"
    ? [value]
    : typeof value === "object" && value !== null
    ? Object.values(value).flatMap(strings)
    : []

const body = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.record(
    {
      imageBase64: fc.oneof(fc.string({ minLength: 8 }), fc.base64String({ minLength: 8 }), fc.jsonValue()),
      subject: fc.oneof(
        fc.record({
          code: fc.oneof(fc.stringMatching(/^\d{11}$/), fc.string({ minLength: 8 })),
          name: fc.string({ minLength: 8 }),
          email: fc.string({ minLength: 8 }),
          phone: fc.string({ minLength: 8 })
        }, { requiredKeys: [] }),
        fc.jsonValue()
      ),
      subsidiaryId: fc.oneof(fc.uuid(), fc.string({ minLength: 8 }))
    },
    { requiredKeys: [] }
  )
)

describe("CheckInput.validate, property-based", () => {
  it.effect("never dies, names a field for each problem, and never echoes a string it was given", () =>
    Effect.sync(() =>
      fc.assert(
        fc.property(body, (input) => {
          const exit = Effect.runSyncExit(CheckInput.validate(input))
          if (Exit.isSuccess(exit)) return
          expect(Exit.isFailure(exit) && exit.cause._tag).toBe("Fail")
          const error = exit.cause._tag === "Fail" ? exit.cause.error : undefined
          expect(error?._tag).toBe("InvalidRequest")
          const text = `${error?.message} ${JSON.stringify(error)}`
          for (const issue of error?.errors ?? []) expect(issue.field.length).toBeGreaterThan(0)
          // Strings of 8+ characters are distinctive enough that finding one in a message means it was echoed.
          for (const sent of strings(input).filter((s) => s.length >= 8 && !/^[a-z .,:()]+$/i.test(s))) {
            expect(text).not.toContain(sent)
          }
        }),
        { numRuns: 2000 }
      )
    ))

  it.effect("a valid CPF with a name and a compact JWT always validates", () =>
    Effect.sync(() =>
      fc.assert(
        fc.property(
          fc.stringMatching(/^\d{9}$/).map(Cpf.withCheckDigits).filter(Cpf.isValid),
          fc.array(fc.stringMatching(/^[A-Za-z]{1,12}$/), { minLength: 1, maxLength: 4 }).map((parts) =>
            parts.join(" ")
          ),
          fc.array(fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/), { minLength: 3, maxLength: 3 }).map((parts) =>
            parts.join(".")
          ),
          (code, name, imageBase64) => {
            expect(Exit.isSuccess(Effect.runSyncExit(CheckInput.validate({ subject: { code, name }, imageBase64 }))))
              .toBe(
                true
              )
          }
        ),
        { numRuns: 500 }
      )
    ))
})
