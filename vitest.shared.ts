import { defineConfig } from "vitest/config"

// Source inside the repo: resolve workspace packages to their TypeScript sources, not to dist. Vite adds
// import/require itself; listing "import" here would also reach Node's own `require` (vitest passes these to
// its workers as --conditions) and hand CommonJS packages the ESM entry of dual packages (Express broke so).
const conditions = ["@liveness/source", "node", "default"]

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
