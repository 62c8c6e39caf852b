/**
 * The token cache: one token per service account, reused for its life, refreshed ahead of expiry, single
 * flight, failures never cached. Over real HTTP against the sandbox (which counts the tokens it mints) and a
 * recording server, and as a unit under TestClock.
 */
import { describe, expect, it } from "@effect/vitest"
import { Liveness, type LivenessError } from "@liveness/core"
import { Fixtures } from "@liveness/fake"
import { Sandbox } from "@liveness/sandbox"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Ref from "effect/Ref"
import * as Scope from "effect/Scope"
import * as TestClock from "effect/TestClock"
import { TokenCache, UnicoHttp } from "../src/index.js"
import * as RecordingServer from "./support/recordingServer.js"
import { adapterOptions } from "./support/sandboxAdapter.js"
import {
  adapter,
  apiKey,
  expectTag,
  fakeUnico,
  keyPair,
  pooledHttpClient,
  quietLogs,
  SUBJECT,
  workflow
} from "./support/unicoHttpHarness.js"

/**
 * The real adapter pointed at a sandbox, under the workflow without a tenant quota. The HTTP pool is bounded
 * (64 sockets): every check still asks the token cache at once, but the test does not pay for a thousand
 * loopback connections.
 */
const overSandbox = (sandbox: Sandbox.Sandbox) =>
  workflow(
    UnicoHttp.layer(adapterOptions(sandbox)).pipe(Layer.orDie, Layer.provide(pooledHttpClient(64)))
  )

const sdkBody = () => ({ imageBase64: Fixtures.sdkPayload() })

const keys = keyPair()

describe("TokenCache over HTTP", () => {
  // Under TestClock: the sandbox and the adapter share the test's time, which moves only between rounds.
  it.scoped("2-second tokens over 5 s of checks: refreshed ahead of expiry (3 mints), never refused", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.start({ rateLimit: false, tokenLifetimeSeconds: 2 })
      const outcomes = yield* Effect.gen(function*() {
        const all: Array<Either.Either<Liveness.CheckResult, LivenessError>> = []
        for (let round = 0; round < 50; round++) {
          const checks = yield* Effect.all([Liveness.check(sdkBody()), Liveness.check(sdkBody())], {
            concurrency: "unbounded",
            mode: "either"
          })
          all.push(...checks)
          yield* TestClock.adjust("100 millis")
        }
        return all
      }).pipe(Effect.provide(overSandbox(sandbox)), Effect.provide(quietLogs))
      expect(outcomes.filter(Either.isLeft).map((outcome) => outcome.left)).toEqual([])
      expect(outcomes).toHaveLength(100)
      const stats = yield* sandbox.stats
      // A token lives 2 s and is refreshed a tenth of its life early (1.8 s): mints at 0, 1.8 and 3.6 s.
      expect(stats.tokenMints).toBe(3)
      // Never once did the API see an expired or unknown token.
      expect(Object.keys(stats.requestsByStatus)).toEqual(["200"])
    }))

  it.scopedLive("a failed token request is not cached: the next check mints and succeeds", () =>
    Effect.gen(function*() {
      const unico = yield* fakeUnico({
        token: (nth, issue) =>
          nth === 0 ? RecordingServer.json(503, { error: { description: "Service Unavailable" } }) : issue()
      })
      const layer = workflow(
        adapter({ authUrl: unico.server.url, apiUrl: unico.server.url, keys, apiKey: apiKey() }),
        { maxAttempts: 1 }
      )
      const [first, second, mints] = yield* Effect.gen(function*() {
        const first = yield* Effect.either(Liveness.check({ subject: SUBJECT, ...sdkBody() }))
        const second = yield* Liveness.check({ subject: SUBJECT, ...sdkBody() })
        const mints = yield* Effect.flatMap(UnicoHttp.UnicoHttp, (service) => service.tokenMints)
        return [first, second, mints] as const
      }).pipe(Effect.provide(layer), Effect.provide(quietLogs))
      if (Either.isRight(first)) throw new Error("the first check should have failed")
      const error = expectTag(first.left, "ProviderUnavailable")
      expect(error.status).toBe(503)
      expect(error.mayHaveBeenProcessed).toBe(false)
      expect(second.verdict).toBe("live")
      expect(yield* unico.tokenRequests).toHaveLength(2)
      expect(mints).toBe(1)
      const apiRequests = yield* unico.apiRequests
      expect(apiRequests).toHaveLength(1)
      expect(apiRequests[0]!.headers.authorization).toBe(`Bearer ${unico.issued()[0]}`)
    }))

  // Last in the file: by now the code paths are warm, and the thousand checks cost less.
  it.scopedLive("1,000 concurrent checks on a cold cache mint exactly one token, and all are live", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.start({ rateLimit: false })
      const checks = Array.from({ length: 1000 }, () => Liveness.check(sdkBody()))
      const results = yield* Effect.all(checks, { concurrency: "unbounded" }).pipe(
        Effect.provide(overSandbox(sandbox)),
        Effect.provide(quietLogs)
      )
      expect(results).toHaveLength(1000)
      expect(results.filter((result) => result.verdict === "live")).toHaveLength(1000)
      expect(results.every((result) => result.attempts === 1)).toBe(true)
      const stats = yield* sandbox.stats
      expect(stats.tokenMints).toBe(1)
      expect(stats.tokenRequestsByStatus).toEqual({ "200": 1 })
      expect(stats.processes).toBe(1000)
      expect(stats.requestsByStatus).toEqual({ "200": 1000 })
    }))
})

