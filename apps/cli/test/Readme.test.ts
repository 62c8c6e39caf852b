/**
 * The README's command lines, run as written from the repository's root: every documented `pnpm … liveness`
 * line keeps pnpm's banner off standard output (`-s`), and what `--json` prints parses as one JSON object.
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import { execFile } from "node:child_process"
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..")
const READMES = ["README.md", "apps/cli/README.md", "apps/server/README.md"]

/** The lines of the README's shell blocks that run the CLI through pnpm, without their trailing comments. */
const cliLines = (readme: string) =>
  [...readFileSync(join(root, readme), "utf8").matchAll(/```sh\n([\s\S]*?)```/g)]
    .flatMap((block) => block[1]!.split("\n"))
    .map((line) => line.replace(/\s+#.*$/, "").trim())
    .filter((line) => /^pnpm\b.*\bliveness\b/.test(line))

/** Files the examples write at the root (gitignored): removed afterwards. */
const written = ["selfie.jwt", "photo.jpg"]
afterAll(() => {
  for (const file of written) rmSync(join(root, file), { force: true })
})

const environment = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !name.startsWith("UNICO_") && !name.startsWith("LIVENESS_"))
)

const run = (line: string) =>
  promisify(execFile)("sh", ["-c", line], { cwd: root, env: environment, maxBuffer: 16 * 1024 * 1024 }).then(
    ({ stderr, stdout }) => ({ code: 0, stdout, stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({
      code: error.code ?? 1,
      stdout: error.stdout ?? "",
      stderr: error.stderr ?? ""
    })
  )

describe("the README's command lines", () => {
  it("every documented pnpm line runs the CLI with -s, so stdout holds only the command's output", () => {
    const lines = READMES.flatMap(cliLines)
    expect(lines.length).toBeGreaterThan(8)
    for (const line of lines) expect(line, line).toMatch(/^pnpm -s liveness /)
  })

  it("the CLI README's quick lines, as written: fixtures, check (text and --json), doctor, --help", async () => {
    const lines = cliLines("apps/cli/README.md").filter((line) => / liveness (fixtures|check|doctor|--help)/.test(line))
    expect(lines.map((line) => line.split(" ")[3])).toEqual([
      "fixtures",
      "fixtures",
      "check",
      "check",
      "doctor",
      "--help"
    ])
    for (const line of lines) {
      const { code, stderr, stdout } = await run(line)
      expect(code, `${line}\n${stderr}`).toBe(0)
      expect(stdout, line).not.toMatch(/^> /m)
      if (line.endsWith("--json")) {
        const answer = JSON.parse(stdout)
        expect(answer).toMatchObject({ verdict: "live", provider: "sandbox" })
      }
    }
  }, 180_000)
})

describe("installing the workspace", () => {
  it("links every package's bin at install time: each is a committed file, not a build output", () => {
    const manifests = ["packages", "apps"].flatMap((group) =>
      readdirSync(join(root, group)).map((name) => join(root, group, name, "package.json")).filter(existsSync)
    )
    const bins = manifests.flatMap((manifest) =>
      Object.values((JSON.parse(readFileSync(manifest, "utf8")) as { bin?: Record<string, string> }).bin ?? {}).map(
        (target) => join(dirname(manifest), target)
      )
    )
    expect(bins.length).toBeGreaterThanOrEqual(2)
    // pnpm warns "Failed to create bin" for every bin whose file does not exist yet when it installs.
    for (const bin of bins) {
      expect(bin, bin).not.toMatch(/[/\\](dist|build)[/\\]/)
      expect(existsSync(bin), bin).toBe(true)
    }
  })
})
