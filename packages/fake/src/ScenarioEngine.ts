/**
 * The scenario engine: the provider's behaviour without any transport. It receives what the provider
 * would receive (the subject and the raw `imageBase64`), applies Unico's payload rules (SDK payload expiry
 * and single use; plain image format, size and resolution), then picks the outcome: a scripted one if
 * queued, else the subject's magic CPF, else the payload's `scenario` claim, else live. It stores created
 * processes and records every call (never the payload: a fingerprint) and the answer to every submission of each
 * payload (`Submissions`).
 *
 * `FakeProvider` runs it in memory; `@liveness/sandbox` serves it over HTTP. Time comes from `Clock`, so
 * `TestClock` drives expiry and delays.
 *
 * @since 0.1.0
 */
import { LivenessProcess, SelfiePayload } from "@liveness/core"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { randomUUID } from "node:crypto"
import { fingerprint, readSdkClaims, SDK_PAYLOAD_LIFETIME_MILLIS, type SdkPayloadClaims } from "./Fixtures.js"
import * as ImageInfo from "./ImageInfo.js"
import * as MagicValues from "./MagicValues.js"
import { type Answer, type Name, type Outcome, outcomeOf } from "./Scenario.js"
import * as Submissions from "./Submissions.js"

export interface EngineRequest {
  readonly subject?: {
    readonly code: string
    readonly name: string
    readonly email?: string | undefined
    readonly phone?: string | undefined
  } | undefined
  readonly subsidiaryId?: string | undefined
  readonly imageBase64: string
  /**
   * The payload's kind when the caller already knows it: the in-memory FakeProvider receives payloads the workflow
   * has validated. Without it (the sandbox) the engine classifies the payload itself.
   */
  readonly kind?: SelfiePayload.PayloadKind | undefined
  /** The payload's `Fixtures.fingerprint` when the caller has computed it already (the sandbox records it too). */
  readonly fingerprint?: string | undefined
}

/** A process as the provider stores and returns it. */
export interface StoredProcess {
  readonly id: string
  readonly status: number
  readonly liveness?: number
}

/** What the engine answered: a process (with its id) or an error answer. */
export type EngineAnswer =
  | { readonly _tag: "Process"; readonly process: StoredProcess }
  | ErrorAnswer

export interface RecordedCall {
  readonly operation: "createProcess" | "getProcess"
  /** Clock time of the call, in milliseconds. */
  readonly at: number
  readonly subject?: EngineRequest["subject"]
  readonly subsidiaryId?: string
  /** SHA-256 prefix of the payload (never the payload itself). */
  readonly payloadFingerprint?: string
  readonly payloadKind?: "sdk" | "image" | "unknown"
  readonly processId?: string
  /** The answer: `"process"` or the HTTP status and Unico code of the error. */
  readonly answer: { readonly status: number; readonly code?: string; readonly processId?: string }
}

export interface EngineOptions {
  /** Added to every answer (after the process is created). */
  readonly latency?: Duration.DurationInput
}

export interface ScenarioEngine {
  readonly createProcess: (request: EngineRequest) => Effect.Effect<EngineAnswer>
  readonly getProcess: (id: string) => Effect.Effect<EngineAnswer>
  /** Queues outcomes for the next `createProcess` calls, in order; they override every other rule. */
  readonly enqueue: (...outcomes: ReadonlyArray<Outcome>) => Effect.Effect<void>
  readonly calls: Effect.Effect<ReadonlyArray<RecordedCall>>
  /** Processes created per payload fingerprint: more than 1 means a capture was billed twice. */
  readonly processesByPayload: Effect.Effect<ReadonlyMap<string, number>>
  /**
   * The answer to every `createProcess` this engine received, per payload fingerprint, in order (see
   * `Submissions`): `"200"` for a process, else the error's status. Behind the sandbox, read the sandbox's
   * `stats.submissionsByPayload` instead: it also counts what faults and refusals answered before the engine.
   */
  readonly submissionsByPayload: Effect.Effect<ReadonlyMap<string, ReadonlyArray<string>>>
  /** Forgets calls, processes, submissions, used payloads and the script. */
  readonly reset: Effect.Effect<void>
}

type ErrorAnswer = Extract<Answer, { _tag: "Error" }>

const rejection = (status: number, code: string): ErrorAnswer => ({ _tag: "Error", status, code })

/**
 * One received payload, looked at once: its kind and (for a fake SDK payload) its claims are read at most once per
 * request, whichever of the checks, the scenario and the record asks first. Payloads are up to megabytes.
 */
interface Received {
  readonly payload: string
  readonly kind: () => Either.Either<SelfiePayload.PayloadKind, string>
  readonly claims: () => SdkPayloadClaims | undefined
}

const once = <A>(f: () => A): () => A => {
  let done = false
  let value: A
  return () => {
    if (!done) {
      value = f()
      done = true
    }
    return value
  }
}

const receive = (payload: string, kind: SelfiePayload.PayloadKind | undefined): Received => ({
  payload,
  kind: kind === undefined ? once(() => SelfiePayload.classify(payload)) : () => Either.right(kind),
  claims: once(() => readSdkClaims(payload))
})

