/**
 * The gateway's OpenAPI 3.1 document, as a typed object. It lists every route of Routes.ts (a test checks both
 * directions against the Express router) and the problem table of Problems.ts. The request, answer and problem
 * schemas are derived from the Schemas the gateway decodes with (the core's `CheckInput`) or that describe what it
 * sends (`LivenessProcess` with the `Verdict`, `Problems.Body`): they are not written out here.
 */
import { CheckInput, Cpf, LivenessProcess, Subject, Verdict } from "@liveness/core"
import { Scenario } from "@liveness/fake"
import * as JSONSchema from "effect/JSONSchema"
import * as Schema from "effect/Schema"
import * as IdempotencyKey from "./IdempotencyKey.js"
import * as Problems from "./Problems.js"
import { DOCS_ASSETS, type Method, routes } from "./Routes.js"

type JsonSchema = { readonly [keyword: string]: unknown }

interface MediaType {
  readonly schema: JsonSchema
  readonly example?: unknown
}

interface Header {
  readonly description: string
  readonly schema: JsonSchema
}

interface Response {
  readonly description: string
  readonly headers?: Record<string, Header | Reference>
  readonly content?: Record<string, MediaType>
}

interface Reference {
  readonly $ref: string
}

interface Parameter {
  readonly name: string
  readonly in: "path" | "query" | "header"
  readonly required: boolean
  readonly description: string
  readonly schema: JsonSchema
  readonly example?: unknown
}

interface Operation {
  readonly operationId: string
  readonly summary: string
  readonly description?: string
  readonly tags: ReadonlyArray<string>
  readonly security?: ReadonlyArray<Record<string, ReadonlyArray<string>>>
  readonly parameters?: ReadonlyArray<Parameter | Reference>
  readonly requestBody?: {
    readonly required: boolean
    readonly content: Record<string, MediaType>
  }
  readonly responses: Record<string, Response | Reference>
}

export type { Method }

export type PathItem = Partial<Record<Method, Operation>>

export interface Document {
  readonly openapi: "3.1.0"
  readonly info: {
    readonly title: string
    readonly version: string
    readonly summary: string
    readonly description: string
  }
  readonly tags: ReadonlyArray<{ readonly name: string; readonly description: string }>
  readonly paths: Record<string, PathItem>
  readonly components: {
    readonly schemas: Record<string, JsonSchema>
    readonly responses: Record<string, Response>
    readonly headers: Record<string, Header>
    readonly parameters: Record<string, Parameter>
    readonly securitySchemes: Record<
      string,
      { readonly type: "http"; readonly scheme: "bearer"; readonly description: string }
    >
  }
}

/** The 200 answer of both process routes: the process as Unico returns it, with the derived `verdict`. */
export const ProcessResult = Schema.Struct({
  ...LivenessProcess.LivenessProcess.fields,
  verdict: Verdict.Verdict.annotations({ identifier: "Verdict" })
}).annotations({ identifier: "ProcessResult" })

/** `POST /processes/v1`'s body: the core's `CheckInput`, which the check decodes it with. */
export const CreateProcessRequest = CheckInput.CheckInput.annotations({
  identifier: "CreateProcessRequest",
  description: "Unico's `POST /processes/v1` body."
})

/** The components derived from Schemas, by name (each Schema's identifier). */
const derived = {
  CreateProcessRequest,
  Subject: Subject.Subject,
  ProcessResult,
  Verdict: ProcessResult.fields.verdict,
  Problem: Problems.Body
}

const COMPONENTS = "#/components/schemas/"

/** Keywords a `$ref`'s siblings may give again (the more specific wins): annotations, never assertions. */
const ANNOTATIONS = new Set(["description", "examples", "default"])

/**
 * The JSON Schemas of `derived`. A definition one of them names stays a `$ref`; the others (effect's `Int` and
 * `Trimmed`, the core's filters) are written in place. Left out: effect's titles (`int`, `trimmed`) and what only
 * says JSON Schema's defaults (`additionalProperties: true`: the Schemas ignore extra fields; `required: []`).
 */
