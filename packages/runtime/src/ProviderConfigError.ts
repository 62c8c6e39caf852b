/**
 * A provider choice that must not start: it names the setting and the fix, and it is raised while the
 * app builds its runtime, before it serves anything.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"

export class ProviderConfigError extends Data.TaggedError("ProviderConfigError")<{
  readonly setting: string
  readonly problem: string
  readonly fix: string
}> {
  override get message() {
    return `${this.setting}: ${this.problem}. ${this.fix}`
  }
}
