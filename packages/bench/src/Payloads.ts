/**
 * Realistic ~300 KB SDK-like payloads, cheaply made unique. The fake refuses a reused SDK payload (10508), and
 * pre-generating thousands of 300 KB payloads would take gigabytes, so one `Fixtures.sdkPayload({ size })` is
 * taken apart once and each request re-encodes only the small claims prefix with a fresh `jti` and `iat`: the
 * result is a valid fake SDK payload (three base64url parts, the fake's claims, the same random "face" blob)
 * whose fingerprint is new every time.
 */
import { Fixtures } from "@liveness/fake"
import { randomUUID } from "node:crypto"

export const SUBJECT = { code: "12345678909", name: "Luke Skywalker" }

export const uniqueSdkPayloads = (size = 300_000) => {
  const template = Fixtures.sdkPayload({ size })
  const [header, claimsPart, signature] = template.split(".") as [string, string, string]
  const claims = JSON.parse(Buffer.from(claimsPart, "base64url").toString("utf8")) as { face: string }
  // `"face":"<base64>"}` encoded once; the prefix before it is padded with JSON whitespace to a multiple of
  // 3 bytes so both halves encode independently.
  const tail = Buffer.from(`${claims.face}"}`, "utf8").toString("base64url")
  const next = () => {
    let prefix = `{"iss":"${Fixtures.FAKE_ISSUER}","jti":"${randomUUID()}","iat":${Math.floor(Date.now() / 1000)},`
    while ((Buffer.byteLength(prefix) + 8) % 3 !== 0) prefix += " "
    prefix += `"face":"`
    return `${header}.${Buffer.from(prefix, "utf8").toString("base64url")}${tail}.${signature}`
  }
  /** A complete request body for `POST /processes/v1`, as Unico's. */
  const body = () => `{"subject":${JSON.stringify(SUBJECT)},"imageBase64":"${next()}"}`
  return { next, body, size: template.length }
}
