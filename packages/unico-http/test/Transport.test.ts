/**
 * Transport failures, classified by the real adapter over real sockets: whether a failed request may have
 * reached the provider decides whether the workflow may replay it (a replayed create can bill twice).
 */
import { describe, expect, it } from "@effect/vitest"
import {
  CheckInput,
  type CheckPolicy,
  Liveness,
  LivenessMetrics,
  LivenessProvider,
  ProviderUnavailable
} from "@liveness/core"
import { Fixtures } from "@liveness/fake"
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import * as RecordingServer from "./support/recordingServer.js"
import {
  adapter,
  apiKey,
  expectTag,
  type FakeUnico,
  fakeUnico,
  keyPair,
  liveProcess,
  quietLogs,
  SUBJECT,
  untilTrue,
  workflow
} from "./support/unicoHttpHarness.js"

const keys = keyPair()
const API_KEY = apiKey()

interface Hosts {
  readonly authUrl: string
  readonly apiUrl: string
  readonly timeout?: Duration.DurationInput
}

const adapterFor = (hosts: Hosts) =>
  adapter({
    authUrl: hosts.authUrl,
    apiUrl: hosts.apiUrl,
    keys,
    apiKey: API_KEY,
    ...(hosts.timeout === undefined ? {} : { timeout: hosts.timeout })
  })

const both = (unico: FakeUnico, timeout?: Duration.DurationInput): Hosts => ({
  authUrl: unico.server.url,
  apiUrl: unico.server.url,
  ...(timeout === undefined ? {} : { timeout })
})

const imageBody = () => ({ subject: SUBJECT, imageBase64: Fixtures.image() })
const sdkBody = () => ({ subject: SUBJECT, imageBase64: Fixtures.sdkPayload() })

const check = (hosts: Hosts, body: unknown, policy: Partial<CheckPolicy.Policy> = {}) =>
  Liveness.check(body).pipe(Effect.provide(workflow(adapterFor(hosts), policy)), Effect.provide(quietLogs))

/** One createProcess attempt through the adapter alone (no workflow, no retry). */
const createOnce = (hosts: Hosts, body: unknown) =>
  Effect.gen(function*() {
    const input = yield* CheckInput.validate(body)
    const provider = yield* LivenessProvider.LivenessProvider
    return yield* provider.createProcess(input)
  }).pipe(Effect.provide(adapterFor(hosts)))

const createAttempts = Metric.tagged(LivenessMetrics.providerAttempts, "operation", "createProcess")

/** How many provider requests the workflow made while `effect` ran (tests in a file run one at a time). */
const countingAttempts = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const before = (yield* Metric.value(createAttempts)).count
    const exit = yield* Effect.exit(effect)
    const after = (yield* Metric.value(createAttempts)).count
    return { exit, attempts: Number(after) - Number(before) }
  })

const failureOf = <A, E>(exit: Exit.Exit<A, E>): E => {
  if (exit._tag !== "Failure" || exit.cause._tag !== "Fail") {
    throw new Error(`expected a failure, got ${exit._tag === "Success" ? "success" : exit.cause._tag}`)
  }
  return exit.cause.error
}