// ---------------------------------------------------------------------------------------------------------------
// TokenCache.make, under TestClock
// ---------------------------------------------------------------------------------------------------------------

type Step = "ok" | "fail"

/**
 * A mint that answers `script` in order (then "ok"): token `token-<n>` living `expiresInSeconds`, after
 * `latency`. Counts its calls.
 */
const scriptedMint = (
  options: {
    readonly script?: ReadonlyArray<Step>
    readonly expiresInSeconds?: number
    readonly latency?: Duration.DurationInput
  } = {}
) =>
  Effect.gen(function*() {
    const calls = yield* Ref.make(0)
    const mint = Effect.gen(function*() {
      const n = yield* Ref.updateAndGet(calls, (count) => count + 1)
      if (options.latency !== undefined) yield* Effect.sleep(options.latency)
      if ((options.script ?? [])[n - 1] === "fail") return yield* Effect.fail(`mint ${n} failed`)
      return { accessToken: Redacted.make(`token-${n}`), expiresInSeconds: options.expiresInSeconds ?? 3600 }
    })
    const cache = yield* TokenCache.make(mint)
    return { cache, calls: Ref.get(calls) }
  })

const valueOf = (token: Redacted.Redacted<string>) => Redacted.value(token)

describe("TokenCache.make", () => {
  it.scoped("reuses the token until refreshAt (expiry minus 5 minutes), then refreshes", () =>
    Effect.gen(function*() {
      const { cache, calls } = yield* scriptedMint()
      const first = yield* cache.get
      expect(valueOf(first)).toBe("token-1")
      yield* TestClock.adjust(Duration.millis(3300 * 1000 - 1))
      expect(yield* cache.get).toBe(first)
      expect(yield* calls).toBe(1)
      yield* TestClock.adjust(Duration.millis(1))
      // Due for refresh: the current token is served at once while one background fiber mints the next.
      expect(yield* cache.get).toBe(first)
      expect(yield* cache.get).toBe(first)
      yield* Effect.yieldNow()
      const second = yield* cache.get
      expect(valueOf(second)).toBe("token-2")
      expect(yield* cache.get).toBe(second)
      expect(yield* calls).toBe(2)
      expect(yield* cache.mints).toBe(2)
    }))

  it.scoped("nobody waits for a refresh: gets during a slow refresh are served the current token", () =>
    Effect.gen(function*() {
      const { cache, calls } = yield* scriptedMint({ latency: "2 seconds" })
      const cold = yield* Effect.fork(cache.get)
      yield* TestClock.adjust("2 seconds")
      const first = yield* Fiber.join(cold)
      yield* TestClock.adjust("3300 seconds")
      // The refresh takes 2 s: 50 gets in the meantime all get the current token without waiting.
      const during = yield* Effect.all(Array.from({ length: 50 }, () => cache.get), { concurrency: "unbounded" })
      expect(new Set(during)).toEqual(new Set([first]))
      yield* TestClock.adjust("1 second")
      expect(yield* cache.get).toBe(first)
      yield* TestClock.adjust("1 second")
      expect(valueOf(yield* cache.get)).toBe("token-2")
      expect(yield* calls).toBe(2)
    }))

  it.scoped("short-lived tokens are refreshed a tenth of their life early", () =>
    Effect.gen(function*() {
      const { cache, calls } = yield* scriptedMint({ expiresInSeconds: 20 })
      const first = yield* cache.get
      yield* TestClock.adjust(Duration.millis(17_999))
      expect(yield* cache.get).toBe(first)
      yield* TestClock.adjust(Duration.millis(1))
      expect(yield* cache.get).toBe(first)
      yield* Effect.yieldNow()
      expect(valueOf(yield* cache.get)).toBe("token-2")
      expect(yield* calls).toBe(2)
    }))

  it.scoped("concurrent cold gets share one mint", () =>
    Effect.gen(function*() {
      const { cache, calls } = yield* scriptedMint({ latency: "1 second" })
      const fiber = yield* Effect.fork(
        Effect.all(Array.from({ length: 100 }, () => cache.get), { concurrency: "unbounded" })
      )
      yield* TestClock.adjust("1 second")
      const tokens = yield* Fiber.join(fiber)
      expect(new Set(tokens.map(valueOf))).toEqual(new Set(["token-1"]))
      expect(yield* calls).toBe(1)
      expect(yield* cache.mints).toBe(1)
    }))

  it.scoped("a failure is not cached: the next get mints again", () =>
    Effect.gen(function*() {
      const { cache, calls } = yield* scriptedMint({ script: ["fail", "ok"] })
      expect(yield* Effect.flip(cache.get)).toBe("mint 1 failed")
      expect(valueOf(yield* cache.get)).toBe("token-2")
      expect(yield* calls).toBe(2)
      expect(yield* cache.mints).toBe(1)
    }))

  it.scoped("concurrent cold gets during a failing mint: each waiter tries again, none is served the failure", () =>
    Effect.gen(function*() {
      const { cache, calls } = yield* scriptedMint({ script: ["fail"], latency: "1 second" })
      const fiber = yield* Effect.fork(
        Effect.all(Array.from({ length: 5 }, () => Effect.either(cache.get)), { concurrency: "unbounded" })
      )
      yield* TestClock.adjust("2 seconds")
      const outcomes = yield* Fiber.join(fiber)
      // The one caller that ran the failed mint sees its error; the others waited and got the next token.
      expect(outcomes.filter(Either.isLeft)).toHaveLength(1)
      expect(outcomes.filter(Either.isRight).map((outcome) => valueOf(outcome.right))).toEqual([
        "token-2",
        "token-2",
        "token-2",
        "token-2"
      ])
      expect(yield* calls).toBe(2)
    }))

  it.scoped("invalidate drops only the matching token", () =>
    Effect.gen(function*() {
      const { cache, calls } = yield* scriptedMint()
      const first = yield* cache.get
      // Another token (say, one refused long ago) does not touch the cached one.
      yield* cache.invalidate(Redacted.make("token-0"))
      expect(yield* cache.get).toBe(first)
      expect(yield* calls).toBe(1)
      // The cached token refused: dropped, the next get mints.
      yield* cache.invalidate(first)
      const second = yield* cache.get
      expect(valueOf(second)).toBe("token-2")
      // A late refusal of the old token (a concurrent request that held it) keeps the new one.
      yield* cache.invalidate(first)
      expect(yield* cache.get).toBe(second)
      expect(yield* calls).toBe(2)
    }))

  it.scoped("a failed refresh keeps serving a token that has not expired, and fails once it has", () =>
    Effect.gen(function*() {
      const { cache, calls } = yield* scriptedMint({ script: ["ok", "fail", "fail", "fail", "ok"] })
      const first = yield* cache.get
      yield* TestClock.adjust("3300 seconds")
      // Refresh due, the background mint fails: the unexpired token is still served.
      expect(yield* cache.get).toBe(first)
      yield* Effect.yieldNow()
      expect(yield* calls).toBe(2)
      yield* TestClock.adjust(Duration.millis(300 * 1000 - 1))
      expect(yield* cache.get).toBe(first)
      yield* Effect.yieldNow()
      expect(yield* calls).toBe(3)
      // Expired: the failure comes through.
      yield* TestClock.adjust(Duration.millis(1))
      expect(yield* Effect.flip(cache.get)).toBe("mint 4 failed")
      // And the next successful mint is served.
      expect(valueOf(yield* cache.get)).toBe("token-5")
      expect(yield* cache.mints).toBe(2)
    }))

  it.effect("closing the cache's scope (disposing the runtime) interrupts a background refresh in flight", () =>
    Effect.gen(function*() {
      const started = yield* Deferred.make<void>()
      const interrupted = yield* Deferred.make<void>()
      let calls = 0
      // The first mint answers; the second (the background refresh) hangs until it is interrupted.
      const mint = Effect.suspend(() => {
        calls++
        if (calls === 1) return Effect.succeed({ accessToken: Redacted.make("token-1"), expiresInSeconds: 3600 })
        return Effect.zipRight(Deferred.succeed(started, undefined), Effect.never).pipe(
          Effect.onInterrupt(() => Deferred.succeed(interrupted, undefined))
        )
      })
      const scope = yield* Scope.make()
      const cache = yield* Scope.extend(TokenCache.make(mint), scope)
      const first = yield* cache.get
      yield* TestClock.adjust("3300 seconds")
      // Due for refresh: served at once, while the refresh runs in the background.
      expect(yield* cache.get).toBe(first)
      yield* Deferred.await(started)
      expect(yield* Deferred.isDone(interrupted)).toBe(false)
      yield* Scope.close(scope, Exit.void)
      // The refresh fiber did not outlive the scope.
      yield* Deferred.await(interrupted)
      expect(calls).toBe(2)
    }))
})
