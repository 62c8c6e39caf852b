import { describe, expect, it } from "@effect/vitest"
import type { Verdict } from "@liveness/core"
import {
  AuthenticationFailed,
  DeadlineExceeded,
  InvalidRequest,
  Liveness,
  OutcomeUnknown,
  PayloadRejected,
  ProcessNotFound,
  ProviderUnavailable,
  RateLimited,
  UnicoCodes
} from "@liveness/core"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as HashMap from "effect/HashMap"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as TestClock from "effect/TestClock"
import {
  imageBase64,
  internal500,
  live,
  notSent,
  type Outcome,
  PROCESS_ID,
  processWith,
  scripted,
  sdkPayload,
  seedBody,
  unavailable503,
  workflow
} from "./support.js"

const sdkBody = () => seedBody(sdkPayload())
const jpegBody = () => seedBody(imageBase64("jpeg", 4096))

/** Runs one check against a provider answering `script`, with the given policy overrides. */
const checkWith = (
  body: unknown,
  script: ReadonlyArray<Outcome>,
  options: { readonly otherwise?: () => Outcome; readonly policy?: Parameters<typeof workflow>[1] } = {}
) =>
  Effect.gen(function*() {
    const provider = yield* scripted(script, options.otherwise)
    const fiber = yield* Liveness.check(body).pipe(
      Effect.provide(workflow(provider.layer, options.policy)),
      Effect.fork
    )
    return { provider, fiber }
  })

