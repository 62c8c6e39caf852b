import { describe, expect, it } from "@effect/vitest"
import { Faults, TenantQuota } from "../src/index.js"

describe("Faults.plan", () => {
  const rates: Faults.FaultRates = { status503: 0.1, rateLimited: 0.05, resetBefore: 0.03, resetAfter: 0.02 }

  it("draws the same faults for the same seed, and different ones for another seed", () => {
    const draw = (seed: number) => {
      const plan = Faults.plan({ rates, seed })
      return Array.from({ length: 500 }, () => plan.next()?._tag ?? "none")
    }
    expect(draw(7)).toEqual(draw(7))
    expect(draw(7)).not.toEqual(draw(8))
  })

  it("draws each fault at about its rate", () => {
    const plan = Faults.plan({ rates, seed: 42 })
    const counts: Record<string, number> = {}
    for (let i = 0; i < 20_000; i++) {
      const tag = plan.next()?._tag ?? "none"
      counts[tag] = (counts[tag] ?? 0) + 1
    }
    expect(counts.status! / 20_000).toBeCloseTo(0.1, 1)
    expect(counts["rate-limited"]! / 20_000).toBeCloseTo(0.05, 1)
    expect(counts["reset-before"]! / 20_000).toBeCloseTo(0.03, 1)
    expect(counts["reset-after"]! / 20_000).toBeCloseTo(0.02, 1)
    expect(counts.none! / 20_000).toBeCloseTo(0.8, 1)
  })

  it("serves scripted faults first, in order, then the rates; clear empties the script", () => {
    const plan = Faults.plan({})
    plan.enqueue({ _tag: "reset-after" }, { _tag: "status", status: 502 })
    expect(plan.next()).toEqual({ _tag: "reset-after" })
    expect(plan.next()).toEqual({ _tag: "status", status: 502 })
    expect(plan.next()).toBeUndefined()
    plan.enqueue({ _tag: "malformed-json" })
    plan.clear()
    expect(plan.next()).toBeUndefined()
  })

  it("configure replaces the rates while running", () => {
    const plan = Faults.plan({})
    expect(plan.next()).toBeUndefined()
    plan.configure({ rates: { malformedJson: 1 } })
    expect(plan.next()).toEqual({ _tag: "malformed-json" })
  })
})

describe("TenantQuota", () => {
  it("allows a burst of `limit`, then one request per interval/limit, and says how long to wait", () => {
    const quota = TenantQuota.make({ limit: 10, intervalMillis: 1000 })
    for (let i = 0; i < 10; i++) expect(quota.take(0)).toBeUndefined()
    expect(quota.take(0)).toBe(100)
    expect(quota.take(50)).toBe(50)
    expect(quota.take(100)).toBeUndefined()
    expect(quota.take(100)).toBe(100)
  })

  it("never holds more than `limit` tokens after a long pause", () => {
    const quota = TenantQuota.make({ limit: 2, intervalMillis: 1000 })
    quota.take(0)
    const allowed = [quota.take(60_000), quota.take(60_000), quota.take(60_000)]
    expect(allowed).toEqual([undefined, undefined, 500])
  })
})
