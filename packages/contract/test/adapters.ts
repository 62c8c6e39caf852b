/**
 * The two adapters the contract suite runs against, behind one small abstraction so a case does not care
 * which one runs:
 *
 * - `fake`: `FakeProvider.layer()`, in memory, fresh for every test;
 * - `http`: the real HTTP adapter (`UnicoHttp`, through undici) over a sandbox on loopback (`SandboxAdapter.layer`).
 *
 * Both sit under the real workflow (`Liveness.layer`, fresh for every test) with a test policy: short backoff,
 * no in-process rate limit, a deadline of a few seconds.
 *
 * Why the http adapter is shared within a suite: starting a sandbox generates a 2048-bit RSA key pair, which
 * takes 100–700 ms on a 2-core machine (about 450 ms on average under the test runner), and vitest runs one
 * file at a time on 2 cores; 40-odd cases would cost 20 s of key generation alone. So a suite starts one
 * sandbox and one adapter over it (`SandboxAdapter.layer`), and every test gets a fresh workflow over them after the
 * sandbox's engine was reset (calls, processes, spent payloads, script) and its faults cleared; request counts
 * (answers by status, submissions per payload) are taken from that point. The adapter's token stays cached
 * between tests, as in production, which also keeps the counts free of token requests. A case that leaves a
 * request in flight at the provider (the `slow` scenario) asks for an isolated instance: a fresh sandbox and
 * adapter, stopped with the test.
 */
import type { HttpClient } from "@effect/platform/HttpClient"
import { afterAll } from "@effect/vitest"
import { CheckPolicy, Liveness, type LivenessProvider } from "@liveness/core"
import { FakeProvider, Fixtures, type Scenario, type ScenarioEngine } from "@liveness/fake"
import { SandboxAdapter } from "@liveness/runtime"
import { Sandbox } from "@liveness/sandbox"
import { UndiciHttpClient, UnicoHttp, type UnicoOptions } from "@liveness/unico-http"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as ManagedRuntime from "effect/ManagedRuntime"

/** What a contract case may ask of the provider behind the workflow, whichever adapter it is. */
export interface Probe {
  /** Scripts the outcomes of the next `createProcess` requests (retries included). */
  readonly enqueue: (...outcomes: ReadonlyArray<Scenario.Outcome>) => Effect.Effect<void>
  /** Every request the scenario engine received in this test (fingerprints, never payloads). */
  readonly calls: Effect.Effect<ReadonlyArray<ScenarioEngine.RecordedCall>>
  /** Processes created per payload fingerprint in this test. */
  readonly processesByPayload: Effect.Effect<ReadonlyMap<string, number>>
  /**
   * Per payload fingerprint, the answer to every `createProcess` request that carried it in this test, in order
   * (`Submissions`): the fake's engine records them; the sandbox records them around its engine, faults answered
   * before it, resets (`"reset"`) and requests still unanswered (`"pending"`) included.
   */
  readonly submissionsByPayload: Effect.Effect<ReadonlyMap<string, ReadonlyArray<string>>>
  /**
   * Requests that reached the provider's processes endpoints in this test, whatever the answer: the fake's
   * calls; the sandbox's answers by status (refusals before the engine and connections reset on purpose
   * included).
   */
  readonly requestsReceived: Effect.Effect<number>
  /** Those requests by the status answered (`reset` for a connection reset on purpose). */
  readonly requestsByStatus: Effect.Effect<Readonly<Record<string, number>>>
}

export class ContractProbe extends Context.Tag("@liveness/contract-tests/ContractProbe")<ContractProbe, Probe>() {}

export type AdapterName = "fake" | "http"

export interface LayerOptions {
  /** A fresh provider instance even where the adapter shares one (the case leaves work in flight). */
  readonly isolated?: boolean
}

