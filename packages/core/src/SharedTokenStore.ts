/**
 * Where several processes (gateway replicas, batch workers) share one access token per service account,
 * so that N replicas mint one token instead of N. The real adapter (`@liveness/unico-http`'s TokenCache) uses it and
 * `@liveness/redis` provides one over Redis; it is a port of the core so that neither adapter depends on the other.
 * The adapter works without one: by default every process mints and caches its own.
 *
 * The store is an optimisation, never a dependency: the token cache treats every failure of the store as
 * "not there" and mints locally.
 *
 * @since 0.2.0
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"

/** A token as replicas share it. */
export interface SharedToken {
  readonly accessToken: Redacted.Redacted<string>
  /** When the provider stops accepting it (epoch milliseconds). */
  readonly expiresAt: number
  /** When replicas should stop using it and mint the next one (epoch milliseconds). */
  readonly refreshAt: number
}

/** The store failed or did not answer in time: the caller mints locally. */
export class SharedTokenStoreError extends Schema.TaggedError<SharedTokenStoreError>()("SharedTokenStoreError", {
  detail: Schema.String
}) {}

/** The shared slot of one service account. */
export interface AccountTokenStore {
  /** The shared token, if one is stored (and readable by this process). */
  readonly get: Effect.Effect<SharedToken | undefined, SharedTokenStoreError>
  /** Shares `token` until its `refreshAt`. */
  readonly put: (token: SharedToken) => Effect.Effect<void, SharedTokenStoreError>
  /** Takes the short-lived right to mint for every replica; `false` when another process holds it. */
  readonly tryLock: Effect.Effect<boolean, SharedTokenStoreError>
  /** Gives the right to mint back (only if this process still holds it). */
  readonly unlock: Effect.Effect<void, SharedTokenStoreError>
  /** Removes `accessToken` if it is still the shared one (the API refused it). */
  readonly remove: (accessToken: Redacted.Redacted<string>) => Effect.Effect<void, SharedTokenStoreError>
}

/** What identifies a service account's slot, and the secret its token is sealed with. */
export interface Account {
  readonly environment: string
  readonly issuer: string
  readonly authUrl: string
  /** Key material every replica of the account has: the service account's private key (PKCS#8 DER, base64). */
  readonly secret: Redacted.Redacted<string>
}

export interface Service {
  /** The slot of `account`, or `undefined` to mint locally. */
  readonly forAccount: (account: Account) => AccountTokenStore | undefined
}

/** None by default: each process mints its own tokens. */
export class SharedTokenStore extends Context.Reference<SharedTokenStore>()(
  "@liveness/core/SharedTokenStore",
  { defaultValue: (): Service => ({ forAccount: () => undefined }) }
) {}
