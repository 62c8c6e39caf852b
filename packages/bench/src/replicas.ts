/**
 * Benchmark 6, replicas: three gateway processes (`apps/server/dist/main.js`) in front of one sandbox that enforces
 * a tenant quota of 20/s and answers in 30 ms. (a) sharing one Redis (`LIVENESS_REDIS_URL`), 1,200 checks at
 * concurrency 96: throughput against the quota, answers 429 and tokens minted across the replicas; (b) the same
 * without Redis, each replica at the full quota (what three replicas did before); (c) without Redis, the quota
 * split by hand (20 / 3 each); (d) with Redis killed for 12 s mid-run: throughput before, during and after.
 * Run alone: `pnpm --filter @liveness/bench bench:replicas` (needs `redis-server`).
 */
import { Fixtures } from "@liveness/fake"
import { RedisServer } from "@liveness/redis/testing"
import { Sandbox } from "@liveness/sandbox"
import * as Effect from "effect/Effect"
import { randomUUID } from "node:crypto"
import { request } from "undici"
import { answers200, entry, freePort, HOST, node, waitFor } from "./Child.js"
import { print, table, writeSection } from "./Report.js"

const QUOTA = 20
const REPLICAS = 3
const LATENCY_MS = 30

const body = () =>
  JSON.stringify({ subject: { code: "12345678909", name: "Luke Skywalker" }, imageBase64: Fixtures.sdkPayload() })

/** Three gateways on the sandbox, with `env` on top; stopped with the scope. */
const cluster = (sandbox: Sandbox.Sandbox, env: Record<string, string>) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const ports = await Promise.all(Array.from({ length: REPLICAS }, freePort))
      const children = ports.map((port) =>
        node([entry.gateway], {
          ...Sandbox.unicoEnvironment(sandbox),
          LIVENESS_PROVIDER: "unico",
          PORT: String(port),
          HOST,
          GATEWAY_RATE_LIMIT: "0",
          LOG_LEVEL: "warn",
          ...env
        })
      )
      const urls = ports.map((port) => `http://${HOST}:${port}`)
      await Promise.all(
        children.map((child, i) => waitFor(child, "a gateway", () => answers200(`${urls[i]}/healthz`), 20_000))
      )
      return { urls, children }
    }),
    ({ children }) => Effect.promise(() => Promise.all(children.map((child) => child.stop())))
  )

/** Posts checks round-robin until `count` are done or `stop()`; the time of every answer, by status. */
const drive = async (
  urls: ReadonlyArray<string>,
  options: { readonly concurrency: number; readonly count?: number; readonly stop?: () => boolean }
) => {
  const answers: Array<{ readonly status: number; readonly at: number }> = []
  const started = performance.now()
  let next = 0
  const more = () => (options.count === undefined || next < options.count) && options.stop?.() !== true
  await Promise.all(Array.from({ length: options.concurrency }, async () => {
    while (more()) {
      const url = urls[next++ % urls.length]!
      const status = await request(`${url}/processes/v1`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: body()
      }).then(async (response) => {
        await response.body.dump()
        return response.statusCode
      }, () => 0)
      answers.push({ status, at: performance.now() - started })
    }
  }))
  return { answers, seconds: (performance.now() - started) / 1000 }
}

const rateBetween = (answers: ReadonlyArray<{ readonly at: number }>, from: number, to: number) =>
  answers.filter((answer) => answer.at >= from && answer.at < to).length / ((to - from) / 1000)

/** One steady run: `checks` checks through three gateways configured by `env`. */
const steady = (redisUrl: string | undefined, env: Record<string, string>, checks: number) =>
  Effect.scoped(Effect.gen(function*() {
    const sandbox = yield* Sandbox.start({
      rateLimit: { limit: QUOTA, intervalMillis: 1000 },
      latency: `${LATENCY_MS} millis`
    })
    const redis = redisUrl === undefined
      ? {}
      : { LIVENESS_REDIS_URL: redisUrl, LIVENESS_REDIS_PREFIX: `bench-${randomUUID()}:`, LIVENESS_REPLICAS: "3" }
    const { urls } = yield* cluster(sandbox, { ...redis, ...env })
    const { answers, seconds } = yield* Effect.promise(() => drive(urls, { concurrency: 96, count: checks }))
    const stats = yield* sandbox.stats
    return {
      checks,
      seconds,
      rate: checks / seconds,
      failed: answers.filter((answer) => answer.status !== 200).length,
      rateLimited: stats.requestsByStatus["429"] ?? 0,
      tokens: stats.tokenMints
    }
  }))

