/**
 * A Unico-compatible HTTP server on loopback, built on the fake's scenario engine: the token endpoint,
 * `POST /processes/v1` and `GET /processes/v1/{id}` with Unico's checks, codes and body shapes, a per-tenant
 * rate limit, fault injection, and statistics (token mints, answers by status, processes per payload and the
 * answers to every submission of each payload: how we prove a capture is never billed, nor submitted, twice).
 *
 * `Sandbox.start` (scoped) gives working credentials at once. The embedded default (a sandbox with the real HTTP
 * adapter pointed at it) is wired where configuration is composed: `SandboxAdapter` in `@liveness/runtime`, so this
 * package knows the fake and the core only.
 *
 * Time is the `Clock` of the effect that starts the sandbox: the live clock in apps, `TestClock` in an
 * `it.effect` test, so token expiry, the tenant quota and injected delays move only when the test moves time.
 *
 * @since 0.1.0
 */
import { Fixtures, ScenarioEngine, Submissions } from "@liveness/fake"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberSet from "effect/FiberSet"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Credentials from "./Credentials.js"
import * as Faults from "./Faults.js"
import * as ProcessRequest from "./ProcessRequest.js"
import * as TenantQuota from "./TenantQuota.js"
import * as TokenEndpoint from "./TokenEndpoint.js"

export interface Options {
  /** Port to listen on (default 0: any free port). */
  readonly port?: number
  /** Address to bind (default 127.0.0.1: the sandbox is for this machine only). */
  readonly host?: string
  /** Lifetime of access tokens, in seconds (default 3600, Unico's). */
  readonly tokenLifetimeSeconds?: number
  /** Per-tenant quota (default 10 per second, Unico's default); `false` for none. */
  readonly rateLimit?: TenantQuota.QuotaOptions | false
  /** Latency added by the scenario engine to every answer. */
  readonly latency?: Duration.DurationInput
  /** Fault injection on the processes endpoints (see Faults). */
  readonly faults?: Faults.FaultOptions
  /** Refuse a body without `subject` (20004). Unico's pages disagree; default false. */
  readonly requireSubject?: boolean
  /** Status for a refused access token: 401 (Unico's newest docs, default) or 403 (older tables). */
  readonly tokenErrorStatus?: 401 | 403
  /** The service account's name and tenant (default: `sandbox` and a random tenant). */
  readonly credentials?: Credentials.CredentialOptions
  /** Largest request body accepted, in bytes (default 16 MiB). */
  readonly bodyLimit?: number
}

export interface Stats {
  /** Access tokens issued. */
  readonly tokenMints: number
  /** Answers of the token endpoint by HTTP status. */
  readonly tokenRequestsByStatus: Readonly<Record<string, number>>
  /** Answers of the processes endpoints by HTTP status; `reset` counts connections reset on purpose. */
  readonly requestsByStatus: Readonly<Record<string, number>>
  /** Processes created per payload fingerprint; a count above 1 is a capture billed twice. */
  readonly processesByPayload: Readonly<Record<string, number>>
  /** Processes created in all. */
  readonly processes: number
  /**
   * Per payload fingerprint, the answer to every `POST /processes/v1` that carried it, in arrival order, whatever
   * the answer: faults before or after processing, the quota's 429, refused tokens and body errors included
   * (`"200"`, `"400"`, `"429"`, `"503"`, …, `"reset"`, or `"pending"` while unanswered). A body that is not JSON or
   * has no `imageBase64` counts under no payload. Read with `Submissions.countMayHaveBeenProcessed`.
   */
  readonly submissionsByPayload: Readonly<Record<string, ReadonlyArray<string>>>
  /** Requests counted in `submissionsByPayload`, in all. */
  readonly submissions: number
}

/** A running sandbox: its URLs, the service account's credentials (no public key), and its controls. */
export interface Sandbox extends Omit<Credentials.Credentials, "publicKey"> {
  /** Base URL of the token endpoint (`{authUrl}/oauth2/token`); also the expected `aud`. */
  readonly authUrl: string
  /** Base URL of the API (`{apiUrl}/processes/v1`). */
  readonly apiUrl: string
  readonly stats: Effect.Effect<Stats>
  /** The scenario engine: script outcomes, read calls, reset. */
  readonly engine: ScenarioEngine.ScenarioEngine
  /** Fault injection: script faults or change rates while running. */
  readonly faults: Faults.FaultPlan
}

/** The running sandbox, in a layer built by `SandboxAdapter.layer` (`@liveness/runtime`). */
export class SandboxInstance extends Context.Tag("@liveness/sandbox/Sandbox")<SandboxInstance, Sandbox>() {}

const JSON_TYPE = "application/json; charset=utf-8"

