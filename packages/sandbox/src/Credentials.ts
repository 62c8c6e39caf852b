/**
 * A freshly generated service account for one sandbox: an RSA key pair, a tenant, an issuer of Unico's
 * form and an API key. Nothing is stored on disk or reused between runs.
 *
 * @since 0.1.0
 */
import * as Redacted from "effect/Redacted"
import { generateKeyPairSync, type KeyObject, randomBytes, randomUUID } from "node:crypto"

export interface Credentials {
  readonly serviceAccount: string
  readonly tenantId: string
  /** `<serviceAccount>@<tenantId>.iam.acesso.io` */
  readonly issuer: string
  readonly publicKey: KeyObject
  /** PKCS#8 PEM. */
  readonly privateKey: Redacted.Redacted<string>
  readonly apiKey: Redacted.Redacted<string>
}

export interface CredentialOptions {
  readonly serviceAccount?: string
  readonly tenantId?: string
}

export const generate = (options: CredentialOptions = {}): Credentials => {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 })
  const serviceAccount = options.serviceAccount ?? "sandbox"
  const tenantId = options.tenantId ?? randomUUID().replace(/-/g, "").slice(0, 12)
  return {
    serviceAccount,
    tenantId,
    issuer: `${serviceAccount}@${tenantId}.iam.acesso.io`,
    publicKey,
    privateKey: Redacted.make(privateKey.export({ type: "pkcs8", format: "pem" }).toString()),
    apiKey: Redacted.make(randomBytes(24).toString("base64url"))
  }
}
