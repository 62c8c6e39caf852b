/**
 * The Brazilian taxpayer number (CPF) used as `subject.code`: 11 digits, two check digits, and not all
 * digits equal (those pass the checksum but are never issued).
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import * as messages from "./internal/messages.js"

const checkDigit = (digits: string, length: number): number => {
  let sum = 0
  for (let i = 0; i < length; i++) sum += Number(digits[i]) * (length + 1 - i)
  const rest = (sum * 10) % 11
  return rest === 10 ? 0 : rest
}

/** The CPF's format: 11 digits, no dots or dash (what a pattern can say; the check digits are beyond it). */
export const FORMAT = /^\d{11}$/

/** Why a string is not a CPF, or `undefined` when it is one. The value itself is never echoed. */
export const problem = (value: string): string | undefined => {
  if (!FORMAT.test(value)) {
    return /^\d{3}\.?\d{3}\.?\d{3}-?\d{2}$/.test(value)
      ? "must be 11 digits without dots or dash"
      : "must be a CPF of 11 digits"
  }
  if (/^(\d)\1{10}$/.test(value)) return "is not a valid CPF (all digits equal)"
  if (checkDigit(value, 9) !== Number(value[9]) || checkDigit(value, 10) !== Number(value[10])) {
    return "is not a valid CPF (check digits do not match)"
  }
  return undefined
}

export const isValid = (value: string): boolean => problem(value) === undefined

/** Completes 9 base digits with their two check digits (for fixtures and tests). */
export const withCheckDigits = (base9: string): string => {
  const ten = base9 + String(checkDigit(base9, 9))
  return ten + String(checkDigit(ten, 10))
}

/** A valid CPF, branded. Messages never contain the value (a CPF is personal data). */
export const Cpf = messages.string("a CPF of 11 digits").pipe(
  Schema.filter((value) => problem(value) ?? true, {
    identifier: "Cpf",
    description: "A CPF: 11 digits without dots or dash, with valid check digits, not all equal. The pattern " +
      "checks the digits only: a CPF with a wrong check digit matches it and is still refused.",
    jsonSchema: { pattern: FORMAT.source }
  }),
  Schema.brand("Cpf")
)
export type Cpf = typeof Cpf.Type