describe("Liveness.check", () => {
  describe("verdicts", () => {
    it.effect.each<readonly [number, number | undefined, Verdict.Verdict]>([
      [3, 1, "live"],
      [3, 2, "not-live"],
      [4, undefined, "retry-capture"],
      [5, undefined, "retry-capture"],
      [1, undefined, "pending"],
      [2, undefined, "pending"],
      [9, undefined, "unexpected"],
      [3, 7, "unexpected"],
      [3, undefined, "unexpected"]
    ])("status %s, liveness %s -> %s in one attempt", ([status, liveness, verdict]) =>
      Effect.gen(function*() {
        const provider = yield* scripted([processWith(status, liveness)])
        const result = yield* Liveness.check(sdkBody()).pipe(Effect.provide(workflow(provider.layer)))
        expect(result.verdict).toBe(verdict)
        expect(result.attempts).toBe(1)
        expect(result.process.id).toBe(PROCESS_ID)
        expect(result.process.status).toBe(status)
        expect(result.process.liveness).toBe(liveness)
        expect(yield* provider.callCount).toBe(1)
      }))

    it.effect("the provider receives the validated input, the payload still Redacted", () =>
      Effect.gen(function*() {
        const payload = sdkPayload()
        const provider = yield* scripted([live()])
        yield* Liveness.check(seedBody(payload)).pipe(Effect.provide(workflow(provider.layer)))
        const [call] = yield* provider.calls
        expect(call.request).toBeDefined()
        expect(Redacted.isRedacted(call.request?.imageBase64)).toBe(true)
        expect(Redacted.value(call.request!.imageBase64)).toBe(payload)
        expect(call.request?.subject?.code).toBe(seedBody().subject.code)
        expect(call.request?.subsidiaryId).toBe(seedBody().subsidiaryId)
      }))
  })

  describe("local validation", () => {
    it.effect("InvalidRequest makes zero provider calls", () =>
      Effect.gen(function*() {
        const provider = yield* scripted([live()])
        const error = yield* Liveness.check({ ...sdkBody(), subject: { code: "12345678900", name: "Luke" } }).pipe(
          Effect.provide(workflow(provider.layer)),
          Effect.flip
        )
        expect(error).toBeInstanceOf(InvalidRequest)
        expect((error as InvalidRequest).errors.map((issue) => issue.field)).toEqual(["subject.code"])
        expect(yield* provider.callCount).toBe(0)
      }))

    it.effect("a body without a payload makes zero provider calls", () =>
      Effect.gen(function*() {
        const provider = yield* scripted([live()])
        const error = yield* Liveness.check("not a body").pipe(Effect.provide(workflow(provider.layer)), Effect.flip)
        expect(error._tag).toBe("InvalidRequest")
        expect(yield* provider.callCount).toBe(0)
      }))
  })

  describe("rate limited by the provider (429)", () => {
    it.effect("waits Retry-After (1 s), then succeeds with attempts 2", () =>
      Effect.gen(function*() {
        const { fiber, provider } = yield* checkWith(jpegBody(), [
          UnicoCodes.toError({ status: 429, retryAfterMillis: 1000 }),
          live()
        ])
        yield* TestClock.adjust("0 millis")
        expect(yield* provider.callCount).toBe(1)
        yield* TestClock.adjust("999 millis")
        expect(yield* provider.callCount).toBe(1)
        yield* TestClock.adjust("1 millis")
        expect(yield* provider.callCount).toBe(2)
        const result = yield* Fiber.join(fiber)
        expect(result.verdict).toBe("live")
        expect(result.attempts).toBe(2)
        expect((yield* provider.calls).map((call) => call.at)).toEqual([0, 1000])
      }))

    it.effect("without Retry-After, backs off from the base delay", () =>
      Effect.gen(function*() {
        const { fiber, provider } = yield* checkWith(jpegBody(), [UnicoCodes.toError({ status: 429 }), live()])
        yield* TestClock.adjust("1 second")
        const result = yield* Fiber.join(fiber)
        expect(result.attempts).toBe(2)
        expect((yield* provider.calls).map((call) => call.at)).toEqual([0, 200])
      }))

    it.effect("a Retry-After longer than the remaining deadline fails at once with RateLimited", () =>
      Effect.gen(function*() {
        const { fiber, provider } = yield* checkWith(sdkBody(), [
          UnicoCodes.toError({ status: 429, retryAfterMillis: 60_000 }),
          live()
        ])
        // No clock movement at all: the workflow does not wait for a retry it cannot make.
        const error = yield* Fiber.join(fiber).pipe(Effect.flip)
        expect(error).toBeInstanceOf(RateLimited)
        expect((error as RateLimited).retryAfterMillis).toBe(60_000)
        expect(yield* provider.callCount).toBe(1)
      }))

    it.effect("a Retry-After that would cross the deadline after earlier waits also fails at once", () =>
      Effect.gen(function*() {
        const { fiber, provider } = yield* checkWith(sdkBody(), [
          UnicoCodes.toError({ status: 429, retryAfterMillis: 20_000 }),
          UnicoCodes.toError({ status: 429, retryAfterMillis: 15_000 }),
          live()
        ])
        yield* TestClock.adjust("20 seconds")
        const error = yield* Fiber.join(fiber).pipe(Effect.flip)
        expect(error).toBeInstanceOf(RateLimited)
        expect((error as RateLimited).retryAfterMillis).toBe(15_000)
        expect((yield* provider.calls).map((call) => call.at)).toEqual([0, 20_000])
      }))
  })

  describe("a 503: the provider handled nothing, so it is sent again", () => {
    it.effect("an SDK payload", () =>
      Effect.gen(function*() {
        const { fiber, provider } = yield* checkWith(sdkBody(), [unavailable503(), live()])
        yield* TestClock.adjust("1 second")
        const result = yield* Fiber.join(fiber)
        expect(result.verdict).toBe("live")
        expect(result.attempts).toBe(2)
        expect(yield* provider.callCount).toBe(2)
      }))

    it.effect("a plain image too", () =>
      Effect.gen(function*() {
        const { fiber, provider } = yield* checkWith(jpegBody(), [unavailable503(), live()])
        yield* TestClock.adjust("1 second")
        expect((yield* Fiber.join(fiber)).attempts).toBe(2)
        expect(yield* provider.callCount).toBe(2)
      }))
  })

  describe("failures that may have reached Unico (500, 502, 504, a reset or timeout after sending): never sent again", () => {
    it.effect("an SDK payload ends at once in OutcomeUnknown, after one submission (Unico's single-submission rule)", () =>
      Effect.gen(function*() {
        const { fiber, provider } = yield* checkWith(sdkBody(), [internal500(), live()])
        yield* TestClock.adjust("10 seconds")
        const error = yield* Fiber.join(fiber).pipe(Effect.flip)
        expect(error).toBeInstanceOf(OutcomeUnknown)
        expect(error).toMatchObject({ attempts: 1, code: "outcome_unknown" })
        expect(yield* provider.callCount).toBe(1)
      }))

    it.effect("whatever the schedule: even with attempts to spare and a long deadline", () =>
      Effect.gen(function*() {
        const { fiber, provider } = yield* checkWith(sdkBody(), [internal500(), live()], {
          policy: { maxAttempts: 10, deadline: Duration.minutes(5) }
        })
        yield* TestClock.adjust("5 minutes")
        expect(yield* Fiber.join(fiber).pipe(Effect.flip)).toBeInstanceOf(OutcomeUnknown)
        expect(yield* provider.callCount).toBe(1)
      }))

    it.effect("are NOT retried for a plain JPEG (a replay could bill twice)", () =>
      Effect.gen(function*() {
        const { fiber, provider } = yield* checkWith(jpegBody(), [internal500(), live()])
        yield* TestClock.adjust("10 seconds")
        const error = yield* Fiber.join(fiber).pipe(Effect.flip)
        expect(error).toBeInstanceOf(ProviderUnavailable)
        expect((error as ProviderUnavailable).mayHaveBeenProcessed).toBe(true)
        expect((error as ProviderUnavailable).status).toBe(500)
        expect(yield* provider.callCount).toBe(1)
      }))

    it.effect("are NOT retried for PNG or WebP images either", () =>
      Effect.gen(function*() {
        for (const format of ["png", "webp"] as const) {
          const { fiber, provider } = yield* checkWith(seedBody(imageBase64(format)), [internal500(), live()])
          yield* TestClock.adjust("10 seconds")
          const error = yield* Fiber.join(fiber).pipe(Effect.flip)
          expect(error._tag).toBe("ProviderUnavailable")
          expect(yield* provider.callCount).toBe(1)
        }
      }))

    it.effect("with replayAmbiguous (opt-in), an SDK payload is replayed", () =>
      Effect.gen(function*() {
        const { fiber, provider } = yield* checkWith(sdkBody(), [internal500(), live()], {
          policy: { replayAmbiguous: true }
        })
        yield* TestClock.adjust("1 second")
        expect(yield* Fiber.join(fiber)).toMatchObject({ verdict: "live", attempts: 2 })
        expect(yield* provider.callCount).toBe(2)
      }))

    it.effect("with replayAmbiguous, 500 then 10508 -> OutcomeUnknown, not PayloadRejected", () =>
      Effect.gen(function*() {
        const { fiber, provider } = yield* checkWith(sdkBody(), [
          internal500(),
          UnicoCodes.toError({ status: 400, code: "10508" })
        ], { policy: { replayAmbiguous: true } })
        yield* TestClock.adjust("1 second")
        const error = yield* Fiber.join(fiber).pipe(Effect.flip)
        expect(error).toBeInstanceOf(OutcomeUnknown)
        expect((error as OutcomeUnknown).attempts).toBe(2)
        expect(error.code).toBe("outcome_unknown")
        expect(yield* provider.callCount).toBe(2)
      }))

    it.effect("a read-back is idempotent: it is retried after a 500", () =>
      Effect.gen(function*() {
        const provider = yield* scripted([internal500(), live()])
        const fiber = yield* Liveness.getProcess(PROCESS_ID).pipe(Effect.provide(workflow(provider.layer)), Effect.fork)
        yield* TestClock.adjust("1 second")
        expect((yield* Fiber.join(fiber)).attempts).toBe(2)
      }))
  })

  describe("retry schedule (503s, which are sent again)", () => {
    it.effect("503 forever for an SDK payload stops after maxAttempts (5) calls", () =>
      Effect.gen(function*() {
        const { fiber, provider } = yield* checkWith(sdkBody(), [], { otherwise: unavailable503 })
        yield* TestClock.adjust("30 seconds")
        const error = yield* Fiber.join(fiber).pipe(Effect.flip)
        expect(error).toBeInstanceOf(ProviderUnavailable)
        expect(yield* provider.callCount).toBe(5)
      }))

    it.effect("backoff without jitter doubles from 200 ms", () =>
      Effect.gen(function*() {
        const { fiber, provider } = yield* checkWith(sdkBody(), [], { otherwise: unavailable503 })
        yield* TestClock.adjust("30 seconds")
        yield* Fiber.await(fiber)
        // Delays 200, 400, 800, 1600 between the five calls.
        expect((yield* provider.calls).map((call) => call.at)).toEqual([0, 200, 600, 1400, 3000])
      }))

    it.effect("backoff is capped by maxDelay", () =>
      Effect.gen(function*() {
        const { fiber, provider } = yield* checkWith(sdkBody(), [], {
          otherwise: unavailable503,
          policy: { baseDelay: Duration.seconds(1), maxDelay: Duration.seconds(3), maxAttempts: 6 }
        })
        yield* TestClock.adjust("30 seconds")
        yield* Fiber.await(fiber)
        // Delays 1000, 2000, then 3000 (not 4000), 3000 (not 8000), 3000 (not 16000).
        expect((yield* provider.calls).map((call) => call.at)).toEqual([0, 1000, 3000, 6000, 9000, 12000])
      }))

    it.effect("with jitter each delay lies between 0 and the computed delay", () =>
      Effect.gen(function*() {
        const { fiber, provider } = yield* checkWith(sdkBody(), [], {
          otherwise: unavailable503,
          policy: { jitter: true }
        })
        yield* TestClock.adjust("30 seconds")
        yield* Fiber.await(fiber)
        const at = (yield* provider.calls).map((call) => call.at)
        expect(at).toHaveLength(5)
        const delays = at.slice(1).map((t, i) => t - at[i])
        delays.forEach((delay, i) => {
          expect(delay).toBeGreaterThanOrEqual(0)
          expect(delay).toBeLessThanOrEqual(200 * 2 ** i)
        })
      }))
  })

  describe("a schedule of your own (CheckPolicy.schedule) decides when, the core decides whether", () => {
    const everySecondTwice = Schedule.intersect(Schedule.spaced("1 second"), Schedule.recurs(2))

    it.effect("the user's schedule sets the delays and the number of retries", () =>
      Effect.gen(function*() {
        const { fiber, provider } = yield* checkWith(sdkBody(), [], {
          otherwise: unavailable503,
          policy: { schedule: everySecondTwice }
        })
        yield* TestClock.adjust("30 seconds")
        expect(yield* Fiber.join(fiber).pipe(Effect.flip)).toBeInstanceOf(ProviderUnavailable)
        expect((yield* provider.calls).map((call) => call.at)).toEqual([0, 1000, 2000])
      }))

    it.effect("Retry-After stays a floor under the user's schedule", () =>
      Effect.gen(function*() {
        const { fiber, provider } = yield* checkWith(jpegBody(), [
          UnicoCodes.toError({ status: 429, retryAfterMillis: 3000 }),
          live()
        ], { policy: { schedule: everySecondTwice } })
        yield* TestClock.adjust("5 seconds")
        expect((yield* Fiber.join(fiber)).attempts).toBe(2)
        expect((yield* provider.calls).map((call) => call.at)).toEqual([0, 3000])
      }))

    it.effect("a schedule that would retry forever still stops at the deadline", () =>
      Effect.gen(function*() {
        const { fiber, provider } = yield* checkWith(sdkBody(), [], {
          otherwise: unavailable503,
          policy: { schedule: Schedule.spaced("1 second"), deadline: Duration.millis(3500) }
        })
        yield* TestClock.adjust("10 seconds")
        expect(yield* Fiber.join(fiber).pipe(Effect.flip)).toBeInstanceOf(ProviderUnavailable)
        expect((yield* provider.calls).map((call) => call.at)).toEqual([0, 1000, 2000, 3000])
      }))

    it.effect("no schedule makes the core retry what it does not: an SDK payload after a 500 is sent once", () =>
      Effect.gen(function*() {
        const { fiber, provider } = yield* checkWith(sdkBody(), [internal500(), live()], {
          policy: { schedule: Schedule.forever, retryWhile: () => true }
        })
        yield* TestClock.adjust("10 seconds")
        expect(yield* Fiber.join(fiber).pipe(Effect.flip)).toBeInstanceOf(OutcomeUnknown)
        expect(yield* provider.callCount).toBe(1)
      }))

    it.effect("retryWhile cannot widen: a rejected payload (20506) or a plain image after a 500 is not retried", () =>
      Effect.gen(function*() {
        for (
          const [body, first] of [
            [sdkBody(), UnicoCodes.toError({ status: 400, code: "20506" })],
            [jpegBody(), internal500()]
          ] as const
        ) {
          const { fiber, provider } = yield* checkWith(body, [first, live()], { policy: { retryWhile: () => true } })
          yield* TestClock.adjust("10 seconds")
          expect((yield* Fiber.join(fiber).pipe(Effect.flip))._tag).toBe(first._tag)
          expect(yield* provider.callCount).toBe(1)
        }
      }))

    it.effect("retryWhile narrows: a 503 the core would retry is given up when it says so", () =>
      Effect.gen(function*() {
        const { fiber, provider } = yield* checkWith(sdkBody(), [unavailable503(), live()], {
          policy: { retryWhile: (error) => error._tag !== "ProviderUnavailable" }
        })
        yield* TestClock.adjust("10 seconds")
        expect(yield* Fiber.join(fiber).pipe(Effect.flip)).toBeInstanceOf(ProviderUnavailable)
        expect(yield* provider.callCount).toBe(1)
      }))

    it.effect("retryWhile sees every failure the core would retry, and narrowing one class keeps the others", () =>
      Effect.gen(function*() {
        const seen: Array<string> = []
        const { fiber, provider } = yield* checkWith(jpegBody(), [
          UnicoCodes.toError({ status: 429 }),
          unavailable503(),
          live()
        ], {
          policy: {
            retryWhile: (error) => {
              seen.push(error._tag)
              return true
            }
          }
        })
        yield* TestClock.adjust("10 seconds")
        expect((yield* Fiber.join(fiber)).attempts).toBe(3)
        expect(seen).toEqual(["RateLimited", "ProviderUnavailable"])
        expect(yield* provider.callCount).toBe(3)
      }))
  })

  describe("failures before anything was sent", () => {
    it.effect("a not-sent transport failure is retried even for a plain image", () =>
      Effect.gen(function*() {
        const { fiber, provider } = yield* checkWith(jpegBody(), [notSent(), live()])
        yield* TestClock.adjust("1 second")
        const result = yield* Fiber.join(fiber)
        expect(result.verdict).toBe("live")
        expect(result.attempts).toBe(2)
        expect(yield* provider.callCount).toBe(2)
      }))

    it.effect("a not-sent failure then 10508 stays PayloadRejected (nothing could have landed)", () =>
      Effect.gen(function*() {
        const { fiber, provider } = yield* checkWith(sdkBody(), [
          notSent(),
          UnicoCodes.toError({ status: 400, code: "10508" })
        ])
        yield* TestClock.adjust("1 second")
        const error = yield* Fiber.join(fiber).pipe(Effect.flip)
        expect(error).toBeInstanceOf(PayloadRejected)
        expect(yield* provider.callCount).toBe(2)
      }))

    it.effect("a non-transient provider failure (20502) is not retried", () =>
      Effect.gen(function*() {
        const { fiber, provider } = yield* checkWith(sdkBody(), [
          UnicoCodes.toError({ status: 500, code: "20502" }),
          live()
        ])
        yield* TestClock.adjust("10 seconds")
        const error = yield* Fiber.join(fiber).pipe(Effect.flip)
        expect(error).toBeInstanceOf(ProviderUnavailable)
        expect((error as ProviderUnavailable).transient).toBe(false)
        expect(yield* provider.callCount).toBe(1)
      }))
  })

  describe("payload rejections and other 4xx", () => {
    it.effect("10508 on the first attempt -> PayloadRejected reason reused", () =>
      Effect.gen(function*() {
        const { fiber, provider } = yield* checkWith(sdkBody(), [UnicoCodes.toError({ status: 400, code: "10508" })])
        const error = yield* Fiber.join(fiber).pipe(Effect.flip)
        expect(error).toBeInstanceOf(PayloadRejected)
        expect((error as PayloadRejected).reason).toBe("reused")
        expect((error as PayloadRejected).providerCode).toBe("10508")
        expect(yield* provider.callCount).toBe(1)
      }))

    it.effect.each(
      [
        ["20506", 400, "PayloadRejected"],
        ["20505", 400, "PayloadRejected"],
        ["10507", 400, "PayloadRejected"],
        ["20507", 400, "InvalidRequest"],
        ["30017", 403, "AccessDenied"],
        ["10201", 403, "AccessDenied"]
      ] as const
    )("%s (HTTP %s) is not retried: %s after 1 call", ([code, status, tag]) =>
      Effect.gen(function*() {
        const { fiber, provider } = yield* checkWith(sdkBody(), [UnicoCodes.toError({ status, code }), live()])
        yield* TestClock.adjust("10 seconds")
        const error = yield* Fiber.join(fiber).pipe(Effect.flip)
        expect(error._tag).toBe(tag)
        expect(yield* provider.callCount).toBe(1)
      }))
  })

  describe("authentication", () => {
    it.effect("a refused token (401) is renewed and retried exactly once, at once", () =>
      Effect.gen(function*() {
        const { fiber, provider } = yield* checkWith(jpegBody(), [UnicoCodes.toError({ status: 401 }), live()])
        const result = yield* Fiber.join(fiber)
        expect(result.verdict).toBe("live")
        expect(result.attempts).toBe(2)
        expect((yield* provider.calls).map((call) => call.at)).toEqual([0, 0])
      }))

    it.effect("401 twice -> AuthenticationFailed after 2 calls", () =>
      Effect.gen(function*() {
        const { fiber, provider } = yield* checkWith(sdkBody(), [], {
          otherwise: () => UnicoCodes.toError({ status: 401 })
        })
        yield* TestClock.adjust("30 seconds")
        const error = yield* Fiber.join(fiber).pipe(Effect.flip)
        expect(error).toBeInstanceOf(AuthenticationFailed)
        expect((error as AuthenticationFailed).tokenRejected).toBe(true)
        expect(yield* provider.callCount).toBe(2)
      }))

    it.effect("a 403 token refusal (10501) then 10502 -> one renewal only", () =>
      Effect.gen(function*() {
        const { fiber, provider } = yield* checkWith(sdkBody(), [
          UnicoCodes.toError({ status: 403, code: "10501" }),
          UnicoCodes.toError({ status: 403, code: "10502" }),
          live()
        ])
        yield* TestClock.adjust("30 seconds")
        const error = yield* Fiber.join(fiber).pipe(Effect.flip)
        expect((error as AuthenticationFailed).providerCode).toBe("10502")
        expect(yield* provider.callCount).toBe(2)
      }))

    it.effect("a token-endpoint failure (1.2.5) is not retried", () =>
      Effect.gen(function*() {
        const { fiber, provider } = yield* checkWith(sdkBody(), [
          UnicoCodes.toError({ status: 401, description: "Falha na autenticação 1.2.5" }),
          live()
        ])
        yield* TestClock.adjust("30 seconds")
        const error = yield* Fiber.join(fiber).pipe(Effect.flip)
        expect(error).toBeInstanceOf(AuthenticationFailed)
        expect((error as AuthenticationFailed).stage).toBe("token")
        expect((error as AuthenticationFailed).providerCode).toBe("1.2.5")
        expect(yield* provider.callCount).toBe(1)
      }))

    it.effect("an assertion already used (1.2.7) is retried with backoff", () =>
      Effect.gen(function*() {
        const { fiber, provider } = yield* checkWith(jpegBody(), [
          UnicoCodes.toError({ status: 401, code: "1.2.7" }),
          live()
        ])
        yield* TestClock.adjust("1 second")
        const result = yield* Fiber.join(fiber)
        expect(result.attempts).toBe(2)
        expect((yield* provider.calls).map((call) => call.at)).toEqual([0, 200])
      }))
  })

  describe("the deadline", () => {
    it.effect("a provider that never answers fails DeadlineExceeded after 30 s with attempts 1", () =>
      Effect.gen(function*() {
        const { fiber, provider } = yield* checkWith(sdkBody(), ["never"])
        yield* TestClock.adjust("29999 millis")
        expect(yield* Fiber.poll(fiber)).toEqual(Option.none())
        yield* TestClock.adjust("1 millis")
        const error = yield* Fiber.join(fiber).pipe(Effect.flip)
        expect(error).toBeInstanceOf(DeadlineExceeded)
        expect((error as DeadlineExceeded).deadlineMillis).toBe(30_000)
        expect((error as DeadlineExceeded).attempts).toBe(1)
        expect(yield* provider.callCount).toBe(1)
      }))

    it.effect("the deadline covers retries: a hang after a retry counts both attempts", () =>
      Effect.gen(function*() {
        const { fiber, provider } = yield* checkWith(sdkBody(), [unavailable503(), "never"], {
          policy: { deadline: Duration.seconds(5) }
        })
        yield* TestClock.adjust("5 seconds")
        const error = yield* Fiber.join(fiber).pipe(Effect.flip)
        expect(error).toBeInstanceOf(DeadlineExceeded)
        expect((error as DeadlineExceeded).deadlineMillis).toBe(5000)
        expect((error as DeadlineExceeded).attempts).toBe(2)
        expect(yield* provider.callCount).toBe(2)
      }))

    it.effect("no retry is started when its delay would cross the deadline", () =>
      Effect.gen(function*() {
        // 503s for an SDK payload with a 1 s deadline: delays 200, 400 (at 600) and then 800 would end at 1400.
        const { fiber, provider } = yield* checkWith(sdkBody(), [], {
          otherwise: unavailable503,
          policy: { deadline: Duration.seconds(1) }
        })
        yield* TestClock.adjust("1 second")
        const error = yield* Fiber.join(fiber).pipe(Effect.flip)
        expect(error).toBeInstanceOf(ProviderUnavailable)
        expect((yield* provider.calls).map((call) => call.at)).toEqual([0, 200, 600])
      }))
  })
})

