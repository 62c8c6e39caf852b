/**
 * promtool (Debian's `prometheus` package) for the Prometheus tests, found on the PATH. Without it the suites are
 * skipped, except under CI=true, where `requiredUnderCi` fails (`node scripts/ensure-promtool.mjs` installs it).
 */
import { expect, it } from "@effect/vitest"
import { spawn, spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"

export const available = spawnSync("promtool", ["--version"], { stdio: "ignore" }).status === 0

export const INSTALL = "node scripts/ensure-promtool.mjs (apt-get install --no-install-recommends prometheus)"

/** The repository's Prometheus files: the alert rules and their unit tests. */
export const rulesDir = fileURLToPath(new URL("../../../ops/prometheus/", import.meta.url))

/** A suite's title, saying why it is skipped when it is. */
export const title = (suite: string) =>
  available ? suite : `${suite} (skipped: promtool is not on the PATH; ${INSTALL})`

/** A failing test, not a skipped suite, when promtool is missing under CI=true: CI's totals count it. */
export const requiredUnderCi = (suite: string) =>
  it.runIf(!available && process.env.CI === "true")(`${suite}: promtool is installed (CI=true)`, () => {
    expect.fail(`promtool is not on the PATH: run ${INSTALL}`)
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
