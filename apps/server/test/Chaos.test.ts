/**
 * Chaos soak with impatient callers: checks through the gateway, on the real HTTP adapter, to a sandbox injecting
 * 10% 503, 5% 429 with Retry-After, 3% resets before processing, 2% resets after the process was created, 2% latency
 * past the adapter's per-attempt timeout and 1% malformed JSON.
 *
 * Each capture is posted by a caller whose client timeout (1.5 s) is shorter than some answers, and who posts the same
 * body again after a timeout, up to 3 times (the last time it waits); one capture in four is posted by two such callers
 * at once. The last part of the run goes to three gateway replicas sharing one Redis, each retry to another replica.
 *
 * Pass: every capture got an answer; every answer about one capture is the same (all but one marked
 * `Idempotent-Replayed`); the sandbox counts exactly one submission per capture that may have been processed (503s
 * and 429s prove nothing was, and are retried); no 500; nothing rejects unhandled; the heap comes back to its baseline
 * but for the capture ledger's entries. The per-attempt timeout (2 s) is far above a loaded machine's answer times, so
 * only the injected latency (3 s) runs past it.
 *
 * `pnpm test` runs a shortened soak (CHAOS_CHECKS, default 300); `pnpm test:chaos` runs 5,000.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Fixtures, Submissions } from "@liveness/fake"
import { RedisServer } from "@liveness/redis/testing"
import { Sandbox } from "@liveness/sandbox"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import { randomUUID } from "node:crypto"
import { Problems } from "../src/index.js"
import { listening, spawnGateway, startGateway, type TestGateway } from "./support.js"

const CHECKS = Number(process.env.CHAOS_CHECKS ?? 300)
const CONCURRENCY = 32
/** The share of the captures sent to three replicas on one Redis (after the single gateway's part). */
const REPLICA_CAPTURES = Math.max(30, Math.floor(CHECKS / 5))
const CLIENT_TIMEOUT_MS = 1500
const PATIENT_TIMEOUT_MS = 60_000
const RETRIES = 3
/**
 * An upper bound of what one capture leaves by design in this process: its outcome in the in-memory ledger (about 400
 * bytes: `pnpm --filter @liveness/bench bench:ledger`) and its line in the sandbox's submission record.
 */
const LEDGER_BYTES_PER_ENTRY = 1024

let scope: Scope.CloseableScope
let sandbox: Sandbox.Sandbox
let gw: TestGateway
const unhandled: Array<unknown> = []
const onUnhandled = (reason: unknown) => void unhandled.push(reason)

const gatewayEnv = () => ({
  LIVENESS_PROVIDER: "unico",
  ...Sandbox.unicoEnvironment(sandbox),
  UNICO_TIMEOUT_MS: "2000",
  LIVENESS_RATE_LIMIT: "0",
  LIVENESS_BASE_DELAY_MS: "20",
  LIVENESS_MAX_DELAY_MS: "100",
  GATEWAY_RATE_LIMIT: "0",
  LOG_LEVEL: "warn"
})

beforeAll(async () => {
  process.on("unhandledRejection", onUnhandled)
  scope = Effect.runSync(Scope.make())
  sandbox = await Effect.runPromise(
    Sandbox.start({
      rateLimit: false,
      faults: {
        seed: 2026,
        rates: {
          status503: 0.1,
          rateLimited: 0.05,
          resetBefore: 0.03,
          resetAfter: 0.02,
          latency: 0.02,
          malformedJson: 0.01
        },
        latencyMillis: 3000,
        retryAfterSeconds: 1
      }
    }).pipe(Scope.extend(scope))
  )
  gw = await startGateway(gatewayEnv())
})

afterAll(async () => {
  await gw?.close()
  await Effect.runPromise(Scope.close(scope, Exit.void))
  process.off("unhandledRejection", onUnhandled)
})

const documented = new Set([200, ...Problems.all.map((type) => type.status)])

const heap = () => {
  ;(globalThis as { gc?: () => void }).gc?.()
  return process.memoryUsage().heapUsed
}