/** Unico's checks on the selfie payload itself, before any scenario (none for a valid, fresh payload). */
const checkPayload = (
  received: Received,
  now: number,
  used: ReadonlySet<string>,
  print: string
): ErrorAnswer | undefined => {
  const { payload } = received
  const kind = received.kind()
  if (Either.isRight(kind) && kind.right._tag === "SdkPayload") {
    const claims = received.claims()
    if (claims !== undefined && now - claims.iat * 1000 > SDK_PAYLOAD_LIFETIME_MILLIS) return rejection(400, "10507")
    if (used.has(print)) return rejection(400, "10508")
    return undefined
  }
  const bytes = Buffer.from(payload, "base64")
  const format = SelfiePayload.formatOf(bytes)
  if (format === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(payload)) return rejection(400, "20505")
  if (bytes.length > SelfiePayload.MAX_IMAGE_BYTES) return rejection(400, "20506")
  const size = ImageInfo.dimensions(format, bytes)
  if (size === undefined) return rejection(400, "20900")
  if (!ImageInfo.isHighEnough(size)) return rejection(400, "20807")
  return undefined
}

const kindOf = (received: Received): "sdk" | "image" | "unknown" =>
  Either.match(received.kind(), {
    onLeft: () => "unknown",
    onRight: (kind) => (kind._tag === "SdkPayload" ? "sdk" : "image")
  })

export const make = (options: EngineOptions = {}): Effect.Effect<ScenarioEngine> =>
  Effect.sync(() => {
    const latency = options.latency === undefined ? Duration.zero : Duration.decode(options.latency)
    let script: Array<Outcome> = []
    let calls: Array<RecordedCall> = []
    const processes = new Map<string, StoredProcess>()
    const used = new Set<string>()
    const attemptsByPayload = new Map<string, number>()
    const processesByPayload = new Map<string, number>()
    const submissions = Submissions.make()

    const scenarioFor = (request: EngineRequest, received: Received, attempt: number): Outcome => {
      const byCpf = request.subject === undefined ? undefined : MagicValues.byCpf.get(request.subject.code)
      const name: Name = byCpf ?? received.claims()?.scenario ?? "live"
      return outcomeOf(name, attempt)
    }

    const answerAfter = (delay: Duration.Duration | undefined, answer: EngineAnswer) => {
      const total = Duration.sum(delay ?? Duration.zero, latency)
      return Duration.toMillis(total) === 0 ? Effect.succeed(answer) : Effect.as(Effect.sleep(total), answer)
    }

    const createProcess = (request: EngineRequest) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const received = receive(request.imageBase64, request.kind)
        const print = request.fingerprint ?? fingerprint(request.imageBase64)
        const attempt = (attemptsByPayload.get(print) ?? 0) + 1
        attemptsByPayload.set(print, attempt)
        const scripted = script.shift()
        const outcome: Outcome = scripted ??
          (() => {
            const refused = checkPayload(received, now, used, print)
            return refused === undefined ? scenarioFor(request, received, attempt) : { answer: refused }
          })()

        let answer: EngineAnswer
        if (outcome.answer._tag === "Process") {
          // The provider creates (and bills) the process, and spends the payload, before it answers.
          const process: StoredProcess = {
            id: randomUUID(),
            status: outcome.answer.status,
            ...(outcome.answer.liveness === undefined ? {} : { liveness: outcome.answer.liveness })
          }
          processes.set(process.id, process)
          used.add(print)
          processesByPayload.set(print, (processesByPayload.get(print) ?? 0) + 1)
          answer = { _tag: "Process", process }
        } else {
          answer = outcome.answer
        }
        submissions.record(print, Submissions.ofStatus(answer._tag === "Process" ? 200 : answer.status))
        calls.push({
          operation: "createProcess",
          at: now,
          ...(request.subject === undefined ? {} : { subject: request.subject }),
          ...(request.subsidiaryId === undefined ? {} : { subsidiaryId: request.subsidiaryId }),
          payloadFingerprint: print,
          payloadKind: kindOf(received),
          ...(answer._tag === "Process" ? { processId: answer.process.id } : {}),
          answer: answer._tag === "Process"
            ? { status: 200, processId: answer.process.id }
            : { status: answer.status, ...(answer.code === undefined ? {} : { code: answer.code }) }
        })
        return yield* answerAfter(outcome.delay, answer)
      })

    const getProcess = (id: string) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const process = processes.get(id)
        // Unico answers 410 Gone for a process that ended in an error state (status 5), 404 for an unknown id.
        const answer: EngineAnswer = process === undefined
          ? { _tag: "Error", status: 404, description: "Process not found" }
          : process.status === LivenessProcess.Status.processingError
          ? { _tag: "Error", status: 410, description: "Process ended in error" }
          : { _tag: "Process", process }
        calls.push({
          operation: "getProcess",
          at: now,
          processId: id,
          answer: answer._tag === "Process" ? { status: 200, processId: id } : { status: answer.status }
        })
        return yield* answerAfter(undefined, answer)
      })

    const engine: ScenarioEngine = {
      createProcess,
      getProcess,
      enqueue: (...outcomes) => Effect.sync(() => void script.push(...outcomes)),
      calls: Effect.sync(() => calls.slice()),
      processesByPayload: Effect.sync(() => new Map(processesByPayload)),
      submissionsByPayload: Effect.sync(submissions.byPayload),
      reset: Effect.sync(() => {
        script = []
        calls = []
        processes.clear()
        used.clear()
        attemptsByPayload.clear()
        processesByPayload.clear()
        submissions.clear()
      })
    }
    return engine
  })
