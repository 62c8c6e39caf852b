/**
 * `start({ layer })` with a workflow layer of one's own (as the memory benchmark and apps embedding the gateway do):
 * the layer's configuration is its own. Its capture ledger runs with the layer's `CheckPolicy`, not the defaults of
 * the gateway's fallback ledger: the two were once one instance through layer memoization, and the layer's
 * `LIVENESS_LEDGER_*` settings were silently lost (the ledger kept 15 minutes of outcomes however it was configured).
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { CheckPolicy, Liveness } from "@liveness/core"
import { Fixtures } from "@liveness/fake"
import { LivenessRuntime } from "@liveness/runtime"
import * as Layer from "effect/Layer"
import { postJson, seedBody, startGateway, type TestGateway } from "./support.js"

describe("a gateway on a workflow layer of its own", () => {
  let gw: TestGateway
  beforeAll(async () => {
    const layer = Liveness.layer.pipe(
      Layer.provideMerge(LivenessRuntime.providerLayer("fake")),
      Layer.provide(CheckPolicy.layerConfig)
    )
    // The ledger keeps one outcome: a second capture pushes the first one out.
    gw = await startGateway({ GATEWAY_RATE_LIMIT: "0", LIVENESS_LEDGER_MAX_ENTRIES: "1" }, { layer })
  })
  afterAll(() => gw.close())

  it("its ledger keeps the layer's LIVENESS_LEDGER_MAX_ENTRIES", async () => {
    const first = seedBody({ imageBase64: Fixtures.sdkPayload() })
    const second = seedBody({ imageBase64: Fixtures.sdkPayload() })
    expect((await postJson(gw.url, first)).status).toBe(200)
    // Remembered while it is the only one: given again, marked as a replay.
    const replay = await postJson(gw.url, first)
    expect(replay.status).toBe(200)
    expect(replay.headers.get("idempotent-replayed")).toBe("true")
    expect((await postJson(gw.url, second)).status).toBe(200)
    // Forgotten by a ledger of one entry: sent again, and the fake (like Unico) refuses a reused SDK payload. With the
    // default 100,000 entries this would be a replay again.
    const forgotten = await postJson(gw.url, first)
    expect(forgotten.headers.get("idempotent-replayed")).toBeNull()
    expect(forgotten.status).toBe(422)
    expect(((await forgotten.json()) as { code?: string }).code).toBe("payload_rejected")
  })
})
