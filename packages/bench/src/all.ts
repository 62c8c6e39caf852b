/** `pnpm bench`: every benchmark in turn; each prints its table and writes its section of docs/performance.md. */
import * as Effect from "effect/Effect"
import * as Adapter from "./adapter.js"
import * as Gateway from "./gateway.js"
import * as Ledger from "./ledger.js"
import * as Memory from "./memory.js"
import * as Profile from "./profile.js"
import * as Quota from "./quota.js"
import * as Replicas from "./replicas.js"
import * as Tokens from "./tokens.js"
import * as Tracing from "./tracing.js"

Effect.runPromise(
  Effect.all([
    Adapter.run,
    Profile.run,
    Tracing.run,
    Gateway.run,
    Tokens.run,
    Quota.run,
    Memory.run,
    Ledger.run,
    Replicas.run
  ], {
    discard: true
  })
).catch(
  (error) => {
    console.error(error)
    process.exit(1)
  }
)
