import { describe, expect, it } from "@effect/vitest"
import { CheckInput, Liveness, LivenessProvider } from "@liveness/core"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import { FakeProvider, Fixtures, Scenario, Submissions } from "../src/index.js"
import { fakeLayer, seedSubject, withTime } from "./support.js"

const { Outcome } = Scenario

const submissionsOf = (payload: string) =>
  Effect.map(
    Effect.flatMap(FakeProvider.FakeProvider, (fake) => fake.submissionsByPayload),
    (byPayload) => byPayload.get(Fixtures.fingerprint(payload))
  )

/** One request to the provider itself, no workflow: the same payload twice is sent twice, whatever the core does. */
const submit = (imageBase64: string) =>
  Effect.gen(function*() {
    const provider = yield* LivenessProvider.LivenessProvider
    return yield* provider.createProcess(yield* CheckInput.validate({ subject: seedSubject, imageBase64 }))
  })

describe("Submissions: reading the answers", () => {
  it("only a 429 and a 503 prove that nothing was processed", () => {
    expect(["429", "503"].map(Submissions.mayHaveBeenProcessed)).toEqual([false, false])
    const others = ["200", "400", "401", "403", "500", "502", "504", Submissions.RESET, Submissions.PENDING]
    for (const answer of others) expect(Submissions.mayHaveBeenProcessed(answer)).toBe(true)
  })

  it("counts the submissions that may have been processed", () => {
    expect(Submissions.countMayHaveBeenProcessed(["503", "429", "200"])).toBe(1)
    expect(Submissions.countMayHaveBeenProcessed(["200", "400"])).toBe(2)
    expect(Submissions.countMayHaveBeenProcessed(["503"])).toBe(0)
    expect(Submissions.countMayHaveBeenProcessed([])).toBe(0)
  })

  it("a request recorded on arrival is pending until its answer, and keeps its place", () => {
    const log = Submissions.make()
    const first = log.arrive("a")
    log.record("a", "200")
    expect(log.byPayload().get("a")).toEqual(["pending", "200"])
    first("400")
    first("500")
    expect(log.byPayload().get("a")).toEqual(["400", "200"])
    expect(log.total()).toBe(2)
  })

  it("clear forgets everything, and a late answer does not come back", () => {
    const log = Submissions.make()
    const inFlight = log.arrive("a")
    log.clear()
    inFlight("200")
    expect(log.byPayload().size).toBe(0)
    expect(log.total()).toBe(0)
  })
})

describe("FakeProvider.submissionsByPayload", () => {
  it.effect("a 503 then live for the same payload: [503, 200], one process", () =>
    Effect.gen(function*() {
      const fake = yield* FakeProvider.FakeProvider
      yield* fake.enqueue(Outcome.unavailable(), Outcome.live)
      const payload = Fixtures.sdkPayload()
      const result = yield* withTime(Liveness.check({ subject: seedSubject, imageBase64: payload }))
      expect(result.attempts).toBe(2)
      expect(yield* submissionsOf(payload)).toEqual(["503", "200"])
      expect((yield* fake.processesByPayload).get(Fixtures.fingerprint(payload))).toBe(1)
    }).pipe(Effect.provide(fakeLayer())))

  it.effect("a 429 (Retry-After: 1) then live: [429, 200], the retry a second later on the clock", () =>
    Effect.gen(function*() {
      const payload = Fixtures.sdkPayload({ scenario: "rate-limited-once" })
      const fiber = yield* Effect.fork(Liveness.check({ imageBase64: payload }))
      yield* TestClock.adjust("999 millis")
      expect(yield* submissionsOf(payload)).toEqual(["429"])
      yield* TestClock.adjust("1 millis")
      expect((yield* Fiber.join(fiber)).attempts).toBe(2)
      const answers = (yield* submissionsOf(payload))!
      expect(answers).toEqual(["429", "200"])
      expect(Submissions.countMayHaveBeenProcessed(answers)).toBe(1)
    }).pipe(Effect.provide(fakeLayer())))

  it.effect("a 500 (510) for an SDK payload: OutcomeUnknown after exactly one submission", () =>
    Effect.gen(function*() {
      const fake = yield* FakeProvider.FakeProvider
      yield* fake.enqueue(Outcome.error(500, "510"), Outcome.live)
      const payload = Fixtures.sdkPayload()
      const error = yield* withTime(Liveness.check({ imageBase64: payload })).pipe(Effect.flip)
      expect(error._tag).toBe("OutcomeUnknown")
      expect(yield* submissionsOf(payload)).toEqual(["500"])
    }).pipe(Effect.provide(fakeLayer())))

  it.effect("an answer later than the per-attempt timeout is recorded as the engine answered it", () =>
    Effect.gen(function*() {
      const payload = Fixtures.sdkPayload({ scenario: "slow" })
      const error = yield* withTime(Liveness.check({ imageBase64: payload }), "20 seconds").pipe(Effect.flip)
      expect(error._tag).toBe("OutcomeUnknown")
      expect(yield* submissionsOf(payload)).toEqual(["200"])
    }).pipe(Effect.provide(fakeLayer())))

  it.effect("a replayed SDK payload: [200, 400] (the replay refused as reused, 10508)", () =>
    Effect.gen(function*() {
      const payload = Fixtures.sdkPayload()
      yield* submit(payload)
      expect(yield* Effect.flip(submit(payload))).toMatchObject({ providerCode: "10508" })
      const answers = (yield* submissionsOf(payload))!
      expect(answers).toEqual(["200", "400"])
      expect(Submissions.countMayHaveBeenProcessed(answers)).toBe(2)
    }).pipe(Effect.provide(fakeLayer())))

  it.effect("different payloads are counted apart; reset forgets them", () =>
    Effect.gen(function*() {
      const fake = yield* FakeProvider.FakeProvider
      const [first, second] = [Fixtures.sdkPayload(), Fixtures.image()]
      yield* fake.enqueue(Outcome.error(400, "20505"))
      yield* Effect.flip(submit(first))
      yield* submit(second)
      yield* submit(first)
      expect(yield* fake.submissionsByPayload).toEqual(
        new Map([[Fixtures.fingerprint(first), ["400", "200"]], [Fixtures.fingerprint(second), ["200"]]])
      )
      yield* fake.reset
      expect((yield* fake.submissionsByPayload).size).toBe(0)
      yield* submit(first)
      expect(yield* submissionsOf(first)).toEqual(["200"])
    }).pipe(Effect.provide(fakeLayer())))
})
