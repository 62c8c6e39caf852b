/**
 * `liveness check` with OTEL_EXPORTER_OTLP_ENDPOINT: the command's trace reaches a real OTLP/HTTP receiver on
 * 127.0.0.1 when the command ends (the embedded sandbox, the real adapter), and its log lines carry the trace's ids.
 */
import { describe, expect, it } from "@effect/vitest"
import { Fixtures } from "@liveness/fake"
import * as TelemetryReceiver from "@liveness/runtime/TelemetryReceiver"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ExitCode } from "../src/index.js"
import { runCli } from "./support.js"

const dir = mkdtempSync(join(tmpdir(), "liveness-cli-otel-"))

const receiver = Effect.acquireRelease(Effect.promise(TelemetryReceiver.start), (r) => Effect.promise(r.close))

const withEnv = (env: Record<string, string>) =>
  Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))

describe("liveness check: OpenTelemetry", () => {
  it.scopedLive("exports the command's trace: liveness check, the check, the attempt, the token, Unico's call", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const path = join(dir, "selfie.jwt")
      writeFileSync(path, Fixtures.sdkPayload())
      const { code, err } = yield* runCli(["check", path, "--cpf", "12345678909", "--name", "Luke Skywalker"]).pipe(
        withEnv({
          OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
          OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
          LIVENESS_LOG_LEVEL: "debug"
        })
      )
      expect(code).toBe(ExitCode.LIVE)
      const spans = otlp.spans()
      const root = spans.find((span) => span.name === "liveness check")!
      expect(root).toMatchObject({ service: "liveness-cli" })
      expect(root.parentSpanId).toBeUndefined()
      const inTrace = spans.filter((span) => span.traceId === root.traceId)
      const names = inTrace.map((span) => span.name)
      for (const name of ["Liveness.check", "LivenessProvider.createProcess", "UnicoHttp.mintToken"]) {
        expect(names).toContain(name)
      }
      const check = inTrace.find((span) => span.name === "Liveness.check")!
      expect(check.attributes).toMatchObject({ "liveness.verdict": "live", "liveness.attempts": 1 })
      // Every span of the trace leads up to the root.
      const byId = new Map(inTrace.map((span) => [span.spanId, span]))
      for (const span of inTrace) {
        let at = span
        while (at.parentSpanId !== undefined) at = byId.get(at.parentSpanId)!
        expect(at.spanId).toBe(root.spanId)
      }
      // The core's debug line, written inside the check, names the trace.
      const line = err.split("\n").find((l) => l.includes("liveness process answered"))!
      expect(line).toContain(`trace_id=${root.traceId}`)
      expect(line).toMatch(/span_id=[0-9a-f]{16}/)
      expect(otlp.metricNames().has("liveness_checks_total")).toBe(true)
      const exported = otlp.received.map((r) => r.body.toString("utf8")).join("\n")
      expect(exported).not.toContain("12345678909")
      expect(exported).not.toContain("Luke Skywalker")
    }))

  it.scopedLive("liveness batch: one trace, every check of the folder under the command's span", () =>
    Effect.gen(function*() {
      const otlp = yield* receiver
      const folder = mkdtempSync(join(dir, "batch-"))
      for (const name of ["a.jwt", "b.jwt", "c.jwt"]) writeFileSync(join(folder, name), Fixtures.sdkPayload())
      const { code } = yield* runCli(["batch", folder, "--out", join(dir, `batch-${Date.now()}.jsonl`)]).pipe(withEnv({
        OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json"
      }))
      expect(code).toBe(ExitCode.LIVE)
      const spans = otlp.spans()
      const root = spans.find((span) => span.name === "liveness batch")!
      expect(root.parentSpanId).toBeUndefined()
      const checks = spans.filter((span) => span.name === "Liveness.check")
      expect(checks).toHaveLength(3)
      for (const check of checks) expect(check.traceId).toBe(root.traceId)
    }))

  it.live("without the variable, nothing is traced and no line carries a trace id", () =>
    Effect.gen(function*() {
      const path = join(dir, "plain.jwt")
      writeFileSync(path, Fixtures.sdkPayload())
      const { code, err } = yield* runCli(["check", path]).pipe(withEnv({ LIVENESS_LOG_LEVEL: "debug" }))
      expect(code).toBe(ExitCode.LIVE)
      expect(err).toContain("liveness process answered")
      expect(err).not.toContain("trace_id")
    }))

  it.live("a bad OTEL_* value is a configuration error that names the variable", () =>
    Effect.gen(function*() {
      const path = join(dir, "bad.jwt")
      writeFileSync(path, Fixtures.sdkPayload())
      const { code, err } = yield* runCli(["check", path]).pipe(withEnv({
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318",
        OTEL_TRACES_SAMPLER: "sometimes"
      }))
      expect(code).toBe(ExitCode.PROVIDER_ERROR)
      expect(err).toContain("OTEL_TRACES_SAMPLER")
    }))
})
