import { describe, expect, it } from "@effect/vitest"
import { Liveness, LivenessMetrics, UnicoCodes } from "@liveness/core"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Metric from "effect/Metric"
import * as TestClock from "effect/TestClock"
import { internal500, live, processWith, scripted, sdkPayload, seedBody, unavailable503, workflow } from "./support.js"

// Metrics are global: every assertion compares a count before and after.
const count = (counter: Metric.Metric.Counter<number>) => Effect.map(Metric.value(counter), (state) => state.count)

const verdicts = (verdict: string) => Metric.tagged(LivenessMetrics.checksByVerdict, "verdict", verdict)
const reads = (verdict: string) => Metric.tagged(LivenessMetrics.readsByVerdict, "verdict", verdict)
const errors = (tag: string, operation: string) =>
  Metric.tagged(Metric.tagged(LivenessMetrics.errorsByTag, "error", tag), "operation", operation)
const attempts = (operation: string) => Metric.tagged(LivenessMetrics.providerAttempts, "operation", operation)
const latency = (operation: string) => Metric.tagged(LivenessMetrics.providerLatency, "operation", operation)
const latencySum = (operation: string) => Effect.map(Metric.value(latency(operation)), (state) => state.sum)
const providerErrors = (tag: string, operation: string) =>
  Metric.tagged(Metric.tagged(LivenessMetrics.providerErrors, "error", tag), "operation", operation)
const retries = (operation: string, reason: string) =>
  Metric.tagged(Metric.tagged(LivenessMetrics.retries, "operation", operation), "reason", reason)

