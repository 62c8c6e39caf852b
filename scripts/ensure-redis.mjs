// The replica tests (@liveness/redis, the gateway's Replicas test) start real redis-server processes on
// 127.0.0.1. On a fresh machine this installs Debian's redis-server when it can (root with apt-get), else
// says how to get it. Run by `pnpm test` before the tests.
import { execFileSync, spawnSync } from "node:child_process"

const has = (command) => spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0

if (!has("redis-server")) {
  const root = typeof process.getuid === "function" && process.getuid() === 0
  if (!root || !has("apt-get")) {
    console.error(
      "The replica tests need redis-server on this machine: install it (Debian/Ubuntu: apt-get install redis-server; " +
        "macOS: brew install redis) and run the tests again."
    )
    process.exit(1)
  }
  console.error("Installing redis-server (Debian package) for the replica tests…")
  const install = () => execFileSync("apt-get", ["install", "-y", "-qq", "redis-server"], { stdio: "ignore" })
  try {
    install()
  } catch {
    execFileSync("apt-get", ["update", "-qq"], { stdio: "ignore" })
    install()
  }
}
