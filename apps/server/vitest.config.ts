import { defineConfig, mergeConfig } from "vitest/config"
import shared from "../../vitest.shared.ts"

// --expose-gc: the chaos soak compares heap before and after, which needs a collection it can force.
export default mergeConfig(shared, defineConfig({ test: { poolOptions: { forks: { execArgv: ["--expose-gc"] } } } }))
