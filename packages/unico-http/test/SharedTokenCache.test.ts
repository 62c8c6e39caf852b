/**
 * The token cache across processes: replicas on one SharedTokenStore mint one token between them, adopt
 * the shared one, take over when the lock holder dies, and mint locally when the store fails. Unit tests
 * under TestClock with an in-memory store (the Redis store is tested over a real Redis in @liveness/redis).
 */
import { describe, expect, it } from "@effect/vitest"
import { SharedTokenStore, TokenCache } from "@liveness/unico-http"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"

const LOCK_MILLIS = 5000

/** One shared slot in memory, with the same semantics as the Redis one (TTL on the token and the lock). */
const memoryStore = () => {
  let token: SharedTokenStore.SharedToken | undefined
  let lockUntil = 0
  let broken = false
  const ops = { gets: 0, puts: 0, locks: 0 }
  const guard = <A>(f: (now: number) => A) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) =>
      broken
        ? Effect.fail(new SharedTokenStore.SharedTokenStoreError({ detail: "store down" }))
        : Effect.sync(() => f(now)))
  const store: SharedTokenStore.AccountTokenStore = {
    get: guard((now) => {
      ops.gets++
      return token !== undefined && now < token.refreshAt ? token : undefined
    }),
    put: (next) =>
      guard(() => {
        ops.puts++
        token = next
      }),
    tryLock: guard((now) => {
      if (now < lockUntil) return false
      ops.locks++
      lockUntil = now + LOCK_MILLIS
      return true
    }),
    unlock: guard(() => {
      lockUntil = 0
    }),
    remove: (accessToken) =>
      guard(() => {
        if (token?.accessToken === accessToken) token = undefined
      })
  }
  return {
    store,
    ops,
    shared: () => token,
    holdLock: () =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        lockUntil = now + LOCK_MILLIS
      }),
    breakIt: () => {
      broken = true
    }
  }
}

/** A token endpoint shared by every replica: counts mints, answers after `latency`. */
const tokenEndpoint = (latency = Duration.millis(100)) => {
  let mints = 0
  const mint = Effect.sleep(latency).pipe(
    Effect.zipRight(Effect.sync(() => ({ accessToken: Redacted.make(`token-${++mints}`), expiresInSeconds: 3600 })))
  )
  return { mint, mints: () => mints }
}

const replicaOf = (endpoint: ReturnType<typeof tokenEndpoint>, store: SharedTokenStore.AccountTokenStore) =>
  TokenCache.make(endpoint.mint, { store })

