/**
 * The shape of every configuration error in the toolkit: the setting at fault (an option or an environment
 * variable), what is wrong with it, and how to fix it. Raised while an app or layer is built, never later.
 * Each package declares its own tagged class with `SettingError.tagged("…")`, so callers can catch by tag.
 *
 * @since 0.1.0
 */
import type * as Cause from "effect/Cause"
import * as Data from "effect/Data"

export interface Fields {
  /** The option or environment variable at fault. */
  readonly setting: string
  readonly problem: string
  readonly fix: string
}

/** An instance: a yieldable, tagged error with the fields above. */
export type SettingError<Tag extends string> = Cause.YieldableError & { readonly _tag: Tag } & Readonly<Fields>

/** A tagged error class with `setting`, `problem`, `fix`, and the message `<setting>: <problem>. <fix>`. */
export const tagged = <const Tag extends string>(tag: Tag): new(fields: Fields) => SettingError<Tag> =>
  class extends Data.TaggedError(tag)<Fields> {
    override get message() {
      return `${this.setting}: ${this.problem}. ${this.fix}`
    }
  }
