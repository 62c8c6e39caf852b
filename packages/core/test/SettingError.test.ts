/**
 * The family of configuration errors: classes made by `SettingError.tagged` share a type id (so `is` knows them
 * whatever their tag), and `describe` prints them and Effect's ConfigError alike, `<setting>: <problem>. <fix>`.
 * `variable` puts a validator's refusal into a ConfigError at the variable's path.
 */
import { describe, expect, it } from "@effect/vitest"
import { SettingError } from "@liveness/core"
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"

class OneError extends SettingError.tagged("OneError") {}
class OtherError extends SettingError.tagged("OtherError") {}

const fields = { setting: "SOME_VAR", problem: "is wrong", fix: "Set it right" }

const even = (n: number): SettingError.Validated<number> =>
  n % 2 === 0 ? Either.right(n) : Either.left({ problem: `is ${n}, odd`, fix: "Give an even number" })

const read = <A>(config: Config.Config<A>, env: Record<string, string>) =>
  Effect.withConfigProvider(config, ConfigProvider.fromMap(new Map(Object.entries(env))))

describe("SettingError", () => {
  it("classes of any tag are recognised by their type id; look-alikes are not", () => {
    for (const error of [new OneError(fields), new OtherError(fields)]) {
      expect(SettingError.is(error)).toBe(true)
      expect(error.message).toBe("SOME_VAR: is wrong. Set it right")
      expect(SettingError.describe(error)).toBe(error.message)
    }
    expect(new OneError(fields)._tag).toBe("OneError")
    expect(SettingError.is({ _tag: "OneError", ...fields })).toBe(false)
    expect(SettingError.is(new Error("SOME_VAR: is wrong"))).toBe(false)
    expect(SettingError.is(ConfigError.InvalidData(["SOME_VAR"], "x"))).toBe(false)
    expect(SettingError.is(null)).toBe(false)
  })

  it.effect("variable: a refusal is InvalidData at the variable, in the same words", () =>
    Effect.gen(function*() {
      const config = SettingError.variable("SOME_NUMBER", Config.integer(), even)
      expect(yield* read(config, { SOME_NUMBER: "4" })).toBe(4)
      const error = yield* Effect.flip(read(config, { SOME_NUMBER: "3" }))
      expect(ConfigError.isInvalidData(error)).toBe(true)
      expect((error as ConfigError.InvalidData).path).toEqual(["SOME_NUMBER"])
      expect(SettingError.describe(error)).toBe("SOME_NUMBER: is 3, odd. Give an even number")
      // A value that is not even a number is Config.integer's refusal, at the same path.
      const text = yield* Effect.flip(read(config, { SOME_NUMBER: "four" }))
      expect(SettingError.describe(text)).toMatch(/^SOME_NUMBER: /)
    }))

  it.effect("describe prints each problem found together, and alternatives", () =>
    Effect.gen(function*() {
      const both = Config.all([
        SettingError.variable("A_NUMBER", Config.integer(), even),
        SettingError.variable("B_NUMBER", Config.integer(), even)
      ])
      const error = yield* Effect.flip(read(both, { A_NUMBER: "1", B_NUMBER: "5" }))
      expect(SettingError.describe(error)).toBe(
        "A_NUMBER: is 1, odd. Give an even number; B_NUMBER: is 5, odd. Give an even number"
      )
      const either = ConfigError.Or(
        SettingError.missing(["A"], { problem: "is missing", fix: "Set A" }),
        SettingError.invalid(["B"], { problem: "is bad", fix: "Fix B" })
      )
      expect(SettingError.describe(either)).toBe("A: is missing. Set A, or B: is bad. Fix B")
    }))
})
