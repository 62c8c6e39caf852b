import { describe, expect, it } from "@effect/vitest"
import { CheckPolicy, DeadlineExceeded, Liveness, TenantRateLimiter } from "@liveness/core"
import * as Arr from "effect/Array"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import * as TestClock from "effect/TestClock"
import { live, scripted, sdkPayload, seedBody, unavailable503, workflow } from "./support.js"

/** `n` checks at once through one Liveness instance (one tenant limiter), forked. */
const concurrentChecks = <E>(n: number, layer: Layer.Layer<Liveness.Liveness, E>) =>
  Effect.forEach(Arr.range(1, n), () => Liveness.check(seedBody(sdkPayload())), { concurrency: "unbounded" }).pipe(
    Effect.provide(layer),
    Effect.fork
  )

describe("rate limiting through Liveness.check", () => {
  it.effect("with 2 per second, 6 concurrent checks are spaced: 2 at once, then one per 500 ms", () =>
    Effect.gen(function*() {
      const provider = yield* scripted([], live)
      const fiber = yield* concurrentChecks(
        6,
        workflow(provider.layer, { rateLimit: { limit: 2, interval: Duration.seconds(1) } })
      )
      yield* TestClock.adjust("0 millis")
      expect(yield* provider.callCount).toBe(2)
      yield* TestClock.adjust("499 millis")
      expect(yield* provider.callCount).toBe(2)
      yield* TestClock.adjust("1 millis")
      expect(yield* provider.callCount).toBe(3)
      yield* TestClock.adjust("1500 millis")
      const results = yield* Fiber.join(fiber)
      expect(results.map((result) => result.verdict)).toEqual(Arr.replicate("live", 6))
      expect(results.every((result) => result.attempts === 1)).toBe(true)
      expect((yield* provider.calls).map((call) => call.at)).toEqual([0, 0, 500, 1000, 1500, 2000])
    }))

  it.effect("never more than the limit at one instant, and the long-run rate is the limit", () =>
    Effect.gen(function*() {
      const provider = yield* scripted([], live)
      const fiber = yield* concurrentChecks(
        21,
        workflow(provider.layer, { rateLimit: { limit: 2, interval: Duration.seconds(1) } })
      )
      yield* TestClock.adjust("20 seconds")
      yield* Fiber.join(fiber)
      const at = (yield* provider.calls).map((call) => call.at)
      expect(at).toHaveLength(21)
      const perInstant = Arr.groupBy(at, String)
      for (const calls of Object.values(perInstant)) expect(calls.length).toBeLessThanOrEqual(2)
      // 2 at once, then 19 more at 500 ms each.
      expect(Math.max(...at)).toBe(19 * 500)
    }))

  it.effect("with rateLimit undefined, every check goes at once", () =>
    Effect.gen(function*() {
      const provider = yield* scripted([], live)
      const fiber = yield* concurrentChecks(6, workflow(provider.layer, { rateLimit: undefined }))
      const results = yield* Fiber.join(fiber)
      expect(results).toHaveLength(6)
      expect((yield* provider.calls).map((call) => call.at)).toEqual(Arr.replicate(0, 6))
    }))

  it.effect("the default policy allows 10 per second", () =>
    Effect.gen(function*() {
      const provider = yield* scripted([], live)
      // No CheckPolicy layer: the defaults of CheckPolicy apply.
      const fiber = yield* concurrentChecks(12, Liveness.layer.pipe(Layer.provide(provider.layer)))
      yield* TestClock.adjust("0 millis")
      expect(yield* provider.callCount).toBe(10)
      yield* TestClock.adjust("100 millis")
      expect(yield* provider.callCount).toBe(11)
      yield* TestClock.adjust("100 millis")
      expect(yield* Fiber.join(fiber)).toHaveLength(12)
    }))

  it.effect("a check still waiting for the quota at the deadline reports 0 attempts (nothing was sent)", () =>
    Effect.gen(function*() {
      const provider = yield* scripted([], live)
      const fiber = yield* Effect.forEach(
        Arr.range(1, 2),
        () => Liveness.check(seedBody(sdkPayload())).pipe(Effect.either),
        { concurrency: "unbounded" }
      ).pipe(
        Effect.provide(workflow(provider.layer, { rateLimit: { limit: 1, interval: Duration.minutes(1) } })),
        Effect.fork
      )
      yield* TestClock.adjust("30 seconds")
      const [first, second] = yield* Fiber.join(fiber)
      expect(first._tag).toBe("Right")
      expect(second._tag).toBe("Left")
      const error = (second as { readonly left: unknown }).left
      expect(error).toBeInstanceOf(DeadlineExceeded)
      expect((error as DeadlineExceeded).attempts).toBe(0)
      expect((error as DeadlineExceeded).message).not.toContain("A request had been sent")
      expect(yield* provider.callCount).toBe(1)
    }))

  it.effect("every provider request takes a permit, retries included", () =>
    Effect.gen(function*() {
      const permits = yield* Ref.make(0)
      const counting: TenantRateLimiter.TenantRateLimiter.Service = {
        withPermit: (effect) => Effect.zipRight(Ref.update(permits, (n) => n + 1), effect)
      }
      const provider = yield* scripted([unavailable503(), live()])
      const layer = Liveness.layerWithoutRateLimiter.pipe(
        Layer.provide(provider.layer),
        Layer.provide(Layer.succeed(TenantRateLimiter.TenantRateLimiter, counting)),
        Layer.provide(CheckPolicy.layer({ jitter: false }))
      )
      const fiber = yield* Liveness.check(seedBody(sdkPayload())).pipe(Effect.provide(layer), Effect.fork)
      yield* TestClock.adjust("1 second")
      const result = yield* Fiber.join(fiber)
      expect(result.attempts).toBe(2)
      expect(yield* Ref.get(permits)).toBe(2)
    }))

  it.effect("a validation failure takes no permit", () =>
    Effect.gen(function*() {
      const permits = yield* Ref.make(0)
      const provider = yield* scripted([live()])
      const layer = Liveness.layerWithoutRateLimiter.pipe(
        Layer.provide(provider.layer),
        Layer.provide(
          Layer.succeed(TenantRateLimiter.TenantRateLimiter, {
            withPermit: (effect) => Effect.zipRight(Ref.update(permits, (n) => n + 1), effect)
          })
        )
      )
      yield* Liveness.check({ imageBase64: "" }).pipe(Effect.provide(layer), Effect.flip)
      expect(yield* Ref.get(permits)).toBe(0)
    }))
})

