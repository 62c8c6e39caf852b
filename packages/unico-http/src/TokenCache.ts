/**
 * One access token per service account, shared by every request: reused for its life, refreshed ahead
 * of expiry (5 minutes early, or a tenth of the lifetime for short-lived tokens) in the background while
 * callers keep using it, minted by one caller at a time (a thousand concurrent cold calls mint one token),
 * failures never cached, and a token the API refused dropped so the next caller mints another.
 *
 * With a SharedTokenStore the single flight spans processes: a replica that needs a token first looks in the
 * store, then takes the store's short lock and mints, while the others wait for the token to appear; if the
 * holder dies, the lock expires and another takes it; if the store fails, the replica mints locally.
 *
 * The hot path is one clock read and one comparison, without a lock and without the store.
 *
 * @since 0.1.0
 */
import { SharedTokenStore } from "@liveness/core"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"

export interface MintedToken {
  readonly accessToken: Redacted.Redacted<string>
  readonly expiresInSeconds: number
}

export interface TokenCache<E> {
  /** A valid token, minting one if none is cached or the cached one is due for refresh. */
  readonly get: Effect.Effect<Redacted.Redacted<string>, E>
  /** Drops `token` if it is still the cached one (the API refused it), here and in the shared store. */
  readonly invalidate: (token: Redacted.Redacted<string>) => Effect.Effect<void>
  /** Tokens minted by this process so far. */
  readonly mints: Effect.Effect<number>
  /** When the cached token expires (epoch milliseconds), or `undefined` when none is cached. */
  readonly expiresAt: Effect.Effect<number | undefined>
}

/** The largest refresh margin: Unico's tokens live an hour; refresh with at least 5 minutes left. */
export const REFRESH_MARGIN_MILLIS = 5 * 60 * 1000

export interface SharedOptions {
  /** The shared slot; without it every process mints its own tokens. */
  readonly store: SharedTokenStore.AccountTokenStore
  /** How long a replica waits for another's mint before minting itself (default 6 s, past the lock's life). */
  readonly waitFor?: Duration.DurationInput
  /** How often a waiting replica looks for the token (default 50 ms). */
  readonly pollEvery?: Duration.DurationInput
}

/**
 * A cache over `mint`. Its background refresh runs in the caller's scope (the adapter layer's): closing it (disposing
 * the runtime) interrupts a refresh in flight, so no fiber outlives the cache.
 */
export const make = <E>(
  mint: Effect.Effect<MintedToken, E>,
  shared?: SharedOptions
): Effect.Effect<TokenCache<E>, never, Scope.Scope> =>
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    const lock = yield* Effect.makeSemaphore(1)
    let cached: SharedTokenStore.SharedToken | undefined
    let mints = 0

    const isFresh = (
      token: SharedTokenStore.SharedToken | undefined,
      now: number
    ): token is SharedTokenStore.SharedToken => token !== undefined && now < token.refreshAt

    /**
     * Mints here. A failure is not cached: callers reach this only with no token or an expired one (a token
     * due for refresh keeps being served by `get` while the background refresh fails).
     */
    const mintHere = Effect.gen(function*() {
      // The token's life is counted from the request: the provider started it before its answer reached us.
      const now = yield* Clock.currentTimeMillis
      const minted = yield* mint
      const lifetime = Math.max(0, minted.expiresInSeconds) * 1000
      const margin = Math.min(REFRESH_MARGIN_MILLIS, lifetime / 10)
      const token = { accessToken: minted.accessToken, refreshAt: now + lifetime - margin, expiresAt: now + lifetime }
      cached = token
      mints++
      return token
    })

    const adopt = (token: SharedTokenStore.SharedToken) => {
      cached = token
      return token.accessToken
    }

    /** Looks in the store, else takes its lock and mints for every replica, else waits for the holder. */
    const refreshShared = (options: SharedOptions) => {
      const store = options.store
      const waitMillis = Duration.toMillis(options.waitFor ?? Duration.seconds(6))
      const pollEvery = options.pollEvery ?? Duration.millis(50)
      const attempt = (
        giveUpAt: number
      ): Effect.Effect<Redacted.Redacted<string>, E | SharedTokenStore.SharedTokenStoreError> =>
        Effect.gen(function*() {
          const found = yield* store.get
          const now = yield* Clock.currentTimeMillis
          if (isFresh(found, now)) return adopt(found)
          if (yield* store.tryLock) {
            // The holder before us may have shared its token between our look and our lock.
            const again = yield* store.get
            if (isFresh(again, yield* Clock.currentTimeMillis)) {
              yield* Effect.ignore(store.unlock)
              return adopt(again)
            }
            const token = yield* mintHere.pipe(Effect.onError(() => Effect.ignore(store.unlock)))
            yield* Effect.ignore(store.put(token))
            yield* Effect.ignore(store.unlock)
            return token.accessToken
          }
          // Another replica is minting: wait for its token, unless it takes longer than a mint can.
          if (now >= giveUpAt) return (yield* mintHere).accessToken
          return yield* Effect.zipRight(Effect.sleep(pollEvery), attempt(giveUpAt))
        })
      return Effect.flatMap(Clock.currentTimeMillis, (now) => attempt(now + waitMillis)).pipe(
        // The store is an optimisation: when it fails, this process mints on its own.
        Effect.catchIf(
          (error): error is SharedTokenStore.SharedTokenStoreError =>
            error instanceof SharedTokenStore.SharedTokenStoreError,
          () => Effect.map(mintHere, (token) => token.accessToken)
        )
      )
    }

    const refresh = Effect.gen(function*() {
      // Another caller may have refreshed while this one waited for the lock.
      if (isFresh(cached, yield* Clock.currentTimeMillis)) return cached.accessToken
      if (shared === undefined) return (yield* mintHere).accessToken
      return yield* refreshShared(shared)
    })

    // A token due for refresh but not expired is still served: one caller's fiber refreshes it in the
    // background, so no check waits for a mint except the first one and after an expiry or a refusal.
    let refreshing = false
    const refreshInBackground = Effect.suspend(() => {
      if (refreshing) return Effect.void
      refreshing = true
      return Effect.asVoid(Effect.forkIn(
        lock.withPermits(1)(refresh).pipe(
          Effect.ignore,
          Effect.ensuring(Effect.sync(() => {
            refreshing = false
          }))
        ),
        scope
      ))
    })

    const get = Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const current = cached
      if (current === undefined || now >= current.expiresAt) return lock.withPermits(1)(refresh)
      return now < current.refreshAt
        ? Effect.succeed(current.accessToken)
        : Effect.as(refreshInBackground, current.accessToken)
    })

    const invalidate = (token: Redacted.Redacted<string>) =>
      Effect.suspend(() => {
        if (cached?.accessToken === token) cached = undefined
        return shared === undefined ? Effect.void : Effect.ignore(shared.store.remove(token))
      })

    return {
      get,
      invalidate,
      mints: Effect.sync(() => mints),
      expiresAt: Effect.sync(() => cached?.expiresAt)
    }
  })