class BodyTooLarge extends Error {}

const readBody = (req: IncomingMessage, limit: number) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Array<Buffer> = []
    let size = 0
    req.on("data", (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        // Answer 413 and drain the rest, rather than reset a client that is still sending.
        req.removeAllListeners("data")
        req.resume()
        reject(new BodyTooLarge())
        return
      }
      chunks.push(chunk)
    })
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    req.on("error", reject)
  })

/** Unico pretty-prints its JSON (4 spaces) with this content type. */
const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  const text = JSON.stringify(body, null, 4)
  res.writeHead(status, { "content-type": JSON_TYPE, "content-length": Buffer.byteLength(text), ...headers })
  res.end(text)
}

const unicoError = (code: string | undefined, description: string | undefined) => ({
  error: { ...(code === undefined ? {} : { code }), ...(description === undefined ? {} : { description }) }
})

export const start = (options: Options = {}): Effect.Effect<Sandbox, never, Scope.Scope> =>
  Effect.gen(function*() {
    // Engine work runs in fibers owned by the sandbox's scope: stopping the sandbox interrupts what is still in
    // flight (a `slow` answer would otherwise keep the process alive for 40 s after the server closed).
    const run = yield* FiberSet.makeRuntimePromise<never>()
    // Requests arrive on Node's callbacks, outside any fiber: they read the starting effect's clock directly.
    const clock = yield* Effect.clock
    const now = () => clock.unsafeCurrentTimeMillis()
    const sleep = (millis: number) => run(Effect.sleep(Duration.millis(millis)))
    const credentials = Credentials.generate(options.credentials)
    const engine = yield* ScenarioEngine.make(options.latency === undefined ? {} : { latency: options.latency })
    const faults = Faults.plan(options.faults)
    const quota = options.rateLimit === false
      ? undefined
      : TenantQuota.make(options.rateLimit ?? { limit: 10, intervalMillis: 1000 })
    const expectedApiKey = Redacted.value(credentials.apiKey)
    const requireSubject = options.requireSubject ?? false
    const tokenErrorStatus = options.tokenErrorStatus ?? 401
    const bodyLimit = options.bodyLimit ?? 16 * 1024 * 1024
    const requestsByStatus: Record<string, number> = {}
    const tokenRequestsByStatus: Record<string, number> = {}
    const count = (table: Record<string, number>, key: string | number) => {
      table[key] = (table[key] ?? 0) + 1
    }
    // Recorded here, not by the engine (whose own record is not read): faults and refusals answered before the
    // engine count too, and a fault after it (a reset) replaces what the engine answered.
    const submissions = Submissions.make()
    /** The submission of a create request that carried a payload, until its answer settles it. */
    const submissionOf = new WeakMap<ServerResponse, (answer: string) => void>()
    const settle = (res: ServerResponse, answer: string) => {
      submissionOf.get(res)?.(answer)
      submissionOf.delete(res)
    }

    /** Counts the answer a processes request is about to get: by status, and as its payload's submission. */
    const answered = (res: ServerResponse, status: number) => {
      count(requestsByStatus, status)
      settle(res, Submissions.ofStatus(status))
    }

    const answer = (res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>) => {
      answered(res, status)
      send(res, status, body, headers)
    }

    const reset = (res: ServerResponse) => {
      count(requestsByStatus, "reset")
      settle(res, Submissions.RESET)
      res.socket?.resetAndDestroy()
    }

    const handleToken = async (req: IncomingMessage, res: ServerResponse) => {
      const body = await readBody(req, bodyLimit)
      const result = await tokens.handle(new URLSearchParams(body), now())
      if (result._tag === "Token") {
        count(tokenRequestsByStatus, 200)
        return send(res, 200, { access_token: result.accessToken, token_type: "Bearer", expires_in: result.expiresIn })
      }
      count(tokenRequestsByStatus, result.status)
      send(res, result.status, result.body)
    }

    /** The checks every processes request goes through, in Unico's order; false once answered. */
    const authorise = (req: IncomingMessage, res: ServerResponse): boolean => {
      const authorization = req.headers.authorization
      const apiKey = req.headers.apikey
      if (authorization === undefined || authorization === "") {
        answer(res, 400, unicoError("20001", "O parâmetro authtoken não foi informado."))
        return false
      }
      if (apiKey === undefined || apiKey === "") {
        answer(res, 400, unicoError("20002", "O parâmetro APIKey não foi informado."))
        return false
      }
      // Unico's docs show both "Bearer <token>" and the bare token: accept both.
      const token = authorization.replace(/^Bearer\s+/i, "")
      const state = tokens.check(token, now())
      if (state !== "valid") {
        answer(
          res,
          tokenErrorStatus,
          state === "expired"
            ? unicoError("10502", "O token de acesso expirou.")
            : unicoError("10501", "O token de acesso é inválido.")
        )
        return false
      }
      if (apiKey !== expectedApiKey) {
        answer(res, 403, unicoError("10201", "O AppKey informado é inválido."))
        return false
      }
      if (quota !== undefined) {
        const waitMillis = quota.take(now())
        if (waitMillis !== undefined) {
          answer(res, 429, unicoError(undefined, "Too Many Requests"), {
            "retry-after": String(Math.max(1, Math.ceil(waitMillis / 1000)))
          })
          return false
        }
      }
      return true
    }

    /** Applies a fault that acts before processing; returns false when the request is already answered. */
    const before = async (fault: Faults.Fault | undefined, res: ServerResponse): Promise<boolean> => {
      switch (fault?._tag) {
        case "latency":
          await sleep(fault.millis)
          return true
        case "status":
          answer(res, fault.status, unicoError(fault.status === 500 ? "510" : undefined, "Falha interna!"))
          return false
        case "rate-limited":
          answer(res, 429, unicoError(undefined, "Too Many Requests"), {
            "retry-after": String(fault.retryAfterSeconds)
          })
          return false
        case "reset-before":
          reset(res)
          return false
        default:
          return true
      }
    }

    /** Sends the engine's answer, through a fault that acts after processing if there is one. */
    const reply = async (fault: Faults.Fault | undefined, res: ServerResponse, result: ScenarioEngine.EngineAnswer) => {
      if (result._tag !== "Process") {
        const headers: Record<string, string> = result.retryAfterSeconds === undefined
          ? {}
          : { "retry-after": String(result.retryAfterSeconds) }
        // Token-endpoint style failures keep their own body shape.
        const body = result.code !== undefined && /^1\.\d+\.\d+$/.test(result.code)
          ? { error: "server_error", error_description: result.description ?? `Falha na autenticação ${result.code}` }
          // No invented description: the adapter's error must read as the fake's for the same engine answer.
          : unicoError(result.code, result.description)
        return answer(res, result.status, body, headers)
      }
      switch (fault?._tag) {
        case "reset-after":
          return reset(res)
        case "malformed-json": {
          answered(res, 200)
          const text = JSON.stringify(result.process, null, 4)
          res.writeHead(200, { "content-type": JSON_TYPE })
          return res.end(text.slice(0, Math.floor(text.length / 2)))
        }
        case "slow-body": {
          answered(res, 200)
          const text = JSON.stringify(result.process, null, 4)
          res.writeHead(200, { "content-type": JSON_TYPE, "content-length": Buffer.byteLength(text) })
          res.write(text.slice(0, 10))
          await sleep(fault.millis)
          return res.end(text.slice(10))
        }
        default:
          return answer(res, 200, result.process)
      }
    }

    const handleCreate = async (req: IncomingMessage, res: ServerResponse) => {
      const body = ProcessRequest.parse(await readBody(req, bodyLimit))
      const payload = ProcessRequest.payloadOf(body)
      const print = payload === undefined ? undefined : Fixtures.fingerprint(payload)
      // A submission from the moment the body is read, whatever answers it: it keeps its place in arrival order.
      if (print !== undefined) submissionOf.set(res, submissions.arrive(print))
      if (!authorise(req, res)) return
      const fault = faults.next()
      if (!(await before(fault, res))) return
      const validated = ProcessRequest.validate(body, requireSubject)
      if (validated._tag === "Invalid") return answer(res, 400, unicoError(validated.code, validated.description))
      const result = await run(engine.createProcess({ ...validated.request, fingerprint: print }))
      await reply(fault, res, result)
    }

    const handleGet = async (req: IncomingMessage, res: ServerResponse, id: string) => {
      await readBody(req, bodyLimit)
      if (!authorise(req, res)) return
      const fault = faults.next()
      if (!(await before(fault, res))) return
      const result = await run(engine.getProcess(id))
      if (result._tag !== "Process") {
        return result.status === 410
          ? answer(res, 410, unicoError(undefined, "O processo terminou em erro."))
          : answer(res, 404, unicoError(undefined, "Processo não encontrado."))
      }
      await reply(fault, res, result)
    }

    const route = async (req: IncomingMessage, res: ServerResponse) => {
      const path = new URL(req.url ?? "/", "http://sandbox").pathname
      if (path === "/oauth2/token") {
        if (req.method !== "POST") return send(res, 405, unicoError(undefined, "Method not allowed"), { allow: "POST" })
        return handleToken(req, res)
      }
      if (path === "/processes/v1") {
        if (req.method !== "POST") return send(res, 405, unicoError(undefined, "Method not allowed"), { allow: "POST" })
        return handleCreate(req, res)
      }
      const match = /^\/processes\/v1\/([^/]+)$/.exec(path)
      if (match !== null) {
        if (req.method !== "GET") return send(res, 405, unicoError(undefined, "Method not allowed"), { allow: "GET" })
        return handleGet(req, res, decodeURIComponent(match[1]!))
      }
      send(res, 404, unicoError(undefined, "Not found"))
    }

    // Requests are handled only once the address is known: the token endpoint needs it as the audience.
    const server: Server = createServer()

    const address = yield* Effect.acquireRelease(
      Effect.async<AddressInfo>((resume) => {
        server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
          resume(Effect.succeed(server.address() as AddressInfo))
        })
      }),
      () =>
        Effect.async<void>((resume) => {
          server.close(() => resume(Effect.void))
          server.closeAllConnections()
        })
    )
    const host = address.family === "IPv6" ? `[${address.address}]` : address.address
    const url = `http://${host}:${address.port}`
    const tokens = TokenEndpoint.make(credentials, url, options.tokenLifetimeSeconds ?? 3600)
    server.on("request", (req: IncomingMessage, res: ServerResponse) => {
      route(req, res).catch((error: unknown) => {
        if (res.headersSent) return void res.destroy()
        if (error instanceof BodyTooLarge) {
          return send(res, 413, unicoError(undefined, "Request body too large"), { connection: "close" })
        }
        settle(res, Submissions.ofStatus(500))
        send(res, 500, unicoError("510", "Falha interna!"))
      })
    })

    const stats = Effect.map(engine.processesByPayload, (byPayload): Stats => ({
      tokenMints: tokens.mints(),
      tokenRequestsByStatus: { ...tokenRequestsByStatus },
      requestsByStatus: { ...requestsByStatus },
      processesByPayload: Object.fromEntries(byPayload),
      processes: [...byPayload.values()].reduce((sum, n) => sum + n, 0),
      submissionsByPayload: Object.fromEntries(submissions.byPayload()),
      submissions: submissions.total()
    }))

    const { publicKey: _publicKey, ...account } = credentials
    return {
      ...account,
      authUrl: url,
      apiUrl: url,
      stats,
      engine,
      faults
    } satisfies Sandbox
  })

