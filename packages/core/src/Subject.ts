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
  }, { identifier: "Name" })
)

export const Email = messages.string("an e-mail address").pipe(
  Schema.filter(
    (email) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) && email.length <= 254 || "must be an e-mail address",
    {
      identifier: "Email"
    }
  )
)

/** Country code, area code and number, digits only (Unico's examples omit the `+`). */
export const Phone = messages.string("a phone number of 10 to 13 digits").pipe(
  Schema.filter((phone) => /^\d{10,13}$/.test(phone) || "must be 10 to 13 digits, without + or separators", {
    identifier: "Phone"
  })
)

export const Subject = Schema.Struct({
  code: Cpf,
  name: Name,
  email: Schema.optionalWith(Email, { exact: true }),
  phone: Schema.optionalWith(Phone, { exact: true })
}).annotations({ identifier: "Subject", message: () => "must be an object with code and name" })
export type Subject = typeof Subject.Type
