/**
 * The parts of `liveness batch` that do not need a provider: reading the input (a directory or a JSON Lines
 * manifest), the results file (resume), the result lines, progress and the summary.
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import type { Liveness, LivenessError } from "@liveness/core"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { basename, dirname, resolve } from "node:path"
import type { CaptureFileError } from "./CaptureFile.js"
import type { SubjectFields } from "./CheckCommand.js"

/** One capture to check: its file (absolute: the key in the results file) and subject fields. */
export interface Entry extends SubjectFields {
  readonly file: string
}

/** A manifest line that cannot be used, by line number (from 1). */
export interface InvalidLine {
  readonly line: number
  readonly problem: string
}

export interface Input {
  readonly entries: ReadonlyArray<Entry>
  readonly invalid: ReadonlyArray<InvalidLine>
}

const FIELDS = ["cpf", "name", "email", "phone", "subsidiary"] as const

/** Parses a manifest: one JSON object per line, `file` relative to the manifest's directory. */
export const parseManifest = (text: string, manifestPath: string): Input => {
  const directory = dirname(resolve(manifestPath))
  const entries: Array<Entry> = []
  const invalid: Array<InvalidLine> = []
  const seen = new Set<string>()
  text.split("\n").forEach((raw, index) => {
    const line = index + 1
    if (raw.trim() === "") return
    let value: unknown
    try {
      value = JSON.parse(raw)
    } catch {
      invalid.push({ line, problem: "is not JSON" })
      return
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      invalid.push({ line, problem: "is not a JSON object" })
      return
    }
    const record = value as Record<string, unknown>
    if (typeof record.file !== "string" || record.file.trim() === "") {
      invalid.push({ line, problem: "has no \"file\" (a non-empty string)" })
      return
    }
    const wrong = FIELDS.filter((field) => record[field] !== undefined && typeof record[field] !== "string")
    if (wrong.length > 0) {
      invalid.push({ line, problem: `${wrong.map((field) => `"${field}"`).join(", ")} must be a string` })
      return
    }
    const file = resolve(directory, record.file)
    if (seen.has(file)) {
      invalid.push({ line, problem: `lists ${record.file} again` })
      return
    }
    seen.add(file)
    const fields = Object.fromEntries(
      FIELDS.flatMap((field) => record[field] === undefined ? [] : [[field, record[field]]])
    )
    entries.push({ file, ...fields })
  })
  return { entries, invalid }
}

/** Every capture file of a directory, sorted by name: regular files, not hidden, not the results file. */
export const listDirectory = (fs: FileSystem.FileSystem, directory: string, out: string) =>
  Effect.gen(function*() {
    const names = [...yield* fs.readDirectory(directory)].sort()
    const entries: Array<Entry> = []
    for (const name of names) {
      if (name.startsWith(".")) continue
      const file = resolve(directory, name)
      if (file === resolve(out)) continue
      const info = yield* fs.stat(file)
      if (info.type === "File") entries.push({ file })
    }
    return entries
  })

/** The files already answered in a results file (resume); unreadable lines are ignored. */
export const answered = (text: string): Set<string> => {
  const files = new Set<string>()
  for (const raw of text.split("\n")) {
    if (raw.trim() === "") continue
    try {
      const value = JSON.parse(raw) as { file?: unknown }
      if (typeof value.file === "string") files.add(value.file)
    } catch {
      // a line cut short by a crash: its capture is checked again
    }
  }
  return files
}

/**
 * What a capture got. `replayed`: the outcome of an earlier check of the same capture (another file with the same
 * bytes), given again by the capture ledger without a submission.
 */
export type Outcome =
  | { readonly _tag: "Verdict"; readonly file: string; readonly result: Liveness.CheckResult }
  | {
    readonly _tag: "Error"
    readonly file: string
    readonly error: LivenessError | CaptureFileError
    readonly replayed?: boolean
  }

export const isReplayed = (outcome: Outcome): boolean =>
  outcome._tag === "Verdict" ? outcome.result.replayed : outcome.replayed === true

/** The results-file line of an outcome: never the payload, the subject or a credential. */
export const line = (outcome: Outcome): string => {
  const replayed = isReplayed(outcome) ? { replayed: true } : {}
  if (outcome._tag === "Verdict") {
    const { attempts, process, verdict } = outcome.result
    return JSON.stringify({
      file: outcome.file,
      verdict,
      processId: process.id,
      status: process.status,
      ...(process.liveness === undefined ? {} : { liveness: process.liveness }),
      attempts,
      ...replayed
    })
  }
  const error = outcome.error
  return JSON.stringify({
    file: outcome.file,
    error: {
      tag: error._tag,
      code: error._tag === "CaptureFileError" ? "capture_file" : error.code,
      ...("providerCode" in error && error.providerCode !== undefined ? { providerCode: error.providerCode } : {}),
      message: error._tag === "CaptureFileError" ? `Cannot use ${basename(error.path)}: ${error.reason}` : error.message
    },
    ...replayed
  })
}

