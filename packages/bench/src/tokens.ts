/**
 * Benchmark 3, token single flight: 1,000 concurrent checks on a cold token cache must mint exactly one token;
 * checks running across three token lifetimes must mint 3 (±1) tokens and surface no authentication error.
 * Run alone: `pnpm --filter @liveness/bench bench:tokens`.
 */
import { Liveness } from "@liveness/core"
import { Fixtures } from "@liveness/fake"
import { Sandbox } from "@liveness/sandbox"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { print, table, writeSection } from "./Report.js"
import { overSandbox } from "./Workflow.js"

const LIFETIME_SECONDS = 3

const coldStart = Effect.scoped(Effect.gen(function*() {
  const sandbox = yield* Sandbox.start({ rateLimit: false })
  const results = yield* Effect.all(
    Array.from({ length: 1000 }, () => Effect.either(Liveness.check({ imageBase64: Fixtures.sdkPayload() }))),
    { concurrency: "unbounded" }
  ).pipe(Effect.provide(overSandbox(sandbox, { rateLimit: undefined })))
  const stats = yield* sandbox.stats
  return { mints: stats.tokenMints, failed: results.filter(Either.isLeft).length }
}))

const acrossLifetimes = Effect.scoped(Effect.gen(function*() {
  const sandbox = yield* Sandbox.start({ rateLimit: false, tokenLifetimeSeconds: LIFETIME_SECONDS })
  const until = Date.now() + LIFETIME_SECONDS * 3 * 1000
  let checks = 0
  let authErrors = 0
  let otherErrors = 0
  const worker = Effect.gen(function*() {
    while (Date.now() < until) {
      const result = yield* Effect.either(Liveness.check({ imageBase64: Fixtures.sdkPayload() }))
      checks++
      if (Either.isLeft(result)) {
        if (result.left._tag === "AuthenticationFailed") authErrors++
        else otherErrors++
      }
      yield* Effect.sleep("20 millis")
    }
  })
  yield* Effect.all(Array.from({ length: 8 }, () => worker), { concurrency: "unbounded" }).pipe(
    Effect.provide(overSandbox(sandbox, { rateLimit: undefined }))
  )
  const stats = yield* sandbox.stats
  return { mints: stats.tokenMints, checks, authErrors, otherErrors, refused: stats.requestsByStatus["401"] ?? 0 }
}))

export const run = Effect.gen(function*() {
  const cold = yield* coldStart
  const lifetimes = yield* acrossLifetimes
  const head = ["run", "checks", "tokens minted", "goal", "auth errors surfaced", "met"]
  const rows = [
    [
      "1,000 concurrent checks, cold cache",
      1000 - cold.failed,
      cold.mints,
      "exactly 1",
      0,
      cold.mints === 1 ? "yes" : "no"
    ],
    [
      `${LIFETIME_SECONDS} s tokens over ${3 * LIFETIME_SECONDS} s, 8 workers`,
      lifetimes.checks,
      lifetimes.mints,
      "3 ± 1",
      lifetimes.authErrors,
      Math.abs(lifetimes.mints - 3) <= 1 && lifetimes.authErrors === 0 ? "yes" : "no"
    ]
  ]
  print("Token single flight", head, rows)
  writeSection(
    "tokens",
    [
      "## Token single flight",
      "",
      "`pnpm --filter @liveness/bench bench:tokens` — the real HTTP adapter against an in-process sandbox, no rate",
      "limit. Tokens are refreshed a tenth of their lifetime before expiry (5 minutes for Unico's 1-hour tokens).",
      "",
      table(head, rows),
      "",
      `Across lifetimes: ${lifetimes.refused} token refusals seen by the sandbox, ${lifetimes.otherErrors} other errors.`
    ].join("\n")
  )
})

if (import.meta.url === `file://${process.argv[1]}`) {
  Effect.runPromise(run).catch((error) => {
    console.error(error)
    process.exit(1)
  })
}
