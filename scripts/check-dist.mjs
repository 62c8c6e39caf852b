// Imports every workspace package's built entry point with plain Node (no TypeScript, no source
// condition), so `pnpm build` is proven to produce importable JavaScript and declarations.
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { pathToFileURL } from "node:url"

let failures = 0
for (const group of ["packages", "apps"]) {
  if (!existsSync(group)) continue
  for (const name of readdirSync(group)) {
    const dir = join(group, name)
    const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"))
    const entry = manifest.exports?.["."]
    if (entry === undefined) continue
    const js = join(dir, entry.default)
    const dts = join(dir, entry.types)
    try {
      if (!existsSync(dts)) throw new Error(`missing ${dts}`)
      const module = await import(pathToFileURL(js).href)
      console.log(`ok   ${manifest.name} (${Object.keys(module).length} exports)`)
    } catch (error) {
      failures++
      console.error(`FAIL ${manifest.name}: ${error.message}`)
    }
  }
}
process.exit(failures === 0 ? 0 : 1)
