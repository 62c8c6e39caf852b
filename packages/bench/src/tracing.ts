/**
 * What tracing costs a check: the hot-path profile of `adapter` (Liveness.check over UnicoHttp on UndiciHttpClient,
 * tiny body, concurrency 32) with no exporter configured, then exporting every trace (and the metrics) over OTLP/HTTP
 * to a receiver on 127.0.0.1 in a process of its own, then with none sampled
 * (`traceidratio`, ratio 0). `pnpm --filter @liveness/bench bench:tracing`; each run is one `profile` child.
 */
import * as Effect from "effect/Effect"
import { measure, type Measured } from "./profile.js"
import { print, table, writeSection } from "./Report.js"

const CASES: ReadonlyArray<readonly [label: string, env: Record<string, string>]> = [
  ["no exporter (OTEL_* unset)", {}],
  ["exporting every trace (always_on)", { LIVENESS_PROFILE_OTLP: "always_on" }],
  ["none sampled (traceidratio 0)", { LIVENESS_PROFILE_OTLP: "traceidratio:0" }]
]

export const runAsync = async () => {
  const runs = CASES.map(([label, env]) => {
    const timed = measure(["adapter", "tiny32", "10000"], env)
    const counted = measure(["adapter", "tiny32", "3000"], { ...env, LIVENESS_PROFILE_OPS: "1" })
    return { label, timed, counted }
  })
  const base = runs[0]!.timed
  const delta = (m: Measured, key: "cpuMillisPerCall" | "allocatedKiBPerCall") =>
    m === base
      ? "—"
      : `${m[key] - base[key] >= 0 ? "+" : ""}${(m[key] - base[key]).toFixed(key === "cpuMillisPerCall" ? 3 : 0)}`
  const rows = runs.map(({ counted, label, timed }) => [
    label,
    timed.failed + counted.failed === 0 ? "0" : String(timed.failed + counted.failed),
    timed.cpuMillisPerCall.toFixed(3),
    delta(timed, "cpuMillisPerCall"),
    counted.operationsPerCall === undefined ? "—" : counted.operationsPerCall.toFixed(0),
    String(timed.allocatedKiBPerCall),
    delta(timed, "allocatedKiBPerCall"),
    timed.exportedBytesPerCall === undefined ? "—" : String(timed.exportedBytesPerCall)
  ])
  const head = [
    "tracing",
    "failed",
    "CPU ms/check",
    "Δ CPU",
    "Effect operations/check",
    "KiB allocated/check",
    "Δ KiB",
    "OTLP bytes/check"
  ]
  print("Tracing cost (adapter, tiny body, concurrency 32)", head, rows)
  writeSection(
    "tracing",
    [
      "## Tracing cost",
      "",
      "`pnpm --filter @liveness/bench bench:tracing`: the hot-path profile of `adapter` (10,000 checks at concurrency 32",
      "after a 2,000-check warm-up; a second run of 3,000 with op supervision counts the Effect operations) with no",
      "OpenTelemetry variable set, exporting every trace and the metrics (`Telemetry.layer`, OTLP/HTTP protobuf, default",
      "batching) to a receiver on 127.0.0.1 in its own process, and with no trace sampled. The client's CPU",
      "includes building, batching and encoding the spans; the receiver's is not counted. With no exporter the check",
      "runs no span code at all (see `Tracing` in the core): its row is the hot-path profile's `adapter` row. Below an",
      "unsampled span neither the core nor the shipped HTTP client makes one; what is left is the check's root span.",
      "",
      table(head, rows)
    ].join("\n")
  )
}

export const run = Effect.promise(runAsync)

if (import.meta.url === `file://${process.argv[1]}`) await runAsync()
