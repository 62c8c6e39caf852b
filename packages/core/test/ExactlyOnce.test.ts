import { describe, expect, it } from "@effect/vitest"
import {
  CaptureLedger,
  CaptureLedgerMemory,
  CheckPolicy,
  Liveness,
  LivenessMetrics,
  LivenessProvider,
  OutcomeUnknown,
  PayloadRejected,
  ProviderUnavailable,
  RateLimited,
  TenantRateLimiter,
  UnicoCodes
} from "@liveness/core"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import {
  imageBase64,
  internal500,
  live,
  PROCESS_ID,
  processWith,
  scripted,
  sdkPayload,
  seedBody,
  unavailable503,
  workflow
} from "./support.js"

const sdkBody = () => seedBody(sdkPayload())

/** One workflow (so one capture ledger) over `provider`, for the test's scope. */
const service = (provider: Layer.Layer<LivenessProvider.LivenessProvider>, policy: Partial<CheckPolicy.Policy> = {}) =>
  Effect.map(Layer.build(workflow(provider, policy)), (context) => Context.get(context, Liveness.Liveness))

describe("one capture, one submission, one outcome (Liveness.check through the capture ledger)", () => {
  it.scoped("the same capture checked again gets the first outcome, marked as a replay, without a provider call", () =>
    Effect.gen(function*() {
      const provider = yield* scripted([processWith(3, 2)])
      const liveness = yield* service(provider.layer)
      const body = sdkBody()
      const first = yield* liveness.check(body)
      const again = yield* liveness.check(body)
      expect(first).toMatchObject({ verdict: "not-live", attempts: 1, replayed: false })
      expect(again).toMatchObject({ verdict: "not-live", attempts: 1, replayed: true })
      expect(again.process.id).toBe(first.process.id)
      expect(yield* provider.callCount).toBe(1)
    }))

  it.scoped("a plain image too: a second check of it bills nothing", () =>
    Effect.gen(function*() {
      const provider = yield* scripted([live()])
      const liveness = yield* service(provider.layer)
      const body = seedBody(imageBase64("jpeg", 4096))
      yield* liveness.check(body)
      expect((yield* liveness.check(body)).replayed).toBe(true)
      expect(yield* provider.callCount).toBe(1)
    }))

  it.effect("concurrent checks of one capture: one provider call, and every caller gets its outcome", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      let calls = 0
      const provider = Layer.succeed(LivenessProvider.LivenessProvider, {
        createProcess: () => Effect.as(Effect.zipRight(Effect.sync(() => calls++), Deferred.await(gate)), live()),
        getProcess: () => Effect.die("not used")
      })
      const body = sdkBody()
      const results = yield* Effect.gen(function*() {
        const liveness = yield* Liveness.Liveness
        const fiber = yield* Effect.all(Array.from({ length: 5 }, () => liveness.submit(body)), {
          concurrency: "unbounded"
        }).pipe(Effect.fork)
        yield* TestClock.adjust("1 second")
        expect(calls).toBe(1)
        yield* Deferred.succeed(gate, undefined)
        return yield* Fiber.join(fiber)
      }).pipe(Effect.provide(workflow(provider)))
      expect(calls).toBe(1)
      expect(results.map((result) => result.replayed).sort()).toEqual([false, true, true, true, true])
      for (const result of results) {
        expect(Either.getOrThrow(result.outcome).process.id).toBe(PROCESS_ID)
      }
    }))

  describe("failures that may have submitted the capture are remembered", () => {
    it.scoped("an SDK payload's OutcomeUnknown after a 500 is given again: the capture is not sent twice", () =>
      Effect.gen(function*() {
        const provider = yield* scripted([internal500()], live)
        const liveness = yield* service(provider.layer)
        const body = sdkBody()
        const first = yield* liveness.submit(body)
        const again = yield* liveness.submit(body)
        expect(Either.flip(first.outcome).pipe(Either.getOrThrow)).toBeInstanceOf(OutcomeUnknown)
        expect(again.replayed).toBe(true)
        expect(again.outcome).toEqual(first.outcome)
        expect(yield* provider.callCount).toBe(1)
      }))

    it.scoped("a plain image's ProviderUnavailable (may have been processed) is given again", () =>
      Effect.gen(function*() {
        const provider = yield* scripted([internal500()], live)
        const liveness = yield* service(provider.layer)
        const body = seedBody(imageBase64("png", 2048))
        yield* liveness.check(body).pipe(Effect.flip)
        const error = yield* liveness.check(body).pipe(Effect.flip)
        expect(error).toMatchObject({ _tag: "ProviderUnavailable", mayHaveBeenProcessed: true })
        expect(yield* provider.callCount).toBe(1)
      }))

    it.scoped("a payload rejection from the provider is given again", () =>
      Effect.gen(function*() {
        const provider = yield* scripted([UnicoCodes.toError({ status: 400, code: "20506" })], live)
        const liveness = yield* service(provider.layer)
        const body = sdkBody()
        yield* liveness.check(body).pipe(Effect.flip)
        expect(yield* liveness.check(body).pipe(Effect.flip)).toBeInstanceOf(PayloadRejected)
        expect(yield* provider.callCount).toBe(1)
      }))
  })

  describe("failures that provably submitted nothing are forgotten: the caller may try again", () => {
    it.scoped("503 until the attempts run out, then a second check is sent", () =>
      Effect.gen(function*() {
        const provider = yield* scripted([unavailable503(), unavailable503()], live)
        const liveness = yield* service(provider.layer, { maxAttempts: 2 })
        const body = sdkBody()
        const first = yield* liveness.check(body).pipe(Effect.flip, Effect.fork)
        yield* TestClock.adjust("1 second")
        expect(yield* Fiber.join(first)).toBeInstanceOf(ProviderUnavailable)
        const again = yield* liveness.check(body)
        expect(again).toMatchObject({ verdict: "live", replayed: false })
        expect(yield* provider.callCount).toBe(3)
      }))

    it.scoped("a 429 whose Retry-After passes the deadline", () =>
      Effect.gen(function*() {
        const provider = yield* scripted([UnicoCodes.toError({ status: 429, retryAfterMillis: 60_000 })], live)
        const liveness = yield* service(provider.layer)
        const body = sdkBody()
        expect(yield* liveness.check(body).pipe(Effect.flip)).toBeInstanceOf(RateLimited)
        expect((yield* liveness.check(body)).replayed).toBe(false)
        expect(yield* provider.callCount).toBe(2)
      }))

    it.scoped("local validation never reaches the ledger", () =>
      Effect.gen(function*() {
        const provider = yield* scripted([], live)
        const liveness = yield* service(provider.layer)
        const bad = { ...sdkBody(), subject: { code: "12345678900", name: "Luke" } }
        const submission = yield* liveness.submit(bad)
        expect(submission).toMatchObject({ replayed: false, outcome: { _tag: "Left" } })
        expect(yield* provider.callCount).toBe(0)
      }))
  })

  describe("a capture belongs to the request that sent it", () => {
    it.scoped("another caller gets the reused rejection (10508), not the outcome, and nothing is sent", () =>
      Effect.gen(function*() {
        const provider = yield* scripted([live()], live)
        const liveness = yield* service(provider.layer)
        const body = sdkBody()
        yield* liveness.check(body, { caller: "key-a" })
        const error = yield* liveness.check(body, { caller: "key-b" }).pipe(Effect.flip)
        expect(error).toMatchObject({ _tag: "PayloadRejected", reason: "reused", providerCode: "10508" })
        expect(JSON.stringify(error)).not.toContain(PROCESS_ID)
        expect((yield* liveness.check(body, { caller: "key-a" })).replayed).toBe(true)
        expect(yield* provider.callCount).toBe(1)
      }))

    it.scoped("the same capture with another subject is refused as reused, in flight or settled", () =>
      Effect.gen(function*() {
        const provider = yield* scripted([live()], live)
        const liveness = yield* service(provider.layer)
        const body = sdkBody()
        const other = { ...body, subject: { code: "52998224725", name: "Leia Organa" } }
        yield* liveness.check(body)
        expect(yield* liveness.check(other).pipe(Effect.flip)).toMatchObject({
          _tag: "PayloadRejected",
          reason: "reused"
        })
        expect(yield* provider.callCount).toBe(1)
      }))

    it.effect("providers with different scopes (tenants) do not share captures; the same scope does", () =>
      Effect.gen(function*() {
        const ledger = yield* CaptureLedgerMemory.make(CheckPolicy.defaults.ledger)
        const body = sdkBody()
        const counts: Array<number> = []
        const replayed: Array<boolean> = []
        for (const scope of ["uat:tenant-a", "uat:tenant-b", "uat:tenant-a"]) {
          const provider = yield* scripted([live()])
          const layer = Liveness.layerWith.pipe(
            Layer.provide(Layer.succeed(CaptureLedger.CaptureLedger, ledger)),
            Layer.provide(
              Layer.effect(
                LivenessProvider.LivenessProvider,
                Effect.map(LivenessProvider.LivenessProvider, (service) => ({ ...service, scope }))
              ).pipe(Layer.provide(provider.layer))
            ),
            Layer.provide(TenantRateLimiter.layer),
            Layer.provide(CheckPolicy.layer({ jitter: false, rateLimit: undefined }))
          )
          replayed.push((yield* Liveness.check(body).pipe(Effect.provide(layer))).replayed)
          counts.push(yield* provider.callCount)
        }
        expect(replayed).toEqual([false, false, true])
        expect(counts).toEqual([1, 1, 0])
      }))
  })

  it.scoped("a caller that leaves mid-check does not stop it: its outcome is kept for the caller's retry", () =>
    Effect.gen(function*() {
      const provider = yield* scripted([processWith(3, 1)], live)
      const slow = Layer.effect(
        LivenessProvider.LivenessProvider,
        Effect.map(LivenessProvider.LivenessProvider, (service) => ({
          ...service,
          createProcess: (request) => Effect.zipRight(Effect.sleep("3 seconds"), service.createProcess(request))
        }))
      ).pipe(Layer.provide(provider.layer))
      const body = sdkBody()
      const liveness = yield* service(slow)
      // The caller gives up after 1 s (its own timeout); the check goes on.
      const impatient = yield* liveness.check(body).pipe(Effect.timeoutOption("1 second"), Effect.fork)
      yield* TestClock.adjust("1 second")
      expect(yield* Fiber.join(impatient)).toEqual(Option.none())
      yield* TestClock.adjust("2 seconds")
      const retry = yield* liveness.check(body)
      expect(retry).toMatchObject({ verdict: "live", replayed: true })
      expect(yield* provider.callCount).toBe(1)
    }))

  it.scoped("counts what the ledger did (liveness_capture_ledger_total by result)", () =>
    Effect.gen(function*() {
      const provider = yield* scripted([live()])
      const liveness = yield* service(provider.layer)
      const body = sdkBody()
      const count = (result: string) =>
        Effect.map(
          Metric.value(LivenessMetrics.tagged(LivenessMetrics.ledgerRequests, "result", result)),
          (state) => state.count
        )
      const before = yield* Effect.all([count("claimed"), count("replayed"), count("refused")])
      yield* liveness.check(body)
      yield* liveness.check(body)
      yield* liveness.check(body, { caller: "other" }).pipe(Effect.flip)
      const after = yield* Effect.all([count("claimed"), count("replayed"), count("refused")])
      expect(after.map((n, i) => n - before[i])).toEqual([1, 1, 1])
    }))
})

