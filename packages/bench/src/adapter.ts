/**
 * Benchmark 1, adapter overhead against its peers: every client below calls one cheap provider stub (src/Stub.ts,
 * its own process on 127.0.0.1: no validation, no crypto, so both sides of every ratio pay the same small server
 * cost) in the same run, in alternated rounds, in three configurations: a tiny body at concurrency 32, a ~200 KB
 * SDK payload at concurrency 1, and a tiny body at concurrency 1 for latency percentiles. The rows:
 *
 * - raw undici: `request()` with a keep-alive `Agent`, `JSON.stringify` of the same body, `await body.json()`; a
 *   token fetched once. The limit: nothing sends the request with less work.
 * - naive Effect HttpClient: `@effect/platform`'s `HttpClient` from `NodeHttpClient.layerUndici` as a user would
 *   write it by hand (`HttpClientRequest.post`, `bearerToken`, `APIKEY`, `bodyUnsafeJson`, `filterStatusOk`,
 *   `HttpClientResponse.schemaBodyJson` decode of the answer, `Effect.scoped`), token fetched once.
 * - AWS SDK v3: `@aws-sdk/client-rekognition` `CreateFaceLivenessSession` (the peer), SigV4-signed, over a keep-alive
 *   `NodeHttpHandler` (its default agent: keep-alive, 50 sockets); its request body is `{}`, so it has no 200 KB row.
 * - `Liveness.check` over `UnicoHttp`: the real workflow (`Liveness.layer` over `UnicoHttp.layer` over
 *   `UndiciHttpClient.layer()`, the HttpClient the runtime provides: validation, capture ledger, retry policy,
 *   deadline, metrics, token cache), no tenant limiter, logs off. The goals are this row's. The same over
 *   `NodeHttpClient.layerUndici`, for comparison.
 * - `Liveness.check` over `FakeProvider`: the same workflow with no HTTP, for reference only (the fake does Unico's
 *   payload work in process, so it is not part of any goal).
 *
 * Every call has a fresh payload, generated before its round's clock starts (the workflow's capture ledger would
 * answer a repeated payload without a request); the stub's request counts are checked against the calls made.
 * Client CPU per call (`process.cpuUsage` over the round, divided by its calls) is the stable figure; throughput is
 * given as a ratio to raw undici in the same configuration. `BENCH_SCALE` (default 1) scales every count, e.g.
 * `BENCH_SCALE=0.1` while developing. Run alone: `pnpm --filter @liveness/bench bench:adapter`.
 */
import { CreateFaceLivenessSessionCommand, RekognitionClient } from "@aws-sdk/client-rekognition"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { CheckPolicy, Liveness } from "@liveness/core"
import { FakeProvider, Fixtures } from "@liveness/fake"
import { UndiciHttpClient, UnicoHttp } from "@liveness/unico-http"
import { NodeHttpHandler } from "@smithy/node-http-handler"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { generateKeyPairSync } from "node:crypto"
import { Agent as HttpAgent } from "node:http"
import { Agent, request } from "undici"
import { procCpuMillis, startStub, type Stub, type StubCounts } from "./Child.js"
import { uniqueSdkPayloads } from "./Payloads.js"
import { percentile, print, table, writeSection } from "./Report.js"

const SCALE = Number(process.env.BENCH_SCALE ?? "1")
if (!(SCALE > 0)) throw new Error(`BENCH_SCALE must be a positive number, not ${process.env.BENCH_SCALE}`)
const scaled = (n: number) => Math.max(10, Math.round(n * SCALE))

const ROUNDS = 4
const API_KEY = "k"
const BIG_BODY = 200_000

type ClientName = "undici" | "naive" | "aws" | "adapter" | "adapterUndici" | "fake"

const LABELS: Record<ClientName, string> = {
  undici: "raw undici `request` (the limit)",
  naive: "naive `@effect/platform` HttpClient (`layerUndici`, Schema decode)",
  aws: "AWS SDK v3 `CreateFaceLivenessSession` (the peer)",
  adapter: "**`Liveness.check` over `UnicoHttp`** (on `UndiciHttpClient`, as the runtime ships it)",
  adapterUndici: "`Liveness.check` over `UnicoHttp` on `NodeHttpClient.layerUndici` (for comparison)",
  fake: "`Liveness.check` over `FakeProvider` (reference, no HTTP)"
}