const deriveSchemas = (): { readonly [Name in keyof typeof derived]: JsonSchema } => {
  const made: Record<string, JSONSchema.JsonSchema7> = {}
  for (const schema of Object.values(derived)) {
    JSONSchema.fromAST(schema.ast, {
      definitions: made,
      definitionPath: COMPONENTS,
      target: "openApi3.1",
      additionalPropertiesStrategy: "allow"
    })
  }
  // Read as plain records: JsonSchema7 is a union of closed shapes.
  const definitions = made as unknown as Readonly<Record<string, JsonSchema>>
  const merge = (base: JsonSchema, over: JsonSchema): JsonSchema => {
    const twice = Object.keys(over).find((key) => key in base && !ANNOTATIONS.has(key))
    if (twice !== undefined) throw new Error(`OpenApi: cannot write a $ref in place: ${twice} twice`)
    return { ...base, ...over }
  }
  const tidy = (schema: JsonSchema): JsonSchema => {
    const out: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(schema)) {
      if (key === "title" || key === "additionalProperties" && value === true) continue
      if (key === "required" && Array.isArray(value) && value.length === 0) continue
      out[key] = key === "properties"
        ? Object.fromEntries(Object.entries(value as Record<string, JsonSchema>).map(([name, v]) => [name, tidy(v)]))
        : key === "allOf" || key === "anyOf" || key === "oneOf"
        ? (value as ReadonlyArray<JsonSchema>).map(tidy)
        : key === "items" || key === "additionalProperties"
        ? tidy(value as JsonSchema)
        : value
    }
    // effect puts a `$ref`'s annotations beside it in a one-member `allOf`.
    const { allOf, ...rest } = out
    if (Array.isArray(allOf) && allOf.length === 1) return merge(allOf[0] as JsonSchema, rest)
    const { $ref, ...siblings } = out
    if (typeof $ref !== "string") return out
    const name = $ref.slice(COMPONENTS.length)
    return name in derived ? out : merge(tidy(definitions[name]!), siblings)
  }
  return Object.fromEntries(
    Object.keys(derived).map((name) => {
      const definition = definitions[name]
      if (definition === undefined) throw new Error(`OpenApi: the Schema for ${name} is not identified as ${name}`)
      return [name, tidy(definition)]
    })
  ) as { readonly [Name in keyof typeof derived]: JsonSchema }
}

export const schemas = deriveSchemas()

/**
 * One capture, one answer: how `POST /processes/v1` answers a capture sent again (the document's description and the
 * `/docs` page both show it).
 */
export const exactlyOnce: ReadonlyArray<string> = [
  "A capture reaches Unico at most once (Unico's SDK guidance: \"The JWT must be submitted only once\"). A " +
  "`POST /processes/v1` with a capture this caller key sent before (the same `imageBase64`, subject and branch) gets " +
  "the first answer again, without a provider request: the same status and body (errors too) with " +
  `\`${IdempotencyKey.REPLAYED_HEADER}: true\`. Only the request id differs: \`X-Request-Id\` and a problem's ` +
  "`requestId` are the new request's. A duplicate sent while the first is in flight waits for its answer.",
  "The same capture from another caller key, or with another subject, is refused as Unico refuses a reused " +
  "capture (422 `payload-rejected`, `reason` `reused`, `providerCode` 10508), without a submission and without " +
  "the first caller's answer.",
  `\`${IdempotencyKey.HEADER}\` (IETF draft-ietf-httpapi-idempotency-key-header) is taken too: a quoted string ` +
  `(or a bare value), 1 to ${IdempotencyKey.MAX_LENGTH} characters, scoped to the caller key, bound to the body it ` +
  "first came with (SHA-256 of its canonical JSON: key order and spacing do not matter). The same key with the same " +
  "body is answered as above; with another body, 422 `idempotency-key-reused`; a malformed key, 400 " +
  "`invalid-request`. A duplicate in flight waits rather than getting the draft's 409.",
  "Answers and keys are kept for `LIVENESS_LEDGER_RETENTION_MS` (15 minutes by default). Failures that provably " +
  "sent nothing (the provider's 429 or 503, refused credentials) are not kept: the retry is sent."
]

const problemRef = (status: number): Reference => ({ $ref: `#/components/responses/Problem${status}` })

const statusesOf = (types: ReadonlyArray<Problems.ProblemType>) => [...new Set(types.map((type) => type.status))]

const problemTable = [
  "| status | `type` | `code` | when |",
  "|---|---|---|---|",
  ...Problems.all.map((type) =>
    `| ${type.status} | \`${Problems.uri(type)}\` | \`${type.code}\` | ${type.when.replace(/\|/g, "\\|")} |`
  )
].join("\n")