/**
 * The UNICO_* variables that point a process (a gateway, the CLI) at a running sandbox, the private key inline:
 * what tests and local trials put in a child's environment. `environmentText` prints the same for people.
 */
export const unicoEnvironment = (sandbox: Sandbox): Record<string, string> => ({
  UNICO_AUTH_URL: sandbox.authUrl,
  UNICO_API_URL: sandbox.apiUrl,
  UNICO_ISSUER: sandbox.issuer,
  UNICO_PRIVATE_KEY: Redacted.value(sandbox.privateKey),
  UNICO_API_KEY: Redacted.value(sandbox.apiKey)
})

/**
 * What a foreground sandbox prints (`liveness-sandbox`, `liveness sandbox`): writes the service account's private
 * key to a temporary file (removed when the scope closes) and returns the UNICO_* lines that point the gateway,
 * the CLI or any process at the sandbox. `rateLimit` describes the quota it was started with.
 */
export const environmentText = (
  sandbox: Sandbox,
  rateLimit: TenantQuota.QuotaOptions | false = { limit: 10, intervalMillis: 1000 }
): Effect.Effect<string, never, Scope.Scope> =>
  Effect.gen(function*() {
    const directory = yield* Effect.acquireRelease(
      Effect.sync(() => mkdtempSync(join(tmpdir(), "liveness-sandbox-"))),
      (directory) => Effect.sync(() => rmSync(directory, { recursive: true, force: true }))
    )
    const keyFile = join(directory, "service-account.pem")
    writeFileSync(keyFile, Redacted.value(sandbox.privateKey), { mode: 0o600 })
    const quota = rateLimit === false
      ? "off"
      : rateLimit.intervalMillis === 1000
      ? `${rateLimit.limit}/s`
      : `${rateLimit.limit} per ${rateLimit.intervalMillis} ms`
    return [
      `Unico sandbox listening on ${sandbox.apiUrl} (rate limit ${quota}). Point a process at it with:`,
      "",
      `UNICO_AUTH_URL=${sandbox.authUrl}`,
      `UNICO_API_URL=${sandbox.apiUrl}`,
      `UNICO_ISSUER=${sandbox.issuer}`,
      `UNICO_PRIVATE_KEY_FILE=${keyFile}`,
      `UNICO_API_KEY=${Redacted.value(sandbox.apiKey)}`,
      "",
      "These are throwaway credentials of this sandbox only. Ctrl-C stops it."
    ].join("\n")
  })