/** Which stub counter a client's call increments (the fake makes no request). */
const HITS: Record<ClientName, keyof StubCounts | undefined> = {
  undici: "processes",
  naive: "processes",
  aws: "aws",
  adapter: "processes",
  adapterUndici: "processes",
  fake: undefined
}

interface Configuration {
  readonly key: "tiny32" | "big1" | "tiny1"
  readonly title: string
  readonly concurrency: number
  readonly perRound: number
  readonly warmup: number
  readonly clients: ReadonlyArray<ClientName>
  /** A fresh payload for one call. */
  readonly payload: () => string
}

interface Round {
  readonly calls: number
  readonly seconds: number
  readonly latencies: Array<number>
  readonly failed: number
  /** CPU time of this (client) process during the round, in milliseconds; the stub is another process. */
  readonly cpuMillis: number
  /** CPU time of the stub process during the round (10 ms resolution). */
  readonly stubCpuMillis: number
  /** Requests the stub counted during the round for this client's endpoint. */
  readonly reached: number
}

/** Runs `one` over every payload with `concurrency` workers, timing each call. */
const pool = async (
  payloads: ReadonlyArray<string>,
  concurrency: number,
  one: (payload: string) => Promise<boolean>
) => {
  const latencies: Array<number> = []
  let next = 0
  let failed = 0
  const started = performance.now()
  const cpu = process.cpuUsage()
  const worker = async () => {
    while (next < payloads.length) {
      const payload = payloads[next++]!
      const t0 = performance.now()
      const ok = await one(payload).catch(() => false)
      latencies.push(performance.now() - t0)
      if (!ok) failed++
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  const used = process.cpuUsage(cpu)
  return {
    calls: payloads.length,
    seconds: (performance.now() - started) / 1000,
    latencies,
    failed,
    cpuMillis: (used.user + used.system) / 1000
  }
}

/** The clients, each a function of one payload that resolves true when the call got its answer (also for profiling). */
export const makeClients = async (
  stub: Stub,
  /** Added to every Effect client's runtime (src/profile.ts counts fibers and operations with a supervisor). */
  options: { readonly instrument?: Layer.Layer<never> | undefined } = {}
) => {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 })
  const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString()
  const quiet = options.instrument === undefined
    ? Logger.remove(Logger.defaultLogger)
    : Layer.merge(Logger.remove(Logger.defaultLogger), options.instrument)
  const policy = CheckPolicy.layer({ rateLimit: undefined })

  // The real adapter under the real workflow, over an HttpClient.
  const overAdapter = (client: Layer.Layer<HttpClient.HttpClient>) =>
    ManagedRuntime.make(
      Liveness.layer.pipe(
        Layer.provide(
          UnicoHttp.layer({
            environment: "uat",
            authUrl: stub.url,
            apiUrl: stub.url,
            issuer: "bench@tenant.iam.acesso.io",
            privateKey: Redacted.make(pem),
            apiKey: Redacted.make(API_KEY)
          }).pipe(Layer.orDie)
        ),
        Layer.provide(client),
        Layer.provide(policy),
        Layer.provide(quiet)
      )
    )
  // As the runtime provides it (`LIVENESS_PROVIDER=unico`), and over the default undici client for comparison.
  const adapterRuntime = overAdapter(UndiciHttpClient.layer())
  const adapterUndiciRuntime = overAdapter(NodeHttpClient.layerUndici)
  // The same workflow over the in-memory fake.
  const fakeRuntime = ManagedRuntime.make(
    Liveness.layer.pipe(Layer.provide(FakeProvider.layer()), Layer.provide(policy), Layer.provide(quiet))
  )
  const checkWith = (runtime: typeof adapterRuntime | typeof fakeRuntime) => (payload: string) =>
    runtime.runPromise(Effect.either(Liveness.check({ imageBase64: payload }))).then(Either.isRight)

  // One token for the hand-written clients, as a user would cache it.
  const agent = new Agent()
  const tokenResponse = await request(`${stub.url}/oauth2/token`, {
    method: "POST",
    dispatcher: agent,
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
    body: new URLSearchParams({ grant_type: UnicoHttp.GRANT_TYPE, assertion: "unsigned" }).toString()
  })
  const token = ((await tokenResponse.body.json()) as { access_token: string }).access_token

  const undici = async (payload: string) => {
    const response = await request(`${stub.url}/processes/v1`, {
      method: "POST",
      dispatcher: agent,
      headers: {
        authorization: `Bearer ${token}`,
        apikey: API_KEY,
        accept: "application/json",
        "content-type": "application/json"
      },
      body: JSON.stringify({ imageBase64: payload })
    })
    const answer = (await response.body.json()) as { id?: unknown }
    return response.statusCode === 200 && typeof answer.id === "string"
  }

  // The naive Effect client: what a user writing it by hand over `@effect/platform` would do.
  const naiveRuntime = ManagedRuntime.make(Layer.merge(NodeHttpClient.layerUndici, quiet))
  const httpClient = (await naiveRuntime.runPromise(HttpClient.HttpClient)).pipe(HttpClient.filterStatusOk)
  const Process = Schema.Struct({ id: Schema.String, status: Schema.Number, liveness: Schema.optional(Schema.Number) })
  const naive = (payload: string) =>
    HttpClientRequest.post(`${stub.url}/processes/v1`).pipe(
      HttpClientRequest.bearerToken(token),
      HttpClientRequest.setHeader("APIKEY", API_KEY),
      HttpClientRequest.bodyUnsafeJson({ imageBase64: payload }),
      httpClient.execute,
      Effect.flatMap(HttpClientResponse.schemaBodyJson(Process)),
      Effect.scoped,
      Effect.either,
      naiveRuntime.runPromise
    ).then(Either.isRight)

  // The peer: AWS SDK v3, its Node handler with its default keep-alive agent made explicit.
  const rekognition = new RekognitionClient({
    endpoint: stub.url,
    region: "us-east-1",
    credentials: { accessKeyId: "x", secretAccessKey: "y" },
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 50 }) })
  })
  const aws = async () => {
    const answer = await rekognition.send(new CreateFaceLivenessSessionCommand({}))
    return typeof answer.SessionId === "string"
  }

  const clients: Record<ClientName, (payload: string) => Promise<boolean>> = {
    undici,
    naive,
    aws,
    adapter: checkWith(adapterRuntime),
    adapterUndici: checkWith(adapterUndiciRuntime),
    fake: checkWith(fakeRuntime)
  }
  const close = async () => {
    await adapterRuntime.dispose()
    await adapterUndiciRuntime.dispose()
    await fakeRuntime.dispose()
    await naiveRuntime.dispose()
    await agent.close()
    rekognition.destroy()
  }
  return { clients, close }
}

