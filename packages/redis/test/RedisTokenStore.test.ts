/**
 * The shared token over a real Redis: three replicas mint one token, Redis holds it sealed (never in clear),
 * a refused token is removed for everyone, and a dead Redis leaves each replica minting its own.
 */
import { describe, expect, it } from "@effect/vitest"
import { CheckPolicy } from "@liveness/core"
import { RedisCoordination, RedisTokenStore } from "@liveness/redis"
import { RedisServer } from "@liveness/redis/testing"
import { SharedTokenStore, TokenCache } from "@liveness/unico-http"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { Redis } from "ioredis"
import { randomUUID } from "node:crypto"
import { capturingLogs } from "./support.js"

const account = (issuer: string): SharedTokenStore.Account => ({
  environment: "uat",
  issuer,
  authUrl: "https://identityhomolog.acesso.io",
  secret: Redacted.make("private-key-material-of-the-service-account")
})

/** One replica's slot for `issuer`: its own connection to Redis. */
const slot = (url: string, prefix: string, issuer: string) =>
  Layer.build(
    // The default command timeout (1 s): a busy machine must not turn a slow answer into a second mint.
    RedisCoordination.layer({ url, prefix }).pipe(
      Layer.provide(CheckPolicy.layer({})),
      Layer.orDie
    )
  ).pipe(
    Effect.map((context) => Context.get(context, SharedTokenStore.SharedTokenStore).forAccount(account(issuer))!)
  )

/** A token endpoint that counts mints and takes 50 ms. */
const endpoint = () => {
  let mints = 0
  return {
    mint: Effect.sleep(Duration.millis(50)).pipe(
      Effect.zipRight(
        Effect.sync(() => ({ accessToken: Redacted.make(`access-token-${++mints}`), expiresInSeconds: 60 }))
      )
    ),
    mints: () => mints
  }
}

describe("RedisTokenStore", () => {
  it.scopedLive(
    "three replicas starting together mint one token; Redis holds it sealed until its refresh time",
    () =>
      Effect.gen(function*() {
        const url = yield* RedisServer.shared
        const prefix = `test-${randomUUID()}:`
        const tokens = endpoint()
        const caches = yield* Effect.forEach([1, 2, 3], () =>
          Effect.flatMap(
            slot(url, prefix, "svc@tenant.iam.acesso.io"),
            (store) => TokenCache.make(tokens.mint, { store })
          ))
        const got = yield* Effect.forEach(
          caches.flatMap((cache) => Array.from({ length: 10 }, () => cache.get)),
          (get) => get,
          { concurrency: "unbounded" }
        )
        expect(tokens.mints()).toBe(1)
        expect(new Set(got.map(Redacted.value))).toEqual(new Set(["access-token-1"]))

        const redis = new Redis(url)
        yield* Effect.addFinalizer(() => Effect.promise(() => redis.quit()))
        const key = RedisTokenStore.keyOf(prefix, account("svc@tenant.iam.acesso.io"))
        const stored = yield* Effect.promise(() => redis.get(key))
        expect(stored).not.toBeNull()
        expect(stored).not.toContain("access-token-1")
        // TTL = the token's life minus the refresh margin (a tenth of 60 s): 54 s, less the time Redis has
        // counted since (real time: a busy machine may take seconds), never more.
        const ttl = yield* Effect.promise(() => redis.pttl(key))
        expect(ttl).toBeGreaterThan(30_000)
        expect(ttl).toBeLessThanOrEqual(54_000)
        // The lock was given back.
        expect(yield* Effect.promise(() => redis.exists(`${key}:lock`))).toBe(0)
      }),
    20_000
  )

  it.scopedLive(
    "a refused token is removed for every replica; other accounts keep theirs",
    () =>
      Effect.gen(function*() {
        const url = yield* RedisServer.shared
        const prefix = `test-${randomUUID()}:`
        const tokens = endpoint()
        const a = yield* TokenCache.make(tokens.mint, { store: yield* slot(url, prefix, "svc-a") })
        const b = yield* TokenCache.make(tokens.mint, { store: yield* slot(url, prefix, "svc-a") })
        const other = yield* slot(url, prefix, "svc-b")
        yield* other.put({
          accessToken: Redacted.make("b-token"),
          expiresAt: Date.now() + 60_000,
          refreshAt: Date.now() + 50_000
        })
        const first = yield* a.get
        yield* a.invalidate(first)
        expect(Redacted.value(yield* b.get)).toBe("access-token-2")
        expect(Redacted.value((yield* other.get)!.accessToken)).toBe("b-token")
      }),
    20_000
  )

  it.scopedLive("Redis dead: each replica mints locally, nothing fails, and one warning says so", () => {
    const logs: Array<string> = []
    return Effect.gen(function*() {
      const server = yield* RedisServer.start()
      const tokens = endpoint()
      const cache = yield* TokenCache.make(tokens.mint, { store: yield* slot(server.url, "dead:", "svc") })
      yield* server.kill
      const got = yield* Effect.all([cache.get, cache.get, cache.get], { concurrency: "unbounded" })
      expect(got.map(Redacted.value)).toEqual(["access-token-1", "access-token-1", "access-token-1"])
      expect(logs.filter((line) => line.startsWith("Redis unavailable"))).toHaveLength(1)
    }).pipe(capturingLogs(logs))
  }, 20_000)
})
