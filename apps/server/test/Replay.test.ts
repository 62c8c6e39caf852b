/**
 * One capture, one answer, over real HTTP: the gateway on the real HTTP adapter against an in-process sandbox, whose
 * `submissionsByPayload` is what the provider saw. A capture sent again by its caller gets the first answer (status
 * and body, errors too) marked `Idempotent-Replayed: true` with no second submission; another caller key gets the
 * reuse rejection with none; `Idempotency-Key` binds a key to its first body; a caller that leaves mid-check finds
 * the outcome on its retry. Every test uses payloads of its own (`Fixtures.sdkPayload()` makes unique ones).
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Fixtures } from "@liveness/fake"
import { Sandbox } from "@liveness/sandbox"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import { request } from "node:http"
import {
  checksInFlight,
  eventually,
  expectProblem,
  postJson,
  type ProblemBody,
  raw,
  seedBody,
  startGateway,
  type TestGateway
} from "./support.js"

const FIRST_KEY = "replay-first-caller-key-0001"
const SECOND_KEY = "replay-second-caller-key-0002"
const first = { authorization: `Bearer ${FIRST_KEY}` }
const second = { authorization: `Bearer ${SECOND_KEY}` }
const REPLAYED = "idempotent-replayed"

let scope: Scope.CloseableScope
let sandbox: Sandbox.Sandbox
let gw: TestGateway

beforeAll(async () => {
  scope = Effect.runSync(Scope.make())
  sandbox = await Effect.runPromise(Sandbox.start({ rateLimit: false }).pipe(Scope.extend(scope)))
  gw = await startGateway({
    LIVENESS_PROVIDER: "unico",
    ...Sandbox.unicoEnvironment(sandbox),
    GATEWAY_API_KEYS: `${FIRST_KEY},${SECOND_KEY}`,
    GATEWAY_RATE_LIMIT: "0",
    LIVENESS_MAX_ATTEMPTS: "1"
  })
})

afterAll(async () => {
  await gw.close()
  await Effect.runPromise(Scope.close(scope, Exit.void))
})

/** The sandbox's answer to every submission of this payload, in arrival order. */
const submissions = async (payload: string) =>
  (await Effect.runPromise(sandbox.stats)).submissionsByPayload[Fixtures.fingerprint(payload)] ?? []

/** A response read once: status, the replay header, the request id and the parsed body. */
const read = async (response: Response) => ({
  status: response.status,
  replayed: response.headers.get(REPLAYED),
  requestId: response.headers.get("x-request-id"),
  body: (await response.json()) as Record<string, unknown>
})

/** A problem body without its request id: what a replay of it must repeat. */
const withoutRequestId = ({ requestId: _requestId, ...rest }: ProblemBody) => rest

const metric = async (series: string) => {
  const text = await (await fetch(`${gw.url}/metrics`)).text()
  const line = text.split("\n").find((sample) => sample.startsWith(`${series} `))
  return line === undefined ? 0 : Number(line.slice(series.length + 1))
}

