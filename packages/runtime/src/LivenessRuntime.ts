/**
 * The layer an app runs on: the core workflow (policy from `LIVENESS_*`) over the provider chosen by
 * ProviderSelection, plus `ProviderInfo` (what is running, whether it is simulated, how to probe it).
 * Apps build it once, at start-up (a ManagedRuntime or `Effect.provide` at the edge).
 *
 * @since 0.1.0
 */
import {
  type CaptureLedger,
  CaptureLedgerMemory,
  CheckPolicy,
  Liveness,
  type LivenessError,
  type LivenessProvider,
  TenantRateLimiter
} from "@liveness/core"
import { FakeProvider } from "@liveness/fake"
import { type RedisConfigError, RedisCoordination } from "@liveness/redis"
import { UndiciHttpClient, type UnicoConfigError, UnicoHttp } from "@liveness/unico-http"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { ProviderConfigError } from "./ProviderConfigError.js"
import * as ProviderSelection from "./ProviderSelection.js"
import * as SandboxAdapter from "./SandboxAdapter.js"

export interface Info {
  readonly kind: ProviderSelection.ProviderKind
  /** For people: shown by the CLI, logged by the gateway at start-up. */
  readonly description: string
  /** True for the sandbox and the fake: every answer they produce must say so. */
  readonly simulated: boolean
  /** Readiness: the provider can answer (a token can be minted; the fake is always ready). */
  readonly ready: Effect.Effect<void, LivenessError>
  /** Access tokens minted so far by this process (0 for the fake). */
  readonly tokenMints: Effect.Effect<number>
  /** The Redis the replicas coordinate through, when `LIVENESS_REDIS_URL` is set. */
  readonly redis?: RedisCoordination.Service | undefined
}

export class ProviderInfo extends Context.Tag("@liveness/runtime/ProviderInfo")<ProviderInfo, Info>() {}

const redisInfo = Effect.map(Effect.serviceOption(RedisCoordination.RedisCoordination), Option.getOrUndefined)

const tokenInfo = (kind: "unico" | "sandbox", description: string) =>
  Layer.effect(
    ProviderInfo,
    Effect.map(Effect.all([UnicoHttp.UnicoHttp, redisInfo]), ([unico, redis]): Info => ({
      kind,
      description,
      simulated: kind === "sandbox",
      ready: Effect.asVoid(unico.token),
      tokenMints: unico.tokenMints,
      redis
    }))
  )

/** The provider layer for a kind, with its ProviderInfo. */
export const providerLayer = (
  kind: ProviderSelection.ProviderKind
): Layer.Layer<LivenessProvider.LivenessProvider | ProviderInfo, ConfigError.ConfigError | UnicoConfigError> => {
  switch (kind) {
    case "unico":
      return tokenInfo("unico", "unico (the real Unico IDCloud API)").pipe(
        Layer.provideMerge(UnicoHttp.layerConfig()),
        Layer.provide(UndiciHttpClient.layer())
      )
    case "sandbox":
      return tokenInfo(
        "sandbox",
        "sandbox (embedded default: the real HTTP adapter against a local Unico-compatible server)"
      ).pipe(
        Layer.provideMerge(SandboxAdapter.layer()),
        Layer.provide(UndiciHttpClient.layer())
      )
    case "fake":
      return Layer.effect(
        ProviderInfo,
        Effect.map(redisInfo, (redis): Info => ({
          kind: "fake",
          description: "fake (in memory, no HTTP)",
          simulated: true,
          ready: Effect.void,
          tokenMints: Effect.succeed(0),
          redis
        }))
      ).pipe(Layer.provideMerge(FakeProvider.layer()))
  }
}

export type Error = ConfigError.ConfigError | ProviderConfigError | UnicoConfigError | RedisConfigError

/**
 * The workflow over the configured provider, and its capture ledger (the gateway binds idempotency keys in it). With
 * `LIVENESS_REDIS_URL`, the tenant's quota, the access token and the capture ledger are shared with the other replicas
 * through Redis (see @liveness/redis); without it, all three are local.
 */
export const layer: Layer.Layer<
  Liveness.Liveness | ProviderInfo | CaptureLedger.CaptureLedger,
  Error
> = Layer.unwrapEffect(
  Effect.gen(function*() {
    const selection = yield* ProviderSelection.select
    const redis = yield* RedisCoordination.fromConfig
    if (Option.isNone(redis)) {
      return Liveness.layerWith.pipe(
        Layer.provideMerge(providerLayer(selection.kind)),
        Layer.provideMerge(CaptureLedgerMemory.layer),
        Layer.provide(TenantRateLimiter.layer),
        Layer.provide(CheckPolicy.layerConfig)
      )
    }
    // Redis provides the quota and the capture ledger, shared by the replicas (local while Redis is down).
    return Liveness.layerWith.pipe(
      Layer.provideMerge(providerLayer(selection.kind)),
      Layer.provideMerge(redis.value),
      Layer.provide(CheckPolicy.layerConfig)
    )
  })
)
