/**
 * `liveness batch <dir|manifest.jsonl> --out results.jsonl`: checks many captures with bounded concurrency (the
 * tenant quota is applied by the workflow's limiter), appending one JSON line per capture to the results file as
 * each finishes, and resuming by skipping the captures already there.
 *
 * Ctrl-C stops starting new checks; the checks in flight finish and are written, the summary is printed and the
 * command exits with 130. The checks run in a daemon fiber so that the interruption of the command (by the Node
 * runtime's SIGINT handler) does not interrupt them: the command waits for them in its interruption finalizer.
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as FileSystem from "@effect/platform/FileSystem"
import { Liveness, type LivenessError } from "@liveness/core"
import { LivenessRuntime } from "@liveness/runtime"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import { dirname, resolve } from "node:path"
import * as Batch from "./Batch.js"
import * as CaptureFile from "./CaptureFile.js"
import * as CheckCommand from "./CheckCommand.js"
import * as ConfigProblem from "./ConfigProblem.js"
import * as ExitCode from "./ExitCode.js"

const input = Args.path({ name: "input", exists: "yes" }).pipe(
  Args.withDescription("A directory (every capture file in it, sorted by name) or a JSON Lines manifest")
)
const out = Options.file("out").pipe(
  Options.withDescription("The results file (JSON Lines), appended to; captures already in it are skipped")
)
const concurrency = Options.integer("concurrency").pipe(
  Options.withDefault(4),
  Options.withDescription("Checks in flight at once, 4 by default (the tenant rate limit applies on top)")
)

/** Errors that will fail every other capture too: the batch stops, and the capture is not written. */
const stopsTheBatch = (error: LivenessError) => error._tag === "AuthenticationFailed" || error._tag === "AccessDenied"

