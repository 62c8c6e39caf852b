/**
 * A lean `@effect/platform` `HttpClient` over undici's `dispatch`, for request/answer APIs such as Unico's: the same
 * interface as `NodeHttpClient.layerUndici` (code that takes an `HttpClient` takes this one), without the per-request
 * work a general-purpose client does that such an exchange does not need:
 *
 * - one asynchronous step per request: the answer's body is read whole before the response is given (at most
 *   `maxBodyBytes`), so there is no body stream, no scope, no abort controller and no finalization-registry entry per
 *   response, and `text`/`json` are already there;
 * - a string or byte body goes out as it is (never copied);
 * - no span unless a tracer other than Effect's built-in one is installed (the built-in tracer exports nothing), and
 *   never trace headers (nothing is propagated to Unico) nor header values in span attributes.
 *
 * Measured with `pnpm --filter @liveness/bench profile` (a check against the bench's stub, concurrency 32): see
 * docs/performance.md for the figures against `NodeHttpClient.layerUndici`. Stream and form-data bodies are refused;
 * nothing in this toolkit sends one. Timeouts are the caller's (Effect), as with `layerUndici`.
 *
 * @since 0.3.0
 */
import * as Cookies from "@effect/platform/Cookies"
import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
import * as UrlParams from "@effect/platform/UrlParams"
import { Tracing } from "@liveness/core"
import * as Effect from "effect/Effect"
import * as Inspectable from "effect/Inspectable"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { Agent, type Dispatcher } from "undici"

/** Answers larger than this are refused (Unico's are a few hundred bytes): the body is held in memory whole. */
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024

export interface Options {
  /** The largest answer body read (default DEFAULT_MAX_BODY_BYTES); a larger one fails the request. */
  readonly maxBodyBytes?: number
}

type Body = string | Uint8Array | null

const bodyOf = (request: HttpClientRequest.HttpClientRequest): Body | HttpClientError.RequestError => {
  const body = request.body
  switch (body._tag) {
    case "Empty":
      return null
    case "Raw":
      if (typeof body.body === "string" || body.body instanceof Uint8Array) return body.body
      break
    case "Uint8Array":
      return body.body
  }
  return new HttpClientError.RequestError({
    request,
    reason: "Encode",
    description: `this client sends string and byte bodies only, not ${body._tag}`
  })
}

/** Origin and path of the URLs this client has seen: the API's URLs repeat, and parsing one is a `new URL`. */
const targets = new Map<string, { readonly origin: string; readonly path: string }>()
const MAX_TARGETS = 1024

const targetOf = (
  request: HttpClientRequest.HttpClientRequest
): { readonly origin: string; readonly path: string } | HttpClientError.RequestError => {
  const plain = request.urlParams.length === 0 && Option.isNone(request.hash)
  const known = plain ? targets.get(request.url) : undefined
  if (known !== undefined) return known
  const url = UrlParams.makeUrl(request.url, request.urlParams, request.hash)
  if (url._tag === "Left") return new HttpClientError.RequestError({ request, reason: "InvalidUrl", cause: url.left })
  const target = { origin: url.right.origin, path: url.right.pathname + url.right.search + url.right.hash }
  if (plain) {
    if (targets.size >= MAX_TARGETS) targets.clear()
    targets.set(request.url, target)
  }
  return target
}

/** A response whose body has been read whole. */
class ReadResponse extends Inspectable.Class implements HttpClientResponse.HttpClientResponse {
  readonly [HttpIncomingMessage.TypeId]: HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId
  readonly [HttpClientResponse.TypeId]: HttpClientResponse.TypeId = HttpClientResponse.TypeId

  constructor(
    readonly request: HttpClientRequest.HttpClientRequest,
    readonly status: number,
    private readonly rawHeaders: Record<string, string | Array<string> | undefined>,
    private readonly body: Buffer,
    /** Set when the connection failed after the status line: every read of the body fails with it. */
    private readonly bodyFailure: unknown
  ) {
    super()
  }

  get headers(): Headers.Headers {
    return Headers.fromInput(this.rawHeaders as Record<string, string | ReadonlyArray<string>>)
  }

  get cookies(): Cookies.Cookies {
    const header = this.rawHeaders["set-cookie"]
    return header === undefined ? Cookies.empty : Cookies.fromSetCookie(Array.isArray(header) ? header : [header])
  }

  get remoteAddress(): Option.Option<string> {
    return Option.none()
  }

  private decodeError(cause: unknown) {
    return new HttpClientError.ResponseError({ request: this.request, response: this, reason: "Decode", cause })
  }

  private read<A>(f: (body: Buffer) => A): Effect.Effect<A, HttpClientError.ResponseError> {
    if (this.bodyFailure !== undefined) return Effect.fail(this.decodeError(this.bodyFailure))
    return Effect.try({ try: () => f(this.body), catch: (cause) => this.decodeError(cause) })
  }

  get text(): Effect.Effect<string, HttpClientError.ResponseError> {
    return this.read((body) => body.toString("utf8"))
  }

