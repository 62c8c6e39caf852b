/**
 * `liveness batch`'s progress: what it counts and when, with time driven by the TestClock.
 */
import { describe, expect, it } from "@effect/vitest"
import { LivenessProcess } from "@liveness/core"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import * as Batch from "../src/Batch.js"

const tally = (total: number, skipped = 0): Batch.Tally => ({
  total,
  skipped,
  done: 0,
  replayed: 0,
  verdicts: new Map(),
  errors: new Map()
})

const PROCESS_ID = LivenessProcess.ProcessId.make("3fa85f64-5717-4562-b3fc-2c963f66afa6")
const ESC = "\x1b"

const finish = (t: Batch.Tally, count: number) => {
  for (let i = 0; i < count; i++) {
    Batch.record(t, {
      _tag: "Verdict",
      file: `/captures/${t.done}.jwt`,
      result: { process: { id: PROCESS_ID, status: 3, liveness: 1 }, verdict: "live", attempts: 1, replayed: false }
    })
  }
}

/** A reporter writing into an array, and the fiber of its ticker. */
const start = (t: Batch.Tally, tty: boolean) =>
  Effect.gen(function*() {
    const written: Array<string> = []
    const reporter = yield* Batch.reporter(t, {
      tty,
      columns: () => 80,
      write: (text) => Effect.sync(() => void written.push(text))
    })
    const fiber = yield* Effect.fork(reporter.ticker)
    return { written, reporter, fiber }
  })

describe("batch progress", () => {
  it.effect("off a terminal, each 5-second line counts the captures finished by then", () =>
    Effect.gen(function*() {
      const t = tally(50)
      const { fiber, written } = yield* start(t, false)
      yield* TestClock.adjust("5 seconds")
      expect(written).toEqual(["progress: 0/50 (0%) 0.0/s ETA --:--"])
      finish(t, 20)
      yield* TestClock.adjust("5 seconds")
      // 20 in 10 s: 2.0/s, 30 left: 15 s.
      expect(written[1]).toBe("progress: 20/50 (40%) 2.0/s ETA 0:15")
      finish(t, 27)
      yield* TestClock.adjust("5 seconds")
      expect(written[2]).toBe("progress: 47/50 (94%) 3.1/s ETA 0:01")
      expect(written).toHaveLength(3)
      yield* Fiber.interrupt(fiber)
    }))

  it.effect("on a terminal, the bar is redrawn in place from the tally of the moment", () =>
    Effect.gen(function*() {
      const t = tally(4, 1)
      const { fiber, reporter, written } = yield* start(t, true)
      finish(t, 1)
      yield* TestClock.adjust("200 millis")
      expect(written).toHaveLength(1)
      expect(written[0]).toBe(`\r${ESC}[K[${"#".repeat(15)}${"-".repeat(15)}] 2/4 (50%) 5.0/s ETA 0:01`)
      yield* Fiber.interrupt(fiber)
      finish(t, 2)
      yield* reporter.draw(true)
      expect(written[1]).toBe(`\r${ESC}[K[${"#".repeat(30)}] 4/4 (100%) 15.0/s ETA 0:00\n`)
    }))

  it.effect("elapsed is the Clock's time since the reporter was made", () =>
    Effect.gen(function*() {
      const { fiber, reporter } = yield* start(tally(1), false)
      yield* TestClock.adjust("12 seconds")
      expect(yield* reporter.elapsed).toBe(12_000)
      yield* Fiber.interrupt(fiber)
    }))
})

describe("batch ETA", () => {
  it("never reads 0:00 while captures are left, however slow the last checks are", () => {
    const t = tally(50)
    finish(t, 48)
    // 48 finished in the first second, the last two still running 12 s and 60 s later.
    for (const elapsed of [1_000, 12_000, 60_000]) {
      expect(Batch.progress(t, elapsed)).toMatch(/^48\/50 \(96%\) [\d.]+\/s ETA (\d+):(\d\d)$/)
      expect(Batch.progress(t, elapsed)).not.toContain("ETA 0:00")
    }
    // The estimate grows while nothing finishes.
    expect(Batch.progress(t, 60_000)).toContain("ETA 0:03")
  })

  it("reads 0:00 once every capture is finished, and --:-- before any rate is known", () => {
    const t = tally(3, 1)
    expect(Batch.progress(t, 5_000)).toBe("1/3 (33%) 0.0/s ETA --:--")
    finish(t, 2)
    expect(Batch.progress(t, 5_000)).toBe("3/3 (100%) 0.4/s ETA 0:00")
  })
})
