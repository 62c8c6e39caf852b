/**
 * A lean `@effect/platform` `HttpClient` over undici's `request`, for the adapter's hot path. It is the same interface
 * as `NodeHttpClient.layerUndici` (any code that takes an `HttpClient` takes this one), without the per-request work a
 * general-purpose client does that a request/answer exchange with Unico does not need: no span and no trace headers
 * (the adapter's own spans cover the call, and nothing is propagated to Unico), no abort controller and no
 * finalization-registry entry per response (the body is read at once, and an interrupted request is aborted through
 * the signal `Effect.tryPromise` gives), and a string body (`HttpBody.raw`) goes out as it is, never copied into a
 * buffer first. Stream bodies are refused: nothing here sends one.
 *
 * @since 0.2.0
 */
import * as Cookies from "@effect/platform/Cookies"
import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
import * as UrlParams from "@effect/platform/UrlParams"
import * as Effect from "effect/Effect"
import * as Inspectable from "effect/Inspectable"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { Agent, type Dispatcher } from "undici"

type Body = Exclude<Dispatcher.DispatchOptions["body"], undefined>

const bodyOf = (request: HttpClientRequest.HttpClientRequest): Body | HttpClientError.RequestError => {
  const body = request.body
  switch (body._tag) {
    case "Empty":
      return null
    case "Raw":
      return body.body as Body
    case "Uint8Array":
      return body.body
    case "FormData":
      return body.formData as unknown as Body
    case "Stream":
      return new HttpClientError.RequestError({
        request,
        reason: "Encode",
        description: "this client does not send stream bodies"
      })
  }
}

function ignoreError(_: unknown) {}

class UndiciResponse extends Inspectable.Class implements HttpClientResponse.HttpClientResponse {
  readonly [HttpIncomingMessage.TypeId]: HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId
  readonly [HttpClientResponse.TypeId]: HttpClientResponse.TypeId = HttpClientResponse.TypeId

  constructor(readonly request: HttpClientRequest.HttpClientRequest, readonly source: Dispatcher.ResponseData) {
    super()
    // A body error after the answer is reported by the read that meets it, not as an unhandled 'error' event.
    source.body.on("error", ignoreError)
  }

  get status() {
    return this.source.statusCode
  }

  get headers(): Headers.Headers {
    return Headers.fromInput(this.source.headers as Record<string, string | ReadonlyArray<string>>)
  }

  get cookies(): Cookies.Cookies {
    const header = this.source.headers["set-cookie"]
    return header === undefined ? Cookies.empty : Cookies.fromSetCookie(Array.isArray(header) ? header : [header])
  }

  get remoteAddress(): Option.Option<string> {
    return Option.none()
  }

  private decodeError(cause: unknown) {
    return new HttpClientError.ResponseError({ request: this.request, response: this, reason: "Decode", cause })
  }

  private read<A>(
    f: (body: Dispatcher.ResponseData["body"]) => Promise<A>
  ): Effect.Effect<A, HttpClientError.ResponseError> {
    return Effect.tryPromise({ try: () => f(this.source.body), catch: (cause) => this.decodeError(cause) })
  }

  private textBody?: Effect.Effect<string, HttpClientError.ResponseError>
  get text(): Effect.Effect<string, HttpClientError.ResponseError> {
    // A body can be read once: the text is kept for a second read (an error body parsed after a status check).
    return this.textBody ??= Effect.runSync(Effect.cached(this.read((body) => body.text())))
  }

  get json(): Effect.Effect<unknown, HttpClientError.ResponseError> {
    return Effect.flatMap(
      this.text,
      (text) =>
        Effect.try({
          try: () => (text === "" ? null : JSON.parse(text)) as unknown,
          catch: (cause) => this.decodeError(cause)
        })
    )
  }

  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpClientError.ResponseError> {
    return Effect.flatMap(this.text, (text) =>
      Effect.try({
        try: () => UrlParams.fromInput(new URLSearchParams(text)),
        catch: (cause) => this.decodeError(cause)
      }))
  }

  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.ResponseError> {
    return this.read((body) => body.arrayBuffer())
  }

  get formData(): Effect.Effect<FormData, HttpClientError.ResponseError> {
    return this.read((body) => body.formData() as Promise<FormData>)
  }

  get stream(): Stream.Stream<Uint8Array, HttpClientError.ResponseError> {
    return Stream.fromAsyncIterable(this.source.body as AsyncIterable<Uint8Array>, (cause) => this.decodeError(cause))
  }

  override toJSON(): unknown {
    return HttpIncomingMessage.inspect(this, { _id: "@effect/platform/HttpClientResponse", status: this.status })
  }
}

const send = (
  dispatcher: Dispatcher,
  request: HttpClientRequest.HttpClientRequest
): Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError> => {
  const body = bodyOf(request)
  if (body instanceof HttpClientError.RequestError) return Effect.fail(body)
  const url = UrlParams.makeUrl(request.url, request.urlParams, request.hash)
  if (url._tag === "Left") {
    return Effect.fail(new HttpClientError.RequestError({ request, reason: "InvalidUrl", cause: url.left }))
  }
  return Effect.tryPromise({
    try: (signal) =>
      dispatcher.request({
        signal,
        method: request.method,
        origin: url.right.origin,
        path: url.right.pathname + url.right.search,
        headers: request.headers,
        body,
        // Timeouts are the adapter's (Effect), not the transport's.
        headersTimeout: 60 * 60 * 1000,
        bodyTimeout: 0
      }),
    catch: (cause) => new HttpClientError.RequestError({ request, reason: "Transport", cause })
  }).pipe(Effect.map((response) => new UndiciResponse(request, response)))
}

/** The client over `dispatcher` (an undici Agent with keep-alive connections). */
export const make = (dispatcher: Dispatcher): HttpClient.HttpClient =>
  HttpClient.makeWith<never, never, HttpClientError.HttpClientError, never>(
    (requestEffect) => Effect.flatMap(requestEffect, (request) => send(dispatcher, request)),
    Effect.succeed
  )

/** The client over a keep-alive undici Agent of its own, closed with the layer. */
export const layer: Layer.Layer<HttpClient.HttpClient> = Layer.scoped(
  HttpClient.HttpClient,
  Effect.map(
    Effect.acquireRelease(Effect.sync(() => new Agent()), (agent) => Effect.promise(() => agent.close())),
    make
  )
)
