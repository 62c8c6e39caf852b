/**
 * The real adapter: provides the core's `LivenessProvider` over `@effect/platform`'s `HttpClient`.
 *
 * - Token: a fresh RS256 assertion per token request (`POST {authUrl}/oauth2/token`, JWT bearer), cached
 *   by TokenCache and dropped when the API refuses it.
 * - `POST {apiUrl}/processes/v1` and `GET {apiUrl}/processes/v1/{id}` with `Authorization: Bearer` and `APIKEY`.
 * - Every non-2xx answer goes through the core's `UnicoCodes.toError`; transport failures say whether the
 *   request may have reached Unico. No retries here: the core's workflow owns the policy.
 * - `APIKEY` and `authorization` are redacted from spans and logs; no trace headers are sent to Unico; the
 *   payload appears only in the request body.
 *
 * @since 0.1.0
 */
import * as Headers from "@effect/platform/Headers"
import * as HttpBody from "@effect/platform/HttpBody"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import {
  type CheckInput,
  type LivenessError,
  LivenessProcess,
  LivenessProvider,
  ProviderUnavailable,
  RetryClass,
  SharedTokenStore,
  Tracing,
  UnexpectedResponse,
  UnicoCodes
} from "@liveness/core"
import * as Clock from "effect/Clock"
import type * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Assertion from "./Assertion.js"
import * as ErrorBody from "./ErrorBody.js"
import * as TokenCache from "./TokenCache.js"
import * as TransportFailure from "./TransportFailure.js"
import * as UnicoConfig from "./UnicoConfig.js"
import type { UnicoConfigError } from "./UnicoConfigError.js"
import * as UnicoOptions from "./UnicoOptions.js"

export declare namespace UnicoHttp {
  export interface Service {
    /** A valid access token (cached, or minted now): what a readiness probe asks for. */
    readonly token: Effect.Effect<Redacted.Redacted<string>, LivenessError>
    /** Tokens minted since start. */
    readonly tokenMints: Effect.Effect<number>
    /** When the cached access token expires (epoch milliseconds), or `undefined` when none is cached. */
    readonly tokenExpiresAt: Effect.Effect<number | undefined>
    /** The resolved settings, without secrets. */
    readonly settings: {
      readonly environment: string
      readonly authUrl: string
      readonly apiUrl: string
      readonly issuer: string
    }
  }
}

/** Token operations of the adapter, for health checks, the CLI's doctor and metrics. */
export class UnicoHttp extends Context.Tag("@liveness/unico-http/UnicoHttp")<UnicoHttp, UnicoHttp.Service>() {}

/** Tokens minted, for dashboards: a climbing rate means tokens are not being reused. */
export const tokenMints = Metric.counter("liveness_token_mints_total", {
  description: "OAuth2 access tokens minted from a JWT assertion",
  incremental: true
})

const TokenResponse = Schema.Struct({
  access_token: Schema.NonEmptyString,
  // Unico documents a number; older material shows a numeric string. Accept both.
  expires_in: Schema.Union(Schema.Number, Schema.NumberFromString),
  token_type: Schema.optional(Schema.String)
})

/** The OAuth2 grant of the token request (RFC 7523). */
export const GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"

/**
 * Unico's request body, written once, as bytes. The payload is copied once, straight into the buffer: validation
 * (CheckInput) accepted only base64 or a compact JWT, whose characters are ASCII and need no JSON escaping, so neither
 * `JSON.stringify` (a scan and a copy) nor a string concatenation (which undici would flatten, then encode: about
 * 1 ms per 300 KB payload in the gateway's profile) is needed. The rest (subject, branch) is small, goes through
 * `JSON.stringify` and is encoded as UTF-8 (a name may hold any character).
 */
export const processBody = (input: CheckInput.CheckInput): Uint8Array => {
  const rest = JSON.stringify({
    ...(input.subject === undefined ? {} : { subject: input.subject }),
    ...(input.subsidiaryId === undefined ? {} : { subsidiaryId: input.subsidiaryId })
  })
  const head = `${rest === "{}" ? "{" : `${rest.slice(0, -1)},`}"imageBase64":"`
  const payload = Redacted.value(input.imageBase64)
  const headBytes = Buffer.byteLength(head, "utf8")
  const body = Buffer.allocUnsafe(headBytes + payload.length + 2)
  body.write(head, 0, "utf8")
  body.write(payload, headBytes, "latin1")
  body.write("\"}", headBytes + payload.length, "latin1")
  return body
}

