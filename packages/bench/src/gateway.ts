/**
 * Benchmark 2, gateway overhead: autocannon against the gateway (`node apps/server/dist/main.js`, fake provider)
 * with realistic ~300 KB SDK-like payloads, versus a bare `node:http` server that reads, parses and answers the
 * same JSON. Both run as child processes on 127.0.0.1, alternated. Goal: requests/s ratio gateway/bare ≥ 0.75.
 * Run alone: `pnpm --filter @liveness/bench bench:gateway`.
 */
import autocannon from "autocannon"
import * as Effect from "effect/Effect"
import { answers200, bareServerSource, entry, freePort, HOST, node, procCpuMillis, waitFor } from "./Child.js"
import { uniqueSdkPayloads } from "./Payloads.js"
import { print, table, writeSection } from "./Report.js"

const CONNECTIONS = 32
const SECONDS = 8
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
}

const cannon = (url: string, seconds: number, body: () => string, pid = 0) => {
  const cpuBefore = procCpuMillis(pid)
  return new Promise<Run>((resolve, reject) => {
    autocannon({
      url,
      connections: CONNECTIONS,
      duration: seconds,
      requests: [{
        method: "POST",
        path: "/processes/v1",
        headers: { "content-type": "application/json" },
        // A new payload for every request: the fake refuses a reused one.
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
        cpuMillis: procCpuMillis(pid) - cpuBefore
      })
    })
  })
}

export const runAsync = async () => {
  const payloads = uniqueSdkPayloads(300_000)
  const gatewayPort = await freePort()
  const barePort = await freePort()
  const gateway = node([entry.gateway], {
    LIVENESS_PROVIDER: "fake",
    PORT: String(gatewayPort),
    HOST,
    GATEWAY_RATE_LIMIT: "1000000",
    LIVENESS_RATE_LIMIT: "0"
  })
  const bare = node(["-e", bareServerSource], { PORT: String(barePort) })
  try {
    const gatewayUrl = `http://${HOST}:${gatewayPort}`
    const bareUrl = `http://${HOST}:${barePort}`
    await waitFor(gateway, "the gateway", () => answers200(`${gatewayUrl}/healthz`))
    await waitFor(bare, "the bare server", async () => {
      return fetch(`${bareUrl}/`, { method: "POST", body: "{}" }).then((r) => r.status === 400)
    })

    // Warm-up (JIT, connections), then alternated measured runs.
    await cannon(bareUrl, 2, payloads.body)
    await cannon(gatewayUrl, 2, payloads.body)
    const bareRuns: Array<Run> = []
    const gatewayRuns: Array<Run> = []
    for (let round = 0; round < ROUNDS; round++) {
      bareRuns.push(await cannon(bareUrl, SECONDS, payloads.body, bare.process.pid))
      gatewayRuns.push(await cannon(gatewayUrl, SECONDS, payloads.body, gateway.process.pid))
    }

    const sum = (runs: ReadonlyArray<Run>) => ({
      requests: runs.reduce((s, r) => s + r.requests, 0),
      rate: runs.reduce((s, r) => s + r.rate, 0) / runs.length,
      p50: Math.max(...runs.map((r) => r.p50)),
      p99: Math.max(...runs.map((r) => r.p99)),
      ok: runs.reduce((s, r) => s + r.ok, 0),
      errors: runs.reduce((s, r) => s + r.errors, 0),
      other: runs.flatMap((r) => Object.entries(r.other)).map(([code, n]) => `${code}×${n}`).join(" ") || "none",
      cpuPerRequest: runs.reduce((s, r) => s + r.cpuMillis, 0) / runs.reduce((s, r) => s + r.requests, 0)
    })
    const g = sum(gatewayRuns)
    const b = sum(bareRuns)
    const ratio = g.rate / b.rate
    const met = ratio >= 0.75 && g.errors === 0 && g.other === "none"
    const head = [
      "server",
      "requests",
      "200",
      "other statuses",
      "errors",
      "req/s",
      "p50 ms",
      "p99 ms",
      "server CPU ms/req"
    ]
    const cpu = (perRequest: number) => (Number.isNaN(perRequest) ? "n/a" : perRequest.toFixed(2))
    const rows = [
      [
        "gateway (fake provider)",
        g.requests,
        g.ok,
        g.other,
        g.errors,
        g.rate.toFixed(0),
        g.p50,
        g.p99,
        cpu(g.cpuPerRequest)
      ],
      ["bare node:http", b.requests, b.ok, b.other, b.errors, b.rate.toFixed(0), b.p50, b.p99, cpu(b.cpuPerRequest)]
    ]
    const perRound = gatewayRuns.map((r, i) => (r.rate / bareRuns[i]!.rate).toFixed(3))
    print("Gateway overhead", head, rows)
    console.log(
      `requests/s ratio gateway/bare: ${ratio.toFixed(3)} (per round: ${perRound.join(", ")}); goal ≥ 0.75: ${
        met ? "met" : "NOT met"
      }`
    )
    writeSection(
      "gateway",
      [
        "## Gateway overhead",
        "",
        "`pnpm --filter @liveness/bench bench:gateway` — autocannon (in the benchmark process) against two child",
        "processes on 127.0.0.1: the gateway (`node apps/server/dist/main.js`, `LIVENESS_PROVIDER=fake`,",
        "`GATEWAY_RATE_LIMIT=1000000`, `LIVENESS_RATE_LIMIT=0`, default `LOG_LEVEL=info`: one pino line per request,",
        "stdout discarded) and a bare `node:http` server that reads the body, `JSON.parse`s it and answers",
        "`{id, status, liveness, verdict}`. Body: Unico's request, `{subject, imageBase64}`, with a ~300 KB fake SDK",
        `payload (${payloads.size.toLocaleString("en")} characters, three base64url parts with a random "face" blob).`,
        "Every request carries a different payload (a fresh `jti`/`iat` re-encoded into a shared 300 KB template at",
        "send time, for both servers alike), because the fake — like Unico — refuses a reused SDK payload with 10508;",
        "a padded JPEG would be resendable but is not what the SDK sends. " +
        `${CONNECTIONS} connections, a 2 s warm-up each, then ${ROUNDS} alternated rounds of ${SECONDS} s (bare, then`,
        "gateway); p50/p99 are the worst round's. Server CPU is the server process's CPU time (all threads, from",
        "`/proc/<pid>/stat`) per request over the measured rounds.",
        "",
        table(head, rows),
        "",
        `Requests/s ratio gateway/bare: **${ratio.toFixed(3)}** (per round: ${perRound.join(", ")}). Goal ≥ 0.75: **${
          met ? "met" : "not met"
        }**.`,
        ...(met ? [] : [
          "",
          "Not met. The server CPU column is the reason: the bare server spends its time reading and parsing ~300 KB",
          "of JSON; the gateway does that too, then checks the payload and runs the workflow and the fake, which does",
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
    await gateway.stop()
    await bare.stop()
  }
}

export const run = Effect.promise(runAsync)

if (import.meta.url === `file://${process.argv[1]}`) {
  runAsync().catch((error) => {
    console.error(error)
    process.exit(1)
  })
}