export interface Adapter {
  readonly name: AdapterName
  /** The workflow over this adapter, under `policy` (over the test policy), with the probe and the adapter itself. */
  readonly layer: (
    policy?: Partial<CheckPolicy.Policy>,
    options?: LayerOptions
  ) => Layer.Layer<Liveness.Liveness | ContractProbe | LivenessProvider.LivenessProvider>
}

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
const workflowOver = <ROut, E>(
  provider: Layer.Layer<ROut, E>,
  policy: Partial<CheckPolicy.Policy>
) =>
  Liveness.layer.pipe(
    Layer.provideMerge(provider),
    Layer.provide(CheckPolicy.layer({ ...testPolicy, ...policy })),
    Layer.merge(quiet)
  )

const fakeProbe: Layer.Layer<ContractProbe, never, FakeProvider.FakeProvider> = Layer.effect(
  ContractProbe,
  Effect.map(FakeProvider.FakeProvider, (fake): Probe => ({
    enqueue: fake.enqueue,
    calls: fake.calls,
    processesByPayload: fake.processesByPayload,
    submissionsByPayload: fake.submissionsByPayload,
    requestsReceived: Effect.map(fake.calls, (calls) => calls.length),
    requestsByStatus: Effect.map(fake.calls, (calls) => {
      const byStatus: Record<string, number> = {}
      for (const call of calls) byStatus[call.answer.status] = (byStatus[call.answer.status] ?? 0) + 1
      return byStatus
    })
  }))
)

const total = (byStatus: Readonly<Record<string, number>>) => Object.values(byStatus).reduce((sum, n) => sum + n, 0)

/** The probe over a sandbox; counts start when it is built (after resetting the engine when `reset`). */
const sandboxProbe = (reset: boolean): Layer.Layer<ContractProbe, never, Sandbox.SandboxInstance> =>
  Layer.effect(
    ContractProbe,
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
      return {
        enqueue: sandbox.engine.enqueue,
        calls: sandbox.engine.calls,
        processesByPayload: sandbox.engine.processesByPayload,
        submissionsByPayload,
        requestsReceived: Effect.map(requestsByStatus, total),
        requestsByStatus
      } satisfies Probe
    })
  )

/** The workflow over a fresh fake, with the probe and `FakeProvider` in context. */
export const fakeLayer = (
  policy: Partial<CheckPolicy.Policy> = {},
  options: FakeProvider.Options = {}
): Layer.Layer<Liveness.Liveness | ContractProbe | FakeProvider.FakeProvider | LivenessProvider.LivenessProvider> =>
  workflowOver(Layer.provideMerge(fakeProbe, FakeProvider.layer(options)), policy)

/**
 * The workflow over the real HTTP adapter and a fresh sandbox on 127.0.0.1 (`SandboxAdapter.layer`), with the probe,
 * the running `SandboxInstance` and `UnicoHttp` in context. The sandbox keeps its default quota (10/s)
 * unless `sandbox` says otherwise; `adapter` sets the adapter's options (a per-attempt `timeout`, say). Built
 * in the test, the sandbox keeps the test's clock: TestClock under `it.effect`/`it.scoped`.
 */
export const httpLayer = (
  policy: Partial<CheckPolicy.Policy> = {},
  sandbox: Sandbox.Options = {},
  adapter: Partial<UnicoOptions.Options> = {}
): Layer.Layer<
  Liveness.Liveness | ContractProbe | Sandbox.SandboxInstance | UnicoHttp.UnicoHttp | LivenessProvider.LivenessProvider
> =>
  workflowOver(
    Layer.provideMerge(sandboxProbe(false), providerOverSandbox(sandbox, adapter)).pipe(
      Layer.provide(UndiciHttpClient.layer())
    ),
    policy
  )

/**
 * The HTTP adapter built by hand from `Sandbox.start` and `UnicoHttp.layer`, for adapter settings
 * `SandboxAdapter.layer` does not expose (e.g. the per-attempt `timeout`).
 */
