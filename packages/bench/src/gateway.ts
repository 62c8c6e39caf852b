/**
 * Benchmark 2, gateway overhead: autocannon against the gateway (`node apps/server/dist/main.js`) with realistic
 * ~300 KB SDK-like payloads (a fresh one per request), in two pairs, each alternated in rounds:
 *
 * - the real adapter against the proxy baseline (the goal): the gateway with `LIVENESS_PROVIDER=unico` pointed at
 *   the cheap provider stub (src/Stub.ts, its own process) versus a bare `node:http` proxy (src/Proxy.ts) that reads
 *   the body, `JSON.parse`s it and forwards it with undici to the same stub. 16 connections. Goal: requests/s ratio
 *   gateway/proxy ≥ 0.9.
 * - for reference, the gateway over the in-memory fake (which does Unico's payload work in process) versus a bare
 *   `node:http` server that reads, parses and answers the same JSON. 32 connections, the earlier goal ≥ 0.75.
 *
 * Every server is a child process on 127.0.0.1; server CPU per request comes from `/proc/<pid>/stat`.
 * `BENCH_SCALE` (default 1) scales the durations. Run alone: `pnpm --filter @liveness/bench bench:gateway`.
 */
import autocannon from "autocannon"
import * as Effect from "effect/Effect"
import { generateKeyPairSync } from "node:crypto"
import {
  answers200,
  bareServerSource,
  type Child,
  entry,
  freePort,
  HOST,
  node,
  procCpuMillis,
  startStub,
  tsNode,
  waitFor
} from "./Child.js"
import { uniqueSdkPayloads } from "./Payloads.js"
import { print, table, writeSection } from "./Report.js"

const SCALE = Number(process.env.BENCH_SCALE ?? "1")
if (!(SCALE > 0)) throw new Error(`BENCH_SCALE must be a positive number, not ${process.env.BENCH_SCALE}`)
const SECONDS = Math.max(1, Math.round(8 * SCALE))
const WARMUP_SECONDS = Math.max(1, Math.round(2 * SCALE))
const ROUNDS = 2

interface Run {
  readonly requests: number
  readonly rate: number
  readonly p50: number
  readonly p99: number
  readonly ok: number
  readonly other: Record<string, number>
  readonly errors: number
  /** CPU time the server process used during the run, in milliseconds (all its threads). */
  readonly cpuMillis: number
  /** CPU time the provider stub used during the run (0 when the server does not call it). */
  readonly stubCpuMillis: number
}

const cannon = (
  url: string,
  connections: number,
  seconds: number,
  body: () => string,
  pid = 0,
  stubPid = 0
) => {
  const cpuBefore = procCpuMillis(pid)
  const stubBefore = procCpuMillis(stubPid)
  return new Promise<Run>((resolve, reject) => {
    autocannon({
      url,
      connections,
      duration: seconds,
      requests: [{
        method: "POST",
        path: "/processes/v1",
        headers: { "content-type": "application/json" },
        // A new payload for every request: the fake refuses a reused one, the capture ledger replays it.
        setupRequest: (request) => ({ ...request, body: body() })
      }]
    }, (error, result) => {
      if (error !== null && error !== undefined) return reject(error as Error)
      const codes = (result as unknown as { statusCodeStats?: Record<string, { count: number }> }).statusCodeStats ?? {}
      const other = Object.fromEntries(
        Object.entries(codes).filter(([code]) => code !== "200").map(([code, { count }]) => [code, count])
      )
      resolve({
        requests: result.requests.total,
        rate: result.requests.total / seconds,
        p50: result.latency.p50,
        p99: result.latency.p99,
        ok: codes["200"]?.count ?? 0,
        other,
        errors: result.errors + result.timeouts,
        cpuMillis: procCpuMillis(pid) - cpuBefore,
        stubCpuMillis: stubPid === 0 ? 0 : procCpuMillis(stubPid) - stubBefore
      })
    })
  })
}

interface Server {
  readonly name: string
  readonly child: Child
  readonly url: string
}

interface Pair {
  readonly title: string
  readonly connections: number
  readonly server: Server
  readonly baseline: Server
  readonly goal: number
  /** True when both servers call the provider stub. */
  readonly overStub: boolean
}

const sum = (runs: ReadonlyArray<Run>) => ({
  requests: runs.reduce((s, r) => s + r.requests, 0),
  rate: runs.reduce((s, r) => s + r.rate, 0) / runs.length,
  p50: Math.max(...runs.map((r) => r.p50)),
  p99: Math.max(...runs.map((r) => r.p99)),
  ok: runs.reduce((s, r) => s + r.ok, 0),
  errors: runs.reduce((s, r) => s + r.errors, 0),
  other: runs.flatMap((r) => Object.entries(r.other)).map(([code, n]) => `${code}×${n}`).join(" ") || "none",
  cpuPerRequest: runs.reduce((s, r) => s + r.cpuMillis, 0) / runs.reduce((s, r) => s + r.requests, 0),
  stubCpuPerRequest: runs.reduce((s, r) => s + r.stubCpuMillis, 0) / runs.reduce((s, r) => s + r.requests, 0)
})

