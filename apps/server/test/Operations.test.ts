import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Validator } from "@seriousme/openapi-schema-validator"
import { generateKeyPairSync } from "node:crypto"
import { OpenApi, Problems } from "../src/index.js"
import { closedPort, expectProblem, postJson, seedBody, startGateway, type TestGateway } from "./support.js"

describe("health, readiness, metrics (fake)", () => {
  let gw: TestGateway
  beforeAll(async () => {
    gw = await startGateway({ LIVENESS_PROVIDER: "fake" })
  })
  afterAll(() => gw.close())

  it("/healthz and /readyz answer 200, marked as simulated", async () => {
    const health = await fetch(`${gw.url}/healthz`)
    expect(await health.json()).toEqual({ status: "ok" })
    expect(health.headers.get("x-liveness-simulated")).toBe("true")
    const ready = await fetch(`${gw.url}/readyz`)
    expect(ready.status).toBe(200)
    expect(await ready.json()).toEqual({ status: "ready", provider: "fake", simulated: true })
  })

  it("/metrics renders the gateway's and the core's Effect metrics as Prometheus text", async () => {
    expect((await postJson(gw.url, seedBody())).status).toBe(200)
    expect((await postJson(gw.url, seedBody({ code: "00000000515" }))).status).toBe(422)
    expect((await postJson(gw.url, seedBody({ code: "00000000434" }))).status).toBe(200)

    const response = await fetch(`${gw.url}/metrics`)
    expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8")
    const text = await response.text()
    const has = (pattern: RegExp) => expect(text).toMatch(pattern)

    has(
      /^# HELP liveness_checks_total Liveness checks \(Liveness\.check, one per capture sent\) that produced a verdict/m
    )
    has(/^# TYPE liveness_checks_total counter$/m)
    has(/^liveness_checks_total\{verdict="live"\} [1-9]\d*$/m)
    has(/^liveness_check_errors_total\{error="PayloadRejected",operation="createProcess"\} [1-9]\d*$/m)
    // 00000000434 answers 503 once: nothing was handled, so it was sent again (a "safe" retry).
    has(/^liveness_retries_total\{operation="createProcess",reason="safe"\} [1-9]\d*$/m)
    has(/^# TYPE liveness_provider_request_duration_seconds histogram$/m)
    has(/^liveness_provider_request_duration_seconds_bucket\{operation="createProcess",le="0\.005"\} \d+$/m)
    has(/^liveness_provider_request_duration_seconds_bucket\{operation="createProcess",le="\+Inf"\} [1-9]\d*$/m)
    has(/^liveness_provider_request_duration_seconds_sum\{operation="createProcess"\} [\d.e-]+$/m)
    has(/^liveness_provider_request_duration_seconds_count\{operation="createProcess"\} [1-9]\d*$/m)
    has(/^# TYPE gateway_http_requests_total counter$/m)
    has(/^gateway_http_requests_total\{method="POST",route="\/processes\/v1",status="200"\} [1-9]\d*$/m)
    has(/^gateway_http_requests_total\{method="POST",route="\/processes\/v1",status="422"\} [1-9]\d*$/m)
    has(/^# TYPE gateway_http_request_duration_seconds histogram$/m)
    has(/^# TYPE gateway_checks_in_flight gauge$/m)
    has(/^gateway_checks_in_flight 0$/m)
    // Each name has exactly one HELP and one TYPE.
    const types = text.match(/^# TYPE (\S+)/gm) ?? []
    expect(new Set(types).size).toBe(types.length)
    // Buckets are cumulative.
    const buckets = [
      ...text.matchAll(/^liveness_checks?_duration_seconds_bucket\{operation="createProcess",le="[^"]+"\} (\d+)$/gm)
    ]
      .map((match) => Number(match[1]))
    expect(buckets.length).toBeGreaterThan(2)
    expect([...buckets].sort((a, b) => a - b)).toEqual(buckets)
    // No subject, payload or process id in any label.
    expect(text).not.toMatch(/12345678909|[0-9a-f]{8}-[0-9a-f]{4}-/)
  })
})

describe("/metrics: a check is counted once, however often its process is read back", () => {
  let gw: TestGateway
  beforeAll(async () => {
    gw = await startGateway({ LIVENESS_PROVIDER: "fake" })
  })
  afterAll(() => gw.close())

  /** The samples of /metrics by series (`name{labels}`), and the HELP text by name. */
  const scrape = async () => {
    const text = await (await fetch(`${gw.url}/metrics`)).text()
    const samples = new Map<string, number>()
    const help = new Map<string, string>()
    for (const line of text.split("\n")) {
      const described = /^# HELP (\S+) (.*)$/.exec(line)
      if (described !== null) help.set(described[1]!, described[2]!)
      const sample = /^([^#\s]\S*) (\S+)$/.exec(line)
      if (sample !== null) samples.set(sample[1]!, Number(sample[2]))
    }
    return { samples, help }
  }

  it("1 POST and 2 GETs of its id: liveness_checks_total +1, liveness_process_reads_total +2", async () => {
    const before = await scrape()
    const created = await postJson(gw.url, seedBody())
    expect(created.status).toBe(200)
    const { id } = (await created.json()) as { id: string }
    for (const _ of [1, 2]) expect((await fetch(`${gw.url}/processes/v1/${id}`)).status).toBe(200)
    const after = await scrape()
    const delta = (series: string) => (after.samples.get(series) ?? 0) - (before.samples.get(series) ?? 0)

    expect(delta("liveness_checks_total{verdict=\"live\"}")).toBe(1)
    expect(delta("liveness_process_reads_total{verdict=\"live\"}")).toBe(2)
    expect(delta("liveness_provider_attempts_total{operation=\"createProcess\"}")).toBe(1)
    expect(delta("liveness_provider_attempts_total{operation=\"getProcess\"}")).toBe(2)
    expect(delta("liveness_check_duration_seconds_count{operation=\"createProcess\"}")).toBe(1)
    expect(delta("liveness_check_duration_seconds_count{operation=\"getProcess\"}")).toBe(2)
    expect(delta("gateway_http_requests_total{method=\"GET\",route=\"/processes/v1/:id\",status=\"200\"}")).toBe(2)

    // Each description says what its metric counts: checks are not read-backs, and the metrics that count both
    // say so.
    expect(after.help.get("liveness_checks_total")).toMatch(
      /^Liveness checks \(Liveness\.check, .*Process read-backs are counted in liveness_process_reads_total$/
    )
    expect(after.help.get("liveness_process_reads_total")).toMatch(
      /^Processes read back \(Liveness\.getProcess\).*Not checks/
    )
    for (const both of ["liveness_check_errors_total", "liveness_check_duration_seconds", "gateway_checks_in_flight"]) {
      expect(after.help.get(both), both).toMatch(/read-back/)
    }
  })
})

describe("readiness with a provider that cannot be reached", () => {
  let gw: TestGateway
  beforeAll(async () => {
    const port = await closedPort()
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 })
    gw = await startGateway({
      LIVENESS_PROVIDER: "unico",
      UNICO_ISSUER: "gateway-test@tenant.iam.acesso.io",
      UNICO_PRIVATE_KEY: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
      UNICO_API_KEY: "not-a-real-api-key",
      UNICO_AUTH_URL: `http://127.0.0.1:${port}`,
      UNICO_API_URL: `http://127.0.0.1:${port}`
    }, { readyTimeout: 3000 })
  })
  afterAll(() => gw.close())

  it("/healthz is 200 but /readyz is a 503 not-ready problem", async () => {
    expect((await fetch(`${gw.url}/healthz`)).status).toBe(200)
    const response = await fetch(`${gw.url}/readyz`)
    const problem = await expectProblem(response, 503, "not-ready")
    expect(problem.detail).toMatch(/unico/)
    const log = gw.logs.find((line) => line.msg !== "request completed" && String(line.msg).startsWith("not ready"))
    expect(log).toMatchObject({ level: "warn", provider: "unico" })
  })

  it("the real provider is not marked as simulated", async () => {
    const response = await fetch(`${gw.url}/healthz`)
    expect(response.headers.get("x-liveness-simulated")).toBeNull()
    expect(response.headers.get("x-liveness-provider")).toBeNull()
  })
})

describe("the OpenAPI document and /docs", () => {
  let gw: TestGateway
  beforeAll(async () => {
    gw = await startGateway({ LIVENESS_PROVIDER: "fake" })
  })
  afterAll(() => gw.close())

  it("/openapi.json is a valid OpenAPI 3.1 document whose references all resolve", async () => {
    const document = (await (await fetch(`${gw.url}/openapi.json`)).json()) as Record<string, unknown>
    expect(document.openapi).toBe("3.1.0")
    const validator = new Validator()
    const result = await validator.validate(document)
    expect(result.errors).toBeUndefined()
    expect(result.valid).toBe(true)
    expect(validator.version).toBe("3.1")
    const resolved = JSON.stringify(validator.resolveRefs())
    expect(resolved).not.toMatch(/"\$ref"/)
  })

  it("lists exactly the routes the app serves", () => {
    const served = new Set<string>()
    const stack = (gw.gateway.app as unknown as {
      router: { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> }
    }).router.stack
    for (const layer of stack) {
      if (layer.route === undefined) continue
      for (const method of Object.keys(layer.route.methods)) {
        served.add(`${method} ${layer.route.path.replace(/:(\w+)/g, "{$1}")}`)
      }
    }
    const documented = new Set<string>()
    for (const [path, item] of Object.entries(OpenApi.document.paths)) {
      for (const method of Object.keys(item)) documented.add(`${method} ${path}`)
    }
    expect([...served].sort()).toEqual([...documented].sort())
  })

  it("every documented route answers (not the unknown-route 404)", async () => {
    for (const [path, item] of Object.entries(OpenApi.document.paths)) {
      for (const method of Object.keys(item)) {
        const concrete = path
          .replace("{id}", "80371b2a-3ac7-432e-866d-57fe37896ac6")
          .replace("{file}", "swagger-ui.css")
        const response = await fetch(`${gw.url}${concrete}`, {
          method: method.toUpperCase(),
          ...(method === "post" ? { headers: { "content-type": "application/json" }, body: "{}" } : {})
        })
        const text = await response.text()
        const unknownRoute = response.headers.get("content-type")?.startsWith(Problems.CONTENT_TYPE) === true &&
          (JSON.parse(text) as { type: string }).type === Problems.uri(Problems.types.notFound)
        expect(unknownRoute, `${method} ${path}`).toBe(false)
      }
    }
  })

  it("documents every problem type, with the same table as the README", async () => {
    const { readFile } = await import("node:fs/promises")
    const readme = await readFile(new URL("../README.md", import.meta.url), "utf8")
    for (const type of Problems.all) {
      expect(OpenApi.document.info.description).toContain(Problems.uri(type))
      expect(readme).toContain(`| ${type.status} | \`${Problems.uri(type)}\` | \`${type.code}\` |`)
    }
  })

  it("documents Idempotency-Key, Idempotent-Replayed and the 422 on POST /processes/v1, and /docs says how a capture sent again is answered", async () => {
    const document = (await (await fetch(`${gw.url}/openapi.json`)).json()) as typeof OpenApi.document
    const post = document.paths["/processes/v1"]!.post!
    expect(post.parameters).toContainEqual({ $ref: "#/components/parameters/Idempotency-Key" })
    expect(document.components.parameters["Idempotency-Key"]).toMatchObject({ in: "header", required: false })
    const ok = post.responses["200"] as { headers: Record<string, unknown> }
    expect(ok.headers["Idempotent-Replayed"]).toEqual({ $ref: "#/components/headers/Idempotent-Replayed" })
    expect(post.responses["422"]).toEqual({ $ref: "#/components/responses/Problem422" })
    expect(document.components.responses.Problem422!.description).toContain("idempotency-key-reused")
    // A read-back is never a replay: GET documents no Idempotency-Key.
    expect(document.paths["/processes/v1/{id}"]!.get!.parameters).not.toContainEqual(post.parameters![0])
    expect(document.info.description).toContain("draft-ietf-httpapi-idempotency-key-header")
    const html = await (await fetch(`${gw.url}/docs`)).text()
    for (
      const text of ["Idempotent-Replayed: true", "<code>Idempotency-Key</code>", "idempotency-key-reused", "10508"]
    ) {
      expect(html).toContain(text)
    }
  })

  it("/docs is a Swagger UI page whose assets come from this server", async () => {
    const page = await fetch(`${gw.url}/docs`)
    expect(page.headers.get("content-type")).toMatch(/^text\/html/)
    const html = await page.text()
    // Scripts and stylesheets (links to pages, such as /openapi.json, are not assets).
    const sources = [...html.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"/g)].map((match) => match[1])
    expect(sources.length).toBeGreaterThan(2)
    for (const source of sources) {
      expect(source).toMatch(/^\/docs\/assets\//)
      const asset = await fetch(`${gw.url}${source}`)
      expect(asset.status, source).toBe(200)
      expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(100)
    }
    const init = await (await fetch(`${gw.url}/docs/assets/init.js`)).text()
    expect(init).toContain("\"/openapi.json\"")
    expect(init).toContain("validatorUrl: null")
  })
})
