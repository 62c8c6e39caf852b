/**
 * The workflow over the real HTTP adapter pointed at a sandbox, as the benchmarks run it: undici keep-alive
 * client, logs off, the policy given.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { CheckPolicy, Liveness } from "@liveness/core"
import { SandboxAdapter } from "@liveness/runtime"
import type { Sandbox } from "@liveness/sandbox"
import { UnicoHttp } from "@liveness/unico-http"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"

export const overSandbox = (sandbox: Sandbox.Sandbox, policy: Partial<CheckPolicy.Policy>) =>
  Liveness.layer.pipe(
    Layer.provide(UnicoHttp.layer(SandboxAdapter.adapterOptions(sandbox)).pipe(Layer.orDie)),
    Layer.provide(NodeHttpClient.layerUndici),
    Layer.provide(CheckPolicy.layer(policy)),
    Layer.provide(Logger.remove(Logger.defaultLogger))
  )
