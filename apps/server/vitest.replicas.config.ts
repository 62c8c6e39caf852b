import { defineConfig, mergeConfig } from "vitest/config"
import shared from "../../vitest.shared.ts"

// Three gateway processes, a sandbox and Redis, timed against a 20/s quota: `pnpm test` runs it after every
// other test, alone, so that the machine's cores are not shared with the rest of the suite.
const report = process.env.LIVENESS_TEST_REPORT === "1"

const config = mergeConfig(shared, defineConfig({ test: { testTimeout: 180_000 } }))
// mergeConfig concatenates arrays: replace the shared include and reporters instead.
config.test!.include = ["test/Replicas.test.ts"]
config.test!.reporters = report ? ["default", ["json", { outputFile: "test-results.replicas.json" }]] : ["default"]

export default config
