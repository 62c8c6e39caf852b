/**
 * Finds secrets and personal data in text that should hold neither (logs, responses, error messages): for
 * secret-hygiene tests. It looks for each named secret verbatim, for slices of a PEM key's body, for every
 * 16-character slice of each payload, and for bearer tokens.
 *
 * @since 0.1.0
 */

export interface Sought {
  /** Named values that must not appear, e.g. `{ "the API key": apiKey, "a CPF": "12345678909" }`. */
  readonly secrets?: Readonly<Record<string, string>>
  /** PEM private keys: 24-character slices of their base64 body must not appear. */
  readonly privateKeys?: ReadonlyArray<string>
  /** Selfie payloads: no 16-character slice of one may appear. */
  readonly payloads?: ReadonlyArray<string>
}

/** What leaked, one description each (empty when nothing did). */
export const find = (text: string, sought: Sought): ReadonlyArray<string> => {
  const leaks: Array<string> = []
  for (const [what, secret] of Object.entries(sought.secrets ?? {})) {
    if (secret !== "" && text.includes(secret)) leaks.push(what)
  }
  for (const pem of sought.privateKeys ?? []) {
    const body = pem.split("\n").filter((line) => !line.startsWith("-----")).join("")
    for (let i = 0; i + 24 <= body.length; i += 64) {
      if (text.includes(body.slice(i, i + 24))) leaks.push(`a slice of a private key at ${i}`)
    }
  }
  for (const [n, payload] of (sought.payloads ?? []).entries()) {
    for (let i = 0; i + 16 <= payload.length; i += 16) {
      const slice = payload.slice(i, i + 16)
      // Runs of a few repeated characters (padding) are not distinctive.
      if (new Set(slice).size >= 4 && text.includes(slice)) leaks.push(`a 16-character slice of payload ${n} at ${i}`)
    }
  }
  if (/bearer\s+[A-Za-z0-9._~+/-]{20,}/i.test(text)) leaks.push("a bearer token")
  return leaks
}
