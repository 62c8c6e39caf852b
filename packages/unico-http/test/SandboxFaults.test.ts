/**
 * The real workflow over the real HTTP adapter, against a sandbox that misbehaves on purpose (Faults): what
 * the caller gets, what was retried, and what the sandbox counted (a capture is never billed twice). Also the
 * sandbox's per-tenant quota against the workflow's own limiter. HTTP only: the fake has no transport.
 */
import { describe, expect, it } from "@effect/vitest"
import { CheckPolicy, Liveness, type LivenessError, TenantRateLimiter } from "@liveness/core"
import { Fixtures, MagicValues, Submissions } from "@liveness/fake"
import { type Faults, Sandbox } from "@liveness/sandbox"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import { UndiciHttpClient } from "../src/index.js"
import {
  calls,
  httpLayer,
  layer as sandboxAdapter,
  requestsByStatus,
  sharedHttp,
  subject,
  submissionsOf,
  testPolicy
} from "./support/sandboxAdapter.js"
import { driveClock, untilTrue } from "./support/unicoHttpHarness.js"

/** One sandbox and adapter for the scripted faults (engine reset and counts restarted per test). */
const shared = sharedHttp()

const live = { subject: subject(MagicValues.LIVE_CPF) }
const sdkInput = () => ({ ...live, imageBase64: Fixtures.sdkPayload() })
const imageInput = () => ({ ...live, imageBase64: Fixtures.image() })

const sandbox = Sandbox.SandboxInstance
const stats = Effect.flatMap(sandbox, (running) => running.stats)
const injectFaults = (...faults: ReadonlyArray<Faults.Fault>) =>
  Effect.flatMap(sandbox, (running) => Effect.sync(() => running.faults.enqueue(...faults)))

/** Processes the sandbox created for one payload. */
const billedFor = (payload: string) =>
  Effect.map(stats, (current) => current.processesByPayload[Fixtures.fingerprint(payload)] ?? 0)

/** The engine's answers to `createProcess`, in order (`200`, or the status and code). */
const engineAnswers = Effect.map(
  calls,
  (all) =>
    all.filter((call) => call.operation === "createProcess").map((call) =>
      call.answer.code === undefined ? String(call.answer.status) : `${call.answer.status} ${call.answer.code}`
    )
)

const failure = (error: LivenessError) => error as unknown as Record<string, unknown>

