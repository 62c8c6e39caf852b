import { describe, expect, it } from "@effect/vitest"
import { CheckInput, Liveness, LivenessProvider, SelfiePayload } from "@liveness/core"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as TestClock from "effect/TestClock"
import type { Scenario } from "../src/index.js"
import { FakeProvider, Fixtures, ImageInfo } from "../src/index.js"
import { fakeLayer, seedSubject, withTime } from "./support.js"

describe("Fixtures", () => {
  it("sdkPayload is a compact JWT the core recognises as an SDK payload, unique each time", () => {
    const a = Fixtures.sdkPayload()
    const b = Fixtures.sdkPayload()
    expect(a.split(".")).toHaveLength(3)
    expect(a).not.toBe(b)
    expect(SelfiePayload.classify(a)).toEqual(Either.right({ _tag: "SdkPayload" }))
  })

  it("sdkPayload carries its capture time and scenario as claims", () => {
    const payload = Fixtures.sdkPayload({ scenario: "not-live", issuedAt: new Date(1_700_000_000_000) })
    expect(Fixtures.readSdkClaims(payload)).toMatchObject({ iat: 1_700_000_000, scenario: "not-live" })
    expect(Fixtures.readSdkClaims(Fixtures.image())).toBeUndefined()
  })

  it("sdkPayload can be grown to a realistic size", () => {
    const payload = Fixtures.sdkPayload({ size: 300_000 })
    expect(payload.length).toBeGreaterThan(290_000)
    expect(payload.length).toBeLessThan(310_000)
    expect(Fixtures.readSdkClaims(payload)).toBeDefined()
  })

  it("image is a JPEG of 800x600 that passes the core's checks", () => {
    const image = Fixtures.image()
    const kind = SelfiePayload.classify(image)
    expect(Either.isRight(kind) && kind.right._tag === "Image" && kind.right.format).toBe("jpeg")
    expect(ImageInfo.dimensions("jpeg", Buffer.from(image, "base64"))).toEqual({ width: 800, height: 600 })
  })

  it("image can be padded past the 800 KB limit", () => {
    const image = Fixtures.image({ minBytes: 900_000 })
    expect(Buffer.from(image, "base64").length).toBeGreaterThanOrEqual(900_000)
    expect(ImageInfo.dimensions("jpeg", Buffer.from(image, "base64"))).toEqual({ width: 800, height: 600 })
  })

  it("fingerprint is stable and does not contain the payload", () => {
    const payload = Fixtures.sdkPayload()
    expect(Fixtures.fingerprint(payload)).toBe(Fixtures.fingerprint(payload))
    expect(Fixtures.fingerprint(payload)).toMatch(/^[0-9a-f]{16}$/)
    expect(Fixtures.fingerprint(payload)).not.toBe(Fixtures.fingerprint(Fixtures.sdkPayload()))
  })
})

