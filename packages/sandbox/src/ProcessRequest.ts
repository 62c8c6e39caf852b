/**
 * Unico's validation of a `POST /processes/v1` body, with its codes (docs/unico-contract.md, Errors): body
 * missing or not an object (20003), subject missing when required (20004), subject.code missing (20005) or
 * not a valid CPF (20507), subject.name missing or with two consecutive spaces (20006), imageBase64 missing
 * (20009), subsidiaryId not a UUID (20003). Payload rules belong to the scenario engine.
 *
 * The body is parsed once (`parse`): the sandbox reads the payload out of it (`payloadOf`) on arrival, to count the
 * submission whatever the answer, and validates it later. It carries the payload, up to megabytes.
 *
 * @since 0.1.0
 */
import { Cpf } from "@liveness/core"
import type { ScenarioEngine } from "@liveness/fake"

export type Validated =
  | { readonly _tag: "Valid"; readonly request: ScenarioEngine.EngineRequest }
  | { readonly _tag: "Invalid"; readonly code: string; readonly description: string }

/** A request body read as JSON, or not JSON at all. */
export type Body = { readonly _tag: "Json"; readonly value: unknown } | { readonly _tag: "NotJson" }

export const parse = (raw: string): Body => {
  try {
    return { _tag: "Json", value: JSON.parse(raw) }
  } catch {
    return { _tag: "NotJson" }
  }
}

const recordOf = (body: Body): Record<string, unknown> | undefined =>
  body._tag === "Json" && typeof body.value === "object" && body.value !== null && !Array.isArray(body.value)
    ? body.value as Record<string, unknown>
    : undefined

const imageOf = (record: Record<string, unknown>): string | undefined =>
  typeof record.imageBase64 === "string" && record.imageBase64 !== "" ? record.imageBase64 : undefined

/** The payload the body carries: its `imageBase64` if that is a non-empty string (Unico's 20009 otherwise). */
export const payloadOf = (body: Body): string | undefined => {
  const record = recordOf(body)
  return record === undefined ? undefined : imageOf(record)
}

const invalid = (code: string, description: string): Validated => ({ _tag: "Invalid", code, description })

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

const optionalString = (value: unknown) => (typeof value === "string" && value !== "" ? value : undefined)

/** Validates a raw body, or one already parsed. */
export const validate = (body: string | Body, requireSubject: boolean): Validated => {
  const record = recordOf(typeof body === "string" ? parse(body) : body)
  if (record === undefined) return invalid("20003", "O corpo da requisição é inválido.")
  let subject: ScenarioEngine.EngineRequest["subject"]
  if (record.subject === undefined || record.subject === null) {
    if (requireSubject) return invalid("20004", "O parâmetro subject não foi informado.")
  } else {
    if (typeof record.subject !== "object" || Array.isArray(record.subject)) {
      return invalid("20004", "O parâmetro subject não foi informado.")
    }
    const fields = record.subject as Record<string, unknown>
    if (typeof fields.code !== "string" || fields.code === "") {
      return invalid("20005", "O parâmetro subject.code não foi informado.")
    }
    if (!Cpf.isValid(fields.code)) return invalid("20507", "O parâmetro subject.code é inválido.")
    if (typeof fields.name !== "string" || fields.name.trim() === "") {
      return invalid("20006", "O parâmetro subject.name não foi informado.")
    }
    if (fields.name.includes("  ")) return invalid("20006", "O parâmetro subject.name não pode conter espaços duplos.")
    const email = optionalString(fields.email)
    const phone = optionalString(fields.phone)
    subject = {
      code: fields.code,
      name: fields.name,
      ...(email === undefined ? {} : { email }),
      ...(phone === undefined ? {} : { phone })
    }
  }
  const imageBase64 = imageOf(record)
  if (imageBase64 === undefined) return invalid("20009", "O parâmetro imagebase64 não foi informado.")
  const subsidiaryId = record.subsidiaryId
  if (subsidiaryId !== undefined && (typeof subsidiaryId !== "string" || !UUID.test(subsidiaryId))) {
    return invalid("20003", "O parâmetro subsidiaryId é inválido.")
  }
  return {
    _tag: "Valid",
    request: {
      ...(subject === undefined ? {} : { subject }),
      ...(typeof subsidiaryId === "string" ? { subsidiaryId } : {}),
      imageBase64
    }
  }
}
