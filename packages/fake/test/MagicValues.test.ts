import { describe, expect, it } from "@effect/vitest"
import { Cpf, Liveness } from "@liveness/core"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import { readFile } from "node:fs/promises"
import { FakeProvider, Fixtures, MagicValues, Scenario } from "../src/index.js"
import { fakeLayer, withTime } from "./support.js"

const check = (code: string, imageBase64 = Fixtures.sdkPayload()) =>
  Liveness.check({ subject: { code, name: "Test Subject" }, imageBase64 })

describe("magic subject codes, through Liveness.check", () => {
  it("the README's table is MagicValues.documented, one row per scenario in Scenario.names order", async () => {
    const readme = await readFile(new URL("../README.md", import.meta.url), "utf8")
    const rows = readme.split("\n").filter((line) => /^\| `\d{11}`/.test(line)).map((line) =>
      line.slice(1, -1).split(" | ").map((cell) => cell.trim())
    )
    expect(rows.map(([cpf, answers, gives]) => ({ cpf: /\d{11}/.exec(cpf!)![0], answers, gives }))).toEqual(
      MagicValues.documented.map(({ answers, cpf, gives }) => ({ cpf, answers, gives }))
    )
    expect(MagicValues.documented.map((row) => row.scenario)).toEqual(Scenario.names)
    for (const row of MagicValues.documented) expect(MagicValues.cpfOf(row.scenario)).toBe(row.cpf)
  })

  it("every magic code is a valid CPF", () => {
    for (const cpf of [MagicValues.LIVE_CPF, ...MagicValues.byCpf.keys()]) expect(Cpf.isValid(cpf)).toBe(true)
  })

  it.effect("12345678909 (the seed's example) is live", () =>
    Effect.gen(function*() {
      const result = yield* check("12345678909")
      expect(result.verdict).toBe("live")
      expect(result.process.status).toBe(3)
      expect(result.process.liveness).toBe(1)
      expect(result.attempts).toBe(1)
    }).pipe(Effect.provide(fakeLayer())))

  it.effect("any other valid CPF is live", () =>
    Effect.gen(function*() {
      const result = yield* check(Cpf.withCheckDigits("529982247"))
      expect(result.verdict).toBe("live")
    }).pipe(Effect.provide(fakeLayer())))

  it.effect("00000000191 is not live (3/2)", () =>
    Effect.gen(function*() {
      const result = yield* check("00000000191")
      expect(result.verdict).toBe("not-live")
      expect(result.process.liveness).toBe(2)
    }).pipe(Effect.provide(fakeLayer())))

  it.effect("00000000272 is a processing error (status 5): recapture", () =>
    Effect.gen(function*() {
      const result = yield* check("00000000272")
      expect(result.verdict).toBe("retry-capture")
      expect(result.process.status).toBe(5)
      expect(result.process.liveness).toBeUndefined()
    }).pipe(Effect.provide(fakeLayer())))

  it.effect("00000000353 answers 429 with Retry-After: 1 once; the retry waits 1 s and is live", () =>
    Effect.gen(function*() {
      const fake = yield* FakeProvider.FakeProvider
      const fiber = yield* Effect.fork(check("00000000353", Fixtures.image()))
      yield* TestClock.adjust("999 millis")
      expect((yield* fake.calls).length).toBe(1)
      yield* TestClock.adjust("1 millis")
      const result = yield* Fiber.join(fiber)
      expect(result.verdict).toBe("live")
      expect(result.attempts).toBe(2)
      const calls = yield* fake.calls
      expect(calls.map((call) => call.answer.status)).toEqual([429, 200])
      expect(calls[1]!.at - calls[0]!.at).toBe(1000)
    }).pipe(Effect.provide(fakeLayer())))

  it.effect("00000000434 answers 503 once: an SDK payload is retried and live", () =>
    Effect.gen(function*() {
      const result = yield* withTime(check("00000000434"))
      expect(result.verdict).toBe("live")
      expect(result.attempts).toBe(2)
    }).pipe(Effect.provide(fakeLayer())))

  it.effect("00000000434 with a plain image: a 503 handled nothing, so it is sent again and is live", () =>
    Effect.gen(function*() {
      const fake = yield* FakeProvider.FakeProvider
      const result = yield* withTime(check("00000000434", Fixtures.image()))
      expect(result).toMatchObject({ verdict: "live", attempts: 2 })
      expect((yield* fake.calls).length).toBe(2)
    }).pipe(Effect.provide(fakeLayer())))

  it.effect("00000000515 is rejected as too large (20506)", () =>
    Effect.gen(function*() {
      const error = yield* check("00000000515").pipe(Effect.flip)
      expect(error).toMatchObject({ _tag: "PayloadRejected", reason: "size", providerCode: "20506" })
    }).pipe(Effect.provide(fakeLayer())))

  it.effect("00000000604 is denied (403, 30017)", () =>
    Effect.gen(function*() {
      const error = yield* check("00000000604").pipe(Effect.flip)
      expect(error).toMatchObject({ _tag: "AccessDenied", providerCode: "30017" })
    }).pipe(Effect.provide(fakeLayer())))

  it.effect("00000000787 fails authentication (1.2.5) without a retry", () =>
    Effect.gen(function*() {
      const fake = yield* FakeProvider.FakeProvider
      const error = yield* check("00000000787").pipe(Effect.flip)
      expect(error).toMatchObject({ _tag: "AuthenticationFailed", stage: "token", providerCode: "1.2.5" })
      expect(error.message).toContain("Hint:")
      expect((yield* fake.calls).length).toBe(1)
    }).pipe(Effect.provide(fakeLayer())))

  it.effect("00000000868 answers 503 every time: 5 attempts, then ProviderUnavailable, nothing billed", () =>
    Effect.gen(function*() {
      const fake = yield* FakeProvider.FakeProvider
      const error = yield* withTime(check("00000000868")).pipe(Effect.flip)
      expect(error).toMatchObject({ _tag: "ProviderUnavailable", status: 503, mayHaveBeenProcessed: false })
      expect((yield* fake.calls).length).toBe(5)
      expect((yield* fake.processesByPayload).size).toBe(0)
    }).pipe(Effect.provide(fakeLayer())))

  // A request written and never answered may have been processed: over HTTP the adapter's per-attempt timeout
  // (15 s) ends the attempt long before the 30 s deadline, and the fake ends it the same way.
  it.effect("00000000949 answers after 40 s, SDK payload: the attempt times out at 15 s and is not sent again: OutcomeUnknown, billed once", () =>
    Effect.gen(function*() {
      const fake = yield* FakeProvider.FakeProvider
      const fiber = yield* Effect.fork(check("00000000949"))
      yield* TestClock.adjust("14999 millis")
      expect(fiber.unsafePoll()).toBeNull()
      yield* TestClock.adjust("1 millis")
      const error = yield* Fiber.join(fiber).pipe(Effect.flip)
      expect(error).toMatchObject({ _tag: "OutcomeUnknown", attempts: 1 })
      expect((yield* fake.calls).map((call) => call.answer)).toMatchObject([{ status: 200 }])
      // The provider created (and billed) the process even though its answer never came.
      expect([...(yield* fake.processesByPayload).values()]).toEqual([1])
    }).pipe(Effect.provide(fakeLayer())))

  it.effect("00000000949, plain image: ProviderUnavailable that may have been processed at 15 s, not replayed", () =>
    Effect.gen(function*() {
      const fake = yield* FakeProvider.FakeProvider
      const fiber = yield* Effect.fork(check("00000000949", Fixtures.image()))
      yield* TestClock.adjust("15 seconds")
      const error = yield* Fiber.join(fiber).pipe(Effect.flip)
      expect(error).toMatchObject({
        _tag: "ProviderUnavailable",
        mayHaveBeenProcessed: true,
        transient: true,
        detail: "no answer within 15 s"
      })
      expect((yield* fake.calls).length).toBe(1)
      expect([...(yield* fake.processesByPayload).values()]).toEqual([1])
    }).pipe(Effect.provide(fakeLayer())))

  it.effect("00000000949 under a deadline shorter than the per-attempt timeout: DeadlineExceeded at the deadline", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(check("00000000949"))
      yield* TestClock.adjust("10 seconds")
      const error = yield* Fiber.join(fiber).pipe(Effect.flip)
      expect(error).toMatchObject({ _tag: "DeadlineExceeded", deadlineMillis: 10000, attempts: 1 })
    }).pipe(Effect.provide(fakeLayer({}, { deadline: Duration.seconds(10) }))))

  it.effect("00000000949 answers live when the per-attempt timeout and the deadline allow 40 s", () =>
    Effect.gen(function*() {
      const result = yield* withTime(check("00000000949"), "41 seconds")
      expect(result.verdict).toBe("live")
    }).pipe(Effect.provide(fakeLayer({ timeout: Duration.seconds(45) }, { deadline: Duration.seconds(45) }))))
})
