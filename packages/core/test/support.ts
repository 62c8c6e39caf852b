/**
 * Test helpers shared by the core tests: selfie payload builders, the seed example body, and a scripted
 * in-test LivenessProvider whose answers come from a queue the test controls.
 */
import {
  type CheckInput,
  CheckPolicy,
  Liveness,
  type LivenessError,
  LivenessProcess,
  LivenessProvider,
  ProviderUnavailable,
  UnicoCodes
} from "@liveness/core"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"

// ---------------------------------------------------------------------------------------------------------------
// Payloads
// ---------------------------------------------------------------------------------------------------------------

const b64url = (text: string) => Buffer.from(text, "utf8").toString("base64url")

let captures = 0

/**
 * A compact JWS as the capture SDK hands it over (three base64url parts). Each call without claims is a new capture
 * (its own `jti`): the capture ledger gives a repeated capture its first outcome instead of sending it again.
 */
export const sdkPayload = (
  claims: Record<string, unknown> = { sub: "capture-1", iat: 1_700_000_000, jti: `capture-${++captures}` }
): string =>
  `${b64url(JSON.stringify({ alg: "RS256", typ: "JWT" }))}.${b64url(JSON.stringify(claims))}.${
    b64url("signature-bytes")
  }`

/** A compact JWE with direct encryption (five parts, the encrypted-key part empty). */
export const jwePayload = (): string =>
  [
    b64url(JSON.stringify({ alg: "dir", enc: "A256GCM" })),
    "",
    b64url("initialisation-vector"),
    b64url("ciphertext ciphertext ciphertext"),
    b64url("authentication-tag")
  ].join(".")

const signatures = {
  jpeg: [0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01],
  png: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d],
  // "RIFF", a little-endian size, "WEBP"
  webp: [0x52, 0x49, 0x46, 0x46, 0x24, 0x00, 0x00, 0x00, 0x57, 0x45, 0x42, 0x50]
} as const

/** The raw bytes of an "image": the format's signature followed by filler, `size` bytes in all. */
export const imageBytes = (format: keyof typeof signatures, size: number): Buffer => {
  const bytes = Buffer.alloc(size, 0x2a)
  Buffer.from(signatures[format]).copy(bytes)
  return bytes
}

/** Base64 (standard alphabet, padded) of an image of `size` bytes. */
export const imageBase64 = (format: keyof typeof signatures = "jpeg", size = 2048): string =>
  imageBytes(format, size).toString("base64")

// ---------------------------------------------------------------------------------------------------------------
// Bodies
// ---------------------------------------------------------------------------------------------------------------

export const SEED_CPF = "12345678909"
export const SEED_NAME = "Luke Skywalker"
export const SEED_SUBSIDIARY = "60837cd3-ed3c-4038-ad7c-0a85ad64b03a"

/** The example body of Unico's docs, with the payload of your choice. */
export const seedBody = (payload: string = sdkPayload()) => ({
  subject: { code: SEED_CPF, name: SEED_NAME, email: "luke@example.com", phone: "551972557070" },
  subsidiaryId: SEED_SUBSIDIARY,
  imageBase64: payload
})

// ---------------------------------------------------------------------------------------------------------------
// Scripted provider
// ---------------------------------------------------------------------------------------------------------------

export const PROCESS_ID = "b7d4a7ad-7b43-4a43-9b5b-2a1b0f3f5e11"

export const processWith = (status: number, liveness?: number, id: string = PROCESS_ID) =>
  new LivenessProcess.LivenessProcess({
    id: LivenessProcess.ProcessId.make(id),
    status,
    ...(liveness === undefined ? {} : { liveness })
  })

export const live = () => processWith(3, 1)

/** One scripted answer: a process, an error, or no answer at all. */
export type Outcome = LivenessProcess.LivenessProcess | LivenessError | "never"

/** Unavailable, the request not handled: nothing was submitted (safe to send again). */
export const unavailable503 = () => UnicoCodes.toError({ status: 503 })
/** Unico's internal failure (HTTP 500, code 510): the request may have been processed (ambiguous). */
export const internal500 = () => UnicoCodes.toError({ status: 500, code: "510" })
/** A transport failure before any byte was sent (connection refused, DNS). */
export const notSent = () =>
  new ProviderUnavailable({ mayHaveBeenProcessed: false, transient: true, detail: "connection refused" })

export interface Call {
  readonly operation: "createProcess" | "getProcess"
  /** TestClock time of the call, in milliseconds. */
  readonly at: number
  readonly id?: string
  /** What createProcess received. */
  readonly request?: CheckInput.CheckInput
}

export interface Scripted {
  readonly layer: Layer.Layer<LivenessProvider.LivenessProvider>
  readonly calls: Effect.Effect<ReadonlyArray<Call>>
  readonly callCount: Effect.Effect<number>
}

/**
 * A provider that answers from `script` in order, then with `otherwise` forever (or dies when there is
 * none, so a test never passes on an answer it did not script).
 */
export const scripted = (script: ReadonlyArray<Outcome>, otherwise?: () => Outcome): Effect.Effect<Scripted> =>
  Effect.gen(function*() {
    const queue = yield* Ref.make<ReadonlyArray<Outcome>>(script)
    const calls = yield* Ref.make<ReadonlyArray<Call>>([])
    const answer = (
      operation: Call["operation"],
      details: { readonly id?: string; readonly request?: CheckInput.CheckInput }
    ) =>
      Effect.gen(function*() {
        const at = yield* Clock.currentTimeMillis
        yield* Ref.update(calls, (all) => [...all, { operation, at, ...details }])
        const outcome = yield* Ref.modify(queue, (rest): [Outcome | undefined, ReadonlyArray<Outcome>] =>
          rest.length === 0 ? [otherwise?.(), rest] : [rest[0], rest.slice(1)])
        if (outcome === undefined) {
          return yield* Effect.dieMessage(`unscripted ${operation} call`)
        }
        if (outcome === "never") {
          return yield* Effect.never
        }
        if (outcome instanceof LivenessProcess.LivenessProcess) {
          return outcome
        }
        return yield* Effect.fail(outcome)
      })
    const layer = Layer.succeed(LivenessProvider.LivenessProvider, {
      createProcess: (request) => answer("createProcess", { request }),
      getProcess: (id) => answer("getProcess", { id })
    })
    return { layer, calls: Ref.get(calls), callCount: Effect.map(Ref.get(calls), (all) => all.length) }
  })

/** The workflow over `provider`, deterministic by default: no jitter, no tenant quota. */
export const workflow = <E, R>(
  provider: Layer.Layer<LivenessProvider.LivenessProvider, E, R>,
  policy: Partial<CheckPolicy.Policy> = {}
) =>
  Liveness.layer.pipe(
    Layer.provide(provider),
    Layer.provide(CheckPolicy.layer({ jitter: false, rateLimit: undefined, ...policy }))
  )
