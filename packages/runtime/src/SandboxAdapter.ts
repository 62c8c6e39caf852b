/**
 * The embedded default: a sandbox (`@liveness/sandbox`) with the real HTTP adapter (`@liveness/unico-http`) pointed
 * at it, so the whole real path (assertion, token, HTTP, error mapping) runs without Unico credentials. It lives
 * here, where configuration is composed, so neither the sandbox nor the adapter knows the other.
 *
 * @since 0.3.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import type { LivenessProvider } from "@liveness/core"
import { Sandbox } from "@liveness/sandbox"
import { UnicoHttp, type UnicoOptions } from "@liveness/unico-http"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

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
 * Starts a sandbox (stopped with the layer) and provides `LivenessProvider` through the real HTTP adapter pointed at
 * it; also the running `SandboxInstance` and the adapter's `UnicoHttp`. `adapter` sets adapter options (e.g. a
 * per-attempt `timeout`).
 */
export const layer = (
  options: Sandbox.Options = {},
  adapter: Partial<UnicoOptions.Options> = {}
): Layer.Layer<
  LivenessProvider.LivenessProvider | UnicoHttp.UnicoHttp | Sandbox.SandboxInstance,
  never,
  HttpClient.HttpClient
> =>
  Layer.unwrapScoped(
    Effect.map(Sandbox.start(options), (sandbox) =>
      UnicoHttp.layer(adapterOptions(sandbox, adapter)).pipe(
        // The sandbox made these credentials itself: a failure here is a bug, not a configuration error.
        Layer.orDie,
        Layer.merge(Layer.succeed(Sandbox.SandboxInstance, sandbox))
      ))
  )
