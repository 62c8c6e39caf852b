/** `pnpm bench`: every benchmark in turn; each prints its table and writes its section of docs/performance.md. */
import * as Effect from "effect/Effect"
import * as Quota from "./quota.js"
import * as Tokens from "./tokens.js"

Effect.runPromise(Effect.all([Tokens.run, Quota.run], { discard: true })).catch((error) => {
  console.error(error)
  process.exit(1)
})
