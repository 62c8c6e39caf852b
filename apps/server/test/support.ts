import { Fixtures } from "@liveness/fake"
import type { Sandbox } from "@liveness/sandbox"
import * as Redacted from "effect/Redacted"
import { type ChildProcess, spawn } from "node:child_process"
import { type OutgoingHttpHeaders, request } from "node:http"
import { fileURLToPath } from "node:url"
import { expect } from "vitest"
import { type Gateway, type Problems, start, type StartOptions } from "../src/index.js"

export interface TestGateway {
  readonly gateway: Gateway
  readonly url: string
  /** Every JSON log line written so far. */
  readonly logs: Array<Record<string, unknown>>
  /** The raw log text, for "never logged" assertions. */
  readonly rawLogs: () => string
  readonly close: () => Promise<void>
}

/** Starts the gateway in-process on 127.0.0.1:0 with `env` only (never the process environment). */
export const startGateway = async (
  env: Record<string, string>,
  options: Omit<StartOptions, "env" | "logDestination"> = {}
): Promise<TestGateway> => {
  const lines: Array<string> = []
  const gateway = await start({
    env: { HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "info", ...env },
    logDestination: { write: (line: string) => void lines.push(line) },
    ...options
  })
  return {
    gateway,
    url: gateway.url,
    get logs() {
      return lines.map((line) => JSON.parse(line) as Record<string, unknown>)
    },
    rawLogs: () => lines.join(""),
    close: gateway.close
  }
}

/** The settings that point the gateway's real adapter (`LIVENESS_PROVIDER=unico`) at `sandbox`. */
export const unicoEnv = (sandbox: Sandbox.Sandbox) => ({
  LIVENESS_PROVIDER: "unico",
  UNICO_AUTH_URL: sandbox.authUrl,
  UNICO_API_URL: sandbox.apiUrl,
  UNICO_ISSUER: sandbox.issuer,
  UNICO_PRIVATE_KEY: Redacted.value(sandbox.privateKey),
  UNICO_API_KEY: Redacted.value(sandbox.apiKey)
})

/** The seed's example body, with a fresh fake SDK payload (single use). */
export const seedBody = (overrides: { code?: string; imageBase64?: string } = {}) => ({
  subject: {
    code: overrides.code ?? "12345678909",
    name: "Luke Skywalker",
    email: "luke@example.com",
    phone: "551972557070"
  },
  subsidiaryId: "60837cd3-ed3c-4038-ad7c-0a85ad64b03a",
  imageBase64: overrides.imageBase64 ?? Fixtures.sdkPayload()
})

export const postJson = (
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
  init: RequestInit = {}
) =>
  fetch(`${url}/processes/v1`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
    ...init
  })

/**
 * A raw request through node:http, for what fetch will not send: a wrong Content-Length, a bad charset, a header
 * twice (an array of values).
 */
export const raw = (
  url: string,
  method: string,
  path: string,
  headers: Record<string, string | ReadonlyArray<string>>,
  body?: string
) =>
  new Promise<Response>((resolve, reject) => {
    const req = request(`${url}${path}`, { method, headers: headers as OutgoingHttpHeaders }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (chunk: Buffer) => chunks.push(chunk))
      res.on("end", () => {
        const responseHeaders = new Headers()
        for (const [name, value] of Object.entries(res.headers)) {
          if (typeof value === "string") responseHeaders.set(name, value)
        }
        resolve(
          new Response(Buffer.concat(chunks).toString("utf8"), { status: res.statusCode!, headers: responseHeaders })
        )
      })
    })
    req.on("error", reject)
    req.end(body)
  })

/** A problem body as the gateway sends it, with the field issues of a 400. */
export type ProblemBody = Problems.Problem & { readonly errors?: ReadonlyArray<{ field: string; message: string }> }

/** Asserts an application/problem+json answer of `slug` and `status`, and returns its body. */
export const expectProblem = async (response: Response, status: number, slug: string): Promise<ProblemBody> => {
  const text = await response.text()
  expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/)
  const body = JSON.parse(text) as ProblemBody
  expect({ status: response.status, type: body.type }).toEqual({
    status,
    type: `https://liveness.dev/problems/${slug}`
  })
  expect(body.status).toBe(status)
  expect(body.requestId).toBe(response.headers.get("x-request-id"))
  expect(typeof body.title).toBe("string")
  expect(typeof body.detail).toBe("string")
  expect(typeof body.code).toBe("string")
  expect(text).not.toMatch(/<html|\s+at .+:\d+:\d+/i)
  return body
}

/** Asserts that none of `secrets` appears in the logs. */
export const expectNotLogged = (gateway: TestGateway, secrets: ReadonlyArray<string>) => {
  const logs = gateway.rawLogs()
  for (const secret of secrets) expect(logs.includes(secret), "a secret was logged").toBe(false)
}

/** A port nothing listens on. */
export const closedPort = async (): Promise<number> => {
  const { createServer } = await import("node:net")
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

// The gateway as a process: src/main.ts under tsx (dist/main.js is the same code, built).
const serverDir = fileURLToPath(new URL("..", import.meta.url))

export interface Spawned {
  readonly child: ChildProcess
  readonly stdout: () => string
  readonly stderr: () => string
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

export const spawnGateway = (env: Record<string, string>): Spawned => {
  const child = spawn(process.execPath, ["--conditions=@liveness/source", "--import", "tsx", "src/main.ts"], {
    cwd: serverDir,
    env: { PATH: process.env.PATH ?? "", HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let out = ""
  let err = ""
  child.stdout!.on("data", (chunk: Buffer) => void (out += chunk.toString("utf8")))
  child.stderr!.on("data", (chunk: Buffer) => void (err += chunk.toString("utf8")))
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal }))
  )
  return { child, stdout: () => out, stderr: () => err, exit }
}

export const listening = async (spawned: Spawned): Promise<string> => {
  const deadline = Date.now() + 45_000
  while (Date.now() < deadline) {
    const line = spawned.stdout().split("\n").find((text) => text.includes("\"url\""))
    if (line !== undefined) return (JSON.parse(line) as { url: string }).url
    if (spawned.child.exitCode !== null) break
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  spawned.child.kill("SIGKILL")
  throw new Error(`the gateway did not start; stderr: ${spawned.stderr().slice(0, 500)}`)
}

/**
 * Polls `probe` until it gives a value. No deadline of its own: the test's timeout bounds the wait, so a busy
 * machine makes the test slower, never wrong.
 */
export const eventually = async <A>(
  probe: () => A | undefined | Promise<A | undefined>,
  everyMillis = 25
): Promise<A> => {
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    await new Promise((resolve) => setTimeout(resolve, everyMillis))
  }
}

/** Waits until the gateway reports `count` checks in flight (its own gauge), so the next step finds them running. */
export const checksInFlight = (url: string, count: number) =>
  eventually(async () => {
    const metrics = await (await fetch(`${url}/metrics`)).text()
    return metrics.includes(`\ngateway_checks_in_flight ${count}\n`) ? true : undefined
  })