describe("a capture sent again by its caller", () => {
  it("the same body twice: the same 200 and body (the process id), the second marked as a replay, one submission", async () => {
    const body = seedBody()
    const replaysBefore = await metric("gateway_replays_total")
    const answered = await read(await postJson(gw.url, body, first))
    const again = await read(await postJson(gw.url, body, first))
    expect(answered).toMatchObject({ status: 200, replayed: null, body: { verdict: "live" } })
    expect(again).toMatchObject({ status: 200, replayed: "true" })
    expect(again.body).toEqual(answered.body)
    // A replay is a request of its own: its own request id.
    expect(again.requestId).not.toBe(answered.requestId)
    expect(await submissions(body.imageBase64)).toEqual(["200"])
    expect(await metric("gateway_replays_total")).toBe(replaysBefore + 1)
    expect(await metric("liveness_capture_ledger_total{result=\"replayed\"}")).toBeGreaterThan(0)
    const line = gw.logs.find((log) => log.requestId === again.requestId && log.msg === "request completed")
    expect(line).toMatchObject({ status: 200, replayed: true, processId: answered.body.id, caller: "key-1" })
  })

  it("a remembered error: a 500 on an SDK payload is outcome-unknown, then the same problem again, replayed", async () => {
    const body = seedBody()
    sandbox.faults.enqueue({ _tag: "status", status: 500 })
    const unknown = await postJson(gw.url, body, first)
    expect(unknown.headers.get(REPLAYED)).toBeNull()
    const problem = await expectProblem(unknown, 502, "outcome-unknown")
    const again = await postJson(gw.url, body, first)
    expect(again.headers.get(REPLAYED)).toBe("true")
    const replayed = await expectProblem(again, 502, "outcome-unknown")
    expect(replayed.requestId).not.toBe(problem.requestId)
    expect(withoutRequestId(replayed)).toEqual(withoutRequestId(problem))
    expect(await submissions(body.imageBase64)).toEqual(["500"])
  })

  it("a failure that provably sent nothing (a 503) is not remembered: the retry is sent, and is no replay", async () => {
    const body = seedBody()
    sandbox.faults.enqueue({ _tag: "status", status: 503 })
    const unavailable = await expectProblem(await postJson(gw.url, body, first), 503, "provider-unavailable")
    expect(unavailable.mayHaveBeenProcessed).toBe(false)
    const retried = await read(await postJson(gw.url, body, first))
    expect(retried).toMatchObject({ status: 200, replayed: null })
    expect(await submissions(body.imageBase64)).toEqual(["503", "200"])
  })

  it("5 concurrent identical requests: one submission, the same answer for all, 4 marked as replays", async () => {
    const body = seedBody()
    // The first holds the capture for a while: the others arrive while it is in flight, and wait for it.
    sandbox.faults.enqueue({ _tag: "latency", millis: 500 })
    const answers = await Promise.all(Array.from({ length: 5 }, async () => read(await postJson(gw.url, body, first))))
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200])
    for (const answer of answers) expect(answer.body).toEqual(answers[0]!.body)
    expect(answers.filter((answer) => answer.replayed === "true")).toHaveLength(4)
    expect(await submissions(body.imageBase64)).toEqual(["200"])
  })
})

describe("a capture sent by another caller key", () => {
  it("is refused as reused (422, 10508), without a submission and without the first caller's answer", async () => {
    const body = seedBody()
    const answered = await read(await postJson(gw.url, body, first))
    expect(answered.status).toBe(200)
    for (const _ of [1, 2]) {
      const response = await postJson(gw.url, body, second)
      // The other caller's refusal is its own answer, not a replay of anything.
      expect(response.headers.get(REPLAYED)).toBeNull()
      const problem = await expectProblem(response, 422, "payload-rejected")
      expect(problem).toMatchObject({ reason: "reused", providerCode: "10508", code: "payload_rejected" })
      expect(JSON.stringify(problem)).not.toContain(String(answered.body.id))
    }
    expect(await submissions(body.imageBase64)).toEqual(["200"])
    // The first caller still gets its own answer.
    expect(await read(await postJson(gw.url, body, first))).toMatchObject({ replayed: "true", body: answered.body })
  })
})