export const runAsync = async () => {
  const payloads = uniqueSdkPayloads(300_000)
  const stub = await startStub()
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 })
  const ports = { unico: await freePort(), proxy: await freePort(), fake: await freePort(), bare: await freePort() }
  const gatewayEnv = (port: number) => ({
    PORT: String(port),
    HOST,
    GATEWAY_RATE_LIMIT: "1000000",
    LIVENESS_RATE_LIMIT: "0"
  })
  const url = (port: number) => `http://${HOST}:${port}`
  // Node options for the gateway under test only, for a profile: BENCH_GATEWAY_NODE_ARGS="--cpu-prof --cpu-prof-dir=d".
  const profiling = (process.env.BENCH_GATEWAY_NODE_ARGS ?? "").split(" ").filter((arg) => arg !== "")
  const unico: Server = {
    name: "gateway (real adapter → stub)",
    url: url(ports.unico),
    child: node([...profiling, entry.gateway], {
      ...gatewayEnv(ports.unico),
      LIVENESS_PROVIDER: "unico",
      UNICO_AUTH_URL: stub.url,
      UNICO_API_URL: stub.url,
      UNICO_ISSUER: "bench@tenant.iam.acesso.io",
      UNICO_PRIVATE_KEY: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
      UNICO_API_KEY: "k"
    })
  }
  const proxy: Server = {
    name: "bare node:http proxy (undici → stub)",
    url: url(ports.proxy),
    child: tsNode("Proxy.ts", { PORT: String(ports.proxy), UPSTREAM: stub.url })
  }
  const fake: Server = {
    name: "gateway (fake provider, reference)",
    url: url(ports.fake),
    child: node([entry.gateway], { ...gatewayEnv(ports.fake), LIVENESS_PROVIDER: "fake" })
  }
  const bare: Server = {
    name: "bare node:http (answers itself, reference)",
    url: url(ports.bare),
    child: node(["-e", bareServerSource], { PORT: String(ports.bare) })
  }
  const servers = [unico, proxy, fake, bare]
  try {
    const refuses = (server: Server) => async () =>
      fetch(`${server.url}/processes/v1`, { method: "POST", body: "{}" }).then((r) => r.status === 400)
    await waitFor(unico.child, "the gateway (unico)", () => answers200(`${unico.url}/healthz`))
    await waitFor(fake.child, "the gateway (fake)", () => answers200(`${fake.url}/healthz`))
    await waitFor(proxy.child, "the proxy", refuses(proxy))
    await waitFor(bare.child, "the bare server", refuses(bare))

    const pairs: ReadonlyArray<Pair> = [
      { title: "real adapter vs proxy", connections: 16, server: unico, baseline: proxy, goal: 0.9, overStub: true },
      { title: "fake vs bare (reference)", connections: 32, server: fake, baseline: bare, goal: 0.75, overStub: false }
    ]
    const results = []
    for (const pair of pairs) {
      const stubPid = pair.overStub ? stub.child.process.pid ?? 0 : 0
      const go = (server: Server, seconds: number) =>
        cannon(server.url, pair.connections, seconds, payloads.body, server.child.process.pid, stubPid)
      // Warm-up (JIT, connections, the token), then alternated measured runs.
      await go(pair.baseline, WARMUP_SECONDS)
      await go(pair.server, WARMUP_SECONDS)
      // Requests still in flight when autocannon stopped reach the stub a moment later.
      const settle = () => new Promise((resolve) => setTimeout(resolve, 200))
      await settle()
      const before = await stub.counts()
      const baselineRuns: Array<Run> = []
      const serverRuns: Array<Run> = []
      for (let round = 0; round < ROUNDS; round++) {
        baselineRuns.push(await go(pair.baseline, SECONDS))
        serverRuns.push(await go(pair.server, SECONDS))
      }
      await settle()
      const reached = (await stub.counts()).processes - before.processes
      const s = sum(serverRuns)
      const b = sum(baselineRuns)
      const ratio = s.rate / b.rate
      const perRound = serverRuns.map((r, i) => (r.rate / baselineRuns[i]!.rate).toFixed(3))
      results.push({ pair, s, b, ratio, perRound, reached })
    }

    const head = [
      "server",
      "connections",
      "requests",
      "200",
      "other statuses",
      "errors",
      "req/s",
      "p50 ms",
      "p99 ms",
      "server CPU ms/req",
      "stub CPU ms/req"
    ]
    const cpu = (perRequest: number) => (Number.isNaN(perRequest) ? "n/a" : perRequest.toFixed(2))
    const row = (name: string, connections: number, x: ReturnType<typeof sum>, overStub: boolean) => [
      name,
      connections,
      x.requests,
      x.ok,
      x.other,
      x.errors,
      x.rate.toFixed(0),
      x.p50,
      x.p99,
      cpu(x.cpuPerRequest),
      overStub ? cpu(x.stubCpuPerRequest) : "—"
    ]
    const rows = results.flatMap(({ b, pair, s }) => [
      row(pair.server.name, pair.connections, s, pair.overStub),
      row(pair.baseline.name, pair.connections, b, pair.overStub)
    ])
    const lines = results.map(({ b, pair, perRound, ratio, reached, s }) => {
      const clean = s.errors === 0 && s.other === "none" && b.errors === 0 && b.other === "none"
      const met = ratio >= pair.goal && clean
      const stubLine = pair.overStub
        ? ` The stub answered ${reached} \`POST /processes/v1\` during the measured rounds for ${
          s.ok + b.ok
        } answers 200` +
          " (the difference: requests still in flight when a round stopped, which autocannon does not count)."
        : ""
      return `${pair.title}: requests/s ratio **${ratio.toFixed(3)}** (per round: ${perRound.join(", ")}). ` +
        `Goal ≥ ${pair.goal}: **${met ? "met" : "not met"}**.${stubLine}`
    })
    const fakeMet = results[1]!.ratio >= 0.75
    print("Gateway overhead", head, rows)
    for (const line of lines) console.log(line.replace(/\*\*/g, ""))
    writeSection(
      "gateway",
      [
        "## Gateway overhead",
        "",
        "`pnpm --filter @liveness/bench bench:gateway` — autocannon (in the benchmark process) against child processes",
        "on 127.0.0.1, in two pairs, each run in alternated rounds. **The real adapter against the proxy baseline**",
        "(the goal): the gateway (`node apps/server/dist/main.js`, `LIVENESS_PROVIDER=unico`, `UNICO_AUTH_URL` and",
        "`UNICO_API_URL` at the cheap provider stub `packages/bench/src/Stub.ts` in its own process, which reads and",
        "discards the body and answers a live process with no validation and no crypto) versus a bare `node:http`",
        "proxy (`packages/bench/src/Proxy.ts`) that reads the body, `JSON.parse`s it and forwards `{subject,",
        "imageBase64}` with undici to the same stub, then answers its JSON with a verdict; 16 connections. **For",
        "reference**, the gateway over the in-memory fake (`LIVENESS_PROVIDER=fake`, which does Unico's payload work",
        "in process) versus a bare `node:http` server that reads, `JSON.parse`s and answers `{id, status, liveness,",
        "verdict}` itself; 32 connections. Both gateways: `GATEWAY_RATE_LIMIT=1000000`, `LIVENESS_RATE_LIMIT=0`,",
        "default `LOG_LEVEL=info` (one pino line per request, stdout discarded). Body: Unico's request, `{subject,",
        `imageBase64}\`, with a ~300 KB fake SDK payload (${payloads.size.toLocaleString("en")} characters, three`,
        "base64url parts with a random \"face\" blob), a different one for every request (a fresh `jti`/`iat`",
        "re-encoded into a shared template at send time, for every server alike): the fake, like Unico, refuses a",
        "reused SDK payload, and the gateway's capture ledger would answer it without a request. " +
        `A ${WARMUP_SECONDS} s warm-up each,`,
        `then ${ROUNDS} alternated rounds of ${SECONDS} s (baseline, then gateway); p50/p99 are the worst round's.`,
        "Server CPU is the server process's CPU time (all threads, from `/proc/<pid>/stat`) per request over the",
        "measured rounds, stub CPU the stub's.",
        "",
        table(head, rows),
        "",
        ...lines.flatMap((line) => [line, ""]),
        ...(fakeMet ? [] : [
          "Reference pair, not met: the server CPU column is the reason. The bare server spends its time reading",
          "and parsing ~300 KB of JSON; the gateway does that too, then checks the payload and runs the workflow and the fake, which does",
          "Unico's payload work. A profile of the gateway under this load (main thread, self and inclusive time;",
          "not part of this benchmark) splits a request roughly into: validation of `imageBase64` (one regular",
          "expression pass over 300 KB, the part that proves it is three base64url parts) about 8%; the fake's",
          "engine about 14% (base64url-decoding and `JSON.parse` of the 225 KB claims part to read `iat`, `jti`",
          "and `scenario`, about 9%; the SHA-256 fingerprint that detects a reused payload, about 4%); the body's",
          "`JSON.parse` about 10% (the bare server pays it too); Effect's fiber runtime and scheduler about 20%;",
          "sending the answer, the pino line and the metrics about 8%; express-rate-limit 4%, helmet 1.5%; garbage",
          "collection about 5%. Already cut: `imageBase64` was scanned five times per request (twice in",
          "validation, once more for the payload kind, twice more in the fake's engine) and its claims decoded twice;",
          "now it is scanned once and decoded once, and the deadline runs on one fiber instead of two. What is left",
          "is mostly work the bare server does not do by design: a check that the 300 KB is what Unico accepts,",
          "and, with the fake, Unico's own work on it (against Unico that share goes away and the HTTP adapter's",
          "fixed cost, see above, comes instead). Closing the gap would take validation that does not look at every",
          "byte (which would let malformed payloads reach Unico) and a fake that does not parse the payload it is",
          "given; neither is a trade worth making. The benchmark client also shares the 2 cores with the servers."
        ])
      ].join("\n")
    )
  } finally {
    for (const server of servers) await server.child.stop()
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