export const runAsync = async () => {
  const stub = await startStub()
  const big = uniqueSdkPayloads(BIG_BODY)
  const tiny = () => Fixtures.sdkPayload()
  const all: ReadonlyArray<ClientName> = ["undici", "naive", "aws", "adapter", "adapterUndici", "fake"]
  const configurations: ReadonlyArray<Configuration> = [
    {
      key: "tiny32",
      title: "tiny body, concurrency 32",
      concurrency: 32,
      perRound: scaled(5000),
      warmup: scaled(1000),
      clients: all,
      payload: tiny
    },
    {
      key: "big1",
      title: `${Math.round(big.size / 1000)} KB body, concurrency 1`,
      concurrency: 1,
      perRound: scaled(400),
      warmup: scaled(50),
      clients: all.filter((name) => name !== "aws"),
      payload: big.next
    },
    {
      key: "tiny1",
      title: "tiny body, concurrency 1",
      concurrency: 1,
      perRound: scaled(2000),
      warmup: scaled(200),
      clients: all,
      payload: tiny
    }
  ]
  try {
    const { clients, close } = await makeClients(stub)
    const pid = stub.child.process.pid ?? 0
    const measure = async (configuration: Configuration, name: ClientName, calls: number): Promise<Round> => {
      // Fresh payloads, made before the clock starts (the 200 KB ones share their tail: each is a few bytes).
      const payloads = Array.from({ length: calls }, configuration.payload)
      const before = await stub.counts()
      const stubCpu = procCpuMillis(pid)
      const round = await pool(payloads, configuration.concurrency, clients[name])
      const stubCpuMillis = procCpuMillis(pid) - stubCpu
      const after = await stub.counts()
      const hits = HITS[name]
      return { ...round, stubCpuMillis, reached: hits === undefined ? 0 : after[hits] - before[hits] }
    }

    const rounds = new Map<string, Array<Round>>()
    for (const configuration of configurations) {
      // Warm every client (connections, token, JIT) in this configuration, outside the measurement.
      for (const name of configuration.clients) await measure(configuration, name, configuration.warmup)
      for (let round = 0; round < ROUNDS; round++) {
        // Alternated, and the first client changes every round so none always runs after the same one.
        const order = configuration.clients.map((_, i) =>
          configuration.clients[(i + round) % configuration.clients.length]!
        )
        for (const name of order) {
          const key = `${configuration.key}/${name}`
          const list = rounds.get(key) ?? []
          list.push(await measure(configuration, name, configuration.perRound))
          rounds.set(key, list)
        }
      }
    }
    await close()

    const summary = (configuration: Configuration, name: ClientName) => {
      const list = rounds.get(`${configuration.key}/${name}`)!
      const base = rounds.get(`${configuration.key}/undici`)!
      const calls = list.reduce((sum, r) => sum + r.calls, 0)
      const latencies = list.flatMap((r) => r.latencies).sort((x, y) => x - y)
      const rate = calls / list.reduce((sum, r) => sum + r.seconds, 0)
      const baseRate = base.reduce((sum, r) => sum + r.calls, 0) / base.reduce((sum, r) => sum + r.seconds, 0)
      const perRound = list.map((r, i) => (r.calls / r.seconds) / (base[i]!.calls / base[i]!.seconds))
      return {
        calls,
        failed: list.reduce((sum, r) => sum + r.failed, 0),
        reached: HITS[name] === undefined ? undefined : list.reduce((sum, r) => sum + r.reached, 0),
        rate,
        ratio: rate / baseRate,
        ratioMin: Math.min(...perRound),
        ratioMax: Math.max(...perRound),
        cpu: list.reduce((sum, r) => sum + r.cpuMillis, 0) / calls,
        stubCpu: list.reduce((sum, r) => sum + r.stubCpuMillis, 0) / calls,
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99)
      }
    }
    type Summary = ReturnType<typeof summary>
    const results = new Map<string, Summary>()
    for (const configuration of configurations) {
      for (const name of configuration.clients) {
        results.set(`${configuration.key}/${name}`, summary(configuration, name))
      }
    }
    const get = (key: Configuration["key"], name: ClientName) => results.get(`${key}/${name}`)
    const [tiny32, big1, tiny1] = configurations as [Configuration, Configuration, Configuration]

    // The issue's table: client CPU per call, throughput ratio to raw undici in brackets.
    const cell = (s: Summary | undefined) =>
      s === undefined ?
        "—" :
        `${s.cpu.toFixed(2)} ms (${s.ratio.toFixed(2)}; ${s.ratioMin.toFixed(2)}–${s.ratioMax.toFixed(2)})`
    const summaryHead = [
      "client, same stub, same run",
      `${tiny32.title}: CPU/call (ratio; per-round range)`,
      `${big1.title}: CPU/call (ratio; per-round range)`
    ]
    const summaryRows = all.map((name) => [LABELS[name], cell(get("tiny32", name)), cell(get("big1", name))])

    const detailHead = [
      "configuration",
      "client",
      "calls",
      "failed",
      "reached stub",
      "calls/s",
      "ratio to undici",
      "client CPU ms/call",
      "stub CPU ms/call",
      "p50 ms",
      "p99 ms"
    ]
    const detailRows = configurations.flatMap((configuration) =>
      configuration.clients.map((name) => {
        const s = get(configuration.key, name)!
        return [
          configuration.title,
          name,
          s.calls,
          s.failed,
          s.reached ?? "— (no HTTP)",
          s.rate.toFixed(0),
          s.ratio.toFixed(3),
          s.cpu.toFixed(3),
          s.reached === undefined ? "—" : s.stubCpu.toFixed(3),
          s.p50.toFixed(2),
          s.p99.toFixed(2)
        ]
      })
    )

    const undici1 = get("tiny1", "undici")!
    const latencyHead = ["client (tiny body, concurrency 1)", "p50 ms", "p99 ms", "added p50 ms", "added p99 ms"]
    const latencyRows = tiny1.clients.map((name) => {
      const s = get("tiny1", name)!
      return [
        LABELS[name],
        s.p50.toFixed(2),
        s.p99.toFixed(2),
        name === "undici" ? "—" : (s.p50 - undici1.p50).toFixed(2),
        name === "undici" ? "—" : (s.p99 - undici1.p99).toFixed(2)
      ]
    })

    // Every HTTP call must have reached the stub exactly once, and every call must have succeeded.
    const unreached = [...results.entries()].filter(([, s]) => s.reached !== undefined && s.reached !== s.calls)
    const failures = [...results.entries()].filter(([, s]) => s.failed > 0)
    const stubCounts = await stub.counts()
    const reachedLine = unreached.length === 0
      ? `Every HTTP call reached the stub once (stub counters at the end, warm-ups included: ${stubCounts.processes} ` +
        `\`POST /processes/v1\`, ${stubCounts.aws} \`CreateFaceLivenessSession\`, ${stubCounts.tokens} tokens).`
      : `NOT every call reached the stub: ${
        unreached.map(([key, s]) => `${key} ${s.reached} of ${s.calls}`).join(", ")
      } (stub counters: ${JSON.stringify(stubCounts)}).`
    const failedLine = failures.length === 0
      ? "No call failed."
      : `Failed calls: ${failures.map(([key, s]) => `${key} ${s.failed}`).join(", ")}.`

    const adapter32 = get("tiny32", "adapter")!
    const naive32 = get("tiny32", "naive")!
    const aws32 = get("tiny32", "aws")!
    const adapterBig = get("big1", "adapter")!
    const addedP99 = get("tiny1", "adapter")!.p99 - undici1.p99
    const valid = unreached.length === 0 && failures.length === 0
    const verdict = (met: boolean) => (met && valid ? "met" : "not met")
    const goals = [
      `Adapter, ${tiny32.title}: throughput ≥ 0.5× raw undici (${adapter32.ratio.toFixed(3)}), and CPU per check ` +
      `below the naive HttpClient's (${adapter32.cpu.toFixed(3)} vs ${naive32.cpu.toFixed(3)} ms) and AWS SDK ` +
      `v3's (vs ${aws32.cpu.toFixed(3)} ms): **${
        verdict(adapter32.ratio >= 0.5 && adapter32.cpu < naive32.cpu && adapter32.cpu < aws32.cpu)
      }**.`,
      `Adapter, ${big1.title}: throughput ≥ 0.85× raw undici (${adapterBig.ratio.toFixed(3)}): **${
        verdict(adapterBig.ratio >= 0.85)
      }**.`,
      `Added latency, ${tiny1.title}: p99 added over raw undici < 2 ms (${addedP99.toFixed(2)} ms): **${
        verdict(addedP99 < 2)
      }**.`
    ]

    print("Adapter against its peers (client CPU per call; throughput ratio to raw undici)", summaryHead, summaryRows)
    print("Every row", detailHead, detailRows)
    print("Latency at concurrency 1, tiny body", latencyHead, latencyRows)
    console.log(`\n${reachedLine} ${failedLine}`)
    for (const goal of goals) console.log(`- ${goal.replace(/\*\*/g, "")}`)

    writeSection(
      "adapter",
      [
        "## Adapter overhead, against its peers",
        "",
        "`pnpm --filter @liveness/bench bench:adapter` — every client calls one cheap provider stub",
        "(`packages/bench/src/Stub.ts`: a bare `node:http` server in its own process on 127.0.0.1 that reads and",
        "discards the body and answers Unico's token and create-process endpoints and AWS Rekognition's",
        "`CreateFaceLivenessSession`, with no validation and no crypto), in the same run, so both sides of every ratio",
        "pay the same small server cost on the same 2 cores. The rows: raw undici `request()` over a keep-alive",
        "`Agent` (`JSON.stringify` of the body, `body.json()` of the answer: the limit); `@effect/platform`'s",
        "`HttpClient` from `NodeHttpClient.layerUndici` as a user writes it by hand (`bearerToken`, `APIKEY`,",
        "`bodyUnsafeJson`, `filterStatusOk`, `schemaBodyJson` decode, `Effect.scoped`); AWS SDK v3",
        "`CreateFaceLivenessSession` (the peer: SigV4-signed, body `{}`, so no 200 KB row) over a keep-alive",
        "`NodeHttpHandler`; `Liveness.check` over `UnicoHttp.layer` (the real workflow and adapter: validation, capture",
        "ledger, retry policy, deadline, per-attempt timeout, metrics, token cache; no tenant limiter, logs off, the",
        "built-in tracer, so no span is made) on `UndiciHttpClient.layer()`, the HttpClient the runtime provides (the",
        "goals are this row's), and the same on `NodeHttpClient.layerUndici` for comparison; and, for reference only,",
        "`Liveness.check` over `FakeProvider` (no HTTP; the fake does Unico's payload work in process).",
        `Three configurations, each ${ROUNDS} alternated rounds (the first client rotating every round) after a warm-up`,
        `of every client: ${tiny32.title} (${tiny32.perRound.toLocaleString("en")} calls per round and client,`,
        `\`Fixtures.sdkPayload()\`, a few hundred bytes); ${big1.title} (${big1.perRound.toLocaleString("en")} calls,`,
        `\`uniqueSdkPayloads(${BIG_BODY})\`, ${
          big.size.toLocaleString("en")
        } characters, a realistic SDK payload); and`,
        `${tiny1.title} (${tiny1.perRound.toLocaleString("en")} calls) for latency percentiles. Every call has a fresh`,
        "payload made before its round's clock starts (the capture ledger answers a repeated one without a request),",
        "and the stub's counters confirm that every HTTP call reached it. Client CPU is the benchmark process's CPU",
        "time (`process.cpuUsage`) per call; stub CPU is the stub's (`/proc/<pid>/stat`, 10 ms resolution).",
        "",
        "Client CPU per call, throughput ratio to raw undici in the same configuration (over all rounds; per-round",
        "range after it):",
        "",
        table(summaryHead, summaryRows),
        "",
        table(detailHead, detailRows),
        "",
        table(latencyHead, latencyRows),
        "",
        `${reachedLine} ${failedLine}`,
        "",
        "Goals (issue 13):",
        "",
        ...goals.map((goal) => `- ${goal}`),
        "",
        "What moved them (each step measured with `pnpm --filter @liveness/bench profile`, whose figures are in the",
        "Hot-path profile section): `UndiciHttpClient` (one asynchronous step per request, the answer read whole, no",
        "span, abort controller, scope or finalization-registry entry per response; compare the two adapter rows); no",
        "span or span attribute under Effect's built-in tracer, which exports nothing (`Tracing` in the core); a",
        "check's bookkeeping (metrics, span attributes, the Debug line) in one step instead of one per metric; the",
        "retry schedule built only when an attempt fails; synchronous validation; the capture ledger's wake-up signal",
        "made only for a waiter; and at 200 KB the request body written once as bytes (`UnicoHttp.processBody`), which",
        "is why the adapter passes raw undici there: the raw client `JSON.stringify`s the payload and undici encodes",
        "that string again. `Deadline.ts` stays: with `Effect.timeoutFail` in its place a check starts 6 fibers instead",
        "of 4 and costs about 40% more CPU.",
        "",
        "What is left, where a goal is not met: at concurrency 32 on 2 cores throughput follows CPU per call, and a",
        "check still starts four fibers where the naive client starts one (the caller's; the capture ledger's check fiber,",
        "which finishes a check whose caller left; the deadline's; the attempt timeout's: with Effect's interruption",
        "model a timeout needs a fiber to interrupt) and the workflow's own work (validation, the SHA-256 capture key",
        "and request digest, the ledger, the retry policy); raw undici does none of it. The p99 at concurrency 1 is the",
        "noisiest figure on this shared machine (raw undici's own p99 moves between runs by as much as the goal), and",
        "the clients that run JavaScript per call (the naive client, the AWS SDK, the adapter) all add a few",
        "milliseconds at p99 over it."
      ].join("\n")
    )
  } finally {
    await stub.child.stop()
  }
}

export const run = Effect.promise(runAsync)

if (import.meta.url === `file://${process.argv[1]}`) {
  runAsync().catch((error) => {
    console.error(error)
    process.exit(1)
  })
}
