/**
 * The one place where the text @effect/cli renders (help, usage errors) is fitted to where it is printed. What
 * the library can be configured to do is configured in Cli.ts (no built-in options listed on every command); what
 * it cannot, is done here, on its rendered text:
 *
 * - it always prints ANSI colours: they are removed when `NO_COLOR` is set (https://no-color.org) or the stream
 *   is not a terminal;
 * - it never wraps, and pads the command list to its longest usage: every line is wrapped to the width
 *   (`COLUMNS`, else the terminal's columns, else 80), the command list as usage then description;
 * - it prints a subcommand's usage without the program (`$ check …`): the program's name is put back;
 * - it gives every option and argument a line for its type ("A user-defined piece of text."), the same on
 *   every command: those lines are dropped, each option has a description of its own.
 *
 * The library always styles its help, so text without an escape sequence (every command's own output) passes
 * through untouched.
 */
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"

export interface Layout {
  /** The width lines are wrapped to. */
  readonly width: number
  /** Whether ANSI styles are kept. */
  readonly color: boolean
}

/** What a stream says about itself (`process.stdout`, `process.stderr`). */
export interface Stream {
  readonly isTTY?: boolean | undefined
  readonly columns?: number | undefined
}

export const DEFAULT_WIDTH = 80
const MIN_WIDTH = 20

/** The layout for a stream: `NO_COLOR` (any non-empty value) or no terminal means no colour. */
export const layout = (stream: Stream, env: { readonly NO_COLOR?: string; readonly COLUMNS?: string }): Layout => {
  const columns = Number(env.COLUMNS)
  const width = Number.isInteger(columns) && columns > 0
    ? columns
    : stream.isTTY === true && stream.columns !== undefined && stream.columns > 0
    ? stream.columns
    : DEFAULT_WIDTH
  return {
    width: Math.max(MIN_WIDTH, width),
    color: stream.isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === "")
  }
}

// eslint-disable-next-line no-control-regex
const STYLE = /\x1b\[[0-9;]*m/g
const ESC = "\x1b["

/** The text without its ANSI styles. */
export const visible = (text: string) => text.replace(STYLE, "")

/** The library's line for an option's or argument's type, the same on every command. */
const GENERIC = [
  /^A user-defined piece of text( that is confidential)?\.$/,
  /^A true or false value\.$/,
  /^An integer\.$/,
  /^A floating point number\.$/,
  /^A date without a time-zone in the ISO-8601 format, such as .*\.$/,
  /^(An existing |A )(file|directory|file or directory)( that must not exist)?\.$/
]

const isGeneric = (line: string) => GENERIC.some((pattern) => pattern.test(visible(line).trim()))

/** Splits a word longer than the room on a line, when it carries no style. */
const pieces = (word: string, room: number): Array<string> => {
  if (visible(word).length <= room || word.includes(ESC)) return [word]
  const out: Array<string> = []
  for (let i = 0; i < word.length; i += room) out.push(word.slice(i, i + room))
  return out
}

/** Wraps one line at spaces to `width`: continuation lines start at `hanging` columns. */
export const wrap = (line: string, width: number, hanging: number): Array<string> => {
  const indent = visible(line).length - visible(line).trimStart().length
  const words = line.slice(line.length - line.trimStart().length).split(" ").filter((word) => word !== "")
  if (words.length === 0) return [""]
  const lines: Array<string> = []
  let current = " ".repeat(indent)
  let length = indent
  let empty = true
  for (const word of words) {
    const room = width - (lines.length === 0 ? indent : hanging)
    for (const piece of pieces(word, Math.max(1, room))) {
      const size = visible(piece).length
      if (!empty && length + 1 + size > width) {
        lines.push(current)
        current = " ".repeat(hanging)
        length = hanging
        empty = true
      }
      current += (empty ? "" : " ") + piece
      length += (empty ? 0 : 1) + size
      empty = false
    }
  }
  lines.push(current)
  return lines
}

/** The library's section headers (`USAGE`, `OPTIONS`, …), which it prints in bold. */
const isHeader = (line: string) => line.includes(ESC) && /^[A-Z][A-Z ]+$/.test(visible(line))

/** An entry of the command list: `  - <usage><padding><description>`. */
const COMMAND = /^( {2}- \S.*?) {2,}(\S.*)$/

/** Rendered @effect/cli help or error text, fitted to `layout`, with `program` in front of every usage line. */
export const format = (text: string, layout: Layout, program: string): string => {
  const source = text.split("\n")
  const out: Array<string> = []
  const push = (line: string, hanging: number) => out.push(...wrap(line, layout.width, hanging))
  let section = ""
  for (let i = 0; i < source.length; i++) {
    const line = source[i]!.trimEnd()
    const plain = visible(line)
    const indent = plain.length - plain.trimStart().length
    if (isHeader(line)) {
      section = plain
      out.push(line)
    } else if (isGeneric(line)) {
      // The paragraph and the blank line after it.
      if (source[i + 1]?.trim() === "") i++
    } else if (section === "USAGE" && plain.startsWith("$ ")) {
      push(plain.split(" ")[1] === program ? line : line.replace("$ ", `$ ${program} `), 4)
    } else if (section === "COMMANDS" && COMMAND.test(line)) {
      // A command's usage, padded by the library to the longest one, then its description: one under the other.
      const [, usage, description] = COMMAND.exec(line)!
      push(usage!, 6)
      push(`    ${description}`, 4)
    } else if (section === "COMMANDS" && plain !== "" && indent === 0) {
      // A further line of a command's description, which the library prints at column 0.
      push(`    ${line}`, 4)
    } else {
      const item = /^ *- /.exec(plain)
      push(line, item === null ? indent : item[0].length)
    }
  }
  return out.map((line) => layout.color ? line : visible(line)).join("\n")
}

const environment = Effect.map(
  Effect.all({
    NO_COLOR: Config.option(Config.string("NO_COLOR")),
    COLUMNS: Config.option(Config.string("COLUMNS"))
  }),
  ({ COLUMNS, NO_COLOR }) => ({
    ...(Option.isSome(NO_COLOR) ? { NO_COLOR: NO_COLOR.value } : {}),
    ...(Option.isSome(COLUMNS) ? { COLUMNS: COLUMNS.value } : {})
  })
).pipe(Effect.orElseSucceed(() => ({})))

/**
 * Runs `self` with a Console that fits what @effect/cli renders to standard output and standard error (see
 * above); everything else is printed as it is.
 */
export const fitted = <A, E, R>(self: Effect.Effect<A, E, R>, program: string): Effect.Effect<A, E, R> =>
  Effect.gen(function*() {
    const console = yield* Effect.console
    const env = yield* environment
    const out = layout(process.stdout, env)
    const err = layout(process.stderr, env)
    const fit = (target: Layout) => (value: unknown) =>
      typeof value === "string" && value.includes(ESC) ? format(value, target, program) : value
    return yield* Effect.withConsole(self, {
      ...console,
      log: (...values) => console.log(...values.map(fit(out))),
      error: (...values) => console.error(...values.map(fit(err)))
    })
  })
