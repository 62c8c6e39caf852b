import { defineConfig, mergeConfig } from "vitest/config"
import shared from "../../vitest.shared.ts"

// --expose-gc: the chaos soak compares heap before and after, which needs a collection it can force.
// The replica run (three gateway processes held to a shared quota) runs on its own: see vitest.replicas.config.ts.
export default mergeConfig(
  shared,
  defineConfig({
    test: { exclude: ["test/Replicas.test.ts"], poolOptions: { forks: { execArgv: ["--expose-gc"] } } }
  })
)
