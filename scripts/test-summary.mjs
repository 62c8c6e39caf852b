// Prints one line of totals for the whole test run from the JSON reports vitest wrote in each package
// (`test-results*.json`, asked for with LIVENESS_TEST_REPORT=1): "N passed, N failed", then the names of the
// failed tests, if any. Used by `pnpm test` (scripts/test.mjs) and by .ci/run.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))

/** Every report under packages/* and apps/*. */
export const reports = () =>
  ["packages", "apps"].flatMap((group) => {
    const dir = join(root, group)
    if (!existsSync(dir)) return []
    return readdirSync(dir)
      .map((name) => join(dir, name))
      .filter((folder) => statSync(folder).isDirectory())
      .flatMap((folder) =>
        readdirSync(folder).filter((file) => /^test-results.*\.json$/.test(file)).map((file) => join(folder, file))
      )
  })

export const summary = () => {
  let passed = 0
  let failed = 0
  const failures = []
  for (const file of reports()) {
    const report = JSON.parse(readFileSync(file, "utf8"))
    passed += report.numPassedTests
    failed += report.numFailedTests
    for (const suite of report.testResults ?? []) {
      for (const test of suite.assertionResults ?? []) {
        if (test.status === "failed") failures.push(test.fullName ?? test.title)
      }
    }
  }
  return { passed, failed, failures }
}

/** Prints the failed tests' names and the line of totals; returns how many failed. */
export const printSummary = () => {
  const { failed, failures, passed } = summary()
  for (const name of failures) console.log(`failed: ${name}`)
  console.log(`${passed} passed, ${failed} failed`)
  return failed
}

if (process.argv[1] === fileURLToPath(import.meta.url)) printSummary()
