/**
 * One contract, two adapters: the same cases run through the real workflow (`Liveness.layer`) over the fake
 * (in memory) and over the real HTTP adapter talking to a sandbox on loopback, and must give the same
 * verdicts, error tags, provider codes, reasons and attempt counts. Both adapters run on the real clock (the
 * HTTP one cannot do otherwise), with a policy of short backoff so real waits stay small.
 */
import { describe, expect, it } from "@effect/vitest"
import {
  CheckInput,
  type CheckPolicy,
  Cpf,
  Liveness,
  type LivenessError,
  LivenessProvider,
  type Verdict
} from "@liveness/core"
import { Fixtures, MagicValues, Scenario, Submissions } from "@liveness/fake"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as Layer from "effect/Layer"
import {
  type Adapter,
  calls,
  contractAdapters,
  type ContractProbe,
  createCalls,
  enqueue,
  fakeLayer,
  processesByPayload,
  requestsReceived,
  sharedHttp,
  subject,
  submissionsOf
} from "./adapters.js"

const adapters = contractAdapters()

/** One submission straight to the adapter, past the workflow (and its capture ledger). */
const submitDirect = (input: unknown) =>
  Effect.flatMap(
    CheckInput.validate(input),
    (valid) => Effect.flatMap(LivenessProvider.LivenessProvider, (provider) => provider.createProcess(valid))
  )

/**
 * A short per-attempt timeout, set the same on both adapters (the HTTP adapter's `timeout`, the fake's), for the
 * cases where a request is written and never answered in time. With the defaults it is 15 s on both, under a
 * 30 s deadline: the attempt times out first, as here.
 */
const attemptTimeout = Duration.seconds(2)

/** A second shared sandbox, whose adapter gives up on an attempt after `attemptTimeout`. */
const httpWithTimeout = sharedHttp({ rateLimit: false }, { timeout: attemptTimeout })

const { Outcome } = Scenario

/** A CPF that is valid and not one of the magic ones: live, like any other. */
const OTHER_CPF = Cpf.withCheckDigits("529982247")

/**
 * The policy of the cases that must run into the deadline: the `slow` scenario answers after 40 s, and a deadline
 * shorter than the per-attempt timeout (15 s on both adapters here) fires first.
 */
const shortDeadline: Partial<CheckPolicy.Policy> = { deadline: Duration.millis(500) }

// ---------------------------------------------------------------------------------------------------------------
// What a case observes, and what it expects
// ---------------------------------------------------------------------------------------------------------------

/** The fields of an error that the contract fixes (a field the error lacks is left out). */
const SUMMARY_KEYS = [
  "_tag",
  "providerCode",
  "reason",
  "stage",
  "tokenRejected",
  "status",
  "mayHaveBeenProcessed",
  "transient",
  "retryAfterMillis",
  "attempts",
  "deadlineMillis",
  "processId",
  "gone"
] as const

const summary = (error: LivenessError): Record<string, unknown> => {
  const record = error as unknown as Record<string, unknown>
  return Object.fromEntries(SUMMARY_KEYS.filter((key) => record[key] !== undefined).map((key) => [key, record[key]]))
}

/** Every field of an error and its message: what two adapters must agree on, field for field. */
const everything = (error: LivenessError): Record<string, unknown> => ({
  ...(JSON.parse(JSON.stringify(error)) as Record<string, unknown>),
  message: error.message
})

interface Observed {
  readonly result:
    | {
      readonly _tag: "Verdict"
      readonly verdict: Verdict.Verdict
      readonly attempts: number
      readonly status: number
      readonly liveness: number | undefined
    }
    | { readonly _tag: "Error"; readonly error: LivenessError }
  /** `createProcess` requests the provider received for this check. */
  readonly requests: number
  /** The provider's answers, in order: `200`, or the status and Unico code of the error. */
  readonly answers: ReadonlyArray<string>
  /** Processes created (billed) for this capture. */
  readonly billed: number
}

type Expected =
  | {
    readonly verdict: Verdict.Verdict
    /** `CheckResult.attempts`, and the requests the provider received. */
    readonly attempts: number
    readonly process?: { readonly status: number; readonly liveness?: number }
    /** Processes created for the capture (default 1). */
    readonly billed?: number
  }
  | {
    /** The error's contract fields (see SUMMARY_KEYS), exactly. */
    readonly error: Record<string, unknown>
    /** Requests the provider received. */
    readonly requests: number
    /** Processes created for the capture (default 0). */
    readonly billed?: number
  }

