/**
 * What the commands run on: the core workflow over the embedded default provider, the sandbox: the real
 * HTTP adapter (assertion, token, HTTP calls, error mapping) against a Unico-compatible server started on
 * loopback for the duration of the command. The policy comes from LIVENESS_* variables.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { CheckPolicy, Liveness } from "@liveness/core"
import { Sandbox } from "@liveness/sandbox"
import * as Layer from "effect/Layer"

/** A human-readable name of the provider in use, shown with every answer so nobody mistakes a sandbox. */
export const providerName = "sandbox (embedded default: the real HTTP adapter against a local Unico-compatible server)"

export const layer = Liveness.layer.pipe(
  Layer.provide(Sandbox.layer()),
  Layer.provide(NodeHttpClient.layerUndici),
  Layer.provide(CheckPolicy.layerConfig)
)
