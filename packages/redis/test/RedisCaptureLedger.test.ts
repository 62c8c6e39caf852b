/**
 * The capture ledger over a real Redis: the semantics of CaptureLedgerMemory, shared by replicas (each its own layer
 * and connection, as in separate processes); values that hold neither payload nor subject; a Redis outage served by
 * the local ledger; and two workflows that check one capture once.
 *
 * The ledger-level tests count leases and retention with the test's clock (TestClock, `ledgerClock: "effect"`); the
 * workflow tests run on Redis's own clock, as in production.
 */
import { describe, expect, it } from "@effect/vitest"
import { CaptureLedger, CheckPolicy, Liveness, LivenessProcess, OutcomeUnknown } from "@liveness/core"
import { FakeProvider, Fixtures, Leaks, MagicValues } from "@liveness/fake"
import { RedisCaptureLedger, RedisCoordination } from "@liveness/redis"
import { RedisServer } from "@liveness/redis/testing"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import { Redis } from "ioredis"
import { randomUUID } from "node:crypto"
import { capturingLogs, untilTrue } from "./support.js"

const PROCESS_ID = "b7d4a7ad-7b43-4a43-9b5b-2a1b0f3f5e11"

const answered: CaptureLedger.Outcome = {
  _tag: "Answered",
  process: new LivenessProcess.LivenessProcess({
    id: LivenessProcess.ProcessId.make(PROCESS_ID),
    status: 3,
    liveness: 1
  }),
  verdict: "live",
  attempts: 1
}

const LEASE = Duration.seconds(2)

/** One replica's coordination (its own connection), leases and retention on the test's clock. */
const replica = (url: string, prefix: string, policy: Partial<CheckPolicy.Policy> = {}) =>
  Layer.build(
    RedisCoordination.layer({ url, prefix, ledgerClock: "effect", quotaClock: "effect" }).pipe(
      Layer.provide(CheckPolicy.layer(policy)),
      Layer.orDie
    )
  ).pipe(Effect.map((context) => Context.get(context, CaptureLedger.CaptureLedger)))

/** Two replicas sharing one prefix on the shared Redis. */
const twoReplicas = Effect.flatMap(RedisServer.shared, (url) => {
  const prefix = `test-${randomUUID()}:`
  return Effect.all([replica(url, prefix), replica(url, prefix)])
})

/** A client of our own, to look at what the ledger stored. */
const inspector = (url: string) =>
  Effect.acquireRelease(Effect.sync(() => new Redis(url)), (redis) => Effect.promise(() => redis.quit()))

/** Every key under `prefix` and its value (a hash's fields and values, e.g. the quota's bucket, as JSON). */
const dump = (redis: Redis, prefix: string) =>
  Effect.promise(async () => {
    const entries: Array<readonly [string, string]> = []
    let cursor = "0"
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 100)
      cursor = next
      for (const key of keys) {
        const value = (await redis.type(key)) === "hash"
          ? JSON.stringify(await redis.hgetall(key))
          : (await redis.get(key)) ?? ""
        entries.push([key, value])
      }
    } while (cursor !== "0")
    return entries
  })

/**
 * Moves the TestClock `duration` ahead with `waiter` polling Redis: from one of its wake-ups to the next, each time
 * letting it read Redis (real time) and sleep again, or end.
 */
const advance = <A>(waiter: Fiber.Fiber<A>, duration: Duration.DurationInput) =>
  Effect.gen(function*() {
    const target = (yield* Clock.currentTimeMillis) + Duration.toMillis(duration)
    const nextWake = Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Effect.map(TestClock.sleeps(), (sleeps) => Chunk.toReadonlyArray(sleeps).filter((at) => at > now)))
    for (;;) {
      yield* untilTrue(
        Effect.zipWith(Fiber.poll(waiter), nextWake, (done, wakes) =>
          Option.isSome(done) || wakes.length > 0)
      )
      const now = yield* Clock.currentTimeMillis
      const wakes = yield* nextWake
      if (now >= target || wakes.length === 0) return yield* TestClock.setTime(target)
      yield* TestClock.setTime(Math.min(target, ...wakes))
    }
  })

/** What a claim past its lease gives whoever asks. */
const abandonedFor = (digest: string): CaptureLedger.Claim => ({
  _tag: "Settled",
  digest,
  outcome: CaptureLedger.abandoned
})

const claimed = (claim: CaptureLedger.Claim) => {
  if (claim._tag !== "Claimed") throw new Error(`expected a claim, got ${claim._tag}`)
  return claim.token
}