interface Case {
  readonly name: string
  readonly input: () => { readonly imageBase64: string; readonly subject?: { code: string; name: string } }
  readonly script?: ReadonlyArray<Scenario.Outcome>
  readonly policy?: Partial<CheckPolicy.Policy>
  /** Leaves a request in flight at the provider: needs its own provider instance (see adapters.ts). */
  readonly isolated?: boolean
  readonly expected: Expected
}

const answerOf = (answer: { readonly status: number; readonly code?: string }) =>
  answer.code === undefined ? String(answer.status) : `${answer.status} ${answer.code}`

/** Runs one case through `Liveness.check` on the adapter in context. */
const observe = (testCase: Case): Effect.Effect<Observed, never, Liveness.Liveness | ContractProbe> =>
  Effect.gen(function*() {
    const input = testCase.input()
    if (testCase.script !== undefined) yield* enqueue(...testCase.script)
    const outcome = yield* Effect.either(Liveness.check(input))
    const received = yield* createCalls
    const billed = (yield* processesByPayload).get(Fixtures.fingerprint(input.imageBase64)) ?? 0
    return {
      result: Either.isRight(outcome)
        ? {
          _tag: "Verdict",
          verdict: outcome.right.verdict,
          attempts: outcome.right.attempts,
          status: outcome.right.process.status,
          liveness: outcome.right.process.liveness
        }
        : { _tag: "Error", error: outcome.left },
      requests: received.length,
      answers: received.map((call) => answerOf(call.answer)),
      billed
    } satisfies Observed
  })

