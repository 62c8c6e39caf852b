/**
 * Configuration errors (of the environment, of the provider selection, of the Unico settings) as one message,
 * whichever layer found them.
 */
import * as ConfigError from "effect/ConfigError"

export type Any = ConfigError.ConfigError | { readonly _tag: "ProviderConfigError" | "UnicoConfigError" }

export const is = (error: unknown): error is Any =>
  ConfigError.isConfigError(error) ||
  (typeof error === "object" && error !== null && "_tag" in error &&
    (error._tag === "ProviderConfigError" || error._tag === "UnicoConfigError"))

export const message = (error: Any): string =>
  `Configuration error: ${ConfigError.isConfigError(error) ? String(error) : (error as unknown as Error).message}`
