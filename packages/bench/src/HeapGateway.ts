/**
 * Child process of `bench:memory` (forked with `--expose-gc`): the gateway in this process over the in-memory
 * fake, with the fake's control at hand. On the IPC message "heap" it answers the heap after a full GC, first as
 * is, then after the fake forgets what it records by design (every call, process and used payload), so the
 * gateway's and the workflow's own retention can be told from the test double's.
 */
import { CheckPolicy, Liveness, LivenessProvider } from "@liveness/core"
import { FakeProvider } from "@liveness/fake"
import { LivenessRuntime } from "@liveness/runtime"
import { start } from "@liveness/server"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) throw new Error("run with --expose-gc")

const heapAfterGc = () => {
  for (let i = 0; i < 3; i++) gc()
  return process.memoryUsage().heapUsed
}

const fake = await Effect.runPromise(FakeProvider.make())
const layer = Liveness.layer.pipe(
  Layer.provideMerge(
    Layer.succeed(LivenessRuntime.ProviderInfo, {
      kind: "fake",
      description: "fake (in memory, no HTTP)",
      simulated: true,
      ready: Effect.void,
      tokenMints: Effect.succeed(0)
    })
  ),
  Layer.provide(Layer.succeed(LivenessProvider.LivenessProvider, fake.provider)),
  Layer.provide(CheckPolicy.layerConfig)
)
const gateway = await start({ env: process.env, layer })

process.on("message", (message) => {
  if (message === "heap") {
    const asIs = heapAfterGc()
    Effect.runSync(fake.control.reset)
    const withoutFakeRecords = heapAfterGc()
    process.send?.({ asIs, withoutFakeRecords })
  } else if (message === "stop") {
    void gateway.close().then(() => process.exit(0))
  }
})
process.send?.({ url: gateway.url })