describe("TokenCache with a SharedTokenStore", () => {
  it.scoped("three replicas starting together mint one token and all use it", () =>
    Effect.gen(function*() {
      const memory = memoryStore()
      const endpoint = tokenEndpoint()
      const replicas = yield* Effect.all([1, 2, 3].map(() => replicaOf(endpoint, memory.store)))
      const fibers = yield* Effect.forEach(
        replicas.flatMap((replica) => Array.from({ length: 20 }, () => replica.get)),
        (get) => Effect.fork(get)
      )
      yield* TestClock.adjust(Duration.seconds(1))
      const tokens = yield* Effect.forEach(fibers, Fiber.join)
      expect(endpoint.mints()).toBe(1)
      expect(new Set(tokens.map(Redacted.value))).toEqual(new Set(["token-1"]))
      expect(memory.shared()?.accessToken).toBe(tokens[0])
      // Only the minting replica counts a mint.
      expect(yield* Effect.all(replicas.map((replica) => replica.mints))).toEqual([1, 0, 0])
    }))

  it.scoped("a replica started later adopts the shared token without minting, and refreshes with the others", () =>
    Effect.gen(function*() {
      const memory = memoryStore()
      const endpoint = tokenEndpoint()
      const first = yield* replicaOf(endpoint, memory.store)
      const fiber = yield* Effect.fork(first.get)
      yield* TestClock.adjust(Duration.millis(100))
      yield* Fiber.join(fiber)
      yield* TestClock.adjust(Duration.minutes(10))
      const late = yield* replicaOf(endpoint, memory.store)
      expect(Redacted.value(yield* late.get)).toBe("token-1")
      expect(endpoint.mints()).toBe(1)
      // The shared token's refreshAt is the minting replica's: 55 minutes after the mint.
      expect(yield* late.expiresAt).toBe(yield* first.expiresAt)
      yield* TestClock.adjust(Duration.minutes(46))
      // Refresh due on both: both keep serving token-1 while one of them mints for both in the background.
      expect((yield* Effect.all([first.get, late.get], { concurrency: 2 })).map(Redacted.value)).toEqual([
        "token-1",
        "token-1"
      ])
      yield* TestClock.adjust(Duration.seconds(1))
      expect((yield* Effect.all([first.get, late.get], { concurrency: 2 })).map(Redacted.value)).toEqual([
        "token-2",
        "token-2"
      ])
      expect(endpoint.mints()).toBe(2)
    }))

  it.scoped("a lock holder that dies: the others take the lock when it expires and one of them mints", () =>
    Effect.gen(function*() {
      const memory = memoryStore()
      const endpoint = tokenEndpoint()
      yield* memory.holdLock()
      const replicas = yield* Effect.all([1, 2].map(() => replicaOf(endpoint, memory.store)))
      const fibers = yield* Effect.forEach(replicas, (replica) => Effect.fork(replica.get))
      yield* TestClock.adjust(Duration.seconds(4))
      expect(endpoint.mints()).toBe(0)
      yield* TestClock.adjust(Duration.seconds(2))
      const tokens = yield* Effect.forEach(fibers, Fiber.join)
      expect(tokens.map(Redacted.value)).toEqual(["token-1", "token-1"])
      expect(endpoint.mints()).toBe(1)
    }))

  it.scoped("a holder that never shares its token: a waiter mints on its own after waitFor", () =>
    Effect.gen(function*() {
      const memory = memoryStore()
      const endpoint = tokenEndpoint()
      // The lock is taken again and again by someone who never shares: the waiter gives up and mints.
      const hog = Effect.forever(Effect.zipRight(memory.holdLock(), Effect.sleep(Duration.seconds(1))))
      yield* Effect.fork(hog)
      const replica = yield* TokenCache.make(endpoint.mint, { store: memory.store, waitFor: Duration.seconds(3) })
      const fiber = yield* Effect.fork(replica.get)
      yield* TestClock.adjust(Duration.seconds(4))
      expect(Redacted.value(yield* Fiber.join(fiber))).toBe("token-1")
      expect(endpoint.mints()).toBe(1)
    }))

  it.scoped("the store failing: each replica mints locally and keeps working", () =>
    Effect.gen(function*() {
      const memory = memoryStore()
      memory.breakIt()
      const endpoint = tokenEndpoint()
      const replica = yield* replicaOf(endpoint, memory.store)
      const fiber = yield* Effect.fork(Effect.all([replica.get, replica.get], { concurrency: 2 }))
      yield* TestClock.adjust(Duration.seconds(1))
      expect((yield* Fiber.join(fiber)).map(Redacted.value)).toEqual(["token-1", "token-1"])
      expect(yield* replica.mints).toBe(1)
    }))

  it.scoped("a refused token is removed from the store too: the next replica to ask mints a new one", () =>
    Effect.gen(function*() {
      const memory = memoryStore()
      const endpoint = tokenEndpoint()
      const [a, b] = yield* Effect.all([1, 2].map(() => replicaOf(endpoint, memory.store)))
      const first = yield* Effect.fork(a!.get)
      yield* TestClock.adjust(Duration.millis(100))
      const token = yield* Fiber.join(first)
      yield* a!.invalidate(token)
      expect(memory.shared()).toBeUndefined()
      const second = yield* Effect.fork(b!.get)
      yield* TestClock.adjust(Duration.millis(100))
      expect(Redacted.value(yield* Fiber.join(second))).toBe("token-2")
      // A stale invalidation (of a token no longer shared) leaves the new one alone.
      yield* a!.invalidate(token)
      expect(Redacted.value(memory.shared()!.accessToken)).toBe("token-2")
    }))

  it.scoped("a failed mint by the lock holder releases the lock and fails only its own caller", () =>
    Effect.gen(function*() {
      const memory = memoryStore()
      let calls = 0
      const flaky = Effect.suspend(() =>
        ++calls === 1
          ? Effect.fail("token endpoint down" as const)
          : Effect.succeed({ accessToken: Redacted.make("token-ok"), expiresInSeconds: 3600 })
      )
      const replica = yield* TokenCache.make(flaky, { store: memory.store })
      expect(yield* Effect.flip(replica.get)).toBe("token endpoint down")
      // The lock was given back: the next get mints at once, without waiting for the lock to expire.
      expect(Redacted.value(yield* replica.get)).toBe("token-ok")
      expect(memory.ops.locks).toBe(2)
    }))
})
