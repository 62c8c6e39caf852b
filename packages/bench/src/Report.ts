/**
 * docs/performance.md: one section per benchmark, replaced in place when that benchmark runs again, under a
 * header describing the machine. Figures are ratios against a baseline measured in the same run where the
 * benchmark has one, because these machines are noisy.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { cpus, totalmem } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..")
const file = join(root, "docs", "performance.md")

const machine = () => {
  const cores = cpus()
  return `${cores.length} × ${cores[0]?.model.trim() ?? "unknown CPU"}, ${
    Math.round(totalmem() / 2 ** 30)
  } GiB, Node ${process.version}, ${process.platform}/${process.arch}`
}

const header = () =>
  [
    "# Performance",
    "",
    "Written by the benchmarks in `packages/bench` (`pnpm bench` runs them all; each section names the command",
    "that produced it). Each run replaces its own section.",
    "",
    `Machine of the latest run: ${machine()}.`,
    ""
  ].join("\n")

/** Replaces (or appends) the section `name` of docs/performance.md. */
export const writeSection = (name: string, markdown: string) => {
  const start = `<!-- bench:${name} -->`
  const end = `<!-- /bench:${name} -->`
  const previous = existsSync(file) ? readFileSync(file, "utf8") : ""
  const body = previous.includes("# Performance") ? previous.slice(previous.indexOf("\n<!-- bench:") + 1) : ""
  const section = `${start}\n${markdown.trim()}\n\n_Run on ${new Date().toISOString()} — ${machine()}._\n${end}`
  const next = body.includes(start)
    ? body.slice(0, body.indexOf(start)) + section + body.slice(body.indexOf(end) + end.length)
    : `${body.trimEnd()}\n\n${section}`.trimStart()
  writeFileSync(file, `${header()}\n${next.trim()}\n`)
}

/** A markdown table from rows of cells. */
export const table = (head: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string | number>>) =>
  [
    `| ${head.join(" | ")} |`,
    `|${head.map(() => "---").join("|")}|`,
    ...rows.map((row) => `| ${row.join(" | ")} |`)
  ].join("\n")

/** Prints a table to the terminal, aligned. */
export const print = (
  title: string,
  head: ReadonlyArray<string>,
  rows: ReadonlyArray<ReadonlyArray<string | number>>
) => {
  const all = [head, ...rows].map((row) => row.map(String))
  const widths = head.map((_, i) => Math.max(...all.map((row) => row[i]!.length)))
  console.log(`\n${title}`)
  for (const row of all) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join("  "))
}

/** Percentile of sorted numbers (nearest rank). */
export const percentile = (sorted: ReadonlyArray<number>, p: number) =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