describe("Liveness logs", () => {
  /** Runs `program` with a logger that keeps every line (all levels) with its annotations. */
  const capturingLogs = <A, E>(program: Effect.Effect<A, E>) =>
    Effect.gen(function*() {
      const lines: Array<{ level: string; text: string }> = []
      const logger = Logger.make(({ annotations, logLevel, message }) => {
        lines.push({
          level: logLevel.label,
          text: JSON.stringify({ message, annotations: Object.fromEntries(HashMap.toEntries(annotations)) })
        })
      })
      const exit = yield* program.pipe(
        Effect.provide(Logger.add(logger)),
        Logger.withMinimumLogLevel(LogLevel.All),
        Effect.exit
      )
      return { exit, lines }
    })

  /** Runs a live check and a refused one (20506) with `logger` added, at the minimum level in context. */
  const liveAndRefused = Effect.gen(function*() {
    const provider = yield* scripted([live(), UnicoCodes.toError({ status: 400, code: "20506" })])
    const layer = workflow(provider.layer)
    yield* Liveness.check(sdkBody()).pipe(Effect.provide(layer))
    yield* Liveness.check(sdkBody()).pipe(Effect.provide(layer), Effect.flip)
  })

  const perCheckLines = ["liveness process answered", "liveness operation failed"]

  it.effect("at Effect's default minimum level (Info) a check writes no line, answered or failed", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      // Only a logger is added: the minimum level stays Effect's default.
      yield* liveAndRefused.pipe(
        Effect.provide(Logger.add(Logger.make(({ message }) => void lines.push(String(message)))))
      )
      expect(lines).toEqual([])
    }))

  it.effect("at Debug, each check writes its per-check line (answered, or failed with the error)", () =>
    Effect.gen(function*() {
      const lines: Array<{ level: string; message: string; annotations: Record<string, unknown> }> = []
      const logger = Logger.make(({ annotations, logLevel, message }) =>
        void lines.push({
          level: logLevel.label,
          message: String(message),
          annotations: Object.fromEntries(HashMap.toEntries(annotations))
        })
      )
      yield* liveAndRefused.pipe(Effect.provide(Logger.add(logger)), Logger.withMinimumLogLevel(LogLevel.Debug))
      expect(lines.filter((line) => perCheckLines.includes(line.message))).toEqual([
        {
          level: "DEBUG",
          message: "liveness process answered",
          annotations: { operation: "createProcess", processId: PROCESS_ID, verdict: "live", attempts: 1 }
        },
        {
          level: "DEBUG",
          message: "liveness operation failed",
          annotations: { operation: "createProcess", error: "PayloadRejected", code: "payload_rejected" }
        }
      ])
    }))

  it("a program run with Effect.runPromise prints nothing on the console (Effect's default logger)", async () => {
    const printed: Array<string> = []
    const base = Effect.runSync(Effect.console)
    const capturing = {
      ...base,
      unsafe: { ...base.unsafe, log: (...args: ReadonlyArray<unknown>) => void printed.push(args.join(" ")) }
    }
    await Effect.runPromise(liveAndRefused.pipe(Effect.withConsole(capturing)))
    expect(printed).toEqual([])
    // The same program, asked for its lines: the console gets them (what the README tells users to do).
    await Effect.runPromise(
      liveAndRefused.pipe(Logger.withMinimumLogLevel(LogLevel.Debug), Effect.withConsole(capturing))
    )
    expect(printed.map((line) => perCheckLines.find((text) => line.includes(text)))).toEqual(perCheckLines)
  })

  it.effect("an unknown status is logged as a warning with the process id", () =>
    Effect.gen(function*() {
      const provider = yield* scripted([processWith(9)])
      const { exit, lines } = yield* capturingLogs(
        Liveness.check(sdkBody()).pipe(Effect.provide(workflow(provider.layer)))
      )
      expect(exit._tag).toBe("Success")
      const warnings = lines.filter((line) => line.level === "WARN")
      expect(warnings).toHaveLength(1)
      expect(warnings[0].text).toContain("unknown status 9")
      expect(warnings[0].text).toContain(PROCESS_ID)
    }))

  it.effect("no log line carries the payload, the CPF or the name, even when retrying and failing", () =>
    Effect.gen(function*() {
      const payload = sdkPayload({ sub: "capture-secret-claims" })
      const provider = yield* scripted([unavailable503(), UnicoCodes.toError({ status: 401 }), live()])
      const fiber = yield* capturingLogs(
        Effect.all([
          Liveness.check(seedBody(payload)),
          Liveness.check({ ...seedBody(payload), subject: { code: "12345678900", name: "Leia  Organa" } })
        ], { mode: "either" }).pipe(Effect.provide(workflow(provider.layer)))
      ).pipe(Effect.fork)
      yield* TestClock.adjust("10 seconds")
      const { lines } = yield* Fiber.join(fiber)
      expect(lines.length).toBeGreaterThan(2)
      const all = lines.map((line) => line.text).join("\n")
      expect(all).toContain("retrying provider request")
      for (const secret of [payload, payload.split(".")[1], "12345678909", "12345678900", "Luke", "Leia"]) {
        expect(all).not.toContain(secret)
      }
    }))
})

