/**
 * The shape of every configuration error in the toolkit: the setting at fault (an option or an environment
 * variable), what is wrong with it, and how to fix it. Raised while an app or layer is built, never later.
 * Each package declares its own tagged class with `SettingError.tagged("…")`; they share a type id, so `is`
 * recognises all of them, whichever package declared them. Settings read through `Config` fail with Effect's
 * `ConfigError` instead, whose path names the variable; `refine` puts the same `{ problem, fix }` into one, and
 * `describe` prints either kind as `<setting>: <problem>. <fix>`.
 *
 * @since 0.1.0
 */
import type * as Cause from "effect/Cause"
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Data from "effect/Data"
import * as Either from "effect/Either"
import { hasProperty } from "effect/Predicate"

/** @since 0.3.0 */
export const TypeId: unique symbol = Symbol.for("@liveness/core/SettingError")
/** @since 0.3.0 */
export type TypeId = typeof TypeId

/** What is wrong with a value, and how to fix it: what a validator refuses with. */
export interface Refusal {
  readonly problem: string
  readonly fix: string
}

export interface Fields extends Refusal {
  /** The option or environment variable at fault. */
  readonly setting: string
}

/** An instance: a yieldable, tagged error with the fields above. */
export type SettingError<Tag extends string> =
  & Cause.YieldableError
  & { readonly _tag: Tag; readonly [TypeId]: TypeId }
  & Readonly<Fields>

/** A tagged error class with `setting`, `problem`, `fix`, and the message `<setting>: <problem>. <fix>`. */
export const tagged = <const Tag extends string>(tag: Tag): new(fields: Fields) => SettingError<Tag> =>
  class extends Data.TaggedError(tag)<Fields> {
    readonly [TypeId]: TypeId = TypeId
    override get message() {
      return `${this.setting}: ${this.problem}. ${this.fix}`
    }
  }

/** Any class made by `tagged`, by its type id (not by a list of tags). @since 0.3.0 */
export const is = (u: unknown): u is SettingError<string> => hasProperty(u, TypeId)

/** A validator's answer: the value, or why it is refused. @since 0.3.0 */
export type Validated<A> = Either.Either<A, Refusal>

/**
 * A Config whose values pass `validate`; a refusal is `InvalidData` with the message `<problem>. <fix>`, at the
 * path where this Config is read. @since 0.3.0
 */
export const refine = <A, B>(config: Config.Config<A>, validate: (a: A) => Validated<B>): Config.Config<B> =>
  Config.mapOrFail(config, (a) => Either.mapLeft(validate(a), (refusal) => invalid([], refusal)))

/**
 * The variable `name`, read by an unnamed Config (`Config.string()`, `Config.integer()`, …) and checked by
 * `validate`: a refusal's path is `name`. (Nesting outside the check is what gives the path: ConfigProvider
 * prefixes a failed check with the path it was read at, which for `refine(Config.redacted(name), …)` is not
 * yet `name`.) @since 0.3.0
 */
export const variable = <A, B>(
  name: string,
  config: Config.Config<A>,
  validate: (a: A) => Validated<B>
): Config.Config<B> => Config.nested(refine(config, validate), name)

/** A refusal as `InvalidData` at `path` (for checks over several variables, which name them). @since 0.3.0 */
export const invalid = (path: ReadonlyArray<string>, refusal: Refusal): ConfigError.ConfigError =>
  ConfigError.InvalidData([...path], `${refusal.problem}. ${refusal.fix}`)

/** A missing variable as `MissingData` with the fix (no default fits it). @since 0.3.0 */
export const missing = (path: ReadonlyArray<string>, refusal: Refusal): ConfigError.ConfigError =>
  ConfigError.MissingData([...path], `${refusal.problem}. ${refusal.fix}`)

/** The variable a ConfigError's path names (ConfigProvider.fromEnv joins a path with `_`). */
const setting = (path: ReadonlyArray<string>, message: string) =>
  path.length === 0 ? message : `${path.join("_")}: ${message}`

/**
 * A ConfigError or a SettingError in words: `<setting>: <problem>. <fix>` for each problem (`; ` between problems
 * found together, `, or ` between alternatives). @since 0.3.0
 */
export const describe = (error: ConfigError.ConfigError | SettingError<string>): string =>
  is(error) ? error.message : ConfigError.reduceWithContext(error, undefined, {
    andCase: (_, left, right) => `${left}; ${right}`,
    orCase: (_, left, right) => `${left}, or ${right}`,
    invalidDataCase: (_, path, message) => setting(path, message),
    missingDataCase: (_, path, message) => setting(path, message),
    sourceUnavailableCase: (_, path, message) => setting(path, message),
    unsupportedCase: (_, path, message) => setting(path, message)
  })