interface Answer {
  readonly status: number
  /** The body without what is the request's own (its request id). */
  readonly body: string
  readonly type: string | undefined
  readonly replayed: boolean
  readonly processedNothing: boolean
}

interface Capture {
  readonly fingerprint: string
  readonly answers: Array<Answer>
  timeouts: number
}

/** One request; `undefined` when the caller gave up (its timeout) or lost the connection. */
const post = async (url: string, body: string, timeoutMillis: number): Promise<Answer | undefined> => {
  try {
    const response = await fetch(`${url}/processes/v1`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      signal: AbortSignal.timeout(timeoutMillis)
    })
    const parsed = await response.json() as Record<string, unknown>
    const { instance: _instance, requestId: _requestId, ...rest } = parsed
    return {
      status: response.status,
      body: JSON.stringify(rest),
      type: typeof parsed.type === "string" ? parsed.type : undefined,
      replayed: response.headers.get("idempotent-replayed") === "true",
      // Answers that say nothing was submitted: the caller may send the capture again, and it may then be processed.
      processedNothing: parsed.mayHaveBeenProcessed === false || response.status === 429
    }
  } catch {
    return undefined
  }
}

/** A caller that posts `body` and, after a timeout, posts it again (each time to the next of `urls`). */
const impatientCaller = async (capture: Capture, urls: ReadonlyArray<string>, body: string, first: number) => {
  for (let attempt = 0; attempt <= RETRIES; attempt++) {
    const url = urls[(first + attempt) % urls.length]!
    const answer = await post(url, body, attempt < RETRIES ? CLIENT_TIMEOUT_MS : PATIENT_TIMEOUT_MS)
    if (answer !== undefined) return void capture.answers.push(answer)
    capture.timeouts++
  }
}

