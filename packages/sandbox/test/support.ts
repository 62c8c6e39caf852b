import { Fixtures } from "@liveness/fake"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { SignJWT } from "jose"
import { createPrivateKey } from "node:crypto"
import { Sandbox } from "../src/index.js"

/** Runs `body` against a fresh sandbox that stops afterwards. */
export const withSandbox = <A>(options: Sandbox.Options, body: (sandbox: Sandbox.Sandbox) => Promise<A>) =>
  Effect.runPromise(
    Effect.scoped(Effect.flatMap(Sandbox.start(options), (sandbox) => Effect.promise(() => body(sandbox))))
  )

export const now = () => Math.floor(Date.now() / 1000)

/** Signs an assertion with the sandbox's key; claims and header can be bent to test refusals. */
export const assertion = (
  sandbox: Sandbox.Sandbox,
  claims: Record<string, unknown> = {},
  options: { readonly key?: string; readonly alg?: string } = {},
  // One reading of the clock: iat and exp read apart may straddle a second and make a 3,601 s lifetime.
  iat = now()
) =>
  new SignJWT({ iss: sandbox.issuer, aud: sandbox.authUrl, scope: "*", iat, exp: iat + 3600, ...claims })
    .setProtectedHeader({ alg: options.alg ?? "RS256", typ: "JWT" })
    .sign(createPrivateKey(options.key ?? Redacted.value(sandbox.privateKey)))

export const requestToken = (sandbox: Sandbox.Sandbox, form: Record<string, string>) =>
  fetch(`${sandbox.authUrl}/oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form)
  })

export const GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"

export const token = async (sandbox: Sandbox.Sandbox, claims: Record<string, unknown> = {}) => {
  const response = await requestToken(sandbox, { grant_type: GRANT, assertion: await assertion(sandbox, claims) })
  const body = await response.json() as { access_token: string }
  return body.access_token
}

export const createProcess = (
  sandbox: Sandbox.Sandbox,
  body: unknown,
  headers: Record<string, string | undefined>
) =>
  fetch(`${sandbox.apiUrl}/processes/v1`, {
    method: "POST",
    headers: Object.fromEntries(
      Object.entries({ "content-type": "application/json", ...headers }).filter(([, v]) => v !== undefined)
    ) as Record<string, string>,
    body: typeof body === "string" ? body : JSON.stringify(body)
  })

/** Headers with a fresh token; `claims` bend the assertion (its `iat`/`exp` under a TestClock, say). */
export const authHeaders = async (sandbox: Sandbox.Sandbox, claims: Record<string, unknown> = {}) => ({
  authorization: `Bearer ${await token(sandbox, claims)}`,
  apikey: Redacted.value(sandbox.apiKey)
})

export const seedBody = () => ({
  subject: { code: "12345678909", name: "Luke Skywalker", email: "luke@example.com", phone: "551972557070" },
  subsidiaryId: "60837cd3-ed3c-4038-ad7c-0a85ad64b03a",
  imageBase64: Fixtures.sdkPayload()
})
