/**
 * Configuration errors (of the environment, of the provider selection, of the Unico or Redis settings) as one
 * message, whichever layer found them.
 */
import * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as ExitCode from "./ExitCode.js"

const TAGS = ["ProviderConfigError", "UnicoConfigError", "RedisConfigError"] as const

export type Any = ConfigError.ConfigError | { readonly _tag: typeof TAGS[number] }

export const is = (error: unknown): error is Any =>
  ConfigError.isConfigError(error) ||
  (typeof error === "object" && error !== null && "_tag" in error &&
    (TAGS as ReadonlyArray<unknown>).includes(error._tag))

export const message = (error: Any): string =>
  `Configuration error: ${ConfigError.isConfigError(error) ? String(error) : (error as unknown as Error).message}`

/** What every command does with one: `print` its message (as the command prints problems), exit code 4. */
export const report = <E, R>(
  error: Any,
  print: (message: string) => Effect.Effect<void, E, R>
): Effect.Effect<void, E, R | ExitCode.ExitCode> =>
  Effect.zipRight(print(message(error)), ExitCode.set(ExitCode.PROVIDER_ERROR))
