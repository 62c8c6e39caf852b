#!/usr/bin/env node
import * as ValidationError from "@effect/cli/ValidationError"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import { cli } from "./Cli.js"
import * as ExitCode from "./ExitCode.js"

const program = Effect.gen(function*() {
  yield* cli(process.argv)
  return yield* Ref.get(yield* ExitCode.ExitCode)
}).pipe(
  // @effect/cli has already printed usage errors; anything else is a configuration problem.
  Effect.catchIf(ValidationError.isValidationError, () => Effect.succeed(ExitCode.INVALID_INPUT)),
  Effect.provide(Layer.mergeAll(NodeContext.layer, ExitCode.layer))
)

NodeRuntime.runMain(program, {
  disableErrorReporting: false,
  // Logging.ts routes logs to standard error; the pretty logger would print them on standard output.
  disablePrettyLogger: true,
  // Ctrl-C interrupts the program (batch first finishes the checks in flight): 130, as shells report SIGINT.
  teardown: (exit, onExit) =>
    onExit(
      Exit.isSuccess(exit) && typeof exit.value === "number"
        ? exit.value
        : Exit.isFailure(exit) && Cause.isInterruptedOnly(exit.cause)
        ? ExitCode.INTERRUPTED
        : ExitCode.PROVIDER_ERROR
    )
})
