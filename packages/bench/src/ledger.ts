/**
 * Benchmark 7, the capture ledger: (1) its cost per check, in memory and on Redis, measured side by side in one run
 * as `Liveness.check` over an instant provider with the ledger against the same check with a pass-through ledger (one
 * that claims everything and keeps nothing), with a tiny and a 300 KB SDK payload (the key is a SHA-256 of the
 * payload); (2) the in-memory ledger's heap at 100,000 remembered captures (after a full GC).
 * Run alone: `pnpm --filter @liveness/bench bench:ledger` (starts a redis-server unless LIVENESS_TEST_REDIS_URL is set).
 */
import {
  CaptureKey,
  CaptureLedger,
  CaptureLedgerMemory,
  CheckInput,
  CheckPolicy,
  Liveness,
  LivenessProcess,
  LivenessProvider,
  TenantRateLimiter
} from "@liveness/core"
import { Fixtures } from "@liveness/fake"
import { RedisCoordination } from "@liveness/redis"
import { RedisServer } from "@liveness/redis/testing"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import { randomUUID } from "node:crypto"
import { SUBJECT, uniqueSdkPayloads } from "./Payloads.js"
import { print, table, writeSection } from "./Report.js"

const CHECKS_MEMORY = 20_000
const CHECKS_REDIS = 4_000
const CONCURRENCY = 16
const REMEMBERED = 100_000
const ROUNDS = 3

interface PerCheck {
  readonly cpuMicros: number
  readonly wallMicros: number
}

const median = (values: ReadonlyArray<number>) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

const process_ = new LivenessProcess.LivenessProcess({
  id: LivenessProcess.ProcessId.make("b7d4a7ad-7b43-4a43-9b5b-2a1b0f3f5e11"),
  status: 3,
  liveness: 1
})

/** A provider that answers at once: what is left is the workflow's own cost. */
const instant = Layer.succeed(LivenessProvider.LivenessProvider, {
  createProcess: () => Effect.succeed(process_),
  getProcess: () => Effect.succeed(process_)
})

/** The baseline: a ledger that claims every capture and keeps nothing (no exactly-once). */
const passThrough = Layer.succeed(CaptureLedger.CaptureLedger, {
  claim: () => Effect.succeed({ _tag: "Claimed", token: "t" } as const),
  settle: () => Effect.void,
  release: () => Effect.void,
  await: () => Effect.succeed({ _tag: "Released" } as const),
  bind: (_key, digest) => Effect.succeed(digest)
})

const workflow = <E>(ledger: Layer.Layer<CaptureLedger.CaptureLedger, E>) =>
  Liveness.layerWith.pipe(
    Layer.provide(Layer.mergeAll(instant, ledger, TenantRateLimiter.layer)),
    Layer.provide(CheckPolicy.layer({ rateLimit: undefined })),
    Layer.provide(Logger.remove(Logger.defaultLogger))
  )

/** Microseconds of CPU and of wall time per check, `count` checks with fresh payloads, `CONCURRENCY` at a time. */
const perCheck = (count: number, payload: () => string) =>
  Effect.gen(function*() {
    const liveness = yield* Liveness.Liveness
    // Each payload is made when its check starts (300 KB each: all at once would not fit), the same with either
    // ledger, so the difference between two runs is the ledger's.
    const checks = (n: number) =>
      Effect.forEach(
        Array.from({ length: n }),
        () => liveness.check({ subject: SUBJECT, imageBase64: payload() }),
        { concurrency: CONCURRENCY, discard: true }
      )
    // Warm up on other captures (JIT, the ledger's first entries).
    yield* checks(200)
    const cpu = process.cpuUsage()
    const started = performance.now()
    yield* checks(count)
    const wall = performance.now() - started
    const used = process.cpuUsage(cpu)
    return { cpuMicros: (used.user + used.system) / count, wallMicros: (wall * 1000) / count }
  })

const measure = <E>(ledger: Layer.Layer<CaptureLedger.CaptureLedger, E>, count: number, payload: () => string) =>
  Effect.scoped(
    Effect.flatMap(Layer.build(workflow(ledger)), (context) => perCheck(count, payload).pipe(Effect.provide(context)))
  )

const heapUsed = () => {
  ;(globalThis as { gc?: () => void }).gc?.()
  return process.memoryUsage().heapUsed
}

/** The in-memory ledger's heap per remembered capture: 100,000 settled answers, keys as the workflow makes them. */
const memoryAtScale = Effect.gen(function*() {
  const ledger = yield* CaptureLedgerMemory.make({ ...CheckPolicy.defaults.ledger, maxEntries: REMEMBERED })
  const before = heapUsed()
  for (let i = 0; i < REMEMBERED; i++) {
    const input = yield* CheckInput.validate({ subject: SUBJECT, imageBase64: Fixtures.sdkPayload() })
    const key = CaptureKey.captureKey("unico uat https://api.example bench@tenant.iam.acesso.io", input)
    const claim = yield* ledger.claim(key, CaptureKey.requestDigest("", input), CheckPolicy.defaults.deadline)
    if (claim._tag !== "Claimed") continue
    const id = LivenessProcess.ProcessId.make(randomUUID())
    yield* ledger.settle(key, claim.token, {
      _tag: "Answered",
      process: new LivenessProcess.LivenessProcess({ id, status: 3, liveness: 1 }),
      verdict: "live",
      attempts: 1
    })
  }
  const bytes = heapUsed() - before
  // Keep the ledger reachable until measured.
  yield* ledger.bind("kept", "alive")
  return { bytes, perEntry: bytes / REMEMBERED }
})

