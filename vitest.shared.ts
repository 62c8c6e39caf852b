import { defineConfig } from "vitest/config"

// Source inside the repo: resolve workspace packages to their TypeScript sources, not to dist.
const conditions = ["@liveness/source", "import", "module", "node", "default"]

// CI asks for a machine-readable report so .ci/run can print one line of totals.
const report = process.env.LIVENESS_TEST_REPORT === "1"

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: [new URL("./vitest.setup.ts", import.meta.url).pathname],
    fakeTimers: { toFake: undefined },
    testTimeout: 30_000,
    reporters: report ? ["default", ["json", { outputFile: "test-results.json" }]] : ["default"]
  }
})