describe("CaptureLedgerMemory", () => {
  const options = { retention: Duration.minutes(15), maxEntries: 3 }
  const answered = { _tag: "Answered", process: live(), verdict: "live", attempts: 1 } as const

  it.effect("keeps an outcome for its retention, then forgets it", () =>
    Effect.gen(function*() {
      const ledger = yield* CaptureLedgerMemory.make(options)
      const claim = yield* ledger.claim("k", "d", Duration.seconds(40))
      if (claim._tag !== "Claimed") return expect.fail(`claimed: ${claim._tag}`)
      yield* ledger.settle("k", claim.token, answered)
      yield* TestClock.adjust(Duration.subtract(Duration.minutes(15), Duration.millis(1)))
      expect((yield* ledger.claim("k", "d", Duration.seconds(40)))._tag).toBe("Settled")
      yield* TestClock.adjust("1 millis")
      expect((yield* ledger.claim("k", "d", Duration.seconds(40)))._tag).toBe("Claimed")
    }))

  it.effect("keeps at most maxEntries outcomes: the oldest go first", () =>
    Effect.gen(function*() {
      const ledger = yield* CaptureLedgerMemory.make(options)
      for (const key of ["a", "b", "c", "d"]) {
        const claim = yield* ledger.claim(key, "d", Duration.seconds(40))
        if (claim._tag === "Claimed") yield* ledger.settle(key, claim.token, answered)
      }
      const found = yield* Effect.forEach(["a", "b", "c", "d"], (key) => ledger.claim(key, "d", Duration.seconds(40)))
      expect(found.map((claim) => claim._tag)).toEqual(["Claimed", "Settled", "Settled", "Settled"])
    }))

  it.effect("a released claim can be claimed again; a stale token changes nothing", () =>
    Effect.gen(function*() {
      const ledger = yield* CaptureLedgerMemory.make(options)
      const first = yield* ledger.claim("k", "d", Duration.seconds(40))
      if (first._tag !== "Claimed") return expect.fail("not claimed")
      yield* ledger.release("k", first.token)
      const second = yield* ledger.claim("k", "d", Duration.seconds(40))
      if (second._tag !== "Claimed") return expect.fail("not claimed again")
      yield* ledger.settle("k", first.token, answered)
      expect((yield* ledger.claim("k", "d", Duration.seconds(40)))._tag).toBe("InFlight")
    }))

  it.effect("a claim past its lease settles as OutcomeUnknown, for the waiter and for later requests", () =>
    Effect.gen(function*() {
      const ledger = yield* CaptureLedgerMemory.make(options)
      expect((yield* ledger.claim("k", "d", Duration.seconds(40)))._tag).toBe("Claimed")
      const waiter = yield* Effect.fork(ledger.await("k"))
      yield* TestClock.adjust("39 seconds")
      expect(yield* Fiber.poll(waiter)).toEqual(Option.none())
      yield* TestClock.adjust("1 second")
      const woken = yield* Fiber.join(waiter)
      expect(woken).toMatchObject({ _tag: "Settled", outcome: { _tag: "Failed", error: { _tag: "OutcomeUnknown" } } })
      expect(yield* ledger.claim("k", "d", Duration.seconds(40))).toMatchObject({ _tag: "Settled", digest: "d" })
    }))

  it.effect("bind keeps the first digest of an idempotency key for the retention", () =>
    Effect.gen(function*() {
      const ledger = yield* CaptureLedgerMemory.make(options)
      expect(yield* ledger.bind("idem", "body-1")).toBe("body-1")
      expect(yield* ledger.bind("idem", "body-2")).toBe("body-1")
      yield* TestClock.adjust("15 minutes")
      expect(yield* ledger.bind("idem", "body-2")).toBe("body-2")
    }))
})
