/**
 * Benchmark 4, quota efficiency: with the sandbox enforcing 50 requests/s and answering in 50 ms, a batch of
 * 1,000 checks at concurrency 32 must reach at least 95% of the quota, and the sandbox must count no 429.
 * Run alone: `pnpm --filter @liveness/bench bench:quota`.
 */
import { Liveness } from "@liveness/core"
import { Fixtures } from "@liveness/fake"
import { Sandbox } from "@liveness/sandbox"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { print, table, writeSection } from "./Report.js"
import { overSandbox } from "./Workflow.js"

const QUOTA = 50
const CHECKS = 1000
const CONCURRENCY = 32

const once = Effect.scoped(Effect.gen(function*() {
  const sandbox = yield* Sandbox.start({ rateLimit: { limit: QUOTA, intervalMillis: 1000 }, latency: "50 millis" })
  const started = performance.now()
  const results = yield* Effect.all(
    Array.from({ length: CHECKS }, () => Effect.either(Liveness.check({ imageBase64: Fixtures.sdkPayload() }))),
    { concurrency: CONCURRENCY }
  ).pipe(Effect.provide(overSandbox(sandbox, { rateLimit: { limit: QUOTA, interval: Duration.seconds(1) } })))
  const seconds = (performance.now() - started) / 1000
  const stats = yield* sandbox.stats
  return {
    seconds,
    rate: CHECKS / seconds,
    failed: results.filter(Either.isLeft).length,
    rateLimited: stats.requestsByStatus["429"] ?? 0,
    billedTwice: Object.values(stats.processesByPayload).filter((count) => count > 1).length
  }
}))

export const run = Effect.gen(function*() {
  const runs = [yield* once, yield* once, yield* once]
  const head = ["run", "seconds", "checks/s", "% of quota", "429 answers", "failed", "billed twice", "met"]
  const rows = runs.map((r, i) => [
    i + 1,
    r.seconds.toFixed(2),
    r.rate.toFixed(1),
    `${(100 * r.rate / QUOTA).toFixed(1)}%`,
    r.rateLimited,
    r.failed,
    r.billedTwice,
    r.rate / QUOTA >= 0.95 && r.rateLimited === 0 && r.failed === 0 ? "yes" : "no"
  ])
  print("Quota efficiency", head, rows)
  writeSection(
    "quota",
    [
      "## Quota efficiency",
      "",
      `\`pnpm --filter @liveness/bench bench:quota\` — ${CHECKS} checks at concurrency ${CONCURRENCY}; the sandbox`,
      `(in process) enforces ${QUOTA} requests/s as a token bucket and answers in 50 ms; the workflow's tenant`,
      `limiter is set to the same ${QUOTA}/s. Goal: ≥ 95% of the quota, 0 answers 429. The first second includes the`,
      "bucket's burst, which a 1,000-check batch amortises.",
      "",
      table(head, rows)
    ].join("\n")
  )
})

if (import.meta.url === `file://${process.argv[1]}`) {
  Effect.runPromise(run).catch((error) => {
    console.error(error)
    process.exit(1)
  })
}
