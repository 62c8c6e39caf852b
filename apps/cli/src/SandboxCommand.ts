/**
 * `liveness sandbox`: the Unico-compatible sandbox in the foreground on 127.0.0.1, printing the UNICO_* lines
 * that point the gateway or another `liveness` at it. Stops on Ctrl-C.
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { Sandbox } from "@liveness/sandbox"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"

const port = Options.integer("port").pipe(
  Options.withDefault(8080),
  Options.withDescription("Port to listen on, on 127.0.0.1: 8080 by default, 0 for any free port")
)
const rateLimit = Options.integer("rate-limit").pipe(
  Options.withDefault(10),
  Options.withDescription("The tenant quota in requests per second: 10 by default (Unico's), 0 for none")
)
const tokenLifetime = Options.integer("token-lifetime").pipe(
  Options.withDefault(3600),
  Options.withDescription("Lifetime of the access tokens it issues, in seconds: 3600 by default")
)

/** Starts the sandbox in `scope` and prints its environment; the handler then waits for Ctrl-C. */
export const serve = (flags: { readonly port: number; readonly rateLimit: number; readonly tokenLifetime: number }) =>
  Effect.gen(function*() {
    const rateLimit = flags.rateLimit <= 0 ? false as const : { limit: flags.rateLimit, intervalMillis: 1000 }
    const sandbox = yield* Sandbox.start({
      port: flags.port,
      host: "127.0.0.1",
      rateLimit,
      tokenLifetimeSeconds: Math.max(1, flags.tokenLifetime)
    })
    yield* Console.log(yield* Sandbox.environmentText(sandbox, rateLimit))
    return sandbox
  })

export const command = Command.make(
  "sandbox",
  { port, rateLimit, tokenLifetime },
  (flags) => Effect.scoped(Effect.zipRight(serve(flags), Effect.never))
).pipe(
  Command.withDescription(
    "Run the Unico-compatible sandbox in the foreground on 127.0.0.1 and print the UNICO_* lines that point " +
      "the gateway or another process at it. Ctrl-C stops it.\n" +
      "Example: liveness sandbox --port 8080 --rate-limit 0"
  )
)
