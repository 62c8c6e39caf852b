/**
 * What a command ran on, as the CLI names it: `id` for scripts (the `provider` field of `--json`: `unico`,
 * `sandbox` or `fake`), `description` for people. The real adapter pointed by UNICO_* at this machine talks to a
 * sandbox (what `liveness sandbox` prints), not to Unico, and is named so.
 */
import { LivenessRuntime, ProviderSelection } from "@liveness/runtime"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"

export interface Provider {
  readonly id: ProviderSelection.ProviderKind
  readonly description: string
  /** Started by this command (the embedded sandbox, the fake): what it holds ends with the command. */
  readonly ephemeral: boolean
}

export const current = Effect.gen(function*() {
  const info = yield* LivenessRuntime.ProviderInfo
  if (info.kind === "unico") {
    const local = yield* ProviderSelection.localUnicoHosts
    if (Option.isSome(local)) {
      return {
        id: "sandbox",
        description: `sandbox at ${local.value.apiUrl} (a local Unico-compatible server, such as liveness ` +
          "sandbox; not Unico's API)",
        ephemeral: false
      } satisfies Provider
    }
  }
  return { id: info.kind, description: info.description, ephemeral: info.kind !== "unico" } satisfies Provider
})
