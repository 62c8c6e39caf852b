/**
 * Shared pieces of the HTTP adapter's wire tests: a key pair made in the test (never committed), a fake
 * Unico made of a recording server (token endpoint + processes API, answers chosen per test), and the real
 * adapter (`UnicoHttp.layer` over undici) under the real check workflow.
 */
import { Undici } from "@effect/platform-node"
import * as HttpClient from "@effect/platform/HttpClient"
import { expect } from "@effect/vitest"
import { CheckPolicy, Liveness } from "@liveness/core"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as TestClock from "effect/TestClock"
import { compactVerify } from "jose"
import { generateKeyPairSync, type KeyObject, randomBytes } from "node:crypto"
import { UndiciHttpClient, UnicoHttp } from "../../src/index.js"
import * as RecordingServer from "./recordingServer.js"

export const ISSUER = "acct@tenant1.iam.acesso.io"

export const PROCESS_ID = "80371b2a-3ac7-432e-866d-57fe37896ac6"

export const SUBJECT = { code: "12345678909", name: "Luke Skywalker" } as const

export const SUBSIDIARY_ID = "60837cd3-ed3c-4038-ad7c-0a85ad64b03a"

export interface KeyPair {
  readonly privateKey: KeyObject
  readonly publicKey: KeyObject
  /** PKCS#8 PEM of the private key. */
  readonly pem: string
}

/** A fresh RSA key pair for one test file. */
export const keyPair = (): KeyPair => {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 })
  return { privateKey, publicKey, pem: privateKey.export({ type: "pkcs8", format: "pem" }).toString() }
}

/** A distinctive API key, so a leak is easy to find. */
export const apiKey = (): string => `apikey-${randomBytes(18).toString("base64url")}`

/** The token endpoint's success body. */
export const tokenBody = (accessToken: string, expiresIn: number | string = 3600) => ({
  access_token: accessToken,
  token_type: "Bearer",
  expires_in: expiresIn
})

export const liveProcess = { id: PROCESS_ID, status: 3, liveness: 1 }

export interface FakeUnicoScript {
  /**
   * Answers the n-th token request (0-based); by default a fresh token. `issue(n)` gives that default (and
   * records the token as issued).
   */
  readonly token?: (nth: number, issue: (expiresIn?: number | string) => RecordingServer.Behaviour) =>
    | RecordingServer.Behaviour
    | Promise<RecordingServer.Behaviour>
  /** Answers the n-th request to the processes API (any path under /processes); by default a live process. */
  readonly api?: (
    head: RecordingServer.RequestHead,
    nth: number
  ) => RecordingServer.Behaviour | Promise<RecordingServer.Behaviour>
}

export interface FakeUnico {
  readonly server: RecordingServer.RecordingServer
  /** Access tokens issued so far, in order. */
  readonly issued: () => ReadonlyArray<string>
  readonly tokenRequests: Effect.Effect<ReadonlyArray<RecordingServer.RecordedRequest>>
  /** Requests to `/processes/v1` and below. */
  readonly apiRequests: Effect.Effect<ReadonlyArray<RecordingServer.RecordedRequest>>
}

/** A recording server that plays both of Unico's hosts: `/oauth2/token` and `/processes/v1…`. */
export const fakeUnico = (script: FakeUnicoScript = {}): Effect.Effect<FakeUnico, never, Scope.Scope> =>
  Effect.gen(function*() {
    const issued: Array<string> = []
    let apiCount = 0
    const server = yield* RecordingServer.start((head) => {
      if (head.pathname === "/oauth2/token") {
        const issue = (expiresIn: number | string = 3600) => {
          const token = `at-${issued.length + 1}-${randomBytes(24).toString("base64url")}`
          issued.push(token)
          return RecordingServer.json(200, tokenBody(token, expiresIn))
        }
        return script.token === undefined ? issue() : script.token(head.nth, issue)
      }
      if (head.pathname.startsWith("/processes/")) {
        const nth = apiCount++
        return script.api === undefined ? RecordingServer.json(200, liveProcess) : script.api(head, nth)
      }
      return RecordingServer.json(404, { error: { description: "Not found" } })
    })
    return {
      server,
      issued: () => [...issued],
      tokenRequests: server.requestsTo("/oauth2/token"),
      apiRequests: Effect.map(server.requests, (all) => all.filter((r) => r.path.startsWith("/processes/")))
    }
  })

export interface AdapterOptions {
  readonly authUrl: string
  readonly apiUrl: string
  readonly keys: KeyPair
  readonly apiKey: string
  readonly timeout?: Duration.DurationInput
  /** The HttpClient under the adapter (default: UndiciHttpClient, as the runtime ships it). */
  readonly client?: Layer.Layer<HttpClient.HttpClient>
}

