/**
 * promtool and prometheus (Debian's `prometheus` package) for the Prometheus tests, found on the PATH. Without
 * them the suites are skipped, except under CI=true, where `requiredUnderCi` fails (`node
 * scripts/ensure-promtool.mjs` installs them).
 */
import { expect, it } from "@effect/vitest"
import { spawn, spawnSync } from "node:child_process"
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const runs = (command: string) => spawnSync(command, ["--version"], { stdio: "ignore" }).status === 0

export const available = runs("promtool") && runs("prometheus")

export const INSTALL = "node scripts/ensure-promtool.mjs (apt-get install --no-install-recommends prometheus)"

/** The repository's Prometheus files: the alert rules and their unit tests. */
export const rulesDir = fileURLToPath(new URL("../../../ops/prometheus/", import.meta.url))

/** A suite's title, saying why it is skipped when it is. */
export const title = (suite: string) =>
  available ? suite : `${suite} (skipped: promtool or prometheus is not on the PATH; ${INSTALL})`

/** A failing test, not a skipped suite, when promtool is missing under CI=true: CI's totals count it. */
export const requiredUnderCi = (suite: string) =>
  it.runIf(!available && process.env.CI === "true")(`${suite}: promtool is installed (CI=true)`, () => {
    expect.fail(`promtool or prometheus is not on the PATH: run ${INSTALL}`)
  })

export interface Run {
  readonly status: number | null
  readonly output: string
}

/** Runs `promtool args` in `cwd`, `input` on its standard input; resolves with its exit status and output. */
export const promtool = (args: ReadonlyArray<string>, options: { cwd?: string; input?: string } = {}) =>
  new Promise<Run>((resolve, reject) => {
    const child = spawn("promtool", args, { cwd: options.cwd ?? rulesDir, stdio: ["pipe", "pipe", "pipe"] })
    let output = ""
    child.stdout.on("data", (chunk: Buffer) => output += chunk.toString("utf8"))
    child.stderr.on("data", (chunk: Buffer) => output += chunk.toString("utf8"))
    child.on("error", reject)
    child.on("close", (status) => resolve({ status, output }))
    child.stdin.end(options.input ?? "")
  })

export interface RunningPrometheus {
  /** `http://127.0.0.1:<port>`, for the HTTP API. */
  readonly url: string
  /** GETs `path` of the HTTP API and returns its `data`. */
  readonly api: <A>(path: string) => Promise<A>
  readonly close: () => Promise<void>
}

/**
 * A real Prometheus on 127.0.0.1:`port` with `config` (YAML), its storage in a temporary directory, resolved once
 * it answers ready.
 */
export const startPrometheus = async (config: string, port: number): Promise<RunningPrometheus> => {
  const dir = await mkdtemp(join(tmpdir(), "liveness-prometheus-"))
  await writeFile(join(dir, "prometheus.yml"), config)
  const child = spawn("prometheus", [
    `--config.file=${join(dir, "prometheus.yml")}`,
    `--storage.tsdb.path=${join(dir, "data")}`,
    `--web.listen-address=127.0.0.1:${port}`,
    "--log.level=warn"
  ], { stdio: ["ignore", "ignore", "pipe"] })
  let log = ""
  child.stderr.on("data", (chunk: Buffer) => log += chunk.toString("utf8"))
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()))
  const url = `http://127.0.0.1:${port}`
  const close = async () => {
    child.kill("SIGTERM")
    await exited
    await rm(dir, { recursive: true, force: true })
  }
  const api = async <A>(path: string): Promise<A> => {
    const body = await (await fetch(`${url}${path}`)).json() as { status: string; data: A }
    if (body.status !== "success") throw new Error(`Prometheus ${path}: ${JSON.stringify(body)}`)
    return body.data
  }
  for (let tries = 0;; tries++) {
    const ready = await fetch(`${url}/-/ready`).then((response) => response.ok, () => false)
    if (ready) return { url, api, close }
    if (child.exitCode !== null || tries === 300) {
      await close()
      throw new Error(`prometheus did not become ready: ${log}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** Polls `probe` every 200 ms until it returns a value, at most `tries` times. */
export const eventually = async <A>(probe: () => Promise<A | undefined>, what: string, tries = 150): Promise<A> => {
  for (let i = 0; i < tries; i++) {
    const found = await probe()
    if (found !== undefined) return found
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error(`gave up waiting for ${what}`)
}
