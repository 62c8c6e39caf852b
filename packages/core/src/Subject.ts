/**
 * The person the selfie belongs to, as Unico's `subject`: a CPF, a name, and optionally e-mail and phone.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { Cpf } from "./Cpf.js"
import * as messages from "./internal/messages.js"

/** Full name: not blank, no two consecutive spaces (Unico refuses them), at most 200 characters. */
export const Name = messages.string("a non-empty name").pipe(
  Schema.filter((name) => {
    if (name.trim().length === 0) return "must not be empty"
    if (name.includes("  ")) return "must not contain two consecutive spaces"
    if (name !== name.trim()) return "must not start or end with spaces"
    if (name.length > 200) return "must be at most 200 characters"
    return true
  }, {
    identifier: "Name",
    description: "No leading, trailing or two consecutive spaces. At most 200 UTF-16 code units: a character " +
      "beyond U+FFFF (an emoji) counts 2, where `maxLength` counts it once.",
    // The filter's rules as a pattern, for the OpenAPI document (`\s` is the set `trim` removes); a test holds
    // the two together.
    jsonSchema: { minLength: 1, maxLength: 200, pattern: "^(?![\\s\\S]* {2})\\S(?:[\\s\\S]*\\S)?$" }
  })
)

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

export const Email = messages.string("an e-mail address").pipe(
  Schema.filter((email) => EMAIL.test(email) && email.length <= 254 || "must be an e-mail address", {
    identifier: "Email",
    jsonSchema: { maxLength: 254, pattern: EMAIL.source }
  })
)

const PHONE = /^\d{10,13}$/

/** Country code, area code and number, digits only (Unico's examples omit the `+`). */
export const Phone = messages.string("a phone number of 10 to 13 digits").pipe(
  Schema.filter((phone) => PHONE.test(phone) || "must be 10 to 13 digits, without + or separators", {
    identifier: "Phone",
    jsonSchema: { pattern: PHONE.source }
  })
)

export const Subject = Schema.Struct({
  code: Cpf,
  name: Name,
  email: Schema.optionalWith(Email, { exact: true }),
  phone: Schema.optionalWith(Phone, { exact: true })
}).annotations({ identifier: "Subject", message: () => "must be an object with code and name" })
export type Subject = typeof Subject.Type