describe("Liveness.getProcess", () => {
  it.effect("reads a process and derives its verdict", () =>
    Effect.gen(function*() {
      const provider = yield* scripted([processWith(3, 2)])
      const result = yield* Liveness.getProcess(PROCESS_ID).pipe(Effect.provide(workflow(provider.layer)))
      expect(result.verdict).toBe("not-live")
      expect(result.attempts).toBe(1)
      const calls = yield* provider.calls
      expect(calls).toEqual([{ operation: "getProcess", at: 0, id: PROCESS_ID }])
    }))

  it.effect.each(["not-a-uuid", "", "12345678909", `${PROCESS_ID}x`])(
    "a non-UUID id (%j) -> InvalidRequest on field id, zero calls",
    (id) =>
      Effect.gen(function*() {
        const provider = yield* scripted([live()])
        const error = yield* Liveness.getProcess(id).pipe(Effect.provide(workflow(provider.layer)), Effect.flip)
        expect(error).toBeInstanceOf(InvalidRequest)
        expect((error as InvalidRequest).errors.map((issue) => issue.field)).toEqual(["id"])
        if (id.length > 0) expect(JSON.stringify(error)).not.toContain(id)
        expect(yield* provider.callCount).toBe(0)
      })
  )

  it.effect("retries a 503 (reads are idempotent)", () =>
    Effect.gen(function*() {
      const provider = yield* scripted([unavailable503(), processWith(3, 1)])
      const fiber = yield* Liveness.getProcess(PROCESS_ID).pipe(
        Effect.provide(workflow(provider.layer)),
        Effect.fork
      )
      yield* TestClock.adjust("1 second")
      const result = yield* Fiber.join(fiber)
      expect(result.verdict).toBe("live")
      expect(result.attempts).toBe(2)
      expect((yield* provider.calls).map((call) => call.operation)).toEqual(["getProcess", "getProcess"])
    }))

  it.effect("404 -> ProcessNotFound, not retried", () =>
    Effect.gen(function*() {
      const provider = yield* scripted([UnicoCodes.toError({ status: 404, processId: PROCESS_ID }), live()])
      const fiber = yield* Liveness.getProcess(PROCESS_ID).pipe(
        Effect.provide(workflow(provider.layer)),
        Effect.flip,
        Effect.fork
      )
      yield* TestClock.adjust("10 seconds")
      const error = yield* Fiber.join(fiber)
      expect(error).toEqual(new ProcessNotFound({ processId: PROCESS_ID, gone: false }))
      expect(yield* provider.callCount).toBe(1)
    }))
})