/**
 * `APIKEY` added to the header names an HttpClient redacts in its spans. Only spans read that list, so it is set only
 * when spans are exported (see Tracing in the core).
 */
const withApiKeyRedacted = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.withFiberRuntime<A, E, R>((fiber) =>
    Tracing.exportsSpans(fiber)
      ? Effect.locallyWith(effect, Headers.currentRedactedNames, (names) => [...names, "apikey"])
      : effect
  )

const decodeProcess = Schema.decodeUnknownEither(LivenessProcess.LivenessProcess)

/** The process in a 200 answer, read in one step (an `Either` is an `Effect`). */
const processOf = (body: string): Either.Either<LivenessProcess.LivenessProcess, UnexpectedResponse> => {
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch {
    json = undefined
  }
  return Either.mapLeft(
    decodeProcess(json),
    () => new UnexpectedResponse({ status: 200, detail: "the process in the answer could not be read" })
  )
}

/** Builds the adapter from resolved options; its background token refresh ends with the scope (the layer's). */
export const make = (settings: UnicoOptions.Resolved) =>
  Effect.gen(function*() {
    const client = (yield* HttpClient.HttpClient).pipe(HttpClient.withTracerPropagation(false))

    /** Sends one request under the per-attempt timeout; the failure says whether it may have landed. */
    const send = (request: HttpClientRequest.HttpClientRequest, endpoint: "token" | "api") =>
      client.execute(request).pipe(
        Effect.mapError((error: HttpClientError.HttpClientError) =>
          new ProviderUnavailable({
            // The token endpoint creates nothing billable: any failure there is safe to retry.
            mayHaveBeenProcessed: endpoint === "api" &&
              TransportFailure.classify(error.cause) === "may-have-been-processed",
            transient: true,
            detail: `${endpoint === "token" ? "token request" : "request"} failed (${
              TransportFailure.codeOf(error.cause) ?? error.reason
            })`
          })
        ),
        Effect.flatMap((response) =>
          response.text.pipe(
            Effect.map((body) => ({ response, body })),
            Effect.catchTag("ResponseError", (error) =>
              Effect.fail(
                new ProviderUnavailable({
                  mayHaveBeenProcessed: endpoint === "api",
                  transient: true,
                  status: response.status,
                  detail: `the answer was cut off (${TransportFailure.codeOf(error.cause) ?? error.reason})`
                })
              ))
          )
        ),
        LivenessProvider.attemptTimeout(settings.timeout, endpoint === "api")
      )

    const errorOf = (
      response: HttpClientResponse.HttpClientResponse,
      body: string,
      endpoint: "token" | "api",
      processId?: string
    ) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const info = ErrorBody.parse(body)
        return UnicoCodes.toError({
          status: response.status,
          // The generic error shape puts the HTTP status in `code`: that is not a Unico code.
          code: info.code === String(response.status) ? undefined : info.code,
          description: info.description,
          retryAfterMillis: ErrorBody.retryAfterMillis(response.headers["retry-after"], now),
          processId,
          endpoint
        })
      })

    const stamp = Assertion.stamper()

    const mint = Effect.gen(function*() {
      const { issuedAtSeconds, lifetimeSeconds } = yield* stamp
      const assertion = yield* Assertion.sign(
        settings.privateKey,
        Assertion.claims(settings.issuer, settings.authUrl, issuedAtSeconds, lifetimeSeconds)
      )
      const request = HttpClientRequest.post(`${settings.authUrl}/oauth2/token`).pipe(
        HttpClientRequest.acceptJson,
        HttpClientRequest.bodyUrlParams({ grant_type: GRANT_TYPE, assertion })
      )
      const { body, response } = yield* send(request, "token")
      if (response.status !== 200) return yield* Effect.flip(errorOf(response, body, "token"))
      const parsed = yield* Effect.try(() => JSON.parse(body) as unknown).pipe(
        Effect.flatMap(Schema.decodeUnknown(TokenResponse)),
        Effect.mapError(() =>
          new UnexpectedResponse({ status: 200, detail: "the token endpoint answered without access_token/expires_in" })
        )
      )
      yield* Metric.increment(tokenMints)
      return { accessToken: Redacted.make(parsed.access_token), expiresInSeconds: parsed.expires_in }
    }).pipe(Tracing.withSpan("UnicoHttp.mintToken", { attributes: { "unico.issuer": settings.issuer } }))

    // Replicas share one token per service account when a SharedTokenStore is provided (see @liveness/redis).
    const sharedStore = (yield* SharedTokenStore.SharedTokenStore).forAccount({
      environment: settings.environment,
      issuer: settings.issuer,
      authUrl: settings.authUrl,
      secret: Redacted.make(settings.privateKey.export({ format: "der", type: "pkcs8" }).toString("base64"))
    })
    const tokens = yield* TokenCache.make(mint, sharedStore === undefined ? undefined : { store: sharedStore })
    const apiKey = Redacted.value(settings.apiKey)

    /** One API call with the cached token; a refused token is dropped so the workflow's retry mints anew. */
    const call = (
      build: (token: Redacted.Redacted<string>) => HttpClientRequest.HttpClientRequest,
      processId?: string
    ): Effect.Effect<LivenessProcess.LivenessProcess, LivenessError> =>
      Effect.flatMap(tokens.get, (token) => {
        const request = build(token).pipe(
          HttpClientRequest.bearerToken(token),
          HttpClientRequest.setHeader("APIKEY", apiKey),
          HttpClientRequest.acceptJson
        )
        return Effect.flatMap(send(request, "api"), ({ body, response }) => {
          if (response.status === 200) return processOf(body)
          return Effect.flatMap(errorOf(response, body, "api", processId), (error) =>
            RetryClass.of(error) === "reauthenticate"
              ? Effect.zipRight(tokens.invalidate(token), Effect.fail(error))
              : Effect.fail(error))
        })
      })

    const provider: LivenessProvider.LivenessProvider.Service = {
      createProcess: (input: CheckInput.CheckInput) =>
        call(() =>
          HttpClientRequest.post(`${settings.apiUrl}/processes/v1`).pipe(
            HttpClientRequest.setBody(HttpBody.uint8Array(processBody(input), "application/json"))
          )
        ).pipe(withApiKeyRedacted, Tracing.withSpan("UnicoHttp.createProcess")),
      getProcess: (id) =>
        call(() => HttpClientRequest.get(`${settings.apiUrl}/processes/v1/${encodeURIComponent(id)}`), id).pipe(
          withApiKeyRedacted,
          Tracing.withSpan("UnicoHttp.getProcess")
        ),
      // The token, before the workflow takes a quota permit; `call` then finds it cached.
      prepare: Effect.asVoid(tokens.get),
      // The capture ledger's scope: one tenant's service account on one API (no secret).
      scope: `unico ${settings.environment} ${settings.apiUrl} ${settings.issuer}`
    }

    const service: UnicoHttp.Service = {
      token: withApiKeyRedacted(tokens.get),
      tokenMints: tokens.mints,
      tokenExpiresAt: tokens.expiresAt,
      settings: {
        environment: settings.environment,
        authUrl: settings.authUrl,
        apiUrl: settings.apiUrl,
        issuer: settings.issuer
      }
    }
    return Context.make(LivenessProvider.LivenessProvider, provider).pipe(Context.add(UnicoHttp, service))
  })

/** The adapter from options. Fails at construction with a UnicoConfigError naming the option and the fix. */
export const layer = (
  options: UnicoOptions.Options
): Layer.Layer<LivenessProvider.LivenessProvider | UnicoHttp, UnicoConfigError, HttpClient.HttpClient> =>
  Layer.scopedContext(Effect.flatMap(UnicoOptions.resolve(options), make))

/**
 * The adapter from a Config of checked settings: by default `UnicoConfig.config`, the UNICO_* variables. Fails at
 * construction with a ConfigError whose path names the variable at fault; the Config has checked everything, so
 * nothing is checked again here.
 */
export const layerConfig = (
  config: Config.Config<UnicoOptions.Resolved> = UnicoConfig.config
): Layer.Layer<LivenessProvider.LivenessProvider | UnicoHttp, ConfigError.ConfigError, HttpClient.HttpClient> =>
  Layer.scopedContext(Effect.flatMap(config, make))