describe("Idempotency-Key", () => {
  it("the same key and the same body: a replay; spelled quoted or bare, in another key order, still the same", async () => {
    const body = seedBody()
    const key = `"${crypto.randomUUID()}"`
    const answered = await read(await postJson(gw.url, body, { ...first, "idempotency-key": key }))
    expect(answered).toMatchObject({ status: 200, replayed: null })
    const reordered = { imageBase64: body.imageBase64, subsidiaryId: body.subsidiaryId, subject: body.subject }
    for (const spelled of [key, key.slice(1, -1)]) {
      const again = await read(await postJson(gw.url, reordered, { ...first, "idempotency-key": spelled }))
      expect(again).toMatchObject({ status: 200, replayed: "true", body: answered.body })
    }
    expect(await submissions(body.imageBase64)).toEqual(["200"])
  })

  it("the same key with another body: 422 idempotency-key-reused, and that body is never submitted", async () => {
    const key = { ...first, "idempotency-key": crypto.randomUUID() }
    const body = seedBody()
    expect((await postJson(gw.url, body, key)).status).toBe(200)
    const other = seedBody()
    const reused = await postJson(gw.url, other, key)
    expect(reused.headers.get(REPLAYED)).toBeNull()
    const problem = await expectProblem(reused, 422, "idempotency-key-reused")
    expect(problem.code).toBe("idempotency_key_reused")
    expect(await submissions(other.imageBase64)).toEqual([])
    // Even a changed subject with the same capture is another body.
    const renamed = { ...body, subject: { ...body.subject, name: "Leia Organa" } }
    await expectProblem(await postJson(gw.url, renamed, key), 422, "idempotency-key-reused")
    expect(await submissions(body.imageBase64)).toEqual(["200"])
  })

  it("is scoped to the caller key: another caller's same key with its own body is its own request", async () => {
    const key = crypto.randomUUID()
    expect((await postJson(gw.url, seedBody(), { ...first, "idempotency-key": key })).status).toBe(200)
    const theirs = seedBody()
    const answered = await read(await postJson(gw.url, theirs, { ...second, "idempotency-key": key }))
    expect(answered).toMatchObject({ status: 200, replayed: null })
    expect(await submissions(theirs.imageBase64)).toEqual(["200"])
  })

  it("a malformed key is a 400 invalid-request on field Idempotency-Key, and nothing is submitted", async () => {
    const body = seedBody()
    const malformed: ReadonlyArray<readonly [string | ReadonlyArray<string>, string]> = [
      ["", "must not be empty"],
      ["\"\"", "must not be empty"],
      ["x".repeat(256), "must be at most 255 characters"],
      [`"${"x".repeat(256)}"`, "must be at most 255 characters"],
      ["\"unterminated", "must be a quoted string of printable ASCII characters (or a bare value of visible ones)"],
      ["two words", "must be a quoted string of printable ASCII characters (or a bare value of visible ones)"],
      ["caf\u00e9", "must be a quoted string of printable ASCII characters (or a bare value of visible ones)"],
      [["one", "two"], "must be sent once"]
    ]
    for (const [value, message] of malformed) {
      const headers = { ...first, "content-type": "application/json", "idempotency-key": value }
      const response = await raw(gw.url, "POST", "/processes/v1", headers, JSON.stringify(body))
      const problem = await expectProblem(response, 400, "invalid-request")
      expect(problem.errors, JSON.stringify(value)).toEqual([{ field: "Idempotency-Key", message }])
    }
    expect(await submissions(body.imageBase64)).toEqual([])
    // The longest key taken: 255 characters.
    expect((await postJson(gw.url, body, { ...first, "idempotency-key": "k".repeat(255) })).status).toBe(200)
  })
})

describe("a caller that disconnects mid-check", () => {
  it("the check finishes, its outcome is kept, and the caller's retry gets it, replayed, with one submission", async () => {
    const body = seedBody()
    sandbox.faults.enqueue({ _tag: "latency", millis: 1500 })
    const gone = request(`${gw.url}/processes/v1`, {
      method: "POST",
      headers: { ...first, "content-type": "application/json", "x-request-id": "replay-gone-caller" }
    })
    gone.on("error", () => {})
    gone.end(JSON.stringify(body))
    await checksInFlight(gw.url, 1)
    gone.destroy()

    const retried = await read(await postJson(gw.url, body, first))
    expect(retried).toMatchObject({ status: 200, replayed: "true", body: { verdict: "live" } })
    const finished = await eventually(() =>
      gw.logs.find((log) =>
        log.requestId === "replay-gone-caller" && log.msg === "check finished after the caller disconnected"
      )
    )
    expect(finished).toMatchObject({ verdict: "live", processId: retried.body.id })
    expect(await submissions(body.imageBase64)).toEqual(["200"])
  })
})
