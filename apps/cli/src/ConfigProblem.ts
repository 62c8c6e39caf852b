/**
 * Configuration errors (of the environment, of the provider selection, of the Unico or Redis settings) as one
 * message, whichever layer found them: Effect's `ConfigError` (a Config refused a variable; its path names it) or
 * one of the toolkit's `SettingError` classes, each recognised by its type.
 */
import { SettingError } from "@liveness/core"
import * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as ExitCode from "./ExitCode.js"

export type Any = ConfigError.ConfigError | SettingError.SettingError<string>

/** Generic so that it narrows a command's own error union (and serves as `Effect.catchIf`'s refinement). */
export const is = <E>(error: E): error is E & Any => ConfigError.isConfigError(error) || SettingError.is(error)

export const message = (error: Any): string => `Configuration error: ${SettingError.describe(error)}`

/** What every command does with one: `print` its message (as the command prints problems), exit code 4. */
export const report = <E, R>(
  error: Any,
  print: (message: string) => Effect.Effect<void, E, R>
): Effect.Effect<void, E, R | ExitCode.ExitCode> =>
  Effect.zipRight(print(message(error)), ExitCode.set(ExitCode.PROVIDER_ERROR))