  get json(): Effect.Effect<unknown, HttpClientError.ResponseError> {
    return this.read((body) => (body.length === 0 ? null : JSON.parse(body.toString("utf8"))) as unknown)
  }

  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpClientError.ResponseError> {
    return this.read((body) => UrlParams.fromInput(new URLSearchParams(body.toString("utf8"))))
  }

  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.ResponseError> {
    return this.read((body) => body.buffer.slice(body.byteOffset, body.byteOffset + body.length) as ArrayBuffer)
  }

  get formData(): Effect.Effect<FormData, HttpClientError.ResponseError> {
    if (this.bodyFailure !== undefined) return Effect.fail(this.decodeError(this.bodyFailure))
    return Effect.tryPromise({
      try: () => new Response(this.body, { headers: this.headers as Record<string, string> }).formData(),
      catch: (cause) => this.decodeError(cause)
    })
  }

  get stream(): Stream.Stream<Uint8Array, HttpClientError.ResponseError> {
    return Stream.fromEffect(this.read((body) => new Uint8Array(body.buffer, body.byteOffset, body.length)))
  }

  override toJSON(): unknown {
    return HttpIncomingMessage.inspect(this, { _id: "@effect/platform/HttpClientResponse", status: this.status })
  }
}

/** One request: dispatched, its answer read whole, in one asynchronous step; interrupting it aborts the request. */
const send = (
  dispatcher: Dispatcher,
  maxBodyBytes: number,
  request: HttpClientRequest.HttpClientRequest
): Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError> => {
  const body = bodyOf(request)
  if (body instanceof HttpClientError.RequestError) return Effect.fail(body)
  const target = targetOf(request)
  if (target instanceof HttpClientError.RequestError) return Effect.fail(target)
  return Effect.async<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>((resume) => {
    let controller: Dispatcher.DispatchController | undefined
    let aborted = false
    let status = 0
    let headers: Record<string, string | Array<string> | undefined> = {}
    const chunks: Array<Buffer> = []
    let size = 0
    let done = false
    const finish = (bodyFailure: unknown) => {
      if (done) return
      done = true
      resume(Effect.succeed(
        new ReadResponse(
          request,
          status,
          headers,
          chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size),
          bodyFailure
        )
      ))
    }
    dispatcher.dispatch({
      method: request.method,
      origin: target.origin,
      path: target.path,
      headers: request.headers as Record<string, string>,
      body
    }, {
      onRequestStart(started) {
        controller = started
        if (aborted) started.abort(new Error("interrupted"))
      },
      onResponseStart(_, statusCode, responseHeaders) {
        status = statusCode
        headers = responseHeaders as Record<string, string | Array<string> | undefined>
      },
      onResponseData(current, chunk) {
        size += chunk.length
        if (size > maxBodyBytes) {
          current.abort(new Error(`the answer is larger than ${maxBodyBytes} bytes`))
          return
        }
        chunks.push(chunk)
      },
      onResponseEnd() {
        finish(undefined)
      },
      onResponseError(_, error) {
        if (done) return
        // After the status line the failure belongs to the body (a cut-off answer), as with a streamed client.
        if (status !== 0) return finish(error)
        done = true
        resume(Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", cause: error })))
      }
    })
    return Effect.sync(() => {
      aborted = true
      done = true
      controller?.abort(new Error("interrupted"))
    })
  })
}

/**
 * The client span, only under a tracer that exports and not below an unsampled span (see the module's comment):
 * method, URL and status, no header.
 */
const traced = (
  request: HttpClientRequest.HttpClientRequest,
  effect: Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>
) =>
  Effect.withFiberRuntime<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>((fiber) => {
    if (!Tracing.recordsSpans(fiber)) return effect
    return Effect.useSpan(`http.client ${request.method}`, { kind: "client", captureStackTrace: false }, (span) => {
      span.attribute("http.request.method", request.method)
      span.attribute("url.full", request.url)
      return Effect.tap(Effect.withParentSpan(effect, span), (response) =>
        Effect.sync(() => span.attribute("http.response.status_code", response.status)))
    })
  })

/** The client over `dispatcher` (e.g. an undici `Agent` of your own). */
export const make = (dispatcher: Dispatcher, options: Options = {}): HttpClient.HttpClient => {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
  return HttpClient.makeWith<HttpClientError.HttpClientError, never, HttpClientError.HttpClientError, never>(
    (effect) => Effect.flatMap(effect, (request) => traced(request, send(dispatcher, maxBodyBytes, request))),
    Effect.succeed
  )
}

/** The client over its own keep-alive undici `Agent`, closed when the layer is released. */
export const layer = (options: Options = {}): Layer.Layer<HttpClient.HttpClient> =>
  Layer.scoped(
    HttpClient.HttpClient,
    Effect.map(
      Effect.acquireRelease(Effect.sync(() => new Agent()), (agent) => Effect.promise(() => agent.destroy())),
      (agent) => make(agent, options)
    )
  )