describe("TenantRateLimiter", () => {
  it.scoped("make gives limit permits at once, then one per interval / limit", () =>
    Effect.gen(function*() {
      const limiter = yield* TenantRateLimiter.make({ limit: 3, interval: Duration.seconds(3) })
      const done = yield* Ref.make(0)
      const fiber = yield* Effect.forEach(
        Arr.range(1, 5),
        () => limiter.withPermit(Ref.update(done, (n) => n + 1)),
        { concurrency: "unbounded" }
      ).pipe(Effect.fork)
      yield* TestClock.adjust("0 millis")
      expect(yield* Ref.get(done)).toBe(3)
      yield* TestClock.adjust("999 millis")
      expect(yield* Ref.get(done)).toBe(3)
      yield* TestClock.adjust("1 millis")
      expect(yield* Ref.get(done)).toBe(4)
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(fiber)
      expect(yield* Ref.get(done)).toBe(5)
    }))

  it.effect("unlimited runs the effect unchanged", () =>
    Effect.gen(function*() {
      expect(yield* TenantRateLimiter.unlimited.withPermit(Effect.succeed(42))).toBe(42)
      const error = yield* TenantRateLimiter.unlimited.withPermit(Effect.fail("boom")).pipe(Effect.flip)
      expect(error).toBe("boom")
    }))
})
