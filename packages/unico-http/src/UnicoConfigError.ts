/**
 * A configuration problem found while building the adapter: it names the setting (an option, or the
 * environment variable it came from) and says how to fix it. Raised at layer construction, never later.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"

export class UnicoConfigError extends Data.TaggedError("UnicoConfigError")<{
  /** The option or environment variable at fault. */
  readonly setting: string
  readonly problem: string
  readonly fix: string
}> {
  override get message() {
    return `${this.setting}: ${this.problem}. ${this.fix}`
  }
}
