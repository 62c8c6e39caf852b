/**
 * What the commands run on: the core workflow over the embedded default provider (for now the in-memory
 * fake; the policy from LIVENESS_* variables).
 */
import { CheckPolicy, Liveness } from "@liveness/core"
import { FakeProvider } from "@liveness/fake"
import * as Layer from "effect/Layer"

/** A human-readable name of the provider in use, shown with every answer so nobody mistakes a fake. */
export const providerName = "fake (embedded default, in memory)"

export const layer = Liveness.layer.pipe(
  Layer.provide(FakeProvider.layer()),
  Layer.provide(CheckPolicy.layerConfig)
)