/** The real adapter over undici. */
export const adapter = (options: AdapterOptions) =>
  UnicoHttp.layer({
    authUrl: options.authUrl,
    apiUrl: options.apiUrl,
    issuer: ISSUER,
    privateKey: Redacted.make(options.keys.pem),
    apiKey: Redacted.make(options.apiKey),
    ...(options.timeout === undefined ? {} : { timeout: options.timeout })
  }).pipe(Layer.provide(options.client ?? UndiciHttpClient.layer()))

/**
 * undici with at most `connections` sockets per origin (instead of one per concurrent request): for tests
 * that run many checks at once, where opening a thousand sockets to one loopback server only costs time.
 */
export const pooledHttpClient = (connections: number) =>
  Layer.scoped(
    HttpClient.HttpClient,
    Effect.map(
      Effect.acquireRelease(
        Effect.sync(() => new Undici.Agent({ connections })),
        (dispatcher) => Effect.promise(() => dispatcher.destroy())
      ),
      (dispatcher) => UndiciHttpClient.make(dispatcher)
    )
  )

/**
 * The real workflow over `provider`: no tenant quota, no jitter (deterministic delays), short backoff, and
 * the adapter's services exposed too.
 */
export const workflow = <ROut, E>(
  provider: Layer.Layer<ROut, E>,
  policy: Partial<CheckPolicy.Policy> = {}
) =>
  Liveness.layer.pipe(
    Layer.provideMerge(provider),
    Layer.provide(CheckPolicy.layer({ rateLimit: undefined, jitter: false, baseDelay: Duration.millis(10), ...policy }))
  )

/** Asserts the error's tag and narrows it. */
export const expectTag = <E extends { readonly _tag: string }, T extends E["_tag"]>(
  error: E,
  tag: T
): Extract<E, { readonly _tag: T }> => {
  expect(error._tag).toBe(tag)
  return error as Extract<E, { readonly _tag: T }>
}

/** The decoded claims and header of an assertion, after verifying its RS256 signature with `publicKey`. */
export const verifyAssertion = (assertion: string, publicKey: KeyObject) =>
  Effect.promise(async () => {
    const { payload, protectedHeader } = await compactVerify(assertion, publicKey, { algorithms: ["RS256"] })
    return {
      header: protectedHeader as Record<string, unknown>,
      claims: JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>
    }
  })

/** The `assertion` field of a recorded token request. */
export const assertionOf = (request: RecordingServer.RecordedRequest): string =>
  new URLSearchParams(request.body ?? "").get("assertion") ?? ""

/**
 * Waits, in real time, until `condition` holds: for tests under TestClock whose next step needs real I/O to
 * have happened first (a request received, a connection refused), before they move the clock.
 */
export const untilTrue = <R>(condition: Effect.Effect<boolean, never, R>): Effect.Effect<void, never, R> =>
  Effect.flatMap(
    condition,
    (holds): Effect.Effect<void, never, R> =>
      holds ? Effect.void : Effect.zipRight(realPause, Effect.suspend(() => untilTrue(condition)))
  )

/** 5 ms of real time, whatever the test's clock: for real I/O to progress. */
const realPause = Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, 5)))

/**
 * Runs `fiber` to its end under TestClock, moving the clock to each sleep it waits on (a backoff, a
 * Retry-After, a quota slot, a delay the sandbox was told to add) and letting real I/O finish in between.
 * Only sleeps due within `horizon` of the drive's start are reached: not the deadline, nor a per-attempt
 * timeout, nor anything the test means to let pass itself later.
 */
export const driveClock = <A, E>(
  fiber: Fiber.Fiber<A, E>,
  horizon: Duration.DurationInput = "5 seconds"
): Effect.Effect<A, E> =>
  Effect.gen(function*() {
    const until = (yield* Clock.currentTimeMillis) + Duration.toMillis(horizon)
    while ((yield* Fiber.poll(fiber))._tag === "None") {
      const due = Chunk.toReadonlyArray(yield* TestClock.sleeps()).filter((wakeAt) => wakeAt <= until)
      if (due.length === 0) yield* realPause
      else yield* TestClock.setTime(Math.max(yield* Clock.currentTimeMillis, Math.min(...due)))
    }
    return yield* Fiber.join(fiber)
  })

/** Without the default logger: tests that run real time (it.live) would print every check's log line. */
export const quietLogs = Logger.remove(Logger.defaultLogger)