describe("RedisCaptureLedger", () => {
  it.scoped("claim, settle, replay: the outcome comes back decoded, and a second claimer meanwhile sees InFlight", () =>
    Effect.gen(function*() {
      const url = yield* RedisServer.shared
      const ledger = yield* replica(url, `test-${randomUUID()}:`)
      const token = claimed(yield* ledger.claim("k", "d", LEASE))
      expect(yield* ledger.claim("k", "other", LEASE)).toEqual({ _tag: "InFlight", digest: "d" })
      yield* ledger.settle("k", token, answered)
      const again = yield* ledger.claim("k", "d", LEASE)
      expect(again).toMatchObject({ _tag: "Settled", digest: "d", outcome: { _tag: "Answered", verdict: "live" } })
      if (again._tag !== "Settled" || again.outcome._tag !== "Answered") return expect.fail("not answered")
      expect(again.outcome.process).toBeInstanceOf(LivenessProcess.LivenessProcess)
      expect(again.outcome.process.id).toBe(PROCESS_ID)
    }))

  it.scoped("two replicas share a capture: one claims, the other waits and gets the outcome once it is written", () =>
    Effect.gen(function*() {
      const [a, b] = yield* twoReplicas
      const token = claimed(yield* a.claim("k", "d", Duration.seconds(40)))
      expect(yield* b.claim("k", "d", Duration.seconds(40))).toEqual({ _tag: "InFlight", digest: "d" })
      const waiter = yield* Effect.fork(b.await("k"))
      yield* advance(waiter, "1 second")
      expect(yield* Fiber.poll(waiter)).toEqual(Option.none())
      const failed: CaptureLedger.Outcome = {
        _tag: "Failed",
        error: new OutcomeUnknown({ attempts: 1, detail: "the provider answered 500" })
      }
      yield* a.settle("k", token, failed)
      yield* advance(waiter, "200 millis")
      const woken = yield* Fiber.join(waiter)
      expect(woken).toMatchObject({ _tag: "Settled", digest: "d", outcome: { _tag: "Failed" } })
      if (woken._tag !== "Settled" || woken.outcome._tag !== "Failed") return expect.fail("not failed")
      expect(woken.outcome.error).toBeInstanceOf(OutcomeUnknown)
      expect(yield* b.claim("k", "d", Duration.seconds(40))).toMatchObject({ _tag: "Settled", digest: "d" })
    }))

  it.scoped("a released claim can be claimed again, by any replica; a stale token changes nothing", () =>
    Effect.gen(function*() {
      const [a, b] = yield* twoReplicas
      const first = claimed(yield* a.claim("k", "d", LEASE))
      const waiter = yield* Effect.fork(b.await("k"))
      yield* a.release("k", first)
      yield* advance(waiter, "100 millis")
      expect(yield* Fiber.join(waiter)).toEqual({ _tag: "Released" })
      const second = claimed(yield* b.claim("k", "d", LEASE))
      yield* a.settle("k", first, answered)
      yield* a.release("k", first)
      expect(yield* a.claim("k", "d", LEASE)).toEqual({ _tag: "InFlight", digest: "d" })
      yield* b.settle("k", second, answered)
      expect((yield* a.claim("k", "d", LEASE))._tag).toBe("Settled")
    }))

  it.scoped("a claim past its lease settles as OutcomeUnknown, for the waiter and for later claims", () =>
    Effect.gen(function*() {
      const [a, b] = yield* twoReplicas
      const token = claimed(yield* a.claim("k", "d", LEASE))
      const waiter = yield* Effect.fork(b.await("k"))
      yield* advance(waiter, Duration.subtract(LEASE, Duration.millis(1)))
      expect(yield* Fiber.poll(waiter)).toEqual(Option.none())
      yield* advance(waiter, "1 millis")
      const woken = yield* Fiber.join(waiter)
      expect(woken).toEqual(abandonedFor("d"))
      // The holder comes back too late: its outcome is not the capture's.
      yield* a.settle("k", token, answered)
      const later = yield* a.claim("k", "d", LEASE)
      expect(later).toMatchObject({ _tag: "Settled", digest: "d", outcome: { _tag: "Failed" } })
      if (later._tag !== "Settled" || later.outcome._tag !== "Failed") return expect.fail("not failed")
      expect(later.outcome.error).toBeInstanceOf(OutcomeUnknown)
    }))

  it.scoped("a claim nobody waits for, past its lease, is abandoned at the next claim", () =>
    Effect.gen(function*() {
      const url = yield* RedisServer.shared
      const ledger = yield* replica(url, `test-${randomUUID()}:`)
      claimed(yield* ledger.claim("k", "d", LEASE))
      yield* TestClock.adjust(LEASE)
      expect(yield* ledger.claim("k", "d", LEASE)).toEqual(abandonedFor("d"))
    }))

  it.scoped("an outcome is kept for the policy's retention, then forgotten; Redis expires it too", () =>
    Effect.gen(function*() {
      const url = yield* RedisServer.shared
      const prefix = `test-${randomUUID()}:`
      const ledger = yield* replica(url, prefix, { ledger: { retention: Duration.minutes(2), maxEntries: 10 } })
      yield* ledger.settle("k", claimed(yield* ledger.claim("k", "d", LEASE)), answered)
      const redis = yield* inspector(url)
      const ttl = yield* Effect.promise(() => redis.pttl(RedisCaptureLedger.captureKeyOf(prefix, "k")))
      // Real time, on a machine that may be busy.
      expect(ttl).toBeGreaterThan(60_000)
      expect(ttl).toBeLessThanOrEqual(120_000)
      yield* TestClock.adjust(Duration.subtract(Duration.minutes(2), Duration.millis(1)))
      expect((yield* ledger.claim("k", "d", LEASE))._tag).toBe("Settled")
      yield* TestClock.adjust("1 millis")
      expect((yield* ledger.claim("k", "d", LEASE))._tag).toBe("Claimed")
    }))

  it.scoped("bind keeps the first digest of an idempotency key for the retention, for every replica", () =>
    Effect.gen(function*() {
      const [a, b] = yield* twoReplicas
      expect(yield* a.bind("idem", "body-1")).toBe("body-1")
      expect(yield* b.bind("idem", "body-2")).toBe("body-1")
      yield* TestClock.adjust("15 minutes")
      expect(yield* b.bind("idem", "body-2")).toBe("body-2")
      expect(yield* a.bind("idem", "body-1")).toBe("body-2")
    }))

  it.scoped("an entry no replica can read is abandoned for whoever asks, never a crash", () =>
    Effect.gen(function*() {
      const url = yield* RedisServer.shared
      const prefix = `test-${randomUUID()}:`
      const ledger = yield* replica(url, prefix)
      const redis = yield* inspector(url)
      yield* Effect.promise(() => redis.set(RedisCaptureLedger.captureKeyOf(prefix, "garbage"), "not json"))
      yield* Effect.promise(() =>
        redis.set(
          RedisCaptureLedger.captureKeyOf(prefix, "future"),
          JSON.stringify({ digest: "d", keepUntil: 1e15, outcome: { _tag: "Answered", shape: "of a later version" } })
        )
      )
      expect(yield* ledger.claim("garbage", "d", LEASE)).toEqual(abandonedFor("d"))
      expect(yield* ledger.claim("future", "d", LEASE)).toEqual(abandonedFor("d"))
    }))

  it.scoped("Redis down: a claim taken on Redis settles locally, its waiter in the process gets the outcome", () => {
    const logs: Array<string> = []
    return Effect.gen(function*() {
      const server = yield* RedisServer.start()
      const ledger = yield* replica(server.url, "down:")
      const token = claimed(yield* ledger.claim("k", "d", Duration.seconds(40)))
      const waiter = yield* Effect.fork(ledger.await("k"))
      yield* advance(waiter, "100 millis")
      yield* server.kill
      yield* advance(waiter, "1 second")
      yield* ledger.settle("k", token, answered)
      yield* advance(waiter, "200 millis")
      expect(yield* Fiber.join(waiter)).toMatchObject({ _tag: "Settled", digest: "d", outcome: { _tag: "Answered" } })
      // Later requests get it from the local ledger, while Redis is down and after.
      expect(yield* ledger.claim("k", "d", Duration.seconds(40))).toMatchObject({ _tag: "Settled", digest: "d" })
      const warnings = logs.filter((line) => line.startsWith("Redis unavailable"))
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toContain("a local capture ledger")
    }).pipe(capturingLogs(logs))
  })
})

