/**
 * The in-memory adapter testers swap in: `FakeProvider.layer(options?)` provides the core's
 * `LivenessProvider`, answering through the scenario engine (magic CPFs, fake SDK payloads, scripts) and
 * failing through the core's code catalogue exactly as the HTTP adapter would. It also provides
 * `FakeProvider` itself, for scripting and inspection.
 *
 * @since 0.1.0
 */
import { LivenessProcess, LivenessProvider, SelfiePayload, UnexpectedResponse, UnicoCodes } from "@liveness/core"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type { Outcome } from "./Scenario.js"
import * as ScenarioEngine from "./ScenarioEngine.js"

export declare namespace FakeProvider {
  export interface Service {
    /** Queues outcomes for the next checks (one per provider request, retries included). */
    readonly enqueue: (...outcomes: ReadonlyArray<Outcome>) => Effect.Effect<void>
    /** Every request the fake received, in order (payload fingerprints, never payloads). */
    readonly calls: Effect.Effect<ReadonlyArray<ScenarioEngine.RecordedCall>>
    /** Processes created per payload fingerprint: more than one means a capture was billed twice. */
    readonly processesByPayload: Effect.Effect<ReadonlyMap<string, number>>
    /**
     * The answer to every `createProcess` request per payload fingerprint, in order, whatever the answer (`"200"`,
     * `"503"`, `"400"`, …): `Submissions.countMayHaveBeenProcessed` of a capture's answers above 1 means it was
     * submitted twice.
     */
    readonly submissionsByPayload: Effect.Effect<ReadonlyMap<string, ReadonlyArray<string>>>
    /** Forgets calls, processes, submissions, used payloads and queued outcomes. */
    readonly reset: Effect.Effect<void>
  }
}

export class FakeProvider extends Context.Tag("@liveness/fake/FakeProvider")<FakeProvider, FakeProvider.Service>() {}

export interface Options {
  /** Latency added to every answer (driven by `Clock`, so `TestClock` controls it). */
  readonly latency?: Duration.DurationInput
  /**
   * How long one request waits for its answer, as the HTTP adapter's per-attempt timeout (`UNICO_TIMEOUT_MS`)
   * does: default 15 s, the adapter's default. An answer later than that (the `slow` scenario, a long `delayed`
   * outcome or `latency`) is a `ProviderUnavailable` that may have been processed, exactly as over HTTP.
   */
  readonly timeout?: Duration.DurationInput
}

/** The default per-attempt timeout, the HTTP adapter's (`LivenessProvider.DEFAULT_ATTEMPT_TIMEOUT`). */
export const DEFAULT_TIMEOUT = LivenessProvider.DEFAULT_ATTEMPT_TIMEOUT

const decodeProcess = (process: ScenarioEngine.StoredProcess) =>
  LivenessProcess.decode(process).pipe(
    Effect.mapError(() => new UnexpectedResponse({ status: 200, detail: "the fake produced an invalid process" }))
  )

/** Turns an engine answer into what the port promises: a process, or a domain error from the catalogue. */
const toResult = (answer: ScenarioEngine.EngineAnswer, processId?: string) =>
  answer._tag === "Process"
    ? decodeProcess(answer.process)
    : Effect.fail(UnicoCodes.toError({
      status: answer.status,
      code: answer.code,
      description: answer.description,
      retryAfterMillis: answer.retryAfterSeconds === undefined ? undefined : answer.retryAfterSeconds * 1000,
      processId
    }))

/** Builds the port and the control service over one engine. */
export const make = (options: Options = {}) =>
  Effect.map(ScenarioEngine.make(options.latency === undefined ? {} : { latency: options.latency }), (engine) => {
    const timeout = options.timeout === undefined ? DEFAULT_TIMEOUT : Duration.decode(options.timeout)
    // A request was sent: an answer too late may have been processed (the engine has created its process).
    const withTimeout = LivenessProvider.attemptTimeout(timeout, true)
    const provider: LivenessProvider.LivenessProvider.Service = {
      createProcess: (request) => {
        const imageBase64 = Redacted.value(request.imageBase64)
        return engine.createProcess({
          subject: request.subject,
          subsidiaryId: request.subsidiaryId,
          imageBase64,
          // A CheckInput was validated: its kind follows without another pass over a payload of up to megabytes.
          kind: SelfiePayload.kindOfAccepted(imageBase64)
        }).pipe(withTimeout, Effect.flatMap((answer) => toResult(answer)))
      },
      getProcess: (id) => engine.getProcess(id).pipe(withTimeout, Effect.flatMap((answer) => toResult(answer, id))),
      // The capture ledger's scope: captures sent to the fake are not the same as those sent to Unico.
      scope: "fake"
    }
    const control: FakeProvider.Service = {
      enqueue: engine.enqueue,
      calls: engine.calls,
      processesByPayload: engine.processesByPayload,
      submissionsByPayload: engine.submissionsByPayload,
      reset: engine.reset
    }
    return { provider, control }
  })

/** Provides `LivenessProvider` (in memory) and `FakeProvider` (scripting and inspection). */
export const layer = (options: Options = {}): Layer.Layer<LivenessProvider.LivenessProvider | FakeProvider> =>
  Layer.effectContext(
    Effect.map(
      make(options),
      ({ control, provider }) =>
        Context.make(LivenessProvider.LivenessProvider, provider).pipe(Context.add(FakeProvider, control))
    )
  )
