/**
 * Child processes for the benchmarks that measure a server in its own process (the sandbox, the gateway, a bare
 * `node:http` server): a free port on 127.0.0.1, spawn, wait until it answers, read its peak RSS, stop it.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { createServer } from "node:net"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { request } from "undici"
import { root } from "./Report.js"

export const HOST = "127.0.0.1"

/** A port that was free a moment ago on 127.0.0.1. */
export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, HOST, () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

export interface Child {
  readonly process: ChildProcess
  /** Everything the child printed on stdout so far (when stdout is read). */
  readonly output: () => string
  readonly stop: () => Promise<void>
}

/** Spawns `node <args>` from the repository root; stdout is kept only when `keepOutput`. */
export const node = (
  args: ReadonlyArray<string>,
  env: Record<string, string>,
  options: { readonly keepOutput?: boolean } = {}
): Child => {
  const child = spawn(process.execPath, [...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", options.keepOutput === true ? "pipe" : "ignore", "inherit"]
  })
  let output = ""
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    output += chunk
  })
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null) resolve()
    else child.once("exit", () => resolve())
  })
  return {
    process: child,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM")
        const timer = setTimeout(() => child.kill("SIGKILL"), 5000)
        await exited
        clearTimeout(timer)
      }
    }
  }
}

/** Resolves when `until` holds, polling every 50 ms; fails after `timeoutMillis` or when the child exits. */
export const waitFor = async (child: Child, what: string, until: () => Promise<boolean>, timeoutMillis = 15_000) => {
  const deadline = Date.now() + timeoutMillis
  while (Date.now() < deadline) {
    if (child.process.exitCode !== null) throw new Error(`${what} exited with code ${child.process.exitCode}`)
    if (await until().catch(() => false)) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`${what} did not start within ${timeoutMillis} ms`)
}

/** True when GET `url` answers 200. */
export const answers200 = async (url: string) => {
  const response = await request(url)
  await response.body.dump()
  return response.statusCode === 200
}

/** A field of /proc/<pid>/status in kB (VmRSS, VmHWM), or NaN off Linux. */
export const procStatusKb = (pid: number, field: "VmRSS" | "VmHWM") => {
  try {
    const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith(`${field}:`))
    return line === undefined ? Number.NaN : Number.parseInt(line.replace(/\D+/g, ""), 10)
  } catch {
    return Number.NaN
  }
}

/** CPU time (user + system, all threads) a process has used so far, in milliseconds, or NaN off Linux. */
export const procCpuMillis = (pid: number) => {
  try {
    // Fields after the command name, whose parentheses may hold spaces: utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND
  } catch {
    return Number.NaN
  }
}

/** USER_HZ: 100 on every Linux this runs on. */
const CLOCK_TICKS_PER_SECOND = 100

/** What the provider stub (src/Stub.ts) has answered so far. */
export interface StubCounts {
  readonly tokens: number
  readonly processes: number
  readonly aws: number
}

export interface Stub {
  readonly child: Child
  /** `http://127.0.0.1:<port>`, no trailing slash: Unico's token and API hosts and AWS's endpoint at once. */
  readonly url: string
  readonly counts: () => Promise<StubCounts>
}

/** Spawns `node --import tsx packages/bench/src/<file>` (a child written in TypeScript beside this file). */
export const tsNode = (file: string, env: Record<string, string>, options: { readonly keepOutput?: boolean } = {}) =>
  node(["--import", import.meta.resolve("tsx"), fileURLToPath(new URL(`./${file}`, import.meta.url))], env, options)

/** Starts the cheap provider stub (src/Stub.ts) in its own process and waits until it answers. */
export const startStub = async (): Promise<Stub> => {
  const port = await freePort()
  const child = tsNode("Stub.ts", { PORT: String(port) })
  const url = `http://${HOST}:${port}`
  const counts = async () => {
    const response = await request(`${url}/stats`)
    return (await response.body.json()) as StubCounts
  }
  await waitFor(child, "the provider stub", () => answers200(`${url}/stats`))
  return { child, url, counts }
}

/** Paths of built entry points, from the repository root. */
export const entry = {
  sandbox: join("packages", "sandbox", "dist", "bin.js"),
  gateway: join("apps", "server", "dist", "main.js")
}

/** A bare `node:http` server: reads the body, parses the JSON, answers the gateway's JSON for a live check. */
export const bareServerSource = `
const http = require("node:http")
const crypto = require("node:crypto")
http.createServer((req, res) => {
  const chunks = []
  req.on("data", (chunk) => chunks.push(chunk))
  req.on("end", () => {
    let body
    try { body = JSON.parse(Buffer.concat(chunks).toString("utf8")) } catch { body = undefined }
    if (body === undefined || typeof body.imageBase64 !== "string") {
      res.writeHead(400, { "content-type": "application/json" }).end('{"status":400}')
      return
    }
    const answer = JSON.stringify({ id: crypto.randomUUID(), status: 3, liveness: 1, verdict: "live" })
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(answer) }).end(answer)
  })
}).listen(Number(process.env.PORT), "127.0.0.1")
`
