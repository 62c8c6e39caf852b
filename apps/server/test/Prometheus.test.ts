/**
 * The Prometheus side, checked by promtool (Debian's `prometheus` package): the alert rules in ops/prometheus are
 * valid and their unit tests pass (each alert fires on its condition and not on a healthy series), and the real
 * `/metrics` text of a gateway, after checks that succeed, fail, are retried, replayed and refused, passes
 * `promtool check metrics` and carries every series the rules select, and a real Prometheus scraping it on loopback
 * evaluates every rule without error. Without promtool and prometheus the suite is skipped, except under CI=true,
 * where it fails: `node scripts/ensure-promtool.mjs` installs them.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Fixtures } from "@liveness/fake"
import { Sandbox } from "@liveness/sandbox"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Metric from "effect/Metric"
import * as Scope from "effect/Scope"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { Prometheus } from "../src/index.js"
import { available, eventually, promtool, requiredUnderCi, rulesDir, startPrometheus, title } from "./Promtool.js"
import { closedPort, postJson, seedBody, startGateway, type TestGateway, unicoEnv } from "./support.js"

const RULES = "liveness.rules.yml"
const rulesText = readFileSync(join(rulesDir, RULES), "utf8")

/** Every series the rules select: a metric name and its label matchers (`=` only, as the rules use). */
const selectors = (rules: string) =>
  [...rules.matchAll(/\b((?:liveness|gateway)_[a-z_]+)(?:\{([^}]*)\})?/g)].map(([, name, matchers]) => ({
    name: name!,
    labels: [...(matchers ?? "").matchAll(/(\w+)="([^"]*)"/g)].map(([, key, value]) => `${key}="${value}"`)
  }))