describe("LivenessMetrics", () => {
  it.effect("a live check increments checks by verdict live (and only that verdict)", () =>
    Effect.gen(function*() {
      const liveBefore = yield* count(verdicts("live"))
      const notLiveBefore = yield* count(verdicts("not-live"))
      const provider = yield* scripted([live()])
      yield* Liveness.check(seedBody(sdkPayload())).pipe(Effect.provide(workflow(provider.layer)))
      expect((yield* count(verdicts("live"))) - liveBefore).toBe(1)
      expect(yield* count(verdicts("not-live"))).toBe(notLiveBefore)
    }))

  it.effect("a read-back is not a check: it counts a read by verdict, and checks by verdict stay as they were", () =>
    Effect.gen(function*() {
      const checksBefore = yield* count(verdicts("live"))
      const readsBefore = yield* count(reads("live"))
      const provider = yield* scripted([live(), live(), live()])
      const layer = workflow(provider.layer)
      const created = yield* Liveness.check(seedBody(sdkPayload())).pipe(Effect.provide(layer))
      yield* Liveness.getProcess(created.process.id).pipe(Effect.provide(layer))
      yield* Liveness.getProcess(created.process.id).pipe(Effect.provide(layer))
      expect((yield* count(verdicts("live"))) - checksBefore).toBe(1)
      expect((yield* count(reads("live"))) - readsBefore).toBe(2)
    }))

  it.effect("a not-live check increments verdict not-live", () =>
    Effect.gen(function*() {
      const before = yield* count(verdicts("not-live"))
      const provider = yield* scripted([processWith(3, 2)])
      yield* Liveness.check(seedBody(sdkPayload())).pipe(Effect.provide(workflow(provider.layer)))
      expect((yield* count(verdicts("not-live"))) - before).toBe(1)
    }))

  it.effect("a retried check counts each provider attempt and the retry with its class", () =>
    Effect.gen(function*() {
      const attemptsBefore = yield* count(attempts("createProcess"))
      const retriesBefore = yield* count(retries("createProcess", "safe"))
      const provider = yield* scripted([unavailable503(), live()])
      const fiber = yield* Liveness.check(seedBody(sdkPayload())).pipe(
        Effect.provide(workflow(provider.layer)),
        Effect.fork
      )
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(fiber)
      expect((yield* count(attempts("createProcess"))) - attemptsBefore).toBe(2)
      expect((yield* count(retries("createProcess", "safe"))) - retriesBefore).toBe(1)
    }))

  it.effect("a failed check counts its error tag", () =>
    Effect.gen(function*() {
      const before = yield* count(errors("PayloadRejected", "createProcess"))
      const unavailableBefore = yield* count(errors("ProviderUnavailable", "createProcess"))
      const provider = yield* scripted([], () => internal500())
      const exit = yield* Liveness.check(seedBody(Buffer.from([0xff, 0xd8, 0xff, 0, 1, 2]).toString("base64"))).pipe(
        Effect.provide(workflow(provider.layer)),
        Effect.exit
      )
      expect(exit._tag).toBe("Failure")
      // A plain JPEG and a 500 (may have been processed): not retried, counted once.
      expect((yield* count(errors("ProviderUnavailable", "createProcess"))) - unavailableBefore).toBe(1)
      expect(yield* provider.callCount).toBe(1)
      expect(yield* count(errors("PayloadRejected", "createProcess"))).toBe(before)
    }))

  it.effect("a local validation failure counts InvalidRequest on operation check, no provider attempt", () =>
    Effect.gen(function*() {
      const invalidBefore = yield* count(errors("InvalidRequest", "check"))
      const attemptsBefore = yield* count(attempts("createProcess"))
      const provider = yield* scripted([live()])
      yield* Liveness.check({ imageBase64: "" }).pipe(Effect.provide(workflow(provider.layer)), Effect.flip)
      expect((yield* count(errors("InvalidRequest", "check"))) - invalidBefore).toBe(1)
      expect(yield* count(attempts("createProcess"))).toBe(attemptsBefore)
    }))

  it.effect("an InvalidRequest from the provider is counted once, on createProcess", () =>
    Effect.gen(function*() {
      const onCreate = yield* count(errors("InvalidRequest", "createProcess"))
      const onCheck = yield* count(errors("InvalidRequest", "check"))
      const provider = yield* scripted([UnicoCodes.toError({ status: 400, code: "20507" })])
      const error = yield* Liveness.check(seedBody(sdkPayload())).pipe(
        Effect.provide(workflow(provider.layer)),
        Effect.flip
      )
      expect(error._tag).toBe("InvalidRequest")
      expect((yield* count(errors("InvalidRequest", "createProcess"))) - onCreate).toBe(1)
      expect(yield* count(errors("InvalidRequest", "check"))).toBe(onCheck)
    }))

  it.effect("provider latency is the provider's time, not the wait for the tenant quota", () =>
    Effect.gen(function*() {
      const before = yield* latencySum("createProcess")
      // The provider answers instantly; the second check waits 2 s for a permit.
      const provider = yield* scripted([], live)
      const fiber = yield* Effect.forEach(
        [1, 2],
        () => Liveness.check(seedBody(sdkPayload())),
        { concurrency: "unbounded" }
      ).pipe(
        Effect.provide(workflow(provider.layer, { rateLimit: { limit: 1, interval: Duration.seconds(2) } })),
        Effect.fork
      )
      yield* TestClock.adjust("2 seconds")
      yield* Fiber.join(fiber)
      expect((yield* provider.calls).map((call) => call.at)).toEqual([0, 2000])
      expect((yield* latencySum("createProcess")) - before).toBe(0)
    }))

  it.effect("a 429 that a retry then answers counts one RateLimited provider error, and no check error", () =>
    Effect.gen(function*() {
      const rateLimitedBefore = yield* count(providerErrors("RateLimited", "createProcess"))
      const checkErrorsBefore = yield* count(errors("RateLimited", "createProcess"))
      const liveBefore = yield* count(providerErrors("RateLimited", "getProcess"))
      const provider = yield* scripted([UnicoCodes.toError({ status: 429 }), live()])
      const fiber = yield* Liveness.check(seedBody(sdkPayload())).pipe(
        Effect.provide(workflow(provider.layer)),
        Effect.fork
      )
      yield* TestClock.adjust("1 second")
      expect((yield* Fiber.join(fiber)).verdict).toBe("live")
      expect((yield* count(providerErrors("RateLimited", "createProcess"))) - rateLimitedBefore).toBe(1)
      expect(yield* count(errors("RateLimited", "createProcess"))).toBe(checkErrorsBefore)
      expect(yield* count(providerErrors("RateLimited", "getProcess"))).toBe(liveBefore)
    }))

  it.effect("a check answered at once counts no provider error", () =>
    Effect.gen(function*() {
      const before = yield* Metric.snapshot
      const total = (snapshot: typeof before) =>
        snapshot.filter((pair) => pair.metricKey.name === "liveness_provider_errors_total")
          .reduce((sum, pair) => sum + Number((pair.metricState as unknown as { count: number }).count), 0)
      const provider = yield* scripted([live()])
      yield* Liveness.check(seedBody(sdkPayload())).pipe(Effect.provide(workflow(provider.layer)))
      expect(total(yield* Metric.snapshot)).toBe(total(before))
    }))

  it.effect("the check capacity is the tenant quota per second times the deadline in seconds", () =>
    Effect.gen(function*() {
      const provider = yield* scripted([live()])
      yield* Liveness.check(seedBody(sdkPayload())).pipe(
        Effect.provide(workflow(provider.layer, {
          rateLimit: { limit: 20, interval: Duration.seconds(2) },
          deadline: Duration.seconds(12)
        }))
      )
      expect((yield* Metric.value(LivenessMetrics.checkCapacity)).value).toBe(120)
    }))
})