const micros = (n: number) => n.toFixed(1)

/** Microseconds per capture key (SHA-256 of the payload): the workflow computes it with either ledger. */
const keyCost = (payload: () => string) =>
  Effect.gen(function*() {
    const inputs = yield* Effect.forEach(
      Array.from({ length: 2000 }, payload),
      (imageBase64) => CheckInput.validate({ subject: SUBJECT, imageBase64 })
    )
    const started = performance.now()
    for (const input of inputs) CaptureKey.captureKey("scope", input)
    return ((performance.now() - started) * 1000) / inputs.length
  })

export const run = Effect.scoped(Effect.gen(function*() {
  const redisUrl = yield* RedisServer.shared
  const redisLedger = RedisCoordination.layer({ url: redisUrl, prefix: `bench-ledger-${randomUUID()}:` }).pipe(
    Layer.orDie
  )
  const memoryLedger = CaptureLedgerMemory.layer
  const big = uniqueSdkPayloads(300_000)
  const tiny = () => Fixtures.sdkPayload()
  const rows: Array<Array<string>> = []
  const cases = [
    ["tiny SDK payload", tiny, CHECKS_MEMORY, CHECKS_REDIS],
    ["300 KB SDK payload", big.next, CHECKS_MEMORY / 5, CHECKS_REDIS / 2]
  ] as const
  for (const [label, payload, inMemory, onRedis] of cases) {
    for (
      const [name, ledger, count] of [["in memory", memoryLedger, inMemory], [
        "Redis (loopback)",
        redisLedger,
        onRedis
      ]] as const
    ) {
      // Alternated rounds, medians: the machine's noise is of the order of the in-memory ledger's cost.
      const base: Array<PerCheck> = []
      const withLedger: Array<PerCheck> = []
      for (let round = 0; round < ROUNDS; round++) {
        base.push(yield* measure(passThrough, count, payload))
        withLedger.push(yield* measure(ledger, count, payload))
      }
      const cpu = median(base.map((b, i) => withLedger[i]!.cpuMicros - b.cpuMicros))
      const wall = median(base.map((b, i) => withLedger[i]!.wallMicros - b.wallMicros))
      rows.push([
        label,
        name,
        micros(yield* keyCost(payload)),
        micros(median(base.map((b) => b.cpuMicros))),
        micros(median(withLedger.map((b) => b.cpuMicros))),
        micros(cpu),
        micros(wall)
      ])
    }
  }
  const scale = yield* memoryAtScale
  const head = [
    "payload",
    "ledger",
    "key (SHA-256) µs",
    "CPU µs/check, pass-through",
    "CPU µs/check, ledger",
    "ledger CPU µs/check",
    `ledger wall µs/check (${CONCURRENCY} at a time)`
  ]
  print("Capture ledger: cost per check (Liveness.check over an instant provider)", head, rows)
  const memoryLine = `In-memory ledger at ${REMEMBERED.toLocaleString("en")} remembered captures: ${
    (scale.bytes / 2 ** 20).toFixed(1)
  } MiB of heap, ${Math.round(scale.perEntry)} bytes per capture (after a full GC).`
  console.log(memoryLine)
  writeSection(
    "ledger",
    [
      "## Capture ledger (`pnpm --filter @liveness/bench bench:ledger`)",
      "",
      `\`Liveness.check\` over a provider that answers at once, ${CONCURRENCY} checks at a time, a fresh capture each: with`,
      "the ledger, and with a pass-through ledger (claims everything, keeps nothing) in the same run. The difference is",
      "the ledger's cost: the claim, the settle and the check's fiber in the workflow's scope (Redis: two round trips on",
      "loopback). The key (a SHA-256 of the payload, and of the request) is computed with either, and is shown apart.",
      `Per round, ${CHECKS_MEMORY.toLocaleString("en")} checks in memory and ${
        CHECKS_REDIS.toLocaleString("en")
      } on Redis`,
      `with the tiny payload, a fifth and a half of that with 300 KB; ${ROUNDS} alternated rounds. The first two CPU`,
      "columns are medians of the rounds; the ledger's columns are medians of each round's difference. The CPU per check",
      "includes making the payload and validating it, the same on both sides.",
      "",
      table(head, rows),
      "",
      memoryLine
    ].join("\n")
  )
}))

if (import.meta.url === `file://${process.argv[1]}`) {
  Effect.runPromise(run).catch((error) => {
    console.error(error)
    process.exit(1)
  })
}
