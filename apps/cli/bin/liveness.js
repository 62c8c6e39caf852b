#!/usr/bin/env node
// The `liveness` command. It lives outside dist/ so that an install can link it before anything is built
// (pnpm warns about every bin whose file does not exist yet); it runs the built entry point.
const entry = new URL("../dist/bin.js", import.meta.url)
try {
  await import(entry.href)
} catch (error) {
  if (error?.code !== "ERR_MODULE_NOT_FOUND" || !String(error.message).includes(entry.pathname)) throw error
  console.error("liveness: not built yet. Run `pnpm build` in the repository first.")
  process.exit(1)
}
