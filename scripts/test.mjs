// `pnpm test`: every package's tests, then the replica tests alone (three gateways timed against one sandbox
// must not share the cores with the rest), then one line of totals. The replica tests run even when an
// earlier package failed, so one failure never hides another; the exit code is non-zero if anything failed.
import { spawnSync } from "node:child_process"
import { rmSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { printSummary, reports } from "./test-summary.mjs"

const root = fileURLToPath(new URL("..", import.meta.url))
const run = (command, args, env = {}) =>
  spawnSync(command, args, { cwd: root, stdio: "inherit", env: { ...process.env, ...env } }).status ?? 1

for (const file of reports()) rmSync(file)
// What the tests need from Debian's packages: redis-server (replicas), chromium (the /docs page) and promtool
// (the alert rules and the /metrics text).
for (const script of ["scripts/ensure-redis.mjs", "scripts/ensure-chromium.mjs", "scripts/ensure-promtool.mjs"]) {
  if (run(process.execPath, [script]) !== 0) {
    printSummary()
    process.exit(1)
  }
}

// Each package writes a JSON report (turbo caches it with the task) for the totals below.
const env = { LIVENESS_TEST_REPORT: "1" }
const turbo = fileURLToPath(new URL("../node_modules/.bin/turbo", import.meta.url))
const packages = run(turbo, ["run", "test", "--continue", "--concurrency=2", ...process.argv.slice(2)], env)
const replicas = run(turbo, ["run", "test:replicas", ...process.argv.slice(2)], env)

const failed = printSummary()
process.exit(packages !== 0 || replicas !== 0 || failed > 0 ? 1 : 0)
