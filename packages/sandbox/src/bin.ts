#!/usr/bin/env node
/**
 * The sandbox on its own: `pnpm --filter @liveness/sandbox start` (or `liveness-sandbox`). Listens on
 * 127.0.0.1 and PORT (default 8080), writes the service account's private key to a temporary file and prints
 * the UNICO_* lines that point the gateway, the CLI or any process at it. Stops on Ctrl-C / SIGTERM.
 *
 * Environment: PORT, SANDBOX_HOST (default 127.0.0.1), SANDBOX_RATE_LIMIT (per second, 0 for none),
 * SANDBOX_TOKEN_LIFETIME_SECONDS, SANDBOX_LATENCY_MS.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Config from "effect/Config"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Sandbox from "./Sandbox.js"

const program = Effect.gen(function*() {
  const port = yield* Config.integer("PORT").pipe(Config.withDefault(8080))
  const host = yield* Config.string("SANDBOX_HOST").pipe(Config.withDefault("127.0.0.1"))
  const rate = yield* Config.integer("SANDBOX_RATE_LIMIT").pipe(Config.withDefault(10))
  const lifetime = yield* Config.integer("SANDBOX_TOKEN_LIFETIME_SECONDS").pipe(Config.withDefault(3600))
  const latency = yield* Config.integer("SANDBOX_LATENCY_MS").pipe(Config.withDefault(0))
  const rateLimit = rate === 0 ? false as const : { limit: rate, intervalMillis: 1000 }
  const sandbox = yield* Sandbox.start({
    port,
    host,
    rateLimit,
    tokenLifetimeSeconds: lifetime,
    latency: `${latency} millis`
  })
  yield* Console.log(yield* Sandbox.environmentText(sandbox, rateLimit))
  return yield* Effect.never
})

const USAGE = `Usage: liveness-sandbox

A Unico-compatible server on 127.0.0.1 for local trials and tests. It prints the UNICO_* lines that point the
gateway, the CLI or any process at it; Ctrl-C stops it. It takes no arguments; set these instead:

  PORT                            port to listen on (default 8080)
  SANDBOX_HOST                    address to bind (default 127.0.0.1)
  SANDBOX_RATE_LIMIT              tenant quota per second, 0 for none (default 10)
  SANDBOX_TOKEN_LIFETIME_SECONDS  lifetime of access tokens (default 3600)
  SANDBOX_LATENCY_MS              added to every answer (default 0)`

const args = process.argv.slice(2)
if (args.length > 0) {
  // Nothing to parse: --help gets the usage, anything else the usage and a failure, never a running server.
  const help = args.every((arg) => arg === "--help" || arg === "-h")
  ;(help ? console.log : console.error)(help ? USAGE : `liveness-sandbox: unexpected ${args.join(" ")}\n\n${USAGE}`)
  process.exit(help ? 0 : 2)
}

NodeRuntime.runMain(Effect.scoped(program))