const verify = (observed: Observed, expected: Expected) => {
  if ("verdict" in expected) {
    if (observed.result._tag === "Error") {
      expect.fail(`expected ${expected.verdict}, got ${JSON.stringify(summary(observed.result.error))}`)
    }
    expect(observed.result.verdict).toBe(expected.verdict)
    expect(observed.result.attempts).toBe(expected.attempts)
    expect(observed.requests).toBe(expected.attempts)
    if (expected.process !== undefined) {
      expect({ status: observed.result.status, liveness: observed.result.liveness }).toEqual(expected.process)
    }
    expect(observed.billed).toBe(expected.billed ?? 1)
  } else {
    if (observed.result._tag === "Verdict") {
      expect.fail(`expected ${String(expected.error._tag)}, got the verdict ${observed.result.verdict}`)
    }
    expect(summary(observed.result.error)).toEqual(expected.error)
    expect(observed.requests).toBe(expected.requests)
    expect(observed.billed).toBe(expected.billed ?? 0)
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The cases
// ---------------------------------------------------------------------------------------------------------------

const sdk = (code?: string) => () => ({
  imageBase64: Fixtures.sdkPayload(),
  ...(code === undefined ? {} : { subject: subject(code) })
})

const plainImage = (code?: string) => () => ({
  imageBase64: Fixtures.image(),
  ...(code === undefined ? {} : { subject: subject(code) })
})

// A 503 proves the request was not handled: nothing was processed, so it is sent again, whatever the payload.
const unavailable503 = { _tag: "ProviderUnavailable", status: 503, mayHaveBeenProcessed: false, transient: true }
// After an attempt that may have reached Unico, an SDK payload is never sent again (single submission).
const submittedOnce = { error: { _tag: "OutcomeUnknown", attempts: 1 }, requests: 1 } as const

/** What a capture of each named scenario gives through the workflow, as an SDK payload. */
const scenarioExpectations: Record<Scenario.Name, Expected> = {
  live: { verdict: "live", attempts: 1, process: { status: 3, liveness: 1 } },
  "not-live": { verdict: "not-live", attempts: 1, process: { status: 3, liveness: 2 } },
  "processing-error": { verdict: "retry-capture", attempts: 1, process: { status: 5 } },
  // Waits the real Retry-After of 1 s.
  "rate-limited-once": { verdict: "live", attempts: 2, process: { status: 3, liveness: 1 } },
  "unavailable-once": { verdict: "live", attempts: 2, process: { status: 3, liveness: 1 } },
  "image-too-large": { error: { _tag: "PayloadRejected", reason: "size", providerCode: "20506" }, requests: 1 },
  "access-denied": { error: { _tag: "AccessDenied", providerCode: "30017" }, requests: 1 },
  "authentication-failed": {
    error: { _tag: "AuthenticationFailed", stage: "token", providerCode: "1.2.5", tokenRejected: false },
    requests: 1
  },
  // Every attempt the policy allows (5), nothing billed.
  unavailable: { error: unavailable503, requests: 5 },
  // The process is created at once, its answer comes after 40 s: long after the (short) deadline, which here
  // fires before the per-attempt timeout (the cases under "a request never answered" have it the other way round).
  slow: { error: { _tag: "DeadlineExceeded", deadlineMillis: 500, attempts: 1 }, requests: 1, billed: 1 }
}

/** The case of a named scenario (the `slow` one under a short deadline). */
const scenarioCase = (name: Scenario.Name, label: string, input: Case["input"]): Case => ({
  name: label,
  input,
  expected: scenarioExpectations[name],
  ...(name === "slow" ? { policy: shortDeadline, isolated: true } : {})
})

const magicCases: ReadonlyArray<Case> = [
  ...Array.from(MagicValues.byCpf).map(([cpf, name]) =>
    scenarioCase(name, `CPF ${cpf} (${name}), SDK payload`, sdk(cpf))
  ),
  {
    name: `CPF ${MagicValues.LIVE_CPF} (the seed's example), SDK payload`,
    input: sdk(MagicValues.LIVE_CPF),
    expected: { verdict: "live", attempts: 1, process: { status: 3, liveness: 1 } }
  },
  {
    name: `CPF ${OTHER_CPF} (any other valid CPF), SDK payload`,
    input: sdk(OTHER_CPF),
    expected: { verdict: "live", attempts: 1, process: { status: 3, liveness: 1 } }
  },
  {
    name: `CPF ${MagicValues.LIVE_CPF}, plain 800x600 JPEG`,
    input: plainImage(MagicValues.LIVE_CPF),
    expected: { verdict: "live", attempts: 1, process: { status: 3, liveness: 1 } }
  },
  {
    // A 503 handled nothing: a plain image is sent again as safely as an SDK payload.
    name: "CPF 00000000434 (unavailable-once), plain image: live after 2 attempts",
    input: plainImage("00000000434"),
    expected: { verdict: "live", attempts: 2, process: { status: 3, liveness: 1 } }
  },
  {
    name: "CPF 00000000868 (unavailable), plain image: every attempt the policy allows",
    input: plainImage("00000000868"),
    expected: { error: unavailable503, requests: 5 }
  }
]

const fixtureCases: ReadonlyArray<Case> = [
  {
    name: "an SDK payload captured 11 minutes ago is expired (10507)",
    input: () => ({
      subject: subject(MagicValues.LIVE_CPF),
      imageBase64: Fixtures.sdkPayload({ issuedAt: new Date(Date.now() - 11 * 60_000) })
    }),
    expected: { error: { _tag: "PayloadRejected", reason: "expired", providerCode: "10507" }, requests: 1 }
  },
  {
    name: "a plain image below 640x480 is refused (20807)",
    input: () => ({ subject: subject(MagicValues.LIVE_CPF), imageBase64: Fixtures.image({ width: 320, height: 240 }) }),
    expected: { error: { _tag: "PayloadRejected", reason: "resolution", providerCode: "20807" }, requests: 1 }
  },
  ...Scenario.names.map((name) =>
    scenarioCase(
      name,
      `the scenario claim "${name}" of an SDK payload, without a subject`,
      () => ({ imageBase64: Fixtures.sdkPayload({ scenario: name }) })
    )
  ),
  {
    name: "a magic CPF wins over the payload's scenario claim",
    input: () => ({ subject: subject("00000000191"), imageBase64: Fixtures.sdkPayload({ scenario: "live" }) }),
    expected: { verdict: "not-live", attempts: 1, process: { status: 3, liveness: 2 } }
  }
]

const scriptedCases: ReadonlyArray<Case> = [
  {
    name: "[503, live] with an SDK payload: live after 2 attempts",
    input: sdk(MagicValues.LIVE_CPF),
    script: [Outcome.unavailable(), Outcome.live],
    expected: { verdict: "live", attempts: 2, process: { status: 3, liveness: 1 } }
  },
  {
    name: "[503, live] with a plain image: live after 2 attempts (nothing was handled)",
    input: plainImage(MagicValues.LIVE_CPF),
    script: [Outcome.unavailable(), Outcome.live],
    expected: { verdict: "live", attempts: 2, process: { status: 3, liveness: 1 } }
  },
  {
    // A 504 may have been processed upstream: the SDK payload is not sent again (Unico's single-submission rule).
    name: "[504, live] with an SDK payload: OutcomeUnknown after exactly one submission",
    input: sdk(MagicValues.LIVE_CPF),
    script: [Outcome.unavailable(504), Outcome.live],
    expected: submittedOnce
  },
  {
    name: "[500 510, live] with an SDK payload: OutcomeUnknown after exactly one submission",
    input: sdk(MagicValues.LIVE_CPF),
    script: [Outcome.error(500, "510"), Outcome.live],
    expected: submittedOnce
  },
  {
    // The opt-in replay: refused as reused after an ambiguous failure, the first one probably landed.
    name: "[504, 10508] with an SDK payload and replayAmbiguous: OutcomeUnknown after 2 attempts",
    input: sdk(MagicValues.LIVE_CPF),
    script: [Outcome.unavailable(504), Outcome.error(400, "10508")],
    policy: { replayAmbiguous: true },
    expected: { error: { _tag: "OutcomeUnknown", attempts: 2 }, requests: 2 }
  },
  {
    name: "[20505]: PayloadRejected (format), not retried",
    input: sdk(MagicValues.LIVE_CPF),
    script: [Outcome.error(400, "20505"), Outcome.live],
    expected: { error: { _tag: "PayloadRejected", reason: "format", providerCode: "20505" }, requests: 1 }
  },
  {
    name: "[10201]: AccessDenied, not retried",
    input: sdk(MagicValues.LIVE_CPF),
    script: [Outcome.error(403, "10201"), Outcome.live],
    expected: { error: { _tag: "AccessDenied", providerCode: "10201" }, requests: 1 }
  },
  {
    name: "[429 Retry-After 1, live]: live after 2 attempts",
    input: sdk(MagicValues.LIVE_CPF),
    script: [Outcome.rateLimited(1), Outcome.live],
    expected: { verdict: "live", attempts: 2, process: { status: 3, liveness: 1 } }
  },
  {
    name: "[500 510] with a plain image: ProviderUnavailable (may have been processed), not replayed",
    input: plainImage(MagicValues.LIVE_CPF),
    script: [Outcome.error(500, "510"), Outcome.live],
    expected: {
      error: {
        _tag: "ProviderUnavailable",
        status: 500,
        providerCode: "510",
        mayHaveBeenProcessed: true,
        transient: true
      },
      requests: 1
    }
  },
  {
    name: "[500 20502]: ProviderUnavailable, not transient, not retried even for an SDK payload",
    input: sdk(MagicValues.LIVE_CPF),
    script: [Outcome.error(500, "20502"), Outcome.live],
    expected: {
      error: {
        _tag: "ProviderUnavailable",
        status: 500,
        providerCode: "20502",
        mayHaveBeenProcessed: false,
        transient: false
      },
      requests: 1
    }
  },
  {
    name: "[canceled]: retry-capture, not retried",
    input: sdk(MagicValues.LIVE_CPF),
    script: [Outcome.canceled],
    expected: { verdict: "retry-capture", attempts: 1, process: { status: 4 } }
  }
]

/**
 * The `slow` scenario under the per-attempt timeout, as with the defaults (timeout 15 s, deadline 30 s): the request
 * was written and never answered, so it may have been processed, and it was (billed once). Nothing is sent again:
 * an SDK payload ends in OutcomeUnknown (ask for a new capture), a plain image in ProviderUnavailable.
 */
const unansweredCases: ReadonlyArray<Case> = [
  ...[
    [`CPF ${MagicValues.cpfOf("slow")} (slow), SDK payload`, sdk(MagicValues.cpfOf("slow"))] as const,
    [
      "the scenario claim \"slow\" of an SDK payload",
      () => ({ imageBase64: Fixtures.sdkPayload({ scenario: "slow" }) })
    ] as const
  ].map(([name, input]): Case => ({
    name: `${name}: the attempt times out, nothing is sent again: OutcomeUnknown, submitted and billed once`,
    input,
    expected: { error: { _tag: "OutcomeUnknown", attempts: 1 }, requests: 1, billed: 1 }
  })),
  {
    name: `CPF ${
      MagicValues.cpfOf("slow")
    } (slow), plain image: ProviderUnavailable that may have been processed, not replayed`,
    input: plainImage(MagicValues.cpfOf("slow")),
    expected: {
      error: { _tag: "ProviderUnavailable", mayHaveBeenProcessed: true, transient: true },
      requests: 1,
      billed: 1
    }
  }
]

/** Each adapter with its per-attempt timeout set to `attemptTimeout`. */
const withAttemptTimeout = (
  adapter: Adapter,
  policy: Partial<CheckPolicy.Policy> = {}
): Layer.Layer<Liveness.Liveness | ContractProbe> =>
  adapter.name === "fake" ? fakeLayer(policy, { timeout: attemptTimeout }) : httpWithTimeout(policy)

const groups: ReadonlyArray<readonly [string, ReadonlyArray<Case>]> = [
  ["magic subject codes", magicCases],
  ["fixture rules", fixtureCases],
  ["scripted outcomes under the retry policy", scriptedCases]
]

const run = (adapter: Adapter, testCase: Case) =>
  observe(testCase).pipe(Effect.provide(adapter.layer(testCase.policy, { isolated: testCase.isolated === true })))

const fakeAdapter = adapters.find((adapter) => adapter.name === "fake")!

/**
 * What two adapters must agree on, field for field: the verdict and process (without its random id), or every
 * field of the error and its message; the requests the provider received and its answers; what was billed.
 */
const comparable = (observed: Observed) => ({
  ...observed,
  result: observed.result._tag === "Error"
    ? { _tag: "Error", error: everything(observed.result.error) }
    : observed.result
})

// ---------------------------------------------------------------------------------------------------------------
// The suite, once per adapter
// ---------------------------------------------------------------------------------------------------------------

describe.each(adapters)("contract over the $name adapter", (adapter) => {
  // Each fake is its own, so its tests may overlap (the real waits of 1 s then run together); the shared
  // sandbox serves one test at a time.
  const block = adapter.name === "fake" ? describe.concurrent : describe
  for (const [group, cases] of groups) {
    block(group, () => {
      for (const testCase of cases) {
        it.live(testCase.name, () =>
          Effect.gen(function*() {
            // The http adapter is also held to the fake, field for field, on a fake run side by side.
            const [observed, reference] = yield* Effect.all([
              run(adapter, testCase),
              adapter.name === "fake" ? Effect.succeed(undefined) : run(fakeAdapter, testCase)
            ], { concurrency: "unbounded" })
            verify(observed, testCase.expected)
            if (reference !== undefined) expect(comparable(observed)).toEqual(comparable(reference))
          }))
      }
    })
  }

  block("a request never answered: the per-attempt timeout, then the retry policy", () => {
    for (const testCase of unansweredCases) {
      it.live(testCase.name, () =>
        Effect.gen(function*() {
          const [observed, reference] = yield* Effect.all([
            observe(testCase).pipe(Effect.provide(withAttemptTimeout(adapter, testCase.policy))),
            adapter.name === "fake"
              ? Effect.succeed(undefined)
              : observe(testCase).pipe(Effect.provide(withAttemptTimeout(fakeAdapter, testCase.policy)))
          ], { concurrency: "unbounded" })
          verify(observed, testCase.expected)
          if (reference !== undefined) expect(comparable(observed)).toEqual(comparable(reference))
        }))
    }
  })

  block("single use of SDK payloads", () => {
    it.live("the same payload checked twice: live, then the same answer replayed; submitted and billed once", () =>
      Effect.gen(function*() {
        const input = { subject: subject(MagicValues.LIVE_CPF), imageBase64: Fixtures.sdkPayload() }
        const first = yield* Liveness.check(input)
        const second = yield* Liveness.check(input)
        expect(first).toMatchObject({ verdict: "live", replayed: false })
        expect(second).toMatchObject({ verdict: "live", replayed: true, attempts: first.attempts })
        expect(second.process.id).toBe(first.process.id)
        expect(yield* submissionsOf(input.imageBase64)).toEqual(["200"])
        expect((yield* processesByPayload).get(Fixtures.fingerprint(input.imageBase64))).toBe(1)
      }).pipe(Effect.provide(adapter.layer())))

    it.live("the adapter itself: a payload submitted again is refused as reused (10508), billed once", () =>
      Effect.gen(function*() {
        // Past the workflow's ledger (e.g. after its retention): the provider is the last line.
        const input = { subject: subject(MagicValues.LIVE_CPF), imageBase64: Fixtures.sdkPayload() }
        expect((yield* submitDirect(input)).status).toBe(3)
        const second = yield* submitDirect(input).pipe(Effect.flip)
        expect(summary(second)).toEqual({ _tag: "PayloadRejected", reason: "reused", providerCode: "10508" })
        expect((yield* createCalls).map((call) => answerOf(call.answer))).toEqual(["200", "400 10508"])
        expect((yield* processesByPayload).get(Fixtures.fingerprint(input.imageBase64))).toBe(1)
      }).pipe(Effect.provide(adapter.layer())))

    it.live("a 503 does not spend the payload, a status 5 process does", () =>
      Effect.gen(function*() {
        const payload = Fixtures.sdkPayload()
        yield* enqueue(Outcome.unavailable(), Outcome.unavailable())
        // Two 503s, then the payload's own scenario (live): the third attempt still succeeds with it.
        const retried = yield* Liveness.check({ imageBase64: payload })
        expect(retried.attempts).toBe(3)
        expect((yield* processesByPayload).get(Fixtures.fingerprint(payload))).toBe(1)
        const failed = Fixtures.sdkPayload({ scenario: "processing-error" })
        expect((yield* Liveness.check({ imageBase64: failed })).verdict).toBe("retry-capture")
        const again = yield* submitDirect({ imageBase64: failed }).pipe(Effect.flip)
        expect(summary(again)).toEqual({ _tag: "PayloadRejected", reason: "reused", providerCode: "10508" })
      }).pipe(Effect.provide(adapter.layer())))
  })

  // Unico's rule for SDK payloads ("submitted only once"), proven on what the provider received: after an answer that
  // may have been processed, the payload is never sent again; after a 503 (nothing processed) it is. Each check has
  // a fresh payload, so the proof is about one check, whatever the workflow remembers between checks.
  block("one submission per capture, counted per payload (Submissions)", () => {
    /** One check of `input` after `script`, and the answers to the submissions of its payload. */
    const submitted = (
      input: { readonly imageBase64: string; readonly subject?: { code: string; name: string } },
      script: ReadonlyArray<Scenario.Outcome> = []
    ) =>
      Effect.gen(function*() {
        yield* enqueue(...script)
        const outcome = yield* Effect.either(Liveness.check(input))
        return { outcome, answers: yield* submissionsOf(input.imageBase64) }
      })

    it.live("a 500 with Unico's 510, SDK payload: OutcomeUnknown after exactly one submission", () =>
      Effect.gen(function*() {
        const { answers, outcome } = yield* submitted(
          { subject: subject(MagicValues.LIVE_CPF), imageBase64: Fixtures.sdkPayload() },
          [Outcome.error(500, "510"), Outcome.live]
        )
        expect(Either.isLeft(outcome) && outcome.left._tag).toBe("OutcomeUnknown")
        expect(answers).toEqual(["500"])
      }).pipe(Effect.provide(adapter.layer())))

    it.live("an answer later than the attempt timeout, SDK payload: OutcomeUnknown after exactly one submission", () =>
      Effect.gen(function*() {
        const { answers, outcome } = yield* submitted({ imageBase64: Fixtures.sdkPayload({ scenario: "slow" }) })
        expect(Either.isLeft(outcome) && outcome.left._tag).toBe("OutcomeUnknown")
        // The fake records the answer it will give late ("200"); the sandbox has not given it yet ("pending").
        expect(answers).toHaveLength(1)
        expect(Submissions.countMayHaveBeenProcessed(answers)).toBe(1)
      }).pipe(Effect.provide(withAttemptTimeout(adapter))))

    it.live("a 503 then live, SDK payload: live, [503, 200] (a 503 proves nothing was processed)", () =>
      Effect.gen(function*() {
        const { answers, outcome } = yield* submitted(
          { subject: subject(MagicValues.LIVE_CPF), imageBase64: Fixtures.sdkPayload() },
          [Outcome.unavailable(), Outcome.live]
        )
        expect(Either.isRight(outcome) && outcome.right.verdict).toBe("live")
        expect(answers).toEqual(["503", "200"])
        expect(Submissions.countMayHaveBeenProcessed(answers)).toBe(1)
      }).pipe(Effect.provide(adapter.layer())))
  })

  block("getProcess", () => {
    it.live("a created process reads back with the same id, status, liveness and verdict", () =>
      Effect.gen(function*() {
        // Not-live, live, and one retried once: every process that did not end in error reads back.
        for (const code of ["00000000191", MagicValues.LIVE_CPF, "00000000434"]) {
          const created = yield* Liveness.check({ subject: subject(code), imageBase64: Fixtures.sdkPayload() })
          const read = yield* Liveness.getProcess(created.process.id)
          expect(read.process).toEqual(created.process)
          expect(read.verdict).toBe(created.verdict)
          expect(read.attempts).toBe(1)
        }
        const gets = (yield* calls).filter((call) => call.operation === "getProcess")
        expect(gets.map((call) => answerOf(call.answer))).toEqual(["200", "200", "200"])
      }).pipe(Effect.provide(adapter.layer())))

    it.live("an unknown process id: ProcessNotFound, asked once", () =>
      Effect.gen(function*() {
        const id = "9f1c2a7e-1111-4222-8333-444455556666"
        const error = yield* Liveness.getProcess(id).pipe(Effect.flip)
        expect(summary(error)).toEqual({ _tag: "ProcessNotFound", processId: id, gone: false })
        expect((yield* calls).map((call) => [call.operation, call.processId, call.answer.status])).toEqual([
          ["getProcess", id, 404]
        ])
      }).pipe(Effect.provide(adapter.layer())))

    it.live("a process that ended in error (status 5) reads back as gone: ProcessNotFound with gone, asked once", () =>
      Effect.gen(function*() {
        const created = yield* Liveness.check({ imageBase64: Fixtures.sdkPayload({ scenario: "processing-error" }) })
        expect(created.process.status).toBe(5)
        const error = yield* Liveness.getProcess(created.process.id).pipe(Effect.flip)
        expect(summary(error)).toEqual({ _tag: "ProcessNotFound", processId: created.process.id, gone: true })
        const gets = (yield* calls).filter((call) => call.operation === "getProcess")
        expect(gets.map((call) => call.answer.status)).toEqual([410])
      }).pipe(Effect.provide(adapter.layer())))

    it.live("an id that is not a UUID: InvalidRequest, and the provider is never asked", () =>
      Effect.gen(function*() {
        const error = yield* Liveness.getProcess("../oauth2/token").pipe(Effect.flip)
        expect(error._tag).toBe("InvalidRequest")
        expect(error._tag === "InvalidRequest" && error.errors.map((issue) => issue.field)).toEqual(["id"])
        expect(yield* calls).toEqual([])
        expect(yield* requestsReceived).toBe(0)
      }).pipe(Effect.provide(adapter.layer())))
  })

  block("local validation: nothing reaches the provider", () => {
    const invalid = [
      ["a CPF with wrong check digits", { code: "12345678900", name: "Luke Skywalker" }, "subject.code"],
      ["a name with two consecutive spaces", { code: MagicValues.LIVE_CPF, name: "Luke  Skywalker" }, "subject.name"]
    ] as const
    for (const [what, badSubject, field] of invalid) {
      it.live(`${what}: InvalidRequest on ${field}, no provider code`, () =>
        Effect.gen(function*() {
          const error = yield* Liveness.check({ subject: badSubject, imageBase64: Fixtures.sdkPayload() }).pipe(
            Effect.flip
          )
          expect(summary(error)).toEqual({ _tag: "InvalidRequest" })
          expect(error._tag === "InvalidRequest" && error.errors.map((issue) => issue.field)).toEqual([field])
          expect(yield* calls).toEqual([])
          expect(yield* requestsReceived).toBe(0)
        }).pipe(Effect.provide(adapter.layer())))
    }
  })
})