const replayedHeader: Reference = { $ref: `#/components/headers/${IdempotencyKey.REPLAYED_HEADER}` }

/** The statuses of the errors the capture ledger may give again. */
const replayable = new Set(statusesOf(Problems.livenessErrorTypes))

/** The problem responses, one per status, each listing its types. */
const problemResponses: Record<string, Response> = Object.fromEntries(
  statusesOf(Problems.all).map((status) => {
    const types = Problems.all.filter((type) => type.status === status)
    const headers: Record<string, Reference> = { "X-Request-Id": { $ref: "#/components/headers/X-Request-Id" } }
    if (status === 429) headers["Retry-After"] = { $ref: "#/components/headers/Retry-After" }
    if (status === 401) headers["WWW-Authenticate"] = { $ref: "#/components/headers/WWW-Authenticate" }
    if (replayable.has(status)) headers[IdempotencyKey.REPLAYED_HEADER] = replayedHeader
    return [`Problem${status}`, {
      description: types.map((type) => `\`${type.slug}\`: ${type.title}.`).join(" "),
      headers,
      content: {
        [Problems.CONTENT_TYPE]: {
          schema: { $ref: "#/components/schemas/Problem" },
          example: Problems.make(types[0], "3f2c9a8e-5d7b-4c1e-9f0a-2b6d8e4c7a15", types[0].title)
        }
      }
    }]
  })
)

const commonHeaders: Record<string, Reference> = {
  "X-Request-Id": { $ref: "#/components/headers/X-Request-Id" },
  "X-Liveness-Provider": { $ref: "#/components/headers/X-Liveness-Provider" },
  "X-Liveness-Simulated": { $ref: "#/components/headers/X-Liveness-Simulated" }
}

const limitedHeaders: Record<string, Reference> = {
  ...commonHeaders,
  RateLimit: { $ref: "#/components/headers/RateLimit" },
  "RateLimit-Policy": { $ref: "#/components/headers/RateLimit-Policy" }
}

const gatewayKey = [{ gatewayKey: [] }]

const attemptsHeader: Reference = { $ref: "#/components/headers/X-Liveness-Attempts" }

/** What a `/try` route answers where the page is not served. */
const tryRefused = { "404": problemRef(404) }

const processResponses = (
  extra: ReadonlyArray<Problems.ProblemType>,
  headers: Record<string, Reference> = limitedHeaders
): Record<string, Response | Reference> => {
  const types = [
    ...Problems.livenessErrorTypes,
    Problems.types.unauthorized,
    Problems.types.gatewayRateLimited,
    Problems.types.internal,
    ...extra
  ]
  return {
    "200": {
      description: "The process, as Unico returns it, with the derived `verdict`.",
      headers: { ...headers, "X-Liveness-Attempts": attemptsHeader },
      content: {
        "application/json": {
          schema: { $ref: "#/components/schemas/ProcessResult" },
          example: { id: "80371b2a-3ac7-432e-866d-57fe37896ac6", status: 3, liveness: 1, verdict: "live" }
        }
      }
    },
    ...Object.fromEntries(statusesOf(types).sort().map((status) => [String(status), problemRef(status)]))
  }
}

const text = (description: string, contentType: string, schema: JsonSchema = { type: "string" }): Response => ({
  description,
  headers: commonHeaders,
  content: { [contentType]: { schema } }
})

/** One of the files of the testers' page (the page, its script, its stylesheet). */
const tryFile = (operationId: string, summary: string, description: string, contentType: string): PathItem => ({
  get: { operationId, summary, tags: ["testers"], responses: { "200": text(description, contentType), ...tryRefused } }
})

