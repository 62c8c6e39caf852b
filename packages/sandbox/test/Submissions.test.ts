import { describe, expect, it } from "@effect/vitest"
import { Fixtures, Submissions } from "@liveness/fake"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import { type Faults, Sandbox } from "../src/index.js"
import { authHeaders, createProcess, seedBody, withSandbox } from "./support.js"

const stats = (sandbox: Sandbox.Sandbox) => Effect.runPromise(sandbox.stats)

/** The status of one request, or "reset" when the sandbox reset the connection; the body is read and dropped. */
const statusOf = (response: Promise<Response>) =>
  response.then(async (answer) => {
    await answer.arrayBuffer()
    return String(answer.status)
  }, () => "reset")

const submit = (sandbox: Sandbox.Sandbox, imageBase64: string, headers: Record<string, string>) =>
  statusOf(createProcess(sandbox, { ...seedBody(), imageBase64 }, headers))

/** Polls in real time until `condition` holds: for a request to reach the sandbox before the test moves its clock. */
const until = (condition: Effect.Effect<boolean>): Effect.Effect<void> =>
  Effect.flatMap(condition, (holds) =>
    holds
      ? Effect.void
      : Effect.zipRight(
        Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 5))),
        Effect.suspend(() => until(condition))
      ))

describe("Stats.submissionsByPayload: the answer to every request that carried a payload", () => {
  it("a 503 fault (before the engine) then live: [503, 200], one process, the engine reached once", () =>
    withSandbox({ rateLimit: false }, async (sandbox) => {
      const headers = await authHeaders(sandbox)
      const payload = Fixtures.sdkPayload()
      sandbox.faults.enqueue({ _tag: "status", status: 503 })
      expect([await submit(sandbox, payload, headers), await submit(sandbox, payload, headers)]).toEqual(["503", "200"])
      const current = await stats(sandbox)
      const print = Fixtures.fingerprint(payload)
      expect(current.submissionsByPayload).toEqual({ [print]: ["503", "200"] })
      expect(current.submissions).toBe(2)
      expect(current.processesByPayload).toEqual({ [print]: 1 })
      expect(Submissions.countMayHaveBeenProcessed(current.submissionsByPayload[print]!)).toBe(1)
      // The engine's own record saw only the request that reached it.
      expect((await Effect.runPromise(sandbox.engine.submissionsByPayload)).get(print)).toEqual(["200"])
    }))

  it("faults before and after processing: a reset is \"reset\", a 500 is \"500\", a truncated 200 is \"200\"", () =>
    withSandbox({ rateLimit: false }, async (sandbox) => {
      const headers = await authHeaders(sandbox)
      const faults: ReadonlyArray<readonly [Faults.Fault, string]> = [
        [{ _tag: "reset-before" }, "reset"],
        [{ _tag: "reset-after" }, "reset"],
        [{ _tag: "status", status: 500 }, "500"],
        [{ _tag: "rate-limited", retryAfterSeconds: 1 }, "429"],
        [{ _tag: "malformed-json" }, "200"],
        [{ _tag: "slow-body", millis: 10 }, "200"]
      ]
      const payloads = faults.map(() => Fixtures.sdkPayload())
      for (const [index, [fault, seen]] of faults.entries()) {
        sandbox.faults.enqueue(fault)
        expect(await submit(sandbox, payloads[index]!, headers), fault._tag).toBe(seen)
      }
      const current = await stats(sandbox)
      expect(payloads.map((payload) => current.submissionsByPayload[Fixtures.fingerprint(payload)])).toEqual(
        faults.map(([, seen]) => [seen])
      )
      expect(current.submissions).toBe(faults.length)
      // Processed: after the reset-after and the two answers of 200 only.
      expect(current.processes).toBe(3)
    }))

  it("a replayed SDK payload: [200, 400]; different payloads are counted apart", () =>
    withSandbox({ rateLimit: false }, async (sandbox) => {
      const headers = await authHeaders(sandbox)
      const [replayed, other] = [Fixtures.sdkPayload(), Fixtures.image()]
      expect(await submit(sandbox, replayed, headers)).toBe("200")
      expect(await submit(sandbox, other, headers)).toBe("200")
      expect(await submit(sandbox, replayed, headers)).toBe("400")
      expect((await stats(sandbox)).submissionsByPayload).toEqual({
        [Fixtures.fingerprint(replayed)]: ["200", "400"],
        [Fixtures.fingerprint(other)]: ["200"]
      })
    }))

  it("refusals before the engine count when the body carried a payload; a body without one counts nowhere", () =>
    withSandbox({ rateLimit: false }, async (sandbox) => {
      const headers = await authHeaders(sandbox)
      const payload = Fixtures.sdkPayload()
      const body = { ...seedBody(), imageBase64: payload }
      // In turn: the record is in arrival order.
      const inTurn = async (requests: ReadonlyArray<() => Promise<Response>>) => {
        const seen: Array<string> = []
        for (const request of requests) seen.push(await statusOf(request()))
        return seen
      }
      const refused = await inTurn([
        () => createProcess(sandbox, body, { apikey: headers.apikey }),
        () => createProcess(sandbox, body, { ...headers, authorization: "Bearer nope" }),
        () => createProcess(sandbox, body, { ...headers, apikey: "someone-elses-key" }),
        () => createProcess(sandbox, { ...body, subject: { code: "12345678900", name: "Luke Skywalker" } }, headers)
      ])
      expect(refused).toEqual(["400", "401", "403", "400"])
      const unattributed = await inTurn([
        () => createProcess(sandbox, "{not json", headers),
        () => createProcess(sandbox, { subject: body.subject }, headers),
        () => createProcess(sandbox, { ...body, imageBase64: 42 }, headers),
        () => createProcess(sandbox, { ...body, imageBase64: "" }, headers)
      ])
      expect(unattributed).toEqual(["400", "400", "400", "400"])
      const current = await stats(sandbox)
      expect(current.submissionsByPayload).toEqual({ [Fixtures.fingerprint(payload)]: refused })
      expect(current.submissions).toBe(4)
      expect(current.processes).toBe(0)
    }))

  // Under TestClock (the sandbox reads the clock of the effect that starts it): the bucket refills only when the
  // test moves time.
  it.scoped("the tenant quota's 429 is recorded: [200, 429] for two payloads, then [429, 200] once refilled", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.start({ rateLimit: { limit: 1, intervalMillis: 1000 } })
      const headers = yield* Effect.promise(() => authHeaders(sandbox, { iat: 0, exp: 3600 }))
      const [first, second] = [Fixtures.sdkPayload(), Fixtures.sdkPayload()]
      expect(yield* Effect.promise(() => submit(sandbox, first, headers))).toBe("200")
      expect(yield* Effect.promise(() => submit(sandbox, second, headers))).toBe("429")
      yield* TestClock.adjust("1 second")
      expect(yield* Effect.promise(() => submit(sandbox, second, headers))).toBe("200")
      const current = yield* sandbox.stats
      expect(current.submissionsByPayload).toEqual({
        [Fixtures.fingerprint(first)]: ["200"],
        [Fixtures.fingerprint(second)]: ["429", "200"]
      })
      expect(current.requestsByStatus).toEqual({ "200": 2, "429": 1 })
    }))

  it.scoped("in arrival order: a request held by a latency fault is pending, in its place, until it is answered", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.start({ rateLimit: false })
      const headers = yield* Effect.promise(() => authHeaders(sandbox, { iat: 0, exp: 3600 }))
      const payload = Fixtures.sdkPayload()
      const print = Fixtures.fingerprint(payload)
      const answers = Effect.map(sandbox.stats, (current) => current.submissionsByPayload[print])
      sandbox.faults.enqueue({ _tag: "latency", millis: 600 })
      const held = submit(sandbox, payload, headers)
      yield* until(Effect.map(TestClock.sleeps(), Chunk.some((wakeAt) => wakeAt === 600)))
      expect(yield* answers).toEqual(["pending"])
      // The second request overtakes the first: it spends the payload, and the first is then refused as reused.
      expect(yield* Effect.promise(() => submit(sandbox, payload, headers))).toBe("200")
      expect(yield* answers).toEqual(["pending", "200"])
      yield* TestClock.adjust("600 millis")
      expect(yield* Effect.promise(() => held)).toBe("400")
      expect(yield* answers).toEqual(["400", "200"])
      expect((yield* sandbox.stats).submissions).toBe(2)
    }))
})
