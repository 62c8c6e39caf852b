/**
 * One client of bench:adapter alone, for a profile: `pnpm --filter @liveness/bench profile <client>
 * <tiny32|tiny1|big1> [calls]` (clients: undici, naive, aws, adapter, adapterUndici, fake; tiny32 is a tiny body at
 * concurrency 32, tiny1 at concurrency 1, big1 a 200 KB payload at concurrency 1). Prints, over the measured calls (after a warm-up): the
 * client CPU per call, the fibers started per call (a Supervisor on every Effect client's runtime counts them), and
 * the bytes allocated per call (the sum of V8's `allocated=` figures from `--trace-gc-nvp`, which this script passes
 * to a child copy of itself). Add `--cpu-prof` or `--heap-prof` to the node options for a profile of the same run:
 * `NODE_OPTIONS=--cpu-prof pnpm --filter @liveness/bench profile adapter tiny32`. With `LIVENESS_PROFILE_OTLP=<sampler>`
 * (`always_on`, `traceidratio:0`…) the Effect clients export traces and metrics (`Telemetry.layer`, OTLP/HTTP
 * protobuf) to a receiver in a process of its own on 127.0.0.1, and the bytes it received are reported.
 */
import { Fixtures } from "@liveness/fake"
import { Telemetry } from "@liveness/runtime"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as RuntimeFlags from "effect/RuntimeFlags"
import * as Supervisor from "effect/Supervisor"
import { spawnSync } from "node:child_process"
import { writeFileSync } from "node:fs"
import { Session } from "node:inspector"
import { fileURLToPath } from "node:url"
import { makeClients } from "./adapter.js"
import { answers200, freePort, HOST, node, startStub, waitFor } from "./Child.js"
import { uniqueSdkPayloads } from "./Payloads.js"
import { percentile, print, table, writeSection } from "./Report.js"

const START = "profile: measuring"
const END = "profile: measured"

/** Counts the fibers started under it, and the operations they run when op supervision is on. */
class FiberCounter extends Supervisor.AbstractSupervisor<void> {
  started = 0
  operations = 0
  get value() {
    return Effect.void
  }
  override onStart() {
    this.started++
  }
  /** Operations by the innermost span they ran in and their kind, for LIVENESS_PROFILE_OPS=detail. */
  readonly where = new Map<string, number>()
  override onEffect(fiber: Fiber.RuntimeFiber<unknown, unknown>, effect: Effect.Effect<unknown, unknown, unknown>) {
    this.operations++
    if (detail) {
      const span = fiber.currentSpan
      const key = `${span?._tag === "Span" ? span.name : "(no span)"} ${(effect as unknown as { _op: string })._op}`
      this.where.set(key, (this.where.get(key) ?? 0) + 1)
    }
  }
  override onEnd<A, E>(_value: Exit.Exit<A, E>) {}
}

/**
 * Samples every allocation, also of objects collected since (`LIVENESS_PROFILE_HEAP=<file>.heapprofile`, which Chrome's
 * DevTools open): `--heap-prof` keeps only what is still alive when it stops, and garbage is what a check makes.
 */
const sampleAllocations = async () => {
  const session = new Session()
  session.connect()
  const post = (method: string, params?: object) =>
    new Promise<any>((resolve, reject) =>
      session.post(method, params, (error, result) => (error === null ? resolve(result) : reject(error)))
    )
  await post("HeapProfiler.enable")
  await post("HeapProfiler.startSampling", {
    samplingInterval: 4096,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true
  })
  return { stop: async () => (await post("HeapProfiler.stopSampling")).profile as unknown }
}

const detail = process.env.LIVENESS_PROFILE_OPS === "detail"

/** An OTLP/HTTP receiver that keeps nothing: counts requests and bytes (GET /stats). */
const receiverSource = `
const http = require("node:http")
let requests = 0, bytes = 0
http.createServer((req, res) => {
  if (req.method === "GET") return res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ requests, bytes }))
  req.on("data", (chunk) => { bytes += chunk.length })
  req.on("end", () => { requests++; res.writeHead(200, { "content-type": "application/x-protobuf" }).end() })
}).listen(Number(process.env.PORT), "127.0.0.1")
`

