/**
 * Reads Unico's error bodies in every documented shape:
 * - API, by-Client page: `{"error":{"code":"20009","description":"…"}}`
 * - API, generic page: `{"error":{"code":400,"message":"…"}}`
 * - token endpoint: `{"error":"server_error","error_description":"Falha na autenticação 1.2.5"}`
 * Anything else yields no code, and the HTTP status decides.
 *
 * @since 0.1.0
 */
import { UnicoCodes } from "@liveness/core"
import * as Option from "effect/Option"

export interface ErrorInfo {
  readonly code?: string
  readonly description?: string
}

const text = (value: unknown): string | undefined =>
  typeof value === "string" ? value : typeof value === "number" ? String(value) : undefined

export const parse = (body: string): ErrorInfo => {
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch {
    return {}
  }
  if (typeof json !== "object" || json === null) return {}
  const error = (json as Record<string, unknown>).error
  if (typeof error === "object" && error !== null) {
    const record = error as Record<string, unknown>
    const code = text(record.code)
    const description = text(record.description) ?? text(record.message)
    return { ...(code === undefined ? {} : { code }), ...(description === undefined ? {} : { description }) }
  }
  const description = text((json as Record<string, unknown>).error_description)
  if (description === undefined) return {}
  const code = Option.getOrUndefined(UnicoCodes.authCodeFromDescription(description))
  return { ...(code === undefined ? {} : { code }), description }
}

/** `Retry-After` in milliseconds: delta-seconds or an HTTP date. */
export const retryAfterMillis = (header: string | undefined, now: number): number | undefined => {
  if (header === undefined || header.trim() === "") return undefined
  const seconds = Number(header)
  if (Number.isFinite(seconds)) return seconds >= 0 ? Math.ceil(seconds * 1000) : undefined
  // An HTTP date names its day and month; Date.parse alone would read "-1" as a year.
  if (!/[A-Za-z]{3}/.test(header)) return undefined
  const date = Date.parse(header)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}