export const document: Document = {
  openapi: "3.1.0",
  info: {
    title: "Liveness gateway",
    version: "0.1.0",
    summary: "Unico IDCloud's liveness contract for internal callers, with retries, quota, logging and safety.",
    description: [
      "`POST /processes/v1` takes Unico's request body and answers Unico's `{id, status, liveness}` plus a",
      "`verdict`, so code written against Unico's documentation can point here. Callers authenticate with",
      "their own gateway key (`Authorization: Bearer <key>`), never Unico's credentials.",
      "",
      "Every error is `application/problem+json` with `type`, `title`, `status`, `detail`, `code`,",
      "`requestId` and, where Unico gave one, `providerCode`:",
      "",
      problemTable,
      "",
      "## One capture, one answer",
      "",
      exactlyOnce.join("\n\n"),
      "",
      "When the gateway runs on a simulated provider (the embedded sandbox or the fake), every response carries",
      "`X-Liveness-Provider` and `X-Liveness-Simulated: true`."
    ].join("\n")
  },
  tags: [
    { name: "processes", description: "Liveness checks (Unico's contract)" },
    { name: "operations", description: "Health, readiness, metrics and documentation" },
    {
      name: "testers",
      description: "`/try`, a page for testers that runs every scenario of the simulated provider from the browser. " +
        "Served on the sandbox and the fake only, and off with `NODE_ENV=production` unless `GATEWAY_TRY_PAGE=true` " +
        "(elsewhere these routes answer 404 `not-found`, saying why)."
    }
  ],
  paths: {
    [routes.createProcess.openapi]: {
      post: {
        operationId: "createProcess",
        summary: "Run a liveness check",
        description:
          "Validates the body, calls the provider under the retry policy (a capture is never billed twice) and " +
          "one deadline, and answers the process with its verdict. A process that ended without a decision " +
          "(status 4 or 5) is still a 200: its verdict is `retry-capture`. A capture sent again gets its first " +
          `answer, marked \`${IdempotencyKey.REPLAYED_HEADER}: true\` (see the description of this document).`,
        tags: ["processes"],
        security: gatewayKey,
        parameters: [{ $ref: `#/components/parameters/${IdempotencyKey.HEADER}` }],
        requestBody: {
          required: true,
          content: {
            "application/json": {
              schema: { $ref: "#/components/schemas/CreateProcessRequest" },
              example: {
                subject: {
                  code: "12345678909",
                  name: "Luke Skywalker",
                  email: "luke@example.com",
                  phone: "551972557070"
                },
                subsidiaryId: "60837cd3-ed3c-4038-ad7c-0a85ad64b03a",
                imageBase64: "eyJhbGciOiJub25lIn0.eyJpc3MiOiJsaXZlbmVzcy1mYWtlIn0.c2ln"
              }
            }
          }
        },
        responses: processResponses([
          Problems.types.idempotencyKeyReused,
          Problems.types.malformedJson,
          Problems.types.payloadTooLarge,
          Problems.types.unsupportedMediaType
        ], { ...limitedHeaders, [IdempotencyKey.REPLAYED_HEADER]: replayedHeader })
      }
    },
    [routes.getProcess.openapi]: {
      get: {
        operationId: "getProcess",
        summary: "Read a process back",
        tags: ["processes"],
        security: gatewayKey,
        parameters: [{ $ref: "#/components/parameters/ProcessId" }],
        responses: processResponses([])
      }
    },
    [routes.health.openapi]: {
      get: {
        operationId: "health",
        summary: "Liveness of the gateway process",
        tags: ["operations"],
        responses: {
          "200": {
            description: "The process is up.",
            headers: commonHeaders,
            content: {
              "application/json": {
                schema: {
                  type: "object",
                  required: ["status"],
                  properties: { status: { const: "ok" } }
                }
              }
            }
          }
        }
      }
    },
    [routes.ready.openapi]: {
      get: {
        operationId: "ready",
        summary: "Readiness: the provider can answer",
        description: "Runs the provider's probe: a token can be minted (unico, sandbox); the fake is always ready. " +
          "With Redis configured, also says whether the replicas' shared quota and token are in use.",
        tags: ["operations"],
        responses: {
          "200": {
            description: "Ready.",
            headers: commonHeaders,
            content: {
              "application/json": {
                schema: {
                  type: "object",
                  required: ["status", "provider", "simulated"],
                  properties: {
                    status: { const: "ready" },
                    provider: { $ref: "#/components/schemas/ProviderKind" },
                    simulated: { type: "boolean" },
                    redis: {
                      type: "object",
                      description: "Only with LIVENESS_REDIS_URL. Degraded does not fail readiness: each replica " +
                        "runs on its local limit (quota / LIVENESS_REPLICAS) and its own token until Redis is back.",
                      required: ["status", "target", "since"],
                      properties: {
                        status: { enum: ["connected", "degraded"] },
                        target: { type: "string", description: "Where Redis is, without credentials." },
                        since: { type: "string", format: "date-time" },
                        reason: { type: "string" },
                        degradedMode: { type: "string" }
                      }
                    }
                  }
                }
              }
            }
          },
          "503": problemRef(503)
        }
      }
    },
    [routes.metrics.openapi]: {
      get: {
        operationId: "metrics",
        summary: "Prometheus metrics",
        description: "Requests by route and status, checks by verdict and error, process read-backs by verdict " +
          "(apart from checks), upstream latency, retries, token mints (text exposition format 0.0.4).",
        tags: ["operations"],
        responses: { "200": text("Prometheus text.", "text/plain") }
      }
    },
    [routes.openapi.openapi]: {
      get: {
        operationId: "openapi",
        summary: "This document",
        tags: ["operations"],
        responses: { "200": text("The OpenAPI 3.1 document.", "application/json", { type: "object" }) }
      }
    },
    [routes.docs.openapi]: {
      get: {
        operationId: "docs",
        summary: "Interactive documentation (Swagger UI, served locally)",
        tags: ["operations"],
        responses: {
          "200": text(
            "An HTML page: the title, operations and problem types in the HTML itself, then Swagger UI rendering " +
              "/openapi.json over them.",
            "text/html"
          )
        }
      }
    },
    [routes.docsAsset.openapi]: {
      get: {
        operationId: "docsAsset",
        summary: "A static asset of the documentation page",
        tags: ["operations"],
        parameters: [{
          name: "file",
          in: "path",
          required: true,
          description: "The asset's file name.",
          schema: { type: "string", enum: ["init.js", ...DOCS_ASSETS] }
        }],
        responses: {
          "200": text("The file.", "application/octet-stream", {
            type: "string",
            contentMediaType: "application/octet-stream"
          }),
          "404": problemRef(404)
        }
      }
    },
    [routes.tryPage.openapi]: tryFile(
      "tryPage",
      "The testers' page: every scenario from the browser",
      "The HTML page. It lists the fake's documented scenarios, makes a fresh fake SDK payload for one (or takes an " +
        "image file or a camera snapshot), sends it to `POST /processes/v1` with a gateway key typed on the page " +
        "(kept in the page's memory only) and shows the answer; sends a capture again to show the replay, keeps " +
        "the session's checks and reads a process back.",
      "text/html"
    ),
    [routes.tryScript.openapi]: tryFile(
      "tryScript",
      "The testers' page's script",
      "Plain JavaScript.",
      "text/javascript"
    ),
    [routes.tryStyle.openapi]: tryFile("tryStyle", "The testers' page's stylesheet", "CSS.", "text/css"),
    [routes.tryScenarios.openapi]: {
      get: {
        operationId: "tryScenarios",
        summary: "The fake's documented scenarios (magic CPFs and outcomes) and the plain-image rules",
        tags: ["testers"],
        responses: {
          "200": {
            description: "The same table as the fake's README (`MagicValues.documented`).",
            headers: commonHeaders,
            content: { "application/json": { schema: { $ref: "#/components/schemas/TryScenarios" } } }
          },
          ...tryRefused
        }
      }
    },
    [routes.tryPayloads.openapi]: {
      post: {
        operationId: "tryPayload",
        summary: "A fresh fake SDK payload (single use, valid 10 minutes)",
        description: "Made by the fake's `Fixtures.sdkPayload`: a compact JWT whose `scenario` claim decides the " +
          "outcome when the subject's CPF is not a magic one. Accepted by the sandbox and the fake only.",
        tags: ["testers"],
        requestBody: {
          required: true,
          content: {
            "application/json": {
              schema: {
                type: "object",
                properties: { scenario: { $ref: "#/components/schemas/ScenarioName" } }
              },
              example: { scenario: "unavailable-once" }
            }
          }
        },
        responses: {
          "200": {
            description: "The payload, to send as `imageBase64`.",
            headers: commonHeaders,
            content: {
              "application/json": {
                schema: {
                  type: "object",
                  required: ["imageBase64", "issuedAt"],
                  properties: {
                    imageBase64: { type: "string" },
                    scenario: { $ref: "#/components/schemas/ScenarioName" },
                    issuedAt: { type: "string", format: "date-time" }
                  }
                }
              }
            }
          },
          ...Object.fromEntries([400, 404, 413, 415].map((status) => [String(status), problemRef(status)]))
        }
      }
    }
  },
  components: {
    schemas: {
      ScenarioName: { type: "string", enum: Scenario.names },
      TryScenarios: {
        type: "object",
        required: ["provider", "scenarios", "otherCpfs", "plainImage"],
        properties: {
          provider: {
            type: "object",
            required: ["kind", "description"],
            properties: { kind: { $ref: "#/components/schemas/ProviderKind" }, description: { type: "string" } }
          },
          scenarios: {
            type: "array",
            items: {
              type: "object",
              required: ["scenario", "cpf", "answers", "gives"],
              properties: {
                scenario: { $ref: "#/components/schemas/ScenarioName" },
                cpf: { type: "string", pattern: Cpf.FORMAT.source },
                answers: { type: "string", description: "What the provider answers (markdown inline code)." },
                gives: { type: "string", description: "What the check gives, with the default policy." }
              }
            }
          },
          otherCpfs: { type: "string", description: "What any other valid CPF gives." },
          plainImage: {
            type: "object",
            required: ["formats", "maxBytes", "minLongSide", "minShortSide"],
            properties: {
              formats: { type: "array", items: { enum: ["jpeg", "png", "webp"] } },
              maxBytes: { type: "integer" },
              minLongSide: { type: "integer" },
              minShortSide: { type: "integer" }
            }
          }
        }
      },
      CreateProcessRequest: schemas.CreateProcessRequest,
      Subject: schemas.Subject,
      ProcessResult: schemas.ProcessResult,
      Verdict: schemas.Verdict,
      ProviderKind: { type: "string", enum: ["unico", "sandbox", "fake"] },
      Problem: schemas.Problem
    },
    responses: problemResponses,
    headers: {
      "X-Request-Id": {
        description: "The request id: the caller's, if it matched ^[A-Za-z0-9._:-]{1,128}$, else a generated UUID.",
        schema: { type: "string" }
      },
      "X-Liveness-Provider": {
        description: "Present when the provider is simulated: sandbox or fake.",
        schema: { $ref: "#/components/schemas/ProviderKind" }
      },
      "X-Liveness-Simulated": {
        description: "`true` when the answer comes from a simulated provider (never a real check).",
        schema: { type: "string", const: "true" }
      },
      RateLimit: {
        description: "The caller key's remaining quota (IETF draft 8).",
        schema: { type: "string" }
      },
      "RateLimit-Policy": {
        description: "The quota per caller key (IETF draft 8): `GATEWAY_RATE_LIMIT` requests per 60 s.",
        schema: { type: "string" }
      },
      "Retry-After": { description: "Seconds to wait before trying again.", schema: { type: "integer" } },
      "X-Liveness-Attempts": {
        description: "The provider requests the check made (1 when the first attempt answered; a replay gives the " +
          "first check's).",
        schema: { type: "integer", minimum: 1 }
      },
      [IdempotencyKey.REPLAYED_HEADER]: {
        description: "`POST /processes/v1` only: `true` when this answer is the capture's first answer given again " +
          "from the capture ledger (no provider request was made). Absent otherwise.",
        schema: { type: "string", const: "true" }
      },
      "WWW-Authenticate": { description: "`Bearer`", schema: { type: "string" } }
    },
    parameters: {
      [IdempotencyKey.HEADER]: {
        name: IdempotencyKey.HEADER,
        in: "header",
        required: false,
        description: "IETF draft-ietf-httpapi-idempotency-key-header: a Structured Field string (`\"8e03978e-…\"`) " +
          `or a bare value, 1 to ${IdempotencyKey.MAX_LENGTH} characters, scoped to the caller key. The same key ` +
          "with the same body gets the first answer again; with another body, 422 `idempotency-key-reused`; a " +
          "malformed key, 400 `invalid-request`.",
        schema: { type: "string", minLength: 1, maxLength: IdempotencyKey.MAX_LENGTH + 2 },
        example: "\"8e03978e-40d5-43e8-bc93-6894a57f9324\""
      },
      ProcessId: {
        name: "id",
        in: "path",
        required: true,
        description: "The process id returned by `POST /processes/v1`.",
        schema: { type: "string", format: "uuid" }
      }
    },
    securitySchemes: {
      gatewayKey: {
        type: "http",
        scheme: "bearer",
        description: "A key from GATEWAY_API_KEYS. Not required when the gateway runs without keys (development)."
      }
    }
  }
}