/** Kills Redis 8 s into a run for 12 s; throughput before, during (after the switch) and after. */
const outage = Effect.scoped(Effect.gen(function*() {
  const redis = yield* RedisServer.start()
  const sandbox = yield* Sandbox.start({
    rateLimit: { limit: QUOTA, intervalMillis: 1000 },
    latency: `${LATENCY_MS} millis`
  })
  const { urls } = yield* cluster(sandbox, {
    LIVENESS_REDIS_URL: redis.url,
    LIVENESS_REPLICAS: String(REPLICAS),
    LIVENESS_RATE_LIMIT: String(QUOTA)
  })
  let stop = false
  const started = performance.now()
  const now = () => performance.now() - started
  const running = drive(urls, { concurrency: 48, stop: () => stop })
  const until = (ms: number) =>
    Effect.promise(() => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms - now()))))
  yield* until(8_000)
  const killedAt = now()
  yield* redis.kill
  yield* until(killedAt + 12_000)
  const restartedAt = now()
  yield* redis.restart
  yield* until(restartedAt + 12_000)
  stop = true
  const { answers } = yield* Effect.promise(() => running)
  const stats = yield* sandbox.stats
  return {
    shared: rateBetween(answers, 3_000, killedAt),
    degraded: rateBetween(answers, killedAt + 4_000, restartedAt),
    recovered: rateBetween(answers, restartedAt + 4_000, restartedAt + 12_000),
    failed: answers.filter((answer) => answer.status !== 200).length,
    answers: answers.length,
    rateLimited: stats.requestsByStatus["429"] ?? 0
  }
}))

export const run = Effect.scoped(Effect.gen(function*() {
  const url = yield* RedisServer.shared
  const quota = { LIVENESS_RATE_LIMIT: String(QUOTA) }
  const shared = yield* steady(url, quota, 1200)
  const unshared = yield* steady(undefined, quota, 600)
  const split = yield* steady(undefined, { LIVENESS_RATE_LIMIT: String(Math.floor(QUOTA / REPLICAS)) }, 600)
  const fault = yield* outage

  const head = ["run", "checks", "seconds", "checks/s", "% of quota", "429 answers", "tokens minted", "failed"]
  const row = (name: string, r: typeof shared) => [
    name,
    r.checks,
    r.seconds.toFixed(1),
    r.rate.toFixed(2),
    `${(100 * r.rate / QUOTA).toFixed(1)}%`,
    r.rateLimited,
    r.tokens,
    r.failed
  ]
  const rows = [
    row("(a) 3 replicas, one Redis", shared),
    row("(b) 3 replicas, no Redis, 20/s each", unshared),
    row("(c) 3 replicas, no Redis, 6/s each", split)
  ]
  const met = shared.rateLimited === 0 && shared.rate >= 0.9 * QUOTA && shared.tokens === 1 && shared.failed === 0
  const outageHead = ["phase", "checks/s", "expected"]
  const outageRows = [
    ["shared (before the kill)", fault.shared.toFixed(2), `${QUOTA} (the quota)`],
    [
      "Redis down (from 4 s after the kill)",
      fault.degraded.toFixed(2),
      `≤ ${REPLICAS * Math.floor(QUOTA / REPLICAS)} (3 × 20 / 3)`
    ],
    ["Redis back (from 4 s after the restart)", fault.recovered.toFixed(2), `${QUOTA}`]
  ]
  print("Replicas", head, rows)
  print("Replicas, Redis killed for 12 s", outageHead, outageRows)
  console.log(`outage run: ${fault.answers} checks, ${fault.failed} failed, ${fault.rateLimited} answers 429`)
  writeSection(
    "replicas",
    [
      "## Replicas sharing one tenant",
      "",
      "`pnpm --filter @liveness/bench bench:replicas` — three gateway processes (`apps/server/dist/main.js`, real",
      `adapter) in front of one in-process sandbox enforcing a tenant quota of ${QUOTA}/s and answering in ${LATENCY_MS} ms,`,
      "checks posted round-robin at concurrency 96 (each with a fresh fake SDK payload). Goal for (a): 0 answers 429,",
      `≥ 90% of the quota, exactly 1 token minted across the replicas: **${met ? "met" : "not met"}**.`,
      "",
      table(head, rows),
      "",
      "(b) is what three replicas did before: each limits itself to the tenant's whole quota, so together they",
      `send three times it; the sandbox refuses the excess (${unshared.rateLimited} answers 429; the workflow retries each after`,
      `\`Retry-After\`, and ${unshared.failed} of ${unshared.checks} checks still ran out of attempts), and each replica mints its own`,
      `token. (c) splits the quota by hand (LIVENESS_RATE_LIMIT=${
        Math.floor(QUOTA / REPLICAS)
      } each): no 429, but at most`,
      `${
        REPLICAS * Math.floor(QUOTA / REPLICAS)
      }/s because ${QUOTA} does not divide by ${REPLICAS}, an idle replica's share goes unused, and the split must`,
      "be redone whenever the number of replicas changes.",
      "",
      `Redis killed 8 s into a run for 12 s (concurrency 48): ${fault.answers} checks, ${fault.failed} failed,`,
      `${fault.rateLimited} answers 429 in the whole run (the two switches are where they could appear).`,
      "",
      table(outageHead, outageRows)
    ].join("\n")
  )
}))

if (import.meta.url === `file://${process.argv[1]}`) {
  Effect.runPromise(run).catch((error) => {
    console.error(error)
    process.exit(1)
  })
}
