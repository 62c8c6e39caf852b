import * as NodeContext from "@effect/platform-node/NodeContext"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import { execFileSync } from "node:child_process"
import { createRequire } from "node:module"
import { fileURLToPath } from "node:url"
import { Cli, ExitCode } from "../src/index.js"

/** Runs `liveness <args>` as a function and returns what it printed and its exit code. */
export const runCli = (args: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const out: Array<string> = []
    const err: Array<string> = []
    const text = (values: ReadonlyArray<unknown>) => values.map(String).join(" ")
    const unsafe = {
      ...globalThis.console,
      log: (...values: ReadonlyArray<unknown>) => void out.push(text(values)),
      info: (...values: ReadonlyArray<unknown>) => void out.push(text(values)),
      error: (...values: ReadonlyArray<unknown>) => void err.push(text(values)),
      warn: (...values: ReadonlyArray<unknown>) => void err.push(text(values))
    } as Console.UnsafeConsole
    const console: Console.Console = {
      [Console.TypeId]: Console.TypeId,
      unsafe,
      assert: () => Effect.void,
      clear: Effect.void,
      count: () => Effect.void,
      countReset: () => Effect.void,
      debug: () => Effect.void,
      dir: () => Effect.void,
      dirxml: () => Effect.void,
      error: (...values) => Effect.sync(() => unsafe.error(...values)),
      group: () => Effect.void,
      groupEnd: Effect.void,
      info: (...values) => Effect.sync(() => unsafe.info(...values)),
      log: (...values) => Effect.sync(() => unsafe.log(...values)),
      table: () => Effect.void,
      time: () => Effect.void,
      timeEnd: () => Effect.void,
      timeLog: () => Effect.void,
      trace: () => Effect.void,
      warn: (...values) => Effect.sync(() => unsafe.warn(...values))
    }
    const code = yield* Effect.gen(function*() {
      yield* Cli.cli(["node", "liveness", ...args])
      return yield* Ref.get(yield* ExitCode.ExitCode)
    }).pipe(
      Effect.catchAll(() => Effect.succeed(ExitCode.INVALID_INPUT)),
      Effect.withConsole(console),
      Effect.provide(Layer.merge(NodeContext.layer, ExitCode.layer))
    )
    return { code, out: out.join("\n"), err: err.join("\n") }
  })

/**
 * Runs TypeScript's compiler on the CLI's own configuration (`args`, in apps/cli). Through node and the package's
 * bin rather than `npx`: under pnpm, npx prints a warning for every pnpm setting it finds in the environment.
 */
export const tsc = (args: ReadonlyArray<string>) =>
  execFileSync(process.execPath, [createRequire(import.meta.url).resolve("typescript/bin/tsc"), ...args], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    stdio: "inherit"
  })