const adapterOverSandbox = (
  sandbox: Sandbox.Options,
  adapter: Partial<UnicoOptions.Options>
): Layer.Layer<LivenessProvider.LivenessProvider | UnicoHttp.UnicoHttp | Sandbox.SandboxInstance, never, HttpClient> =>
  Layer.unwrapScoped(
    Effect.map(
      Sandbox.start(sandbox),
      (running) =>
        UnicoHttp.layer(SandboxAdapter.adapterOptions(running, adapter)).pipe(
          Layer.orDie,
          Layer.merge(Layer.succeed(Sandbox.SandboxInstance, running))
        )
    )
  )

/** `SandboxAdapter.layer`, or the adapter built by hand when `adapter` sets something. */
const providerOverSandbox = (sandbox: Sandbox.Options, adapter: Partial<UnicoOptions.Options>) =>
  Object.keys(adapter).length === 0 ? SandboxAdapter.layer(sandbox) : adapterOverSandbox(sandbox, adapter)

/**
 * One sandbox and one HTTP adapter over it for the whole suite (see the top of this file), stopped after the
 * suite. Each `layer` is a fresh workflow over them, with the engine reset and counts taken from then on.
 * Call at the top level of a test file (it registers `afterAll`).
 */
export const sharedHttp = (
  sandbox: Sandbox.Options = { rateLimit: false },
  adapter: Partial<UnicoOptions.Options> = {}
) => {
  const shared = ManagedRuntime.make(
    providerOverSandbox(sandbox, adapter).pipe(Layer.provide(UndiciHttpClient.layer()))
  )
  afterAll(() => shared.dispose())
  const context = Layer.effectContext(Effect.map(shared.runtimeEffect, (runtime) => runtime.context))
  return (
    policy: Partial<CheckPolicy.Policy> = {}
  ): Layer.Layer<
    | Liveness.Liveness
    | ContractProbe
    | Sandbox.SandboxInstance
    | UnicoHttp.UnicoHttp
    | LivenessProvider.LivenessProvider
  > => workflowOver(Layer.provideMerge(sandboxProbe(true), context), policy)
}

/**
 * The contract's adapters: a fresh fake per test; the http adapter shared by the suite (isolated on request).
 * Call at the top level of a test file.
 */
export const contractAdapters = (): ReadonlyArray<Adapter> => {
  const http = sharedHttp()
  return [
    { name: "fake", layer: (policy = {}) => fakeLayer(policy) },
    {
      name: "http",
      layer: (policy = {}, options = {}) =>
        options.isolated === true ? httpLayer(policy, { rateLimit: false }) : http(policy)
    }
  ]
}

/** Scripts the next outcomes of whichever provider is in context. */
export const enqueue = (...outcomes: ReadonlyArray<Scenario.Outcome>) =>
  Effect.flatMap(ContractProbe, (probe) => probe.enqueue(...outcomes))

/** Every request the engine received in this test. */
export const calls = Effect.flatMap(ContractProbe, (probe) => probe.calls)

/** The `createProcess` requests the engine received in this test. */
export const createCalls = Effect.map(calls, (all) => all.filter((call) => call.operation === "createProcess"))

export const processesByPayload = Effect.flatMap(ContractProbe, (probe) => probe.processesByPayload)

export const submissionsByPayload = Effect.flatMap(ContractProbe, (probe) => probe.submissionsByPayload)

/** The answers to this test's submissions of one payload (none: an empty list). */
export const submissionsOf = (payload: string) =>
  Effect.map(submissionsByPayload, (byPayload) => byPayload.get(Fixtures.fingerprint(payload)) ?? [])

export const requestsReceived = Effect.flatMap(ContractProbe, (probe) => probe.requestsReceived)

export const requestsByStatus = Effect.flatMap(ContractProbe, (probe) => probe.requestsByStatus)

/** A subject with the seed's name and the given CPF. */
export const subject = (code: string) => ({ code, name: "Luke Skywalker" })
