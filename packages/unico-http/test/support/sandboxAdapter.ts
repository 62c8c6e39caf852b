/**
 * The real adapter over a sandbox on 127.0.0.1 (`@liveness/sandbox`, a dev dependency), for tests that need a
 * whole Unico: token endpoint, tenant quota, faults and billing statistics. It wires what `SandboxAdapter` in
 * `@liveness/runtime` wires; this package cannot use that one (the runtime depends on this package).
 *
 * The adapter sits under the real workflow (`Liveness.layer`, fresh for every test) with a test policy: short
 * backoff, no in-process rate limit, a deadline of a few seconds. The parity suite (`packages/contract`) runs its
 * http adapter on these same pieces.
 *
 * Why a suite shares one sandbox: starting one generates a 2048-bit RSA key pair, which takes 100–700 ms on a
 * 2-core machine (about 450 ms on average under the test runner), and vitest runs one file at a time on 2 cores;
 * 40-odd cases would cost 20 s of key generation alone. So `sharedHttp` starts one sandbox and one adapter over it,
 * and every test gets a fresh workflow over them after the sandbox's engine was reset (calls, processes, spent
 * payloads, script) and its faults cleared; `SandboxCounts` (answers by status, submissions per payload) starts
 * from that point. The adapter's token stays cached between tests, as in production. A case that leaves a request
 * in flight at the provider takes `httpLayer` instead: a fresh sandbox and adapter, stopped with the test.
 */
import type { HttpClient } from "@effect/platform/HttpClient"
import { afterAll } from "@effect/vitest"
import { CheckPolicy, Liveness, type LivenessProvider } from "@liveness/core"
import { Fixtures } from "@liveness/fake"
import { Sandbox } from "@liveness/sandbox"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as ManagedRuntime from "effect/ManagedRuntime"
import { UndiciHttpClient, UnicoHttp, type UnicoOptions } from "../../src/index.js"

/**
 * The suites' policy: the default attempts (5) and jitter, but backoff of 10..50 ms, no in-process limiter
 * and a 10 s deadline (the rate-limited scenarios wait a real `Retry-After` of 1 s).
 */
export const testPolicy: Partial<CheckPolicy.Policy> = {
  maxAttempts: 5,
  baseDelay: Duration.millis(10),
  maxDelay: Duration.millis(50),
  deadline: Duration.seconds(10),
  rateLimit: undefined
}

/** Logs from warnings up only: what a test's failure needs, without the workflow's debug lines. */
export const quiet = Logger.minimumLogLevel(LogLevel.Warning)

/** The workflow (fresh) over a provider, under the test policy with `policy` over it. */
export const workflowOver = <ROut, E>(
  provider: Layer.Layer<ROut, E>,
  policy: Partial<CheckPolicy.Policy>
) =>
  Liveness.layer.pipe(
    Layer.provideMerge(provider),
    Layer.provide(CheckPolicy.layer({ ...testPolicy, ...policy })),
    Layer.merge(quiet)
  )

/** A subject with the seed's name and the given CPF. */
export const subject = (code: string) => ({ code, name: "Luke Skywalker" })

/** Options that point `UnicoHttp.layer` at a running sandbox with its own credentials. */
export const adapterOptions = (
  sandbox: Sandbox.Sandbox,
  overrides: Partial<UnicoOptions.Options> = {}
): UnicoOptions.Options => ({
  authUrl: sandbox.authUrl,
  apiUrl: sandbox.apiUrl,
  issuer: sandbox.issuer,
  privateKey: sandbox.privateKey,
  apiKey: sandbox.apiKey,
  ...overrides
})

/**
 * Starts a sandbox (stopped with the layer) and provides `LivenessProvider` through the real adapter pointed at
 * it, with `adapter` over its options (a per-attempt `timeout`, say); also `UnicoHttp` and the `SandboxInstance`.
 */
export const layer = (
  sandbox: Sandbox.Options = {},
  adapter: Partial<UnicoOptions.Options> = {}
): Layer.Layer<LivenessProvider.LivenessProvider | UnicoHttp.UnicoHttp | Sandbox.SandboxInstance, never, HttpClient> =>
  Layer.unwrapScoped(
    Effect.map(Sandbox.start(sandbox), (running) =>
      UnicoHttp.layer(adapterOptions(running, adapter)).pipe(
        // The sandbox made these credentials itself: a failure here is a bug, not a configuration error.
        Layer.orDie,
        Layer.merge(Layer.succeed(Sandbox.SandboxInstance, running))
      ))
  )