/** The receiver in a process of its own (its CPU is not the client's), and the telemetry layer pointed at it. */
const exportTo = async (sampler: string) => {
  const port = await freePort()
  const url = `http://${HOST}:${port}`
  const child = node(["-e", receiverSource], { PORT: String(port) })
  await waitFor(child, "the OTLP receiver", () => answers200(`${url}/stats`))
  const [name, arg] = sampler.split(":")
  const env = new Map([["OTEL_EXPORTER_OTLP_ENDPOINT", url], ["OTEL_TRACES_SAMPLER", name!]])
  if (arg !== undefined) env.set("OTEL_TRACES_SAMPLER_ARG", arg)
  return {
    layer: Telemetry.layer({ serviceName: "bench" }).pipe(
      Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(env))),
      Layer.orDie
    ),
    stats: async () => (await (await fetch(`${url}/stats`)).json()) as { requests: number; bytes: number },
    stop: child.stop
  }
}

const child = async () => {
  const [name = "adapter", configuration = "tiny32", count = "20000"] = process.argv.slice(2)
  const calls = Number(count)
  const concurrency = configuration === "tiny32" ? 32 : 1
  const payload = configuration === "big1" ? uniqueSdkPayloads(200_000).next : () => Fixtures.sdkPayload()
  const counter = new FiberCounter()
  const stub = await startStub()
  const otlp = process.env.LIVENESS_PROFILE_OTLP === undefined
    ? undefined
    : await exportTo(process.env.LIVENESS_PROFILE_OTLP)
  // Counting operations slows every one down: only on request (LIVENESS_PROFILE_OPS=1), and then CPU is not comparable.
  const countOps = process.env.LIVENESS_PROFILE_OPS === "1" || detail
  const instrument = Supervisor.addSupervisor(counter).pipe(
    Layer.merge(countOps ? RuntimeFlags.enableOpSupervision : Layer.empty),
    Layer.merge(otlp === undefined ? Layer.empty : otlp.layer)
  )
  const { clients, close } = await makeClients(stub, { instrument })
  const one = clients[name as keyof typeof clients]
  if (one === undefined) throw new Error(`no client ${name}: ${Object.keys(clients).join(", ")}`)
  const latencies: Array<number> = []
  const drive = async (n: number) => {
    const payloads = Array.from({ length: n }, payload)
    latencies.length = 0
    let next = 0
    let failed = 0
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < payloads.length) {
        const t0 = performance.now()
        if (!(await one(payloads[next++]!))) failed++
        latencies.push(performance.now() - t0)
      }
    }))
    return failed
  }
  await drive(Math.min(2000, calls))
  const started = counter.started
  const operations = counter.operations
  const heap = process.env.LIVENESS_PROFILE_HEAP === undefined ? undefined : await sampleAllocations()
  console.log(START)
  const cpu = process.cpuUsage()
  const t0 = performance.now()
  const failed = await drive(calls)
  const seconds = (performance.now() - t0) / 1000
  const used = process.cpuUsage(cpu)
  console.log(END)
  if (heap !== undefined) writeFileSync(process.env.LIVENESS_PROFILE_HEAP!, JSON.stringify(await heap.stop()))
  // Released runtimes send what they buffered: the receiver's count is complete after close().
  await close()
  const exported = otlp === undefined ? undefined : await otlp.stats()
  await otlp?.stop()
  console.log(JSON.stringify({
    client: name,
    configuration,
    calls,
    failed,
    callsPerSecond: Math.round(calls / seconds),
    cpuMillisPerCall: Number(((used.user + used.system) / 1000 / calls).toFixed(3)),
    fibersPerCall: Number(((counter.started - started) / calls).toFixed(2)),
    p50Millis: Number(percentile(latencies.sort((a, b) => a - b), 50).toFixed(2)),
    p99Millis: Number(percentile(latencies, 99).toFixed(2)),
    ...(countOps ? { operationsPerCall: Number(((counter.operations - operations) / calls).toFixed(1)) } : {}),
    // Per call over the warm-up and the measured calls (the bytes of every client's runtime: only one ran).
    ...(exported === undefined ? {} : {
      exportedBytesPerCall: Math.round(exported.bytes / (calls + Math.min(2000, calls))),
      exportRequests: exported.requests
    })
  }))
  if (detail) {
    for (const [key, n] of [...counter.where].sort((a, b) => b[1] - a[1])) {
      console.error(`${(n / (calls + Math.min(2000, calls))).toFixed(1).padStart(7)}  ${key}`)
    }
  }
  await stub.child.stop()
}