describe("transport failures through the adapter", () => {
  describe("connection refused (nothing listening)", () => {
    it.scopedLive("API host -> ProviderUnavailable, not processed", () =>
      Effect.gen(function*() {
        const unico = yield* fakeUnico()
        const port = yield* RecordingServer.closedPort
        const error = yield* Effect.flip(
          createOnce({ authUrl: unico.server.url, apiUrl: `http://127.0.0.1:${port}` }, imageBody())
        )
        const unavailable = expectTag(error, "ProviderUnavailable")
        expect(unavailable.mayHaveBeenProcessed).toBe(false)
        expect(unavailable.transient).toBe(true)
        expect(unavailable.detail).toContain("ECONNREFUSED")
      }))

    it.scopedLive("API host -> the workflow retries it, even for a plain image", () =>
      Effect.gen(function*() {
        const unico = yield* fakeUnico()
        const port = yield* RecordingServer.closedPort
        const { attempts, exit } = yield* countingAttempts(
          check({ authUrl: unico.server.url, apiUrl: `http://127.0.0.1:${port}` }, imageBody(), { maxAttempts: 3 })
        )
        const error = expectTag(failureOf(exit), "ProviderUnavailable")
        expect(error.mayHaveBeenProcessed).toBe(false)
        expect(attempts).toBe(3)
        // The token was fine: minted once, reused by every attempt.
        expect(yield* unico.tokenRequests).toHaveLength(1)
      }))

    // Under TestClock: the backoff passes only when the test moves time, after the API is up.
    it.scoped("API host that comes up during the backoff -> the retried plain image succeeds", () =>
      Effect.gen(function*() {
        const unico = yield* fakeUnico()
        const port = yield* RecordingServer.closedPort
        const fiber = yield* Effect.fork(
          check({ authUrl: unico.server.url, apiUrl: `http://127.0.0.1:${port}` }, imageBody(), {
            baseDelay: Duration.millis(300)
          })
        )
        // The first attempt's connect was refused once the workflow sleeps its 300 ms backoff.
        yield* untilTrue(Effect.map(TestClock.sleeps(), Chunk.some((wakeAt) => wakeAt === 300)))
        const api = yield* RecordingServer.start(() => RecordingServer.json(200, liveProcess), { port })
        yield* TestClock.adjust("300 millis")
        const result = yield* Fiber.join(fiber)
        expect(result.verdict).toBe("live")
        expect(result.attempts).toBe(2)
        expect(yield* api.requests).toHaveLength(1)
      }))

    it.scopedLive("token host -> ProviderUnavailable, not processed", () =>
      Effect.gen(function*() {
        const unico = yield* fakeUnico()
        const port = yield* RecordingServer.closedPort
        const hosts = { authUrl: `http://127.0.0.1:${port}`, apiUrl: unico.server.url }
        const direct = expectTag(yield* Effect.flip(createOnce(hosts, imageBody())), "ProviderUnavailable")
        expect(direct.mayHaveBeenProcessed).toBe(false)
        expect(direct.detail).toContain("token")
        expect(direct.detail).toContain("ECONNREFUSED")
        expect(yield* unico.apiRequests).toHaveLength(0)
      }))
  })

  describe("the server destroys the socket after reading the body", () => {
    it.scopedLive("-> ProviderUnavailable that may have been processed; a plain image is not replayed", () =>
      Effect.gen(function*() {
        const unico = yield* fakeUnico({ api: () => RecordingServer.destroyAfterBody })
        const error = expectTag(yield* Effect.flip(check(both(unico), imageBody())), "ProviderUnavailable")
        expect(error.mayHaveBeenProcessed).toBe(true)
        expect(error.transient).toBe(true)
        const apiRequests = yield* unico.apiRequests
        expect(apiRequests).toHaveLength(1)
        expect(apiRequests[0]!.body!.length).toBeGreaterThan(0)
      }))

    it.scopedLive("-> an SDK payload is not sent again: OutcomeUnknown after one submission", () =>
      Effect.gen(function*() {
        const unico = yield* fakeUnico({
          api: (_, nth) => (nth === 0 ? RecordingServer.destroyAfterBody : RecordingServer.json(200, liveProcess))
        })
        const error = expectTag(yield* Effect.flip(check(both(unico), sdkBody())), "OutcomeUnknown")
        expect(error.attempts).toBe(1)
        expect(yield* unico.apiRequests).toHaveLength(1)
      }))

    it.scopedLive("-> with replayAmbiguous (opt-in), the SDK payload is replayed unchanged", () =>
      Effect.gen(function*() {
        const unico = yield* fakeUnico({
          api: (_, nth) => (nth === 0 ? RecordingServer.destroyAfterBody : RecordingServer.json(200, liveProcess))
        })
        const result = yield* check(both(unico), sdkBody(), { replayAmbiguous: true })
        expect(result).toMatchObject({ verdict: "live", attempts: 2 })
        const apiRequests = yield* unico.apiRequests
        expect(apiRequests).toHaveLength(2)
        expect(apiRequests[1]!.body).toBe(apiRequests[0]!.body)
      }))
  })

  it.scopedLive("the server destroys the socket before reading the body -> may have been processed", () =>
    Effect.gen(function*() {
      const unico = yield* fakeUnico({ api: () => RecordingServer.destroyBeforeBody })
      const error = expectTag(yield* Effect.flip(createOnce(both(unico), imageBody())), "ProviderUnavailable")
      // Bytes may have left: nothing proves the request did not reach the provider.
      expect(error.mayHaveBeenProcessed).toBe(true)
    }))

  it.scopedLive("a 200 whose body is cut off -> ProviderUnavailable that may have been processed", () =>
    Effect.gen(function*() {
      const unico = yield* fakeUnico({ api: () => RecordingServer.cutOff(200, liveProcess) })
      const error = expectTag(yield* Effect.flip(check(both(unico), imageBody())), "ProviderUnavailable")
      expect(error.mayHaveBeenProcessed).toBe(true)
      expect(yield* unico.apiRequests).toHaveLength(1)
    }))

  // Under TestClock: the request is received, then the test moves time to just before and to the timeout.
  describe("the server never answers, timeout 300 ms", () => {
    const timesOut = <A, E>(effect: Effect.Effect<A, E>, received: Effect.Effect<boolean>) =>
      Effect.gen(function*() {
        const fiber = yield* Effect.fork(Effect.flip(effect))
        yield* untilTrue(received)
        yield* TestClock.adjust("299 millis")
        expect(yield* Fiber.poll(fiber)).toEqual(Option.none())
        yield* TestClock.adjust("1 millis")
        return yield* Fiber.join(fiber)
      })

    it.scoped("API -> ProviderUnavailable that may have been processed, at the timeout", () =>
      Effect.gen(function*() {
        const unico = yield* fakeUnico({ api: () => RecordingServer.never })
        const error = expectTag(
          yield* timesOut(
            check(both(unico, "300 millis"), imageBody()),
            Effect.map(unico.apiRequests, (requests) => requests.length === 1)
          ),
          "ProviderUnavailable"
        )
        expect(error.mayHaveBeenProcessed).toBe(true)
        expect(error.detail).toContain("0.3 s")
        expect(yield* unico.apiRequests).toHaveLength(1)
      }))

    it.scoped("token endpoint -> ProviderUnavailable, not processed", () =>
      Effect.gen(function*() {
        const unico = yield* fakeUnico({ token: () => RecordingServer.never })
        const error = yield* timesOut(
          createOnce(both(unico, "300 millis"), imageBody()),
          Effect.map(unico.tokenRequests, (requests) => requests.length === 1)
        )
        expect(error).toBeInstanceOf(ProviderUnavailable)
        expect(expectTag(error, "ProviderUnavailable").mayHaveBeenProcessed).toBe(false)
        expect(yield* unico.apiRequests).toHaveLength(0)
      }))
  })
})