/** What the sandbox answered since the counts started (a test's start); its own `stats` count from its start. */
export interface Counts {
  /** Answers of the processes endpoints by status (`reset` for a connection reset on purpose). */
  readonly requestsByStatus: Effect.Effect<Readonly<Record<string, number>>>
  /**
   * Per payload fingerprint, the answer to every `createProcess` request that carried it, in order: faults
   * answered before the engine, resets (`"reset"`) and requests still unanswered (`"pending"`) included.
   */
  readonly submissionsByPayload: Effect.Effect<ReadonlyMap<string, ReadonlyArray<string>>>
}

export class SandboxCounts extends Context.Tag("@liveness/unico-http/test/SandboxCounts")<SandboxCounts, Counts>() {}

/** Counts from when it is built, after resetting the engine and clearing the faults when `reset`. */
const countsFrom = (reset: boolean): Layer.Layer<SandboxCounts, never, Sandbox.SandboxInstance> =>
  Layer.effect(
    SandboxCounts,
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.SandboxInstance
      if (reset) {
        yield* sandbox.engine.reset
        sandbox.faults.clear()
      }
      const { requestsByStatus: baseline, submissionsByPayload: submittedBefore } = yield* sandbox.stats
      const requestsByStatus = Effect.map(sandbox.stats, (stats) => {
        const since: Record<string, number> = {}
        for (const [status, count] of Object.entries(stats.requestsByStatus)) {
          const delta = count - (baseline[status] ?? 0)
          if (delta > 0) since[status] = delta
        }
        return since
      })
      // The sandbox's record only grows (a late answer fills its own place): this test's answers follow the earlier.
      const submissionsByPayload = Effect.map(sandbox.stats, (stats) => {
        const since = new Map<string, ReadonlyArray<string>>()
        for (const [print, answers] of Object.entries(stats.submissionsByPayload)) {
          const these = answers.slice(submittedBefore[print]?.length ?? 0)
          if (these.length > 0) since.set(print, these)
        }
        return since
      })
      return { requestsByStatus, submissionsByPayload } satisfies Counts
    })
  )

/** What a test over the sandbox has in context: the workflow, the adapter, the running sandbox and its counts. */
export type HttpServices =
  | Liveness.Liveness
  | SandboxCounts
  | Sandbox.SandboxInstance
  | UnicoHttp.UnicoHttp
  | LivenessProvider.LivenessProvider

/**
 * The workflow over the real adapter (undici) and a fresh sandbox, counted from its start. The sandbox keeps its
 * default quota (10/s) unless `sandbox` says otherwise. Built in the test, the sandbox keeps the test's clock:
 * TestClock under `it.effect`/`it.scoped`.
 */
export const httpLayer = (
  policy: Partial<CheckPolicy.Policy> = {},
  sandbox: Sandbox.Options = {},
  adapter: Partial<UnicoOptions.Options> = {}
): Layer.Layer<HttpServices> =>
  workflowOver(
    Layer.provideMerge(countsFrom(false), layer(sandbox, adapter)).pipe(Layer.provide(UndiciHttpClient.layer())),
    policy
  )

/**
 * One sandbox and one adapter over it for the whole suite (see the top of this file), stopped after the suite.
 * Each call is a fresh workflow over them, with the engine reset and counts taken from then on. Call at the top
 * level of a test file (it registers `afterAll`).
 */
export const sharedHttp = (
  sandbox: Sandbox.Options = { rateLimit: false },
  adapter: Partial<UnicoOptions.Options> = {}
) => {
  const shared = ManagedRuntime.make(layer(sandbox, adapter).pipe(Layer.provide(UndiciHttpClient.layer())))
  afterAll(() => shared.dispose())
  const context = Layer.effectContext(Effect.map(shared.runtimeEffect, (runtime) => runtime.context))
  return (policy: Partial<CheckPolicy.Policy> = {}): Layer.Layer<HttpServices> =>
    workflowOver(Layer.provideMerge(countsFrom(true), context), policy)
}

/** This test's answers of the processes endpoints by status. */
export const requestsByStatus = Effect.flatMap(SandboxCounts, (counts) => counts.requestsByStatus)

/** The answers to this test's submissions of one payload (none: an empty list). */
export const submissionsOf = (payload: string) =>
  Effect.map(
    Effect.flatMap(SandboxCounts, (counts) => counts.submissionsByPayload),
    (byPayload) => byPayload.get(Fixtures.fingerprint(payload)) ?? []
  )

/** Every request the sandbox's engine received in this test (fingerprints, never payloads). */
export const calls = Effect.flatMap(Sandbox.SandboxInstance, (sandbox) => sandbox.engine.calls)