/** Counts for the progress display and the summary. */
export interface Tally {
  readonly total: number
  readonly skipped: number
  done: number
  /** Outcomes given again by the capture ledger (a capture already checked in this batch): not submitted. */
  replayed: number
  readonly verdicts: Map<string, number>
  readonly errors: Map<string, number>
}

export const record = (tally: Tally, outcome: Outcome) => {
  tally.done++
  if (isReplayed(outcome)) tally.replayed++
  const map = outcome._tag === "Verdict" ? tally.verdicts : tally.errors
  const key = outcome._tag === "Verdict" ? outcome.result.verdict : outcome.error._tag
  map.set(key, (map.get(key) ?? 0) + 1)
}

const clock = (seconds: number) => {
  if (!Number.isFinite(seconds)) return "--:--"
  const s = Math.max(0, Math.ceil(seconds))
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const pad = (n: number) => String(n).padStart(2, "0")
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`
}

/**
 * `done/total`, rate and ETA for this run (captures skipped on resume count as done, not in the rate). The ETA
 * is the captures left at the rate so far, rounded up: it reads 0:00 only when nothing is left, and it grows
 * while slow checks hold the last captures (the rate falls as time passes without an answer).
 */
export const progress = (tally: Tally, elapsedMillis: number, width?: number) => {
  const toCheck = tally.total - tally.skipped
  const finished = tally.skipped + tally.done
  const left = toCheck - tally.done
  const rate = elapsedMillis > 0 ? tally.done / (elapsedMillis / 1000) : 0
  const eta = left <= 0 ? 0 : rate > 0 ? Math.max(1, left / rate) : Number.POSITIVE_INFINITY
  const percent = tally.total === 0 ? 100 : Math.floor((finished / tally.total) * 100)
  const text = `${finished}/${tally.total} (${percent}%) ${rate.toFixed(1)}/s ETA ${clock(eta)}`
  if (width === undefined) return text
  const filled = tally.total === 0 ? width : Math.round((finished / tally.total) * width)
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${text}`
}

/** Where progress goes: standard error, drawn in place when it is a terminal. */
export interface ProgressOutput {
  readonly tty: boolean
  /** The terminal's width, read at each redraw (it can change). */
  readonly columns: () => number | undefined
  /** On a terminal, writes the text as it is (`\r`, escapes, newline); otherwise prints it as one line. */
  readonly write: (text: string) => Effect.Effect<void>
}

export const TTY_INTERVAL = Duration.millis(200)
export const PLAIN_INTERVAL = Duration.seconds(5)

/**
 * The progress of a running batch, from the tally as it is when it is drawn and the time from `Clock` (a
 * `TestClock` in tests): on a terminal a bar redrawn in place every 200 ms, otherwise a `progress:` line every
 * 5 s. `draw(true)` draws the last state and ends the line; `elapsed` is the time since the reporter was made.
 */
export const reporter = (tally: Tally, output: ProgressOutput) =>
  Effect.map(Clock.currentTimeMillis, (startedAt) => {
    const elapsed = Effect.map(Clock.currentTimeMillis, (now) => now - startedAt)
    const draw = (final: boolean) =>
      Effect.flatMap(elapsed, (millis) => {
        if (!output.tty) return output.write(`progress: ${progress(tally, millis)}`)
        const width = Math.max(10, Math.min(30, (output.columns() ?? 80) - 50))
        return output.write(`\r\x1b[K${progress(tally, millis, width)}${final ? "\n" : ""}`)
      })
    const ticker = Effect.forever(
      Effect.zipRight(Effect.sleep(output.tty ? TTY_INTERVAL : PLAIN_INTERVAL), draw(false))
    )
    return { draw, ticker, elapsed }
  })

/** The summary table printed at the end. */
export const summary = (
  tally: Tally,
  options: {
    readonly out: string
    readonly elapsedMillis: number
    readonly invalid: number
    readonly interrupted: boolean
    readonly stoppedBy?: string | undefined
  }
) => {
  const rows: Array<[string, string]> = [
    ["captures", String(tally.total)],
    ["already in results", String(tally.skipped)],
    ["checked now", String(tally.done)],
    ["not started", String(tally.total - tally.skipped - tally.done)]
  ]
  for (const [verdict, count] of [...tally.verdicts].sort()) rows.push([`verdict ${verdict}`, String(count)])
  for (const [tag, count] of [...tally.errors].sort()) rows.push([`error ${tag}`, String(count)])
  if (tally.replayed > 0) rows.push(["replayed, not sent again", String(tally.replayed)])
  if (options.invalid > 0) rows.push(["invalid manifest lines", String(options.invalid)])
  const seconds = options.elapsedMillis / 1000
  rows.push(["elapsed", `${seconds.toFixed(1)} s (${seconds > 0 ? (tally.done / seconds).toFixed(1) : "0.0"}/s)`])
  rows.push(["results", options.out])
  if (options.interrupted) rows.push(["interrupted", "yes: run the same command again to resume"])
  if (options.stoppedBy !== undefined) rows.push(["stopped by", options.stoppedBy])
  const width = Math.max(...rows.map(([label]) => label.length))
  return ["Batch summary", ...rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`)].join("\n")
}