describe("fake SDK payload rules, through Liveness.check", () => {
  it.effect("each scenario claim picks its outcome when there is no subject", () =>
    Effect.gen(function*() {
      const verdicts = {
        live: "live",
        "not-live": "not-live",
        "processing-error": "retry-capture"
      } as const
      for (const [scenario, verdict] of Object.entries(verdicts)) {
        const result = yield* Liveness.check({
          imageBase64: Fixtures.sdkPayload({ scenario: scenario as Scenario.Name })
        })
        expect(result.verdict).toBe(verdict)
      }
      const denied = yield* Liveness.check({ imageBase64: Fixtures.sdkPayload({ scenario: "access-denied" }) }).pipe(
        Effect.flip
      )
      expect(denied._tag).toBe("AccessDenied")
    }).pipe(Effect.provide(fakeLayer())))

  it.effect("a magic subject code wins over the payload's scenario", () =>
    Effect.gen(function*() {
      const result = yield* Liveness.check({
        subject: { code: "00000000191", name: "Test Subject" },
        imageBase64: Fixtures.sdkPayload({ scenario: "live" })
      })
      expect(result.verdict).toBe("not-live")
    }).pipe(Effect.provide(fakeLayer())))

  it.effect("a payload older than 10 minutes is rejected as expired (10507)", () =>
    Effect.gen(function*() {
      const payload = Fixtures.sdkPayload({ issuedAt: new Date(0) })
      yield* TestClock.adjust("10 minutes")
      const fresh = yield* Liveness.check({ subject: seedSubject, imageBase64: payload })
      expect(fresh.verdict).toBe("live")

      const late = Fixtures.sdkPayload({ issuedAt: new Date(0) })
      yield* TestClock.adjust("1 seconds")
      const error = yield* Liveness.check({ subject: seedSubject, imageBase64: late }).pipe(Effect.flip)
      expect(error).toMatchObject({ _tag: "PayloadRejected", reason: "expired", providerCode: "10507" })
    }).pipe(Effect.provide(fakeLayer())))

  it.effect("a payload submitted twice to the fake is rejected as reused (10508) and billed once", () =>
    Effect.gen(function*() {
      const fake = yield* FakeProvider.FakeProvider
      const provider = yield* LivenessProvider.LivenessProvider
      const payload = Fixtures.sdkPayload()
      const input = yield* CheckInput.validate({ subject: seedSubject, imageBase64: payload })
      // Straight to the provider: the workflow's capture ledger would answer the second check itself.
      yield* provider.createProcess(input)
      const error = yield* provider.createProcess(input).pipe(Effect.flip)
      expect(error).toMatchObject({ _tag: "PayloadRejected", reason: "reused", providerCode: "10508" })
      expect((yield* fake.processesByPayload).get(Fixtures.fingerprint(payload))).toBe(1)
    }).pipe(Effect.provide(fakeLayer())))

  it.effect("the same payload checked twice through the workflow: one submission, the answer replayed", () =>
    Effect.gen(function*() {
      const fake = yield* FakeProvider.FakeProvider
      const payload = Fixtures.sdkPayload()
      const first = yield* Liveness.check({ subject: seedSubject, imageBase64: payload })
      const again = yield* Liveness.check({ subject: seedSubject, imageBase64: payload })
      expect(again).toMatchObject({ replayed: true, verdict: first.verdict })
      expect((yield* fake.submissionsByPayload).get(Fixtures.fingerprint(payload))).toEqual(["200"])
    }).pipe(Effect.provide(fakeLayer())))

  it.effect("each Fixtures.image() is a new capture: two of them are two submissions", () =>
    Effect.gen(function*() {
      const fake = yield* FakeProvider.FakeProvider
      const [one, two] = [Fixtures.image(), Fixtures.image()]
      expect(one).not.toBe(two)
      yield* Liveness.check({ subject: seedSubject, imageBase64: one })
      expect((yield* Liveness.check({ subject: seedSubject, imageBase64: two })).replayed).toBe(false)
      expect([...(yield* fake.submissionsByPayload).values()]).toEqual([["200"], ["200"]])
    }).pipe(Effect.provide(fakeLayer())))

  it.effect("a plain image below 640x480 is rejected for resolution (20807)", () =>
    Effect.gen(function*() {
      const error = yield* Liveness.check({
        subject: seedSubject,
        imageBase64: Fixtures.image({ width: 320, height: 240 })
      })
        .pipe(Effect.flip)
      expect(error).toMatchObject({ _tag: "PayloadRejected", reason: "resolution", providerCode: "20807" })
      const portrait = yield* Liveness.check({
        subject: seedSubject,
        imageBase64: Fixtures.image({ width: 480, height: 640 })
      })
      expect(portrait.verdict).toBe("live")
    }).pipe(Effect.provide(fakeLayer())))

  it.effect("a plain image may be sent again (only SDK payloads are single use)", () =>
    Effect.gen(function*() {
      const image = Fixtures.image()
      yield* Liveness.check({ subject: seedSubject, imageBase64: image })
      const again = yield* withTime(Liveness.check({ subject: seedSubject, imageBase64: image }))
      expect(again.verdict).toBe("live")
    }).pipe(Effect.provide(fakeLayer())))
})
