import { describe, expect, it } from "@effect/vitest"
import { Liveness, LivenessProcess, ProviderUnavailable } from "@liveness/core"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import { FakeProvider, Fixtures, Scenario } from "../src/index.js"
import { fakeLayer, seedSubject, withTime } from "./support.js"

const { Outcome } = Scenario

const UNKNOWN_ID = "9f1c2a7e-1111-4222-8333-444455556666"

describe("FakeProvider scripting, through Liveness.check", () => {
  it.effect("queued outcomes answer the next requests in order, then the usual rules resume", () =>
    Effect.gen(function*() {
      const fake = yield* FakeProvider.FakeProvider
      yield* fake.enqueue(Outcome.notLive, Outcome.processingError)
      const first = yield* Liveness.check({ subject: seedSubject, imageBase64: Fixtures.sdkPayload() })
      const second = yield* Liveness.check({ subject: seedSubject, imageBase64: Fixtures.sdkPayload() })
      const third = yield* Liveness.check({ subject: seedSubject, imageBase64: Fixtures.sdkPayload() })
      expect([first.verdict, second.verdict, third.verdict]).toEqual(["not-live", "retry-capture", "live"])
    }).pipe(Effect.provide(fakeLayer())))

  it.effect("a script drives the retry policy: 503, 503, then live is one check of three attempts", () =>
    Effect.gen(function*() {
      const fake = yield* FakeProvider.FakeProvider
      yield* fake.enqueue(Outcome.unavailable(), Outcome.unavailable(), Outcome.live)
      const result = yield* withTime(Liveness.check({ subject: seedSubject, imageBase64: Fixtures.sdkPayload() }))
      expect(result.attempts).toBe(3)
      expect((yield* fake.calls).map((call) => call.answer.status)).toEqual([503, 503, 200])
    }).pipe(Effect.provide(fakeLayer())))

  it.effect("a 502 may have reached Unico: the SDK payload is not sent again, OutcomeUnknown after one call", () =>
    Effect.gen(function*() {
      const fake = yield* FakeProvider.FakeProvider
      yield* fake.enqueue(Outcome.unavailable(502), Outcome.live)
      const error = yield* withTime(Liveness.check({ subject: seedSubject, imageBase64: Fixtures.sdkPayload() })).pipe(
        Effect.flip
      )
      expect(error).toMatchObject({ _tag: "OutcomeUnknown", attempts: 1 })
      expect((yield* fake.calls).map((call) => call.answer.status)).toEqual([502])
    }).pipe(Effect.provide(fakeLayer())))

  it.effect("with replayAmbiguous, a replay refused as reused is OutcomeUnknown, not the user's fault", () =>
    Effect.gen(function*() {
      const fake = yield* FakeProvider.FakeProvider
      yield* fake.enqueue(Outcome.unavailable(504), Outcome.error(400, "10508"))
      const error = yield* withTime(Liveness.check({ subject: seedSubject, imageBase64: Fixtures.sdkPayload() })).pipe(
        Effect.flip
      )
      expect(error).toMatchObject({ _tag: "OutcomeUnknown", attempts: 2 })
    }).pipe(Effect.provide(fakeLayer({}, { replayAmbiguous: true }))))

  it.effect("scripted Unico errors map through the catalogue (20505, 10201, 510)", () =>
    Effect.gen(function*() {
      const fake = yield* FakeProvider.FakeProvider
      yield* fake.enqueue(Outcome.error(400, "20505"), Outcome.error(403, "10201"))
      const format = yield* Liveness.check({ imageBase64: Fixtures.sdkPayload() }).pipe(Effect.flip)
      const key = yield* Liveness.check({ imageBase64: Fixtures.sdkPayload() }).pipe(Effect.flip)
      expect(format).toMatchObject({ _tag: "PayloadRejected", reason: "format", providerCode: "20505" })
      expect(key).toMatchObject({ _tag: "AccessDenied", providerCode: "10201" })
      yield* fake.enqueue(Outcome.error(500, "510"))
      const internal = yield* Liveness.check({ imageBase64: Fixtures.image() }).pipe(Effect.flip)
      expect(internal).toMatchObject({ _tag: "ProviderUnavailable", providerCode: "510", mayHaveBeenProcessed: true })
    }).pipe(Effect.provide(fakeLayer())))

  it.effect("a delayed outcome answers after its delay", () =>
    Effect.gen(function*() {
      const fake = yield* FakeProvider.FakeProvider
      yield* fake.enqueue(Outcome.delayed("5 seconds", Outcome.notLive))
      const fiber = yield* Effect.fork(Liveness.check({ imageBase64: Fixtures.sdkPayload() }))
      yield* TestClock.adjust("4999 millis")
      expect(fiber.unsafePoll()).toBeNull()
      yield* TestClock.adjust("1 millis")
      expect((yield* Fiber.join(fiber)).verdict).toBe("not-live")
    }).pipe(Effect.provide(fakeLayer())))

  it.effect("a request unanswered after the per-attempt timeout (15 s) fails as over HTTP: may have been processed", () =>
    Effect.gen(function*() {
      const { control, provider: slow } = yield* FakeProvider.make({ latency: "20 seconds" })
      const late = yield* Effect.fork(Effect.flip(slow.getProcess(LivenessProcess.ProcessId.make(UNKNOWN_ID))))
      yield* TestClock.adjust("14999 millis")
      expect(late.unsafePoll()).toBeNull()
      yield* TestClock.adjust("1 millis")
      expect(yield* Fiber.join(late)).toEqual(
        new ProviderUnavailable({ mayHaveBeenProcessed: true, transient: true, detail: "no answer within 15 s" })
      )
      expect((yield* control.calls).length).toBe(1)
    }))

  it.effect("the per-attempt timeout is an option: an answer within it comes through", () =>
    Effect.gen(function*() {
      const fake = yield* FakeProvider.FakeProvider
      yield* fake.enqueue(Outcome.delayed("20 seconds", Outcome.notLive))
      const result = yield* withTime(Liveness.check({ imageBase64: Fixtures.sdkPayload() }), "20 seconds")
      expect(result.verdict).toBe("not-live")
    }).pipe(Effect.provide(fakeLayer({ timeout: "25 seconds" }))))

  it.effect("records each call with subject, payload fingerprint and time, never the payload", () =>
    Effect.gen(function*() {
      const fake = yield* FakeProvider.FakeProvider
      yield* TestClock.adjust("42 seconds")
      const payload = Fixtures.sdkPayload()
      const subject = { ...seedSubject, email: "luke@example.com", phone: "551972557070" }
      const result = yield* Liveness.check({
        subject,
        subsidiaryId: "60837cd3-ed3c-4038-ad7c-0a85ad64b03a",
        imageBase64: payload
      })
      const calls = yield* fake.calls
      expect(calls).toHaveLength(1)
      expect(calls[0]).toEqual({
        operation: "createProcess",
        at: 42_000,
        subject,
        subsidiaryId: "60837cd3-ed3c-4038-ad7c-0a85ad64b03a",
        payloadFingerprint: Fixtures.fingerprint(payload),
        payloadKind: "sdk",
        processId: result.process.id,
        answer: { status: 200, processId: result.process.id }
      })
      const recorded = JSON.stringify(calls)
      for (const part of payload.split(".")) expect(recorded).not.toContain(part)
    }).pipe(Effect.provide(fakeLayer())))

  it.effect("reset forgets calls, processes, used payloads and the script", () =>
    Effect.gen(function*() {
      const fake = yield* FakeProvider.FakeProvider
      const payload = Fixtures.sdkPayload()
      const created = yield* Liveness.check({ subject: seedSubject, imageBase64: payload })
      yield* fake.enqueue(Outcome.notLive)
      yield* fake.reset
      expect(yield* fake.calls).toEqual([])
      expect((yield* fake.processesByPayload).size).toBe(0)
      const lookup = yield* Liveness.getProcess(created.process.id).pipe(Effect.flip)
      expect(lookup._tag).toBe("ProcessNotFound")
      // The payload is usable again and the queued not-live is gone.
      const again = yield* Liveness.check({ subject: seedSubject, imageBase64: payload })
      expect(again.verdict).toBe("live")
    }).pipe(Effect.provide(fakeLayer())))

  it.effect("latency delays every answer, on the Clock", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Liveness.check({ subject: seedSubject, imageBase64: Fixtures.sdkPayload() }))
      yield* TestClock.adjust("1999 millis")
      expect(fiber.unsafePoll()).toBeNull()
      yield* TestClock.adjust("1 millis")
      expect((yield* Fiber.join(fiber)).verdict).toBe("live")
    }).pipe(Effect.provide(fakeLayer({ latency: "2 seconds" }))))

  it.effect("getProcess returns a stored process with its verdict, and ProcessNotFound otherwise", () =>
    Effect.gen(function*() {
      const created = yield* Liveness.check({
        subject: { code: "00000000191", name: "Test Subject" },
        imageBase64: Fixtures.sdkPayload()
      })
      const read = yield* Liveness.getProcess(created.process.id)
      expect(read.process).toEqual(created.process)
      expect(read.verdict).toBe("not-live")
      const missing = yield* Liveness.getProcess("9f1c2a7e-1111-4222-8333-444455556666").pipe(Effect.flip)
      expect(missing).toMatchObject({ _tag: "ProcessNotFound", processId: "9f1c2a7e-1111-4222-8333-444455556666" })
    }).pipe(Effect.provide(fakeLayer())))
})
