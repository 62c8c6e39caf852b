/**
 * The gateway as a process: `node apps/server/dist/main.js` (or `pnpm start`). Configuration comes from the
 * environment; a start-up failure prints one readable line and exits 1. SIGTERM and SIGINT stop it gracefully
 * (exit 0).
 */
import { start } from "./Server.js"

const gateway = await start().catch((error: unknown) => {
  process.stderr.write(`liveness gateway: cannot start: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
})

const stop = (signal: NodeJS.Signals) => {
  process.stderr.write(`liveness gateway: ${signal} received, shutting down\n`)
  gateway.close().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(
        `liveness gateway: shutdown failed: ${error instanceof Error ? error.message : String(error)}\n`
      )
      process.exit(1)
    }
  )
}

process.once("SIGTERM", stop)
process.once("SIGINT", stop)