export const command = Command.make(
  "batch",
  {
    input,
    out,
    concurrency,
    cpf: CheckCommand.cpf,
    name: CheckCommand.name,
    email: CheckCommand.email,
    phone: CheckCommand.phone,
    subsidiary: CheckCommand.subsidiary
  },
  (flags) =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      if (flags.concurrency < 1) {
        yield* Console.error("--concurrency must be at least 1")
        return yield* ExitCode.set(ExitCode.INVALID_INPUT)
      }
      const outPath = resolve(flags.out)
      const defaults = CheckCommand.subjectFields(flags)

      // The input
      const info = yield* fs.stat(flags.input)
      const { entries, invalid } = info.type === "Directory"
        ? { entries: yield* Batch.listDirectory(fs, flags.input, outPath), invalid: [] }
        : Batch.parseManifest(yield* fs.readFileString(flags.input), flags.input)
      for (const bad of invalid) yield* Console.error(`${flags.input}:${bad.line}: ${bad.problem}; line skipped`)

      // Resume
      yield* fs.makeDirectory(dirname(outPath), { recursive: true })
      const existing = (yield* fs.exists(outPath)) ? yield* fs.readFileString(outPath) : ""
      const done = Batch.answered(existing)
      // A line cut short by a crash: start on a new line.
      if (existing !== "" && !existing.endsWith("\n")) yield* fs.writeFileString(outPath, "\n", { flag: "a" })
      const pending = entries.filter((entry) => !done.has(entry.file))
      const tally: Batch.Tally = {
        total: entries.length,
        skipped: entries.length - pending.length,
        done: 0,
        replayed: 0,
        verdicts: new Map(),
        errors: new Map()
      }
      if (tally.skipped > 0) yield* Console.error(`resuming: ${tally.skipped} capture(s) already in ${flags.out}`)

      const tty = process.stderr.isTTY === true
      const progress = yield* Batch.reporter(tally, {
        tty,
        columns: () => process.stderr.columns,
        write: (text) => tty ? Effect.sync(() => void process.stderr.write(text)) : Console.error(text)
      })
      let stopping = false
      let stoppedBy: string | undefined
      const lock = yield* Effect.makeSemaphore(1)

      const checkOne = (entry: Batch.Entry) =>
        Effect.gen(function*() {
          // `submit`, not `check`: a capture already checked in this batch (a copy under another name) is given its
          // outcome again by the capture ledger, and the line says it was replayed, errors too.
          const outcome: Batch.Outcome = yield* CaptureFile.read(entry.file).pipe(
            Effect.flatMap((imageBase64) =>
              Effect.flatMap(Liveness.Liveness, (liveness) =>
                liveness.submit(CheckCommand.buildInput(imageBase64, {
                  cpf: entry.cpf ?? defaults.cpf,
                  name: entry.name ?? defaults.name,
                  email: entry.email ?? defaults.email,
                  phone: entry.phone ?? defaults.phone,
                  subsidiary: entry.subsidiary ?? defaults.subsidiary
                })))
            ),
            Effect.map(({ outcome, replayed }) =>
              Either.match(outcome, {
                onRight: (result): Batch.Outcome => ({ _tag: "Verdict", file: entry.file, result }),
                onLeft: (error): Batch.Outcome => ({ _tag: "Error", file: entry.file, error, replayed })
              })
            ),
            Effect.catchAll((error) => Effect.succeed<Batch.Outcome>({ _tag: "Error", file: entry.file, error }))
          )
          if (outcome._tag === "Error" && outcome.error._tag !== "CaptureFileError" && stopsTheBatch(outcome.error)) {
            if (!stopping) stoppedBy = `${outcome.error._tag}: ${outcome.error.message}`
            stopping = true
            return
          }
          yield* lock.withPermits(1)(fs.writeFileString(outPath, Batch.line(outcome) + "\n", { flag: "a" }))
          Batch.record(tally, outcome)
        })

      const finish = (interrupted: boolean) =>
        Effect.gen(function*() {
          if (tty || tally.done > 0) yield* progress.draw(true)
          yield* Console.log(Batch.summary(tally, {
            out: flags.out,
            elapsedMillis: yield* progress.elapsed,
            invalid: invalid.length,
            interrupted,
            stoppedBy
          }))
          if (stoppedBy !== undefined) yield* Console.error(`The batch stopped: ${stoppedBy}`)
          yield* ExitCode.set(
            interrupted
              ? ExitCode.INTERRUPTED
              : stoppedBy !== undefined
              ? ExitCode.PROVIDER_ERROR
              : invalid.length > 0
              ? ExitCode.INVALID_INPUT
              : ExitCode.LIVE
          )
        })

      yield* Effect.gen(function*() {
        // Build the provider first: a configuration error stops the batch before any check.
        yield* LivenessRuntime.ProviderInfo
        // A daemon, so that an interruption (Ctrl-C) only stops new checks: a check in flight has spent its capture
        // and is finished and written; the captures not started yet are skipped (a later run resumes them).
        const pool = yield* Effect.forkDaemon(
          Effect.forEach(pending, (entry) => Effect.suspend(() => stopping ? Effect.void : checkOne(entry)), {
            concurrency: flags.concurrency,
            discard: true
          })
        )
        const progressFiber = yield* Effect.fork(progress.ticker)
        yield* Fiber.join(pool).pipe(
          Effect.onInterrupt(() =>
            Effect.gen(function*() {
              stopping = true
              if (tty) process.stderr.write("\n")
              yield* Console.error("Interrupted: finishing the checks in flight…")
              yield* Fiber.interrupt(progressFiber)
              yield* Fiber.await(pool)
              yield* finish(true)
            })
          )
        )
        yield* Fiber.interrupt(progressFiber)
        yield* finish(false)
      }).pipe(Effect.provide(LivenessRuntime.layer))
    }).pipe(
      Effect.catchAll((error) => {
        if (ConfigProblem.is(error)) return ConfigProblem.report(error, Console.error)
        return Console.error(`Cannot run the batch: ${error.message}`).pipe(
          Effect.zipRight(ExitCode.set(ExitCode.INVALID_INPUT))
        )
      })
    )
).pipe(
  Command.withDescription(
    "Check many captures: every file of a directory, or the lines of a JSON Lines manifest " +
      "({\"file\": \"a.jwt\", \"cpf\"?, \"name\"?, \"email\"?, \"phone\"?, \"subsidiary\"?}, paths relative to the " +
      "manifest). Appends one JSON line per capture to --out (verdict and process id, or error tag and code; never " +
      "the payload) and skips the captures already there, so the same command resumes. Ctrl-C finishes the checks " +
      "in flight, writes them and prints the summary.\n" +
      "Example: liveness batch captures/ --out results.jsonl --concurrency 8 --name \"Test Subject\"\n" +
      "Exit codes: 0 every capture got a line (see the file for each verdict), 3 invalid input (bad manifest " +
      "lines, reported per line), 4 a provider or configuration failure stopped the batch, 130 interrupted."
  )
)
