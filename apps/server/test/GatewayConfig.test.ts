/**
 * The gateway's settings as a Config: each value is checked as it is read and a refusal is a ConfigError at its
 * variable, in the words the start-up line prints; production without caller keys is a GatewayConfigError, one of
 * the SettingError family.
 */
import { describe, expect, it } from "@effect/vitest"
import { SettingError } from "@liveness/core"
import * as ConfigError from "effect/ConfigError"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as GatewayConfig from "../src/GatewayConfig.js"

const { GatewayConfigError } = GatewayConfig

const load = (env: Record<string, string>) =>
  GatewayConfig.load.pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))))

describe("GatewayConfig", () => {
  it.effect("the defaults", () =>
    Effect.gen(function*() {
      const config = yield* load({})
      expect(config).toMatchObject({
        port: 3000,
        host: "127.0.0.1",
        production: false,
        apiKeys: [],
        rateLimitPerMinute: 600,
        bodyLimitBytes: 4 * 1024 ** 2,
        corsOrigins: [],
        logLevel: "info",
        tryPage: true
      })
      const set = yield* load({ BODY_LIMIT: "512kb", CORS_ORIGINS: "https://a.example/, http://b.example:8080" })
      expect(set.bodyLimitBytes).toBe(512 * 1024)
      expect(set.corsOrigins).toEqual(["https://a.example", "http://b.example:8080"])
    }))

  it.effect.each([
    ["BODY_LIMIT", "lots", "BODY_LIMIT: is \"lots\". Give a size such as 4mb, 512kb or a number of bytes"],
    ["CORS_ORIGINS", "*", "CORS_ORIGINS: holds \"*\", which is not an origin. List origins such as"],
    ["LOG_LEVEL", "loud", "LOG_LEVEL: is \"loud\". Use one of trace, debug, info, warn, error, fatal, silent"],
    ["PORT", "70000", "PORT: must be a whole number from 0 to 65535"]
  ])("%s=%s is a ConfigError at that variable", ([name, value, words]) =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(load({ [name]: value }))
      expect(ConfigError.isConfigError(error)).toBe(true)
      expect((error as ConfigError.InvalidData).path).toEqual([name])
      expect(SettingError.describe(error as ConfigError.ConfigError)).toContain(words)
    }))

  it.effect("production without GATEWAY_API_KEYS is a GatewayConfigError, a SettingError", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(load({ NODE_ENV: "production", GATEWAY_API_KEYS: " , " }))
      expect(error).toBeInstanceOf(GatewayConfigError)
      expect(SettingError.is(error)).toBe(true)
      expect(SettingError.describe(error)).toMatch(/^GATEWAY_API_KEYS: is not set, with NODE_ENV=production\. /)
    }))
})
