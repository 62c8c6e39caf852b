import { describe, expect, it } from "@effect/vitest"
import { Verdict } from "@liveness/core"
import * as Schema from "effect/Schema"

type Row = readonly [status: number, liveness: number | undefined, verdict: Verdict.Verdict]

const process = (status: number, liveness: number | undefined) =>
  liveness === undefined ? { status } : { status, liveness }

describe("Verdict.fromProcess", () => {
  it.each<Row>([
    [3, 1, "live"],
    [3, 2, "not-live"],
    [4, undefined, "retry-capture"],
    [4, 2, "retry-capture"],
    [5, undefined, "retry-capture"],
    [5, 1, "retry-capture"],
    [1, undefined, "pending"],
    [2, undefined, "pending"],
    [9, undefined, "unexpected"],
    [9, 1, "unexpected"],
    [0, undefined, "unexpected"],
    [-1, undefined, "unexpected"],
    [3, 7, "unexpected"],
    [3, 0, "unexpected"],
    [3, undefined, "unexpected"]
  ])("status %s, liveness %s -> %s", (status, liveness, verdict) => {
    expect(Verdict.fromProcess(process(status, liveness))).toBe(verdict)
  })

  it("every verdict is a member of the Verdict schema", () => {
    for (const status of [0, 1, 2, 3, 4, 5, 9]) {
      for (const liveness of [undefined, 1, 2, 7]) {
        expect(Schema.is(Verdict.Verdict)(Verdict.fromProcess(process(status, liveness)))).toBe(true)
      }
    }
  })
})

describe("Verdict.unknownValues", () => {
  it.each([
    [3, 1],
    [3, 2],
    [1, undefined],
    [2, undefined],
    [4, undefined],
    [5, undefined],
    [5, 2]
  ])("status %s, liveness %s is fully documented", (status, liveness) => {
    expect(Verdict.unknownValues(process(status, liveness))).toBeUndefined()
  })

  it("names an unknown status", () => {
    expect(Verdict.unknownValues(process(9, undefined))).toBe("unknown status 9")
    expect(Verdict.unknownValues(process(9, 1))).toBe("unknown status 9")
  })

  it("names an unknown liveness", () => {
    expect(Verdict.unknownValues(process(3, 7))).toBe("unknown liveness 7")
  })

  it("names a finished process without a liveness", () => {
    expect(Verdict.unknownValues(process(3, undefined))).toBe("status 3 without liveness")
  })

  it("explains every unexpected verdict", () => {
    for (const status of [-1, 0, 1, 2, 3, 4, 5, 6, 9]) {
      for (const liveness of [undefined, 0, 1, 2, 7]) {
        const p = process(status, liveness)
        if (Verdict.fromProcess(p) === "unexpected") expect(Verdict.unknownValues(p)).toBeDefined()
      }
    }
  })
})
