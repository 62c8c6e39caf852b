/**
 * One access token per service account, shared by every request: reused for its life, refreshed ahead
 * of expiry (5 minutes early, or a tenth of the lifetime for short-lived tokens), minted by one caller at a
 * time (a thousand concurrent cold calls mint one token), failures never cached, and a token the API refused
 * dropped so the next caller mints another.
 *
 * The hot path is one clock read and one comparison, without a lock.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type * as Redacted from "effect/Redacted"

export interface MintedToken {
  readonly accessToken: Redacted.Redacted<string>
  readonly expiresInSeconds: number
}

export interface TokenCache<E> {
  /** A valid token, minting one if none is cached or the cached one is due for refresh. */
  readonly get: Effect.Effect<Redacted.Redacted<string>, E>
  /** Drops `token` if it is still the cached one (the API refused it). */
  readonly invalidate: (token: Redacted.Redacted<string>) => Effect.Effect<void>
  /** Tokens minted so far. */
  readonly mints: Effect.Effect<number>
  /** When the cached token expires (epoch milliseconds), or `undefined` when none is cached. */
  readonly expiresAt: Effect.Effect<number | undefined>
}

/** The largest refresh margin: Unico's tokens live an hour; refresh with at least 5 minutes left. */
export const REFRESH_MARGIN_MILLIS = 5 * 60 * 1000

interface Cached {
  readonly token: Redacted.Redacted<string>
  readonly refreshAt: number
  readonly expiresAt: number
}

export const make = <E>(mint: Effect.Effect<MintedToken, E>): Effect.Effect<TokenCache<E>> =>
  Effect.gen(function*() {
    const lock = yield* Effect.makeSemaphore(1)
    let cached: Cached | undefined
    let mints = 0

    const refresh = Effect.gen(function*() {
      // Another caller may have minted while this one waited for the lock.
      const before = yield* Clock.currentTimeMillis
      if (cached !== undefined && before < cached.refreshAt) return cached.token
      const minted = yield* mint.pipe(
        // A failed refresh keeps serving a token that has not expired yet.
        Effect.catchAll((error) =>
          cached !== undefined && before < cached.expiresAt ? Effect.succeed(undefined) : Effect.fail(error)
        )
      )
      if (minted === undefined) return cached!.token
      const now = yield* Clock.currentTimeMillis
      const lifetime = Math.max(0, minted.expiresInSeconds) * 1000
      const margin = Math.min(REFRESH_MARGIN_MILLIS, lifetime / 10)
      cached = { token: minted.accessToken, refreshAt: now + lifetime - margin, expiresAt: now + lifetime }
      mints++
      return minted.accessToken
    })

    const get = Effect.flatMap(Clock.currentTimeMillis, (now) =>
      cached !== undefined && now < cached.refreshAt ? Effect.succeed(cached.token) : lock.withPermits(1)(refresh))

    const invalidate = (token: Redacted.Redacted<string>) =>
      Effect.sync(() => {
        if (cached?.token === token) {
          cached = undefined
        }
      })

    return {
      get,
      invalidate,
      mints: Effect.sync(() =>
        mints
      ),
      expiresAt: Effect.sync(() => cached?.expiresAt)
    }
  })
