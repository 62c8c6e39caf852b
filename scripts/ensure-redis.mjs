// The replica tests (@liveness/redis, the gateway's Replicas test) start real redis-server processes on
// 127.0.0.1. On a fresh machine this installs Debian's redis-server when it can (root with apt-get), else
// says how to get it. Run by `pnpm test` before the tests.
import { ensureDebianPackage } from "./debian-package.mjs"

const present = ensureDebianPackage({
  command: "redis-server",
  name: "redis-server",
  purpose: "The replica tests need"
})
if (!present) process.exit(1)
