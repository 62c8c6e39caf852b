/**
 * `liveness --help` as people and scripts get it: the built binary, spawned with standard output piped (or on a
 * pseudo-terminal through `script`), with NO_COLOR and COLUMNS. HelpText's pieces are tested without a process.
 */
import { beforeAll, describe, expect, it } from "@effect/vitest"
import { execFile } from "node:child_process"
import { existsSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import * as HelpText from "../src/HelpText.js"
import { tsc } from "./support.js"

const app = join(dirname(fileURLToPath(import.meta.url)), "..")
// A build of its own, so that it neither races another test's build of dist/ nor rebuilds other packages.
const bin = join(app, "build", "bin", "bin.js")
const COMMANDS = ["check", "get", "batch", "doctor", "sandbox", "fixtures"]
const ESC = "\x1b"
const SCRIPT = "/usr/bin/script"

const environment = (env: Record<string, string>) => ({
  ...Object.fromEntries(
    Object.entries(process.env).filter(([name]) =>
      !name.startsWith("UNICO_") && !name.startsWith("LIVENESS_") &&
      !["NO_COLOR", "FORCE_COLOR", "COLUMNS"].includes(name)
    )
  ),
  ...env
})

/** `liveness <args>` with standard output piped. */
const run = async (args: ReadonlyArray<string>, env: Record<string, string> = {}) => {
  const { stdout } = await promisify(execFile)(process.execPath, [bin, ...args], {
    env: environment(env),
    maxBuffer: 1 << 22
  })
  return stdout
}

/** `liveness <args>` on a pseudo-terminal of `columns` columns (util-linux `script`). */
const onTerminal = async (args: ReadonlyArray<string>, columns: number, env: Record<string, string> = {}) => {
  const command = `stty cols ${columns}; exec ${[process.execPath, bin, ...args].map((a) => `'${a}'`).join(" ")}`
  const { stdout } = await promisify(execFile)(SCRIPT, ["-qec", command, "/dev/null"], { env: environment(env) })
  return stdout.replace(/\r\n/g, "\n")
}

const lines = (text: string) => text.split("\n")
const longest = (text: string) => Math.max(...lines(text).map((line) => HelpText.visible(line).length))

/** What the tests look at, printed once (each run loads the whole CLI: one at a time, for a busy machine). */
const printed = {
  /** `--help` of the root, then of each command, piped. */
  help: [] as Array<string>,
  wide: "",
  narrow: "",
  fixture: "",
  terminal: "",
  terminalNoColor: ""
}

beforeAll(async () => {
  // The build configuration, to another directory; incremental, so quick once built.
  tsc(["-p", "tsconfig.build.json", "--outDir", "build/bin", "--tsBuildInfoFile", ".tsbuildinfo/bin.tsbuildinfo"])
  for (const args of [[], ...COMMANDS.map((name) => [name])]) printed.help.push(await run([...args, "--help"]))
  printed.wide = await run(["--help"], { COLUMNS: "100", NO_COLOR: "1" })
  printed.narrow = await run(["batch", "--help"], { COLUMNS: "60" })
  printed.fixture = await run(["fixtures", "live"], { COLUMNS: "40" })
  if (existsSync(SCRIPT)) {
    printed.terminal = await onTerminal(["check", "--help"], 100)
    printed.terminalNoColor = await onTerminal(["check", "--help"], 100, { NO_COLOR: "1" })
  }
}, 300_000)

describe("liveness --help, piped", () => {
  it("has no ANSI escapes and fits 80 columns, on every command", () => {
    expect(printed.help).toHaveLength(COMMANDS.length + 1)
    for (const help of printed.help) {
      expect(help).not.toContain(ESC)
      expect(longest(help)).toBeLessThanOrEqual(80)
    }
  })

  it("fits COLUMNS, with NO_COLOR set, and loses no word of the command list", () => {
    const root = printed.wide
    expect(root).not.toContain(ESC)
    expect(longest(root)).toBeLessThanOrEqual(100)
    // Each command's usage, then its description under it.
    expect(root).toMatch(/^ {2}- check \[--cpf text\].*\n(?: {6}.*\n)* {4}Run one liveness check\./m)
    expect(root).toContain("    Exit codes: 0 every capture got a line")
    expect(root.replace(/\s+/g, " ")).toContain(
      "Appends one JSON line per capture to --out (verdict and process id, or error tag and code; never the payload)"
    )
    expect(longest(printed.narrow)).toBeLessThanOrEqual(60)
  })

  it("shows every usage line as `liveness <command> …`", () => {
    COMMANDS.forEach((name, i) => {
      const usage = lines(printed.help[i + 1]!).filter((line) => line.startsWith("$ "))
      expect(usage, name).toHaveLength(1)
      expect(usage[0], name).toMatch(new RegExp(`^\\$ liveness ${name}( |$)`))
    })
    expect(lines(printed.help[0]!)).toContain("$ liveness")
  })

  it("describes each argument and option in words of its own, and lists no built-in option per command", () => {
    for (const help of printed.help) {
      expect(help).not.toContain("A user-defined piece of text.")
      expect(help).not.toContain("A true or false value.")
      expect(help).not.toContain("An integer.")
      expect(help).not.toMatch(/^ {2}An? (existing )?file( or directory)?\.$/m)
      expect(help).not.toContain("--wizard")
      expect(help).not.toContain("--log-level")
    }
    const check = printed.help[1]!
    for (const option of ["--cpf text", "--name text", "--email text", "--phone text", "--subsidiary text", "--json"]) {
      // The option's line, a blank line, then its own description.
      expect(check, option).toMatch(new RegExp(`^${option}\n\n {2}\\S`, "m"))
    }
    expect(check).toMatch(/^<file>\n\n {2}The capture: /m)
    // The built-in options are named once, in the root help.
    expect(printed.help[0]).toContain("Every command takes --help. liveness --version prints the version")
  })

  it("leaves the commands' own output alone: a fixture longer than the width is one line", () => {
    expect(lines(printed.fixture.trimEnd())).toHaveLength(1)
    expect(printed.fixture.length).toBeGreaterThan(40)
  })
})

describe.skipIf(!existsSync(SCRIPT))("liveness --help, on a terminal", () => {
  it("keeps colours on a terminal and fits its width", () => {
    expect(printed.terminal).toContain(`${ESC}[`)
    expect(longest(printed.terminal)).toBeLessThanOrEqual(100)
    expect(printed.terminal).toMatch(/\$ liveness check \[--cpf text\] .{40,}/)
  })

  it("honours NO_COLOR on a terminal", () => {
    expect(printed.terminalNoColor).not.toContain(ESC)
    expect(printed.terminalNoColor).toContain("$ liveness check")
  })
})

describe("HelpText", () => {
  it("layout: colour only on a terminal without NO_COLOR; COLUMNS, else the terminal's width, else 80", () => {
    expect(HelpText.layout({ isTTY: true, columns: 120 }, {})).toEqual({ width: 120, color: true })
    expect(HelpText.layout({ isTTY: true, columns: 120 }, { NO_COLOR: "1" })).toEqual({ width: 120, color: false })
    // An empty NO_COLOR does not count (no-color.org).
    expect(HelpText.layout({ isTTY: true, columns: 120 }, { NO_COLOR: "" }).color).toBe(true)
    expect(HelpText.layout({ isTTY: false, columns: 120 }, {})).toEqual({ width: 80, color: false })
    expect(HelpText.layout({ isTTY: false }, { COLUMNS: "100" })).toEqual({ width: 100, color: false })
    expect(HelpText.layout({ isTTY: true, columns: 120 }, { COLUMNS: "90" }).width).toBe(90)
    expect(HelpText.layout({}, { COLUMNS: "wide" }).width).toBe(80)
  })

  it("wrap: at spaces, continuation lines indented, a word longer than the room split", () => {
    expect(HelpText.wrap("  one two three four", 10, 4)).toEqual(["  one two", "    three", "    four"])
    expect(HelpText.wrap(`${ESC}[1mbold${ESC}[0m word`, 9, 0)).toEqual([`${ESC}[1mbold${ESC}[0m word`])
    expect(HelpText.wrap("x".repeat(25), 10, 0)).toEqual(["x".repeat(10), "x".repeat(10), "x".repeat(5)])
  })
})