export interface Measured {
  readonly client: string
  readonly calls: number
  readonly failed: number
  readonly cpuMillisPerCall: number
  readonly fibersPerCall: number
  readonly operationsPerCall?: number
  readonly allocatedKiBPerCall: number
  readonly exportedBytesPerCall?: number
}

/** One profiled run of a client, in a child copy of this script (see the module's comment). */
export const measure = (args: ReadonlyArray<string>, env: Record<string, string> = {}): Measured => {
  const run = spawnSync(process.execPath, [
    ...process.execArgv,
    "--trace-gc-nvp",
    fileURLToPath(import.meta.url),
    ...args
  ], {
    env: { ...process.env, ...env, LIVENESS_PROFILE_CHILD: "1" },
    encoding: "utf8",
    maxBuffer: 1 << 30,
    stdio: ["ignore", "pipe", "inherit"]
  })
  const lines = run.stdout.split("\n")
  const from = lines.indexOf(START)
  const to = lines.indexOf(END)
  if (run.status !== 0 || from < 0 || to < 0) throw new Error(`the profiled run failed (${run.status})`)
  const allocated = lines.slice(from, to).reduce(
    (sum, line) => sum + Number(/ allocated=(\d+)/.exec(line)?.[1] ?? 0),
    0
  )
  const result = JSON.parse(lines.slice(to + 1).find((line) => line.startsWith("{"))!) as Omit<
    Measured,
    "allocatedKiBPerCall"
  >
  return { ...result, allocatedKiBPerCall: Math.round(allocated / result.calls / 1024) }
}

const CLIENTS = ["undici", "naive", "aws", "adapter", "adapterUndici", "fake"] as const

/** `pnpm bench`'s section: every client of bench:adapter profiled alone (tiny body, concurrency 32). */
export const runAsync = async () => {
  const rows = CLIENTS.map((client) => {
    const timed = measure([client, "tiny32", "10000"])
    const counted = measure([client, "tiny32", "3000"], { LIVENESS_PROFILE_OPS: "1" })
    return [
      client,
      timed.failed === 0 && counted.failed === 0 ? "0" : `${timed.failed + counted.failed}`,
      timed.cpuMillisPerCall.toFixed(3),
      timed.fibersPerCall.toFixed(0),
      counted.operationsPerCall === undefined || timed.fibersPerCall === 0 ? "—" : counted.operationsPerCall.toFixed(0),
      String(timed.allocatedKiBPerCall)
    ]
  })
  const head = ["client", "failed", "CPU ms/call", "fibers/call", "Effect operations/call", "KiB allocated/call"]
  print("Hot-path profile (tiny body, concurrency 32, each client alone)", head, rows)
  writeSection(
    "profile",
    [
      "## Hot-path profile",
      "",
      "`pnpm --filter @liveness/bench profile <client> tiny32` for each client of `bench:adapter`, each alone in its",
      "own process against the same stub: 10,000 calls at concurrency 32 after a 2,000-call warm-up for the CPU per",
      "call, the fibers started per call (a `Supervisor` on the client's Effect runtime) and the bytes allocated per",
      "call (V8's own count, `--trace-gc-nvp`); a second run of 3,000 calls with op supervision on counts the Effect",
      "operations each call runs (that run is slower, so its CPU is not shown). The fibers and operations are the",
      "deterministic figures: they do not move with the machine's load. `adapter` is `Liveness.check` over",
      "`UnicoHttp` on `UndiciHttpClient`, `adapterUndici` the same on `NodeHttpClient.layerUndici`.",
      "",
      table(head, rows),
      "",
      "Before the hot-path work (2026-12-01, same script): `adapter` on `NodeHttpClient.layerUndici` started 4 fibers,",
      "ran 548 Effect operations and allocated 332 KiB per check, for 0.90–1.19 ms of CPU."
    ].join("\n")
  )
}

export const run = Effect.promise(runAsync)

const parent = () => {
  console.log(JSON.stringify(measure(process.argv.slice(2))))
}

if (process.env.LIVENESS_PROFILE_CHILD === "1") await child()
else if (import.meta.url === `file://${process.argv[1]}`) parent()