/** Posts `count` captures with `CONCURRENCY` workers over `urls`; `patient` callers post once and wait. */
const soak = async (urls: ReadonlyArray<string>, count: number, patient = false) => {
  const captures: Array<Capture> = []
  let next = 0
  const worker = async () => {
    while (next < count) {
      const i = next++
      // One capture in five is a plain image (a new one each time: Fixtures.image() is a new capture per call).
      const imageBase64 = i % 5 === 4 ? Fixtures.image() : Fixtures.sdkPayload()
      const body = JSON.stringify({ subject: { code: "12345678909", name: "Luke Skywalker" }, imageBase64 })
      const capture: Capture = { fingerprint: Fixtures.fingerprint(imageBase64), answers: [], timeouts: 0 }
      captures.push(capture)
      if (patient) {
        const answer = await post(urls[i % urls.length]!, body, PATIENT_TIMEOUT_MS)
        if (answer !== undefined) capture.answers.push(answer)
        continue
      }
      const callers = i % 4 === 0 ? 2 : 1
      await Promise.all(Array.from({ length: callers }, (_, c) => impatientCaller(capture, urls, body, i + c)))
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  return captures
}

/** What the soak's captures got, and what the sandbox received for them, with every promise checked. */
const judge = async (label: string, captures: ReadonlyArray<Capture>) => {
  const stats = await Effect.runPromise(sandbox.stats)
  const statuses = new Map<number, number>()
  const problems = new Map<string, number>()
  let requests = 0
  let replays = 0
  let timeouts = 0
  for (const capture of captures) {
    timeouts += capture.timeouts
    for (const answer of capture.answers) {
      requests++
      if (answer.replayed) replays++
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1)
      if (answer.type !== undefined) problems.set(answer.type, (problems.get(answer.type) ?? 0) + 1)
    }
  }
  const submitted = captures.map((capture) =>
    Submissions.countMayHaveBeenProcessed(stats.submissionsByPayload[capture.fingerprint] ?? [])
  )
  console.log(
    `chaos soak, ${label}: ${captures.length} captures, ${requests + timeouts} requests (${timeouts} given up by ` +
      `their caller, ${replays} answered as replays), statuses ${JSON.stringify(Object.fromEntries(statuses))}, ` +
      `problems ${JSON.stringify(Object.fromEntries(problems))}; submissions per capture that may have been ` +
      `processed: ${JSON.stringify(countBy(submitted))}`
  )

  for (const status of statuses.keys()) expect(documented.has(status), `status ${status}`).toBe(true)
  expect(statuses.get(500) ?? 0).toBe(0)
  expect(unhandled).toEqual([])
  // Most captures still come out live: the retry policy absorbs the faults that provably submitted nothing.
  expect((statuses.get(200) ?? 0) / requests).toBeGreaterThan(0.5)
  captures.forEach((capture, i) => {
    const where = `capture ${i} (${capture.fingerprint})`
    expect(capture.answers.length, `${where} got an answer`).toBeGreaterThan(0)
    const settled = capture.answers.filter((answer) => !answer.processedNothing)
    // Every request about one capture got the same answer, and all but the first were marked as replays.
    expect(new Set(settled.map((answer) => `${answer.status} ${answer.body}`)).size, `${where}: one outcome`)
      .toBeLessThanOrEqual(1)
    expect(settled.filter((answer) => !answer.replayed).length, `${where}: one first answer`).toBeLessThanOrEqual(1)
    // Exactly one submission that may have been processed; none when the only answers said nothing was.
    expect(submitted[i], `${where}: submissions`).toBe(settled.length > 0 ? 1 : 0)
  })
}

const countBy = (values: ReadonlyArray<number>) => {
  const counts: Record<string, number> = {}
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1
  return counts
}

describe(`chaos soak with impatient callers (${CHECKS} captures, then ${REPLICA_CAPTURES} on three replicas)`, () => {
  it("one gateway: one submission and one outcome per capture, documented answers only, nothing leaked", async () => {
    // A first fifth warms everything up (JIT, connection pools, token); the heap after it is the baseline.
    const warmUp = Math.floor(CHECKS / 5)
    await soak([gw.url], warmUp, true)
    await Effect.runPromise(sandbox.engine.reset)
    const before = heap()
    let captures = await soak([gw.url], CHECKS - warmUp)
    await judge("one gateway", captures)
    const remembered = captures.length
    // The test's own record of the answers is not the gateway's heap.
    captures = []
    // The sandbox shares this process: forget its processes and calls before measuring the gateway's heap.
    await Effect.runPromise(sandbox.engine.reset)
    const after = heap()
    const ledger = remembered * LEDGER_BYTES_PER_ENTRY
    console.log(
      `chaos soak heap: ${(before / 2 ** 20).toFixed(1)} → ${(after / 2 ** 20).toFixed(1)} MiB ` +
        `(the ledger and the sandbox's submission record may hold ${(ledger / 2 ** 20).toFixed(1)} MiB for ` +
        `${remembered} captures)`
    )
    // Back to baseline once the soak's garbage is collected: within 10% (and 2 MiB of noise) of the warm heap, plus
    // what is kept by design: the capture ledger's outcomes (for their retention) and the sandbox's record of the
    // submissions of each payload (never reset: it is the proof).
    expect(after).toBeLessThan(before * 1.1 + 2 * 2 ** 20 + ledger)
  }, 600_000)

  it("three replicas on one Redis: a retry on another replica gets the same outcome, one submission", async () => {
    const redisUrl = await Effect.runPromise(RedisServer.shared.pipe(Scope.extend(scope)))
    const env = {
      ...gatewayEnv(),
      LIVENESS_REDIS_URL: redisUrl,
      LIVENESS_REDIS_PREFIX: `chaos-${randomUUID()}:`,
      LIVENESS_REPLICAS: "3",
      // The start-up line (Info) is how a spawned replica's address is learnt.
      LOG_LEVEL: "info"
    }
    const replicas = Array.from({ length: 3 }, () => spawnGateway(env))
    try {
      const urls = await Promise.all(replicas.map(listening))
      await judge("three replicas", await soak(urls, REPLICA_CAPTURES))
    } finally {
      for (const replica of replicas) replica.child.kill("SIGTERM")
      await Promise.all(replicas.map((replica) => replica.exit))
    }
  }, 600_000)
})
