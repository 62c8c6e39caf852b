/**
 * The core's `SharedTokenStore` (which unico-http's token cache uses) over Redis: one sealed token per service account under
 * `<prefix>token:<environment>:<hash of issuer and auth URL>`, expiring at its refresh time, and a 5-second
 * lock beside it (`…:lock`, owned by a random id) that lets one replica mint for all.
 *
 * @since 0.2.0
 */
import { SharedTokenStore } from "@liveness/core"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { createHash, randomUUID } from "node:crypto"
import { RedisClient, type RedisUnavailable } from "./RedisClient.js"
import { RedisHealth } from "./RedisHealth.js"
import * as TokenSeal from "./TokenSeal.js"

/** How long the right to mint lasts: longer than a token request takes, short enough if its holder dies. */
export const LOCK_MILLIS = 5000

/** The Redis key of an account's token. */
export const keyOf = (prefix: string, account: Pick<SharedTokenStore.Account, "environment" | "issuer" | "authUrl">) =>
  `${prefix}token:${account.environment}:${
    createHash("sha256").update(`${account.issuer}\n${account.authUrl}`).digest("hex").slice(0, 24)
  }`

const storeError = (error: RedisUnavailable) => new SharedTokenStore.SharedTokenStoreError({ detail: error.reason })

export const make = (prefix: string) =>
  Effect.map(Effect.all([RedisClient, RedisHealth]), ([client, health]): SharedTokenStore.Service => ({
    forAccount: (account) => {
      const key = keyOf(prefix, account)
      const lockKey = `${key}:lock`
      const owner = randomUUID()
      const sealer = TokenSeal.make(account.secret, key)
      const use = <A>(command: Parameters<typeof client.use<A>>[0]) => Effect.mapError(client.use(command), storeError)

      return {
        get: use((redis) => redis.get(key)).pipe(
          Effect.map((value) => value === null ? undefined : sealer.open(value)),
          // The token cache mints locally after this.
          Effect.tapError(() => health.countFallback)
        ),
        put: (token) =>
          Effect.suspend(() => {
            const ttl = Math.floor(token.refreshAt - Date.now())
            return ttl <= 0 ? Effect.void : Effect.asVoid(use((redis) => redis.set(key, sealer.seal(token), "PX", ttl)))
          }),
        tryLock: Effect.map(use((redis) => redis.set(lockKey, owner, "PX", LOCK_MILLIS, "NX")), (ok) => ok === "OK"),
        unlock: Effect.asVoid(use((redis) => redis.livenessDeleteIfPrefix(lockKey, owner))),
        remove: (accessToken) =>
          Effect.asVoid(use((redis) => redis.livenessDeleteIfPrefix(key, sealer.prefixOf(accessToken))))
      }
    }
  }))

export const layer = (
  prefix: string
): Layer.Layer<SharedTokenStore.SharedTokenStore, never, RedisClient | RedisHealth> =>
  Layer.effect(SharedTokenStore.SharedTokenStore, make(prefix))
