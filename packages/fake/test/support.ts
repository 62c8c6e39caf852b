import { CheckPolicy, Liveness } from "@liveness/core"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as TestClock from "effect/TestClock"
import { FakeProvider } from "../src/index.js"

/** The real workflow over the fake, with the default policy unless overridden. */
export const fakeLayer = (options: FakeProvider.Options = {}, policy: Partial<CheckPolicy.Policy> = {}) =>
  Liveness.layer.pipe(
    Layer.provideMerge(FakeProvider.layer(options)),
    Layer.provide(CheckPolicy.layer(policy))
  )

/** Runs an effect in a fiber while TestClock moves forward in steps, then joins it. */
export const withTime = <A, E, R>(effect: Effect.Effect<A, E, R>, total: Duration.DurationInput = "60 seconds") =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(effect)
    yield* TestClock.adjust(total)
    return yield* Fiber.join(fiber)
  })

export const seedSubject = { code: "12345678909", name: "Luke Skywalker" }