/** A workflow over its own fake provider and its own Redis connection: one replica, on Redis's clock. */
const workflow = (url: string, prefix: string, fake: FakeProvider.Options = {}) =>
  Layer.build(
    Liveness.layerWith.pipe(
      Layer.provideMerge(FakeProvider.layer(fake)),
      Layer.provideMerge(RedisCoordination.layer({ url, prefix }).pipe(Layer.orDie)),
      Layer.provide(CheckPolicy.layer({}))
    )
  ).pipe(
    Effect.map((context) => ({
      liveness: Context.get(context, Liveness.Liveness),
      calls: Effect.map(Context.get(context, FakeProvider.FakeProvider).calls, (calls) => calls.length),
      coordination: Context.get(context, RedisCoordination.RedisCoordination)
    }))
  )

describe("RedisCaptureLedger under Liveness.check", () => {
  it.scopedLive("two replicas, one capture: the second replica's check is a replay, its provider is not called", () =>
    Effect.gen(function*() {
      const url = yield* RedisServer.shared
      const prefix = `test-${randomUUID()}:`
      const [a, b] = yield* Effect.all([workflow(url, prefix), workflow(url, prefix)])
      const body = {
        subject: { code: MagicValues.LIVE_CPF, name: "Luke Skywalker" },
        imageBase64: Fixtures.sdkPayload()
      }
      const first = yield* a.liveness.check(body)
      const second = yield* b.liveness.check(body)
      expect(first).toMatchObject({ verdict: "live", replayed: false })
      expect(second).toMatchObject({ verdict: "live", replayed: true })
      expect(second.process.id).toBe(first.process.id)
      expect([yield* a.calls, yield* b.calls]).toEqual([1, 0])
    }))

  it.scopedLive("two replicas checking one capture at once: one provider call, both get its outcome", () =>
    Effect.gen(function*() {
      const url = yield* RedisServer.shared
      const prefix = `test-${randomUUID()}:`
      const slow = { latency: Duration.millis(300) }
      const [a, b] = yield* Effect.all([workflow(url, prefix, slow), workflow(url, prefix, slow)])
      const body = { imageBase64: Fixtures.sdkPayload() }
      const results = yield* Effect.all([a.liveness.check(body), b.liveness.check(body)], { concurrency: 2 })
      expect(results.map((result) => result.replayed).sort()).toEqual([false, true])
      expect(results[0]!.process.id).toBe(results[1]!.process.id)
      expect((yield* a.calls) + (yield* b.calls)).toBe(1)
    }))

  it.scopedLive("Redis holds no payload and no subject: only digests and outcomes", () =>
    Effect.gen(function*() {
      const url = yield* RedisServer.shared
      const prefix = `test-${randomUUID()}:`
      const replica = yield* workflow(url, prefix)
      const payloads = [Fixtures.sdkPayload(), Fixtures.sdkPayload()]
      const subjects = [
        { code: "52998224725", name: "Padme Amidala Naberrie", email: "padme@naboo.example", phone: "5561999887766" },
        // The fake refuses this one's image (a remembered error outcome).
        { code: MagicValues.cpfOf("image-too-large"), name: "Jar Jar Binks" }
      ]
      yield* replica.liveness.check({ subject: subjects[0], imageBase64: payloads[0] })
      const refused = yield* Effect.flip(replica.liveness.check({ subject: subjects[1], imageBase64: payloads[1] }))
      expect(refused._tag).toBe("PayloadRejected")
      const redis = yield* inspector(url)
      const entries = yield* dump(redis, prefix)
      const captures = entries.filter(([key]) => key.startsWith(`${prefix}capture:`))
      expect(captures).toHaveLength(2)
      const text = entries.flat().join("\n")
      const secrets = Object.fromEntries(
        subjects.flatMap((subject, i) => Object.entries(subject).map(([field, value]) => [`${field} ${i}`, value]))
      )
      expect(Leaks.find(text, { secrets, payloads })).toEqual([])
      // What is there: a digest and the outcome, in under 512 bytes of Redis's memory each (the README's figure:
      // 360 with the default prefix).
      for (const [key, value] of captures) {
        expect(Object.keys(JSON.parse(value))).toEqual(["digest", "keepUntil", "outcome"])
        expect(yield* Effect.promise(() => redis.memory("USAGE", key))).toBeLessThan(512)
      }
    }))

  it.scopedLive("Redis stopped mid-run: checks go on, on the local ledger; once Redis is back, on Redis again", () => {
    const logs: Array<string> = []
    return Effect.gen(function*() {
      const server = yield* RedisServer.start()
      const replica = yield* workflow(server.url, "outage:")
      const check = (imageBase64: string) => replica.liveness.check({ imageBase64 })
      expect((yield* check(Fixtures.sdkPayload())).replayed).toBe(false)

      yield* server.kill
      yield* untilTrue(Effect.map(replica.coordination.state, (state) => state.status === "degraded"))
      const during = Fixtures.sdkPayload()
      expect((yield* check(during)).replayed).toBe(false)
      expect((yield* check(during)).replayed).toBe(true)
      expect(yield* replica.calls).toBe(2)
      const state = yield* replica.coordination.state
      expect(state.status).toBe("degraded")
      expect(state.fallbacks).toBeGreaterThan(0)
      const warnings = logs.filter((line) => line.startsWith("Redis unavailable"))
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toContain("a local capture ledger")

      yield* server.restart
      yield* untilTrue(Effect.map(replica.coordination.state, (state) => state.status === "connected"))
      // What the local ledger settled is still remembered: Redis coming back does not send it again.
      expect((yield* check(during)).replayed).toBe(true)
      const after = Fixtures.sdkPayload()
      expect((yield* check(after)).replayed).toBe(false)
      expect((yield* check(after)).replayed).toBe(true)
      expect(yield* replica.calls).toBe(3)
      const redis = yield* inspector(server.url)
      const captures = (yield* dump(redis, "outage:")).filter(([key]) => key.startsWith("outage:capture:"))
      // The restarted Redis (no persistence) holds the capture checked since, and only it.
      expect(captures).toHaveLength(1)
    }).pipe(capturingLogs(logs))
  })
})