describe("sandbox faults through the real workflow (HTTP adapter)", () => {
  it.live("503 then live, SDK payload: live after 2 attempts, one process for the payload", () =>
    Effect.gen(function*() {
      yield* injectFaults({ _tag: "status", status: 503 })
      const input = sdkInput()
      const result = yield* Liveness.check(input)
      expect(result).toMatchObject({ verdict: "live", attempts: 2 })
      const current = yield* stats
      expect(yield* requestsByStatus).toEqual({ "503": 1, "200": 1 })
      expect(yield* billedFor(input.imageBase64)).toBe(1)
      expect(current.processes).toBe(1)
    }).pipe(Effect.provide(shared())))

  // Unico's single-submission rule, proven on what the sandbox received (it records faults answered before its
  // engine too): after a fault that may have been processed, an SDK payload is never sent again.
  describe("one submission per capture (stats.submissionsByPayload)", () => {
    const ambiguous: ReadonlyArray<readonly [string, Faults.Fault, string]> = [
      ["a 500 with Unico's 510", { _tag: "status", status: 500 }, "500"],
      ["a 502 (a gateway in front of Unico)", { _tag: "status", status: 502 }, "502"],
      ["a 504 (a gateway in front of Unico timed out)", { _tag: "status", status: 504 }, "504"],
      ["a reset before processing", { _tag: "reset-before" }, "reset"],
      ["a reset after processing", { _tag: "reset-after" }, "reset"]
    ]
    for (const [what, fault, answer] of ambiguous) {
      it.live(`${what}, SDK payload: OutcomeUnknown after exactly one submission`, () =>
        Effect.gen(function*() {
          yield* injectFaults(fault)
          const input = sdkInput()
          expect(yield* Liveness.check(input).pipe(Effect.flip)).toMatchObject({ _tag: "OutcomeUnknown", attempts: 1 })
          expect(yield* submissionsOf(input.imageBase64)).toEqual([answer])
        }).pipe(Effect.provide(shared())))
    }

    it.live("a 503 (answered before the engine) then live, SDK payload: live, [503, 200]", () =>
      Effect.gen(function*() {
        yield* injectFaults({ _tag: "status", status: 503 })
        const input = sdkInput()
        expect((yield* Liveness.check(input)).verdict).toBe("live")
        const answers = yield* submissionsOf(input.imageBase64)
        expect(answers).toEqual(["503", "200"])
        expect(Submissions.countMayHaveBeenProcessed(answers)).toBe(1)
        expect(yield* engineAnswers).toEqual(["200"])
      }).pipe(Effect.provide(shared())))
  })

  it.live("500 (Unico 510), plain image: ProviderUnavailable, not replayed", () =>
    Effect.gen(function*() {
      yield* injectFaults({ _tag: "status", status: 500 })
      const error = yield* Liveness.check(imageInput()).pipe(Effect.flip)
      expect(error).toMatchObject({ _tag: "ProviderUnavailable", status: 500, providerCode: "510" })
      expect(failure(error).mayHaveBeenProcessed).toBe(true)
      expect(yield* requestsByStatus).toEqual({ "500": 1 })
    }).pipe(Effect.provide(shared())))

  it.live("reset before processing, plain image: ProviderUnavailable that may have been processed, not replayed", () =>
    Effect.gen(function*() {
      // The client cannot tell a reset before processing from one after: it must assume the worst.
      yield* injectFaults({ _tag: "reset-before" })
      const error = yield* Liveness.check(imageInput()).pipe(Effect.flip)
      expect(error).toMatchObject({ _tag: "ProviderUnavailable", mayHaveBeenProcessed: true, transient: true })
      expect(failure(error).status).toBeUndefined()
      const current = yield* stats
      expect(yield* requestsByStatus).toEqual({ reset: 1 })
      expect(current.processes).toBe(0)
      expect(yield* engineAnswers).toEqual([])
    }).pipe(Effect.provide(shared())))

  it.live("reset after processing, SDK payload: not sent again, OutcomeUnknown, submitted and billed once", () =>
    Effect.gen(function*() {
      yield* injectFaults({ _tag: "reset-after" })
      const input = sdkInput()
      const error = yield* Liveness.check(input).pipe(Effect.flip)
      expect(error).toMatchObject({ _tag: "OutcomeUnknown", attempts: 1 })
      expect(yield* requestsByStatus).toEqual({ reset: 1 })
      expect(yield* engineAnswers).toEqual(["200"])
      expect(yield* billedFor(input.imageBase64)).toBe(1)
      expect((yield* stats).processes).toBe(1)
    }).pipe(Effect.provide(shared())))

  it.live("reset after processing, plain image: ProviderUnavailable, not replayed, billed once", () =>
    Effect.gen(function*() {
      yield* injectFaults({ _tag: "reset-after" })
      const input = imageInput()
      const error = yield* Liveness.check(input).pipe(Effect.flip)
      expect(error).toMatchObject({ _tag: "ProviderUnavailable", mayHaveBeenProcessed: true })
      expect(yield* requestsByStatus).toEqual({ reset: 1 })
      expect(yield* billedFor(input.imageBase64)).toBe(1)
    }).pipe(Effect.provide(shared())))

  it.live("a truncated JSON body: UnexpectedResponse, not retried (the process exists)", () =>
    Effect.gen(function*() {
      yield* injectFaults({ _tag: "malformed-json" })
      const input = sdkInput()
      const error = yield* Liveness.check(input).pipe(Effect.flip)
      expect(error).toMatchObject({ _tag: "UnexpectedResponse", status: 200 })
      expect(yield* engineAnswers).toEqual(["200"])
      expect(yield* billedFor(input.imageBase64)).toBe(1)
    }).pipe(Effect.provide(shared())))

  it.live("a body that trickles in over 200 ms: still live, one attempt", () =>
    Effect.gen(function*() {
      yield* injectFaults({ _tag: "slow-body", millis: 200 })
      const result = yield* Liveness.check(sdkInput())
      expect(result).toMatchObject({ verdict: "live", attempts: 1 })
    }).pipe(Effect.provide(shared())))

  // Under TestClock (the sandbox keeps the test's clock): the sandbox's 600 ms delay, the adapter's 300 ms
  // timeout and the workflow's backoff pass only when the test moves time.
  describe("latency beyond the adapter's per-attempt timeout (300 ms)", () => {
    const slowAdapter = () => httpLayer({}, { rateLimit: false }, { timeout: "300 millis" })
    /** The sandbox holds the request: its 600 ms delay is among the clock's sleeps. */
    const held = untilTrue(Effect.map(TestClock.sleeps(), Chunk.some((wakeAt) => wakeAt === 600)))

    it.scoped("plain image: ProviderUnavailable (may have been processed), not replayed; the sandbox bills it later", () =>
      Effect.gen(function*() {
        yield* injectFaults({ _tag: "latency", millis: 600 })
        const input = imageInput()
        const fiber = yield* Effect.fork(Effect.flip(Liveness.check(input)))
        yield* held
        yield* TestClock.adjust("299 millis")
        expect(yield* Fiber.poll(fiber)).toEqual(Option.none())
        yield* TestClock.adjust("1 millis")
        const error = yield* Fiber.join(fiber)
        expect(error).toMatchObject({ _tag: "ProviderUnavailable", mayHaveBeenProcessed: true, transient: true })
        expect(error.message).toContain("no answer within 0.3 s")
        expect(yield* engineAnswers).toEqual([])
        // The request was only slow: the sandbox processes it after its delay, and nobody hears the answer.
        yield* TestClock.adjust("300 millis")
        yield* untilTrue(Effect.map(billedFor(input.imageBase64), (billed) => billed > 0))
        expect(yield* engineAnswers).toEqual(["200"])
        expect(yield* billedFor(input.imageBase64)).toBe(1)
      }).pipe(Effect.provide(slowAdapter())))

    it.scoped("SDK payload: not sent again (OutcomeUnknown at the timeout); the sandbox bills it once, later", () =>
      Effect.gen(function*() {
        yield* injectFaults({ _tag: "latency", millis: 600 })
        const input = sdkInput()
        const fiber = yield* Effect.fork(Effect.flip(Liveness.check(input)))
        yield* held
        yield* TestClock.adjust("300 millis")
        expect(yield* Fiber.join(fiber)).toMatchObject({ _tag: "OutcomeUnknown", attempts: 1 })
        // Submitted once, and not answered yet.
        expect(yield* submissionsOf(input.imageBase64)).toEqual(["pending"])
        yield* TestClock.adjust("300 millis")
        yield* untilTrue(Effect.map(billedFor(input.imageBase64), (billed) => billed > 0))
        expect(yield* engineAnswers).toEqual(["200"])
        expect(yield* billedFor(input.imageBase64)).toBe(1)
        yield* untilTrue(Effect.map(submissionsOf(input.imageBase64), (answers) => answers[0] === "200"))
        expect(yield* submissionsOf(input.imageBase64)).toEqual(["200"])
      }).pipe(Effect.provide(slowAdapter())))
  })

  it.live("rate-based faults under a fixed seed give the same sequence of outcomes twice", () =>
    Effect.gen(function*() {
      const faults: Faults.FaultOptions = {
        seed: 20260525,
        rates: { status502: 0.15, status500: 0.1, resetBefore: 0.1, malformedJson: 0.1 }
      }
      // Plain images are never sent again after these faults (each may have been processed, or failed for good):
      // one request, one draw, per check. Each check is a new capture (the ledger would answer a repeated one).
      const sequence = Effect.forEach(
        Array.from({ length: 12 }),
        () =>
          Liveness.check(imageInput()).pipe(
            Effect.either,
            Effect.map(Either.match({
              onLeft: (error) =>
                `${error._tag}${"status" in error && error.status !== undefined ? ` ${error.status}` : ""}`,
              onRight: (result) => result.verdict
            }))
          )
      )
      const observed = Effect.all({ outcomes: sequence, answers: requestsByStatus })
      const first = yield* observed.pipe(Effect.provide(httpLayer({}, { faults, rateLimit: false })))
      const second = yield* observed.pipe(Effect.provide(httpLayer({}, { faults, rateLimit: false })))
      expect(second).toEqual(first)
      expect(Object.values(first.answers).reduce((sum, n) => sum + n, 0)).toBe(12)
      // The seed gives a mix: some checks fail, some pass.
      expect(first.outcomes).toContain("live")
      expect(first.outcomes.some((outcome) => outcome !== "live")).toBe(true)
    }))

  describe("the sandbox's per-tenant quota (2 per second)", () => {
    const quota = { rateLimit: { limit: 2, intervalMillis: 1000 } } as const

    // Under TestClock: the sandbox's bucket refills only when the test moves time.
    it.scoped("without the workflow's limiter: a 429 with Retry-After, honoured, then the same capture is live", () =>
      Effect.gen(function*() {
        const first = yield* Liveness.check(sdkInput())
        const second = yield* Liveness.check(sdkInput())
        // The third is over the quota. A 429 is safe to retry even for a plain image: nothing was processed.
        const image = imageInput()
        const third = yield* driveClock(yield* Effect.fork(Liveness.check(image)))
        expect([first.attempts, second.attempts, third.attempts]).toEqual([1, 1, 2])
        expect(third.verdict).toBe("live")
        // Retry-After: 1 (second) was waited before the retry.
        expect(yield* Clock.currentTimeMillis).toBeGreaterThanOrEqual(1000)
        const current = yield* stats
        expect(current.requestsByStatus).toEqual({ "200": 3, "429": 1 })
        expect(current.processes).toBe(3)
        // The quota's refusal counts as a submission of that capture, one that proves nothing was processed.
        expect(yield* submissionsOf(image.imageBase64)).toEqual(["429", "200"])
      }).pipe(Effect.provide(httpLayer({ rateLimit: undefined }, quota))))

    const twoPerSecond = { limit: 2, interval: Duration.seconds(1) }

    it.live("the access token is minted before the workflow takes a quota permit, not while holding one", () =>
      Effect.gen(function*() {
        // A token minted inside the permit delays that request by the mint and bunches it with the next ones:
        // at exactly the tenant's rate that drew one 429 on every cold start.
        const mintsAtPermit: Array<number> = []
        const recording = Layer.scoped(
          TenantRateLimiter.TenantRateLimiter,
          Effect.gen(function*() {
            const running = yield* Sandbox.SandboxInstance
            const limiter = yield* TenantRateLimiter.make({ limit: 10, interval: Duration.seconds(1) })
            return {
              withPermit: (effect) =>
                limiter.withPermit(
                  Effect.zipRight(
                    Effect.map(running.stats, (current) => mintsAtPermit.push(current.tokenMints)),
                    effect
                  )
                )
            }
          })
        )
        const layer = Liveness.layerWithoutRateLimiter.pipe(
          Layer.provide(recording),
          // No quota at the sandbox: this is about the order of token and permit, not about 429s.
          Layer.provideMerge(sandboxAdapter({ rateLimit: false })),
          Layer.provide(CheckPolicy.layer(testPolicy)),
          Layer.provide(UndiciHttpClient.layer())
        )
        yield* Effect.forEach(Array.from({ length: 3 }, () => sdkInput()), (input) => Liveness.check(input)).pipe(
          Effect.provide(layer)
        )
        expect(mintsAtPermit).toEqual([1, 1, 1])
      }))

    // Under TestClock the limiter's departures and the sandbox's arrivals share one time: at exactly one rate,
    // a permit the limiter gives is a request the sandbox's bucket accepts.
    it.scoped("with the workflow's limiter at the same 2 per second: 6 sequential checks, no 429", () =>
      Effect.gen(function*() {
        const checks = Effect.forEach(Array.from({ length: 6 }, () => sdkInput()), (input) => Liveness.check(input))
        const results = yield* driveClock(yield* Effect.fork(checks))
        expect(results.map((result) => result.attempts)).toEqual([1, 1, 1, 1, 1, 1])
        expect((yield* stats).requestsByStatus).toEqual({ "200": 6 })
        // And the limiter did hold them back: 6 at 2 per second, the first 2 at once.
        expect(yield* Clock.currentTimeMillis).toBeGreaterThanOrEqual(2000)
      }).pipe(Effect.provide(httpLayer({ rateLimit: twoPerSecond }, quota))))
  })
})
