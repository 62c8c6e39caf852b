/**
 * The two adapters the contract suite runs against, behind one small abstraction so a case does not care
 * which one runs:
 *
 * - `fake`: `FakeProvider.layer()`, in memory, fresh for every test;
 * - `http`: the real HTTP adapter (`UnicoHttp`, through undici) over a sandbox on loopback, from the adapter's own
 *   test support (`packages/unico-http/test/support/sandboxAdapter.ts`): one sandbox and adapter shared by the
 *   suite, the engine reset and the counts restarted for every test (why: see that file). A case that leaves a
 *   request in flight at the provider (the `slow` scenario) asks for an isolated instance: a fresh sandbox and
 *   adapter, stopped with the test.
 *
 * Both sit under the same workflow (`Liveness.layer`, fresh for every test) and test policy (`workflowOver`), so
 * the adapter is the only difference.
 */
import type { CheckPolicy, Liveness, LivenessProvider } from "@liveness/core"
import { FakeProvider, Fixtures, type Scenario, type ScenarioEngine } from "@liveness/fake"
import { Sandbox } from "@liveness/sandbox"
import type { UnicoOptions } from "@liveness/unico-http"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as SandboxAdapter from "../../unico-http/test/support/sandboxAdapter.js"

export { subject } from "../../unico-http/test/support/sandboxAdapter.js"

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

const fakeProbe: Layer.Layer<ContractProbe, never, FakeProvider.FakeProvider> = Layer.effect(
  ContractProbe,
  Effect.map(FakeProvider.FakeProvider, (fake): Probe => ({
    enqueue: fake.enqueue,
    calls: fake.calls,
    processesByPayload: fake.processesByPayload,
    submissionsByPayload: fake.submissionsByPayload,
    requestsReceived: Effect.map(fake.calls, (calls) => calls.length)
  }))
)

const total = (byStatus: Readonly<Record<string, number>>) => Object.values(byStatus).reduce((sum, n) => sum + n, 0)

/** The probe over a sandbox: its engine, and its counts since the test's start. */
const sandboxProbe: Layer.Layer<ContractProbe, never, Sandbox.SandboxInstance | SandboxAdapter.SandboxCounts> = Layer
  .effect(
    ContractProbe,
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.SandboxInstance
      const counts = yield* SandboxAdapter.SandboxCounts
      return {
        enqueue: sandbox.engine.enqueue,
        calls: sandbox.engine.calls,
        processesByPayload: sandbox.engine.processesByPayload,
        submissionsByPayload: counts.submissionsByPayload,
        requestsReceived: Effect.map(counts.requestsByStatus, total)
      } satisfies Probe
    })
  )

/** Services of a contract case over the HTTP adapter: the sandbox harness's, and the probe. */
type HttpServices = SandboxAdapter.HttpServices | ContractProbe

/** The workflow over a fresh fake, with the probe and `FakeProvider` in context. */
export const fakeLayer = (
  policy: Partial<CheckPolicy.Policy> = {},
  options: FakeProvider.Options = {}
): Layer.Layer<Liveness.Liveness | ContractProbe | FakeProvider.FakeProvider | LivenessProvider.LivenessProvider> =>
  SandboxAdapter.workflowOver(Layer.provideMerge(fakeProbe, FakeProvider.layer(options)), policy)

/** `SandboxAdapter.httpLayer` (a fresh sandbox and adapter, stopped with the test) with the probe. */
const httpLayer = (
  policy: Partial<CheckPolicy.Policy> = {},
  sandbox: Sandbox.Options = {}
): Layer.Layer<HttpServices> => Layer.provideMerge(sandboxProbe, SandboxAdapter.httpLayer(policy, sandbox))

/**
 * `SandboxAdapter.sharedHttp` (one sandbox and adapter for the suite, engine reset and counts restarted per test)
 * with the probe. Call at the top level of a test file (it registers `afterAll`).
 */
export const sharedHttp = (
  sandbox: Sandbox.Options = { rateLimit: false },
  adapter: Partial<UnicoOptions.Options> = {}
) => {
  const shared = SandboxAdapter.sharedHttp(sandbox, adapter)
  return (policy: Partial<CheckPolicy.Policy> = {}): Layer.Layer<HttpServices> =>
    Layer.provideMerge(sandboxProbe, shared(policy))
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

const submissionsByPayload = Effect.flatMap(ContractProbe, (probe) => probe.submissionsByPayload)

/** The answers to this test's submissions of one payload (none: an empty list). */
export const submissionsOf = (payload: string) =>
  Effect.map(submissionsByPayload, (byPayload) => byPayload.get(Fixtures.fingerprint(payload)) ?? [])

export const requestsReceived = Effect.flatMap(ContractProbe, (probe) => probe.requestsReceived)
