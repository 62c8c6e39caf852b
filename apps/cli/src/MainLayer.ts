/**
 * What the commands run on: the workflow over the provider chosen from configuration (LIVENESS_PROVIDER,
 * UNICO_*; by default the embedded sandbox), the same code the gateway uses.
 */
import { LivenessRuntime } from "@liveness/runtime"

export const layer = LivenessRuntime.layer
