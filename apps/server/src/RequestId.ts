/**
 * Request ids: a caller's `X-Request-Id` is kept when it is well-formed (1 to 128 of `A-Z a-z 0-9 . _ : -`),
 * otherwise a UUID is generated. The id is echoed in the response, in problem bodies and in every log line.
 */
import { randomUUID } from "node:crypto"

export const HEADER = "X-Request-Id"

const WELL_FORMED = /^[A-Za-z0-9._:-]{1,128}$/

export const of = (header: string | ReadonlyArray<string> | undefined): string =>
  typeof header === "string" && WELL_FORMED.test(header) ? header : randomUUID()