/** The metrics the rules take a rate or an increase of: counters. */
const countersOf = (rules: string) =>
  new Set([...rules.matchAll(/(?:rate|increase)\(((?:liveness|gateway)_[a-z_]+)/g)].map(([, n]) => n!))

requiredUnderCi("Prometheus rules and /metrics")

describe("Prometheus.render", () => {
  it("names every counter with _total, keeps a name that has it, and types a counter that may decrease a gauge", () => {
    const runs = Metric.counter("test_render_runs", { incremental: true })
    const sent = Metric.counter("test_render_sent_total", { incremental: true })
    const open = Metric.counter("test_render_open")
    Effect.runSync(Effect.all([Metric.increment(runs), Metric.increment(sent), Metric.incrementBy(open, 2)]))
    const text = Prometheus.render(
      Metric.unsafeSnapshot().filter((pair) => pair.metricKey.name.startsWith("test_render"))
    )
    expect(text).toBe(
      [
        "# HELP test_render_open test_render_open",
        "# TYPE test_render_open gauge",
        "test_render_open 2",
        "# HELP test_render_runs_total test_render_runs_total",
        "# TYPE test_render_runs_total counter",
        "test_render_runs_total 1",
        "# HELP test_render_sent_total test_render_sent_total",
        "# TYPE test_render_sent_total counter",
        "test_render_sent_total 1",
        ""
      ].join("\n")
    )
  })
})

describe.skipIf(!available)(title("alert rules (promtool)"), () => {
  it("promtool check rules accepts the rules file, every rule counted", async () => {
    const run = await promtool(["check", "rules", RULES])
    expect(run).toMatchObject({ status: 0 })
    expect(run.output).toContain(`SUCCESS: ${rulesText.match(/^\s+- alert:/gm)!.length} rules found`)
  })

  it("promtool test rules: each alert fires on its condition and stays quiet on a healthy series", async () => {
    const run = await promtool(["test", "rules", "liveness.rules.test.yml"])
    expect(run.output).toContain("SUCCESS")
    expect(run.status).toBe(0)
  })

  it("every rule has a for:, a severity, a summary, a description and a runbook section of docs/observability.md", () => {
    const rules = rulesText.split(/^\s+- alert: /m).slice(1)
    expect(rules.length).toBeGreaterThanOrEqual(5)
    const page = readFileSync(new URL("../../../docs/observability.md", import.meta.url), "utf8")
    const anchors = new Set(
      [...page.matchAll(/^#+ (.+)$/gm)].map(([, heading]) =>
        heading!.trim().toLowerCase().replace(/[^\w\- ]/g, "").replace(/ /g, "-")
      )
    )
    for (const rule of rules) {
      const name = rule.split("\n")[0]!.trim()
      expect(rule, name).toMatch(/\n\s+for: \d+m\n/)
      expect(rule, name).toMatch(/\n\s+severity: (warning|critical)\n/)
      expect(rule, name).toMatch(/\n\s+summary: /)
      expect(rule, name).toMatch(/\n\s+description: /)
      const runbook = /\n\s+runbook: docs\/observability\.md#([\w-]+)/.exec(rule)
      expect(runbook?.[1], name).toBe(name.toLowerCase())
      expect(anchors.has(runbook![1]!), `${name}: a section of docs/observability.md`).toBe(true)
    }
  })
})

describe.skipIf(!available)(title("/metrics of a gateway (promtool check metrics)"), () => {
  let scope: Scope.CloseableScope
  let sandbox: Sandbox.Sandbox
  let gw: TestGateway
  let metrics = ""

  beforeAll(async () => {
    scope = Effect.runSync(Scope.make())
    sandbox = await Effect.runPromise(Sandbox.start({ rateLimit: false }).pipe(Scope.extend(scope)))
    gw = await startGateway({
      ...unicoEnv(sandbox),
      // Redis unreachable: the replica degrades to local coordination, and says so in liveness_redis_degraded.
      LIVENESS_REDIS_URL: `redis://127.0.0.1:${await closedPort()}/0`,
      LIVENESS_BASE_DELAY_MS: "10",
      LIVENESS_MAX_DELAY_MS: "20",
      GATEWAY_RATE_LIMIT: "0"
    })
    const statuses: Array<number> = []
    const check = async (code?: string, body: unknown = seedBody(code === undefined ? {} : { code })) => {
      const response = await postJson(gw.url, body)
      statuses.push(response.status)
      return (await response.json()) as { id?: string }
    }
    const live = await check()
    await check("00000000191") // not live
    sandbox.faults.enqueue({ _tag: "rate-limited", retryAfterSeconds: 0 })
    await check() // a 429, then live
    sandbox.faults.enqueue({ _tag: "status", status: 500 })
    await check() // a 500 after an SDK payload was sent: OutcomeUnknown
    await check("00000000515") // payload rejected
    await check("00000000604") // access denied
    const twice = seedBody({ imageBase64: Fixtures.sdkPayload() })
    await check(undefined, twice)
    await check(undefined, twice) // replayed
    const invalid = await fetch(`${gw.url}/processes/v1`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{"
    })
    statuses.push(invalid.status)
    statuses.push((await fetch(`${gw.url}/processes/v1/not-a-uuid`)).status)
    statuses.push((await fetch(`${gw.url}/processes/v1/${live.id}`)).status)
    expect(statuses).toEqual([200, 200, 200, 502, 422, 502, 200, 200, 400, 400, 200])
    const response = await fetch(`${gw.url}/metrics`)
    expect(response.headers.get("content-type")).toBe(Prometheus.CONTENT_TYPE)
    metrics = await response.text()
  }, 60_000)

  afterAll(async () => {
    await gw?.close()
    if (scope !== undefined) await Effect.runPromise(Scope.close(scope, Exit.void))
  })

  it("promtool check metrics finds no problem in the text", async () => {
    const run = await promtool(["check", "metrics"], { input: metrics })
    expect(run).toEqual({ status: 0, output: "" })
  })

  it("carries every series the alert rules select, with the type the rules assume", () => {
    const samples = metrics.split("\n").filter((line) => line !== "" && !line.startsWith("#"))
    const counters = countersOf(rulesText)
    const wanted = selectors(rulesText)
    expect(wanted.length).toBeGreaterThanOrEqual(6)
    for (const { labels, name } of wanted) {
      const type = counters.has(name) ? "counter" : "gauge"
      expect(metrics, name).toContain(`# TYPE ${name} ${type}\n`)
      const series = samples.filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`))
      expect(series.some((line) => labels.every((label) => line.includes(label))), `${name}{${labels}}`).toBe(true)
    }
  })

  it(
    "a real Prometheus scrapes it on loopback and evaluates every rule on it: Redis degraded pending, the rest quiet",
    async () => {
      const target = new URL(gw.url).host
      const prometheus = await startPrometheus(
        [
          "global: { scrape_interval: 1s, evaluation_interval: 1s }",
          `rule_files: [${JSON.stringify(join(rulesDir, RULES))}]`,
          "scrape_configs:",
          "  - job_name: liveness-gateway",
          `    static_configs: [{ targets: [${JSON.stringify(target)}] }]`,
          ""
        ].join("\n"),
        await closedPort()
      )
      try {
        interface Target {
          readonly health: string
          readonly lastError: string
          readonly labels: Record<string, string>
        }
        const up = await eventually(async () => {
          const { activeTargets } = await prometheus.api<{ activeTargets: Array<Target> }>("/api/v1/targets")
          return activeTargets.find((t) => t.labels.instance === target && t.health !== "unknown")
        }, "the first scrape")
        expect(up).toMatchObject({ health: "up", lastError: "", labels: { job: "liveness-gateway" } })

        interface Rule {
          readonly name: string
          readonly health: string
          readonly lastError?: string
          readonly state: string
        }
        const rules = async () =>
          (await prometheus.api<{ groups: Array<{ rules: Array<Rule> }> }>("/api/v1/rules")).groups.flatMap((g) =>
            g.rules
          )
        // The degraded gauge is 1 on the first scrape: once that rule is pending, every rule has seen the data.
        const evaluated = await eventually(async () => {
          const all = await rules()
          return all.some((rule) => rule.name === "LivenessRedisDegraded" && rule.state === "pending") ? all : undefined
        }, "LivenessRedisDegraded pending")
        expect(
          evaluated.map(({ health, lastError, name, state }) => ({ name, health, lastError: lastError ?? "", state }))
        )
          .toEqual([
            { name: "LivenessOutcomeUnknownHigh", health: "ok", lastError: "", state: "inactive" },
            { name: "LivenessUnicoRateLimited", health: "ok", lastError: "", state: "inactive" },
            { name: "LivenessTokenMintsHigh", health: "ok", lastError: "", state: "inactive" },
            { name: "LivenessRedisDegraded", health: "ok", lastError: "", state: "pending" },
            { name: "LivenessChecksInFlightNearCapacity", health: "ok", lastError: "", state: "inactive" }
          ])
        const query = (expr: string) =>
          prometheus.api<{ result: Array<{ value: [number, string] }> }>(
            `/api/v1/query?query=${encodeURIComponent(expr)}`
          ).then(({ result }) => result.map(({ value }) => value[1]))
        expect(await query("liveness_check_capacity")).toEqual(["300"])
        expect(await query("gateway_checks_in_flight < 0.8 * liveness_check_capacity")).toEqual(["0"])
      } finally {
        await prometheus.close()
      }
    },
    60_000
  )

  it("counts what the checks did: the 429, the outcome unknown, Redis degraded, the capacity", () => {
    expect(metrics).toMatch(/^liveness_provider_errors_total\{error="RateLimited",operation="createProcess"\} 1$/m)
    expect(metrics).toMatch(/^liveness_check_errors_total\{error="OutcomeUnknown",operation="createProcess"\} 1$/m)
    expect(metrics).toMatch(/^liveness_redis_degraded 1$/m)
    // The default quota (10/s) times the default deadline (30 s).
    expect(metrics).toMatch(/^liveness_check_capacity 300$/m)
    expect(metrics).toMatch(/^gateway_checks_in_flight 0$/m)
    expect(metrics).toMatch(/^liveness_token_mints_total 1$/m)
  })
})
