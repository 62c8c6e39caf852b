/**
 * Unico's documented hosts per environment (docs/unico-contract.md, Hosts). Credentials belong to one
 * environment; mixing them is, by Unico's account, the most common cause of 401s.
 *
 * @since 0.1.0
 */
export type Environment = "uat" | "production"

export interface Hosts {
  /** The OAuth2 token host; also the assertion's `aud`. */
  readonly authUrl: string
  /** The API contract host (`/processes/v1`). */
  readonly apiUrl: string
}

export const hosts: Record<Environment, Hosts> = {
  uat: { authUrl: "https://identityhomolog.acesso.io", apiUrl: "https://api.id.uat.unico.app" },
  production: { authUrl: "https://identity.acesso.io", apiUrl: "https://api.id.unico.app" }
}

/** The environment a URL belongs to, if it is one of Unico's documented hosts. */
export const ofUrl = (url: string): Environment | undefined => {
  let host: string
  try {
    host = new URL(url).host
  } catch {
    return undefined
  }
  for (const environment of ["uat", "production"] as const) {
    const known = hosts[environment]
    if (host === new URL(known.authUrl).host || host === new URL(known.apiUrl).host) return environment
  }
  return undefined
}
