// The gateway's Prometheus tests run promtool (Debian's prometheus package) on the alert rules in ops/prometheus
// and on the /metrics text. On a fresh machine this installs the package when it can (root with apt-get), without
// its recommendations and without starting the Prometheus service, else says how to get it. Run by `pnpm test`
// and .ci/run before the tests.
import { ensureDebianPackage } from "./debian-package.mjs"

const present = ensureDebianPackage({
  command: "promtool",
  name: "prometheus",
  noServices: true,
  purpose: "The gateway's Prometheus tests need"
})
if (!present) {
  // Locally the other tests still run (those are skipped); under CI=true they fail, and so does this.
  const ci = process.env.CI === "true"
  console.error(ci ? "Under CI=true the Prometheus tests fail without it." : "Until then the Prometheus tests are skipped.")
  process.exit(ci ? 1 : 0)
}
