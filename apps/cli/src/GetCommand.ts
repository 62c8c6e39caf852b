/**
 * `liveness get <processId>`: reads a process back (`GET /processes/v1/{id}`) and prints it like `check`.
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import { Liveness, type LivenessError } from "@liveness/core"
import { LivenessRuntime } from "@liveness/runtime"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { json } from "./CheckCommand.js"
import * as ConfigProblem from "./ConfigProblem.js"
import * as ExitCode from "./ExitCode.js"
import * as Output from "./Output.js"
import * as Provider from "./Provider.js"

const processId = Args.text({ name: "processId" }).pipe(
  Args.withDescription("The process id (a UUID) that check printed")
)

/**
 * Why a process is not found when the provider was started by this command: it starts empty with every command,
 * so what an earlier command created is not in it; and what to do.
 */
const hint = (error: LivenessError, provider: Provider.Provider) =>
  error._tag === "ProcessNotFound" && !error.gone && provider.ephemeral
    ? `This command ran on ${provider.id === "fake" ? "the in-memory fake" : "the embedded sandbox"}, which ` +
      "every liveness command starts anew and empty: a process created by an earlier command is not in it. To " +
      "read processes back, run `liveness sandbox` in another terminal, set the UNICO_* lines it prints in this " +
      "shell, then run check and get again."
    : undefined

export const command = Command.make("get", { processId, json }, (flags) =>
  Effect.gen(function*() {
    const { provider, read } = yield* Effect.all({
      provider: Provider.current,
      read: Effect.either(Liveness.getProcess(flags.processId.trim()))
    }).pipe(Effect.provide(LivenessRuntime.layer))
    if (Either.isLeft(read)) {
      const error = read.left
      yield* Output.error(error, flags.json, hint(error, provider))
      return yield* ExitCode.set(error._tag === "ProcessNotFound" ? ExitCode.INVALID_INPUT : ExitCode.ofError(error))
    }
    yield* Output.result(read.right, flags.json, provider)
    yield* ExitCode.set(ExitCode.ofVerdict(read.right.verdict))
  }).pipe(
    Effect.catchAll((error) =>
      ConfigProblem.report(error, (message) => Output.problem(message, "configuration", flags.json))
    )
  )).pipe(
    Command.withDescription(
      "Read a liveness process back by id and print its verdict, status and liveness.\n" +
        "Example: liveness get 3fa85f64-5717-4562-b3fc-2c963f66afa6 --json\n" +
        "Exit codes: as check (0 live, 1 not live, 2 recapture needed, 4 provider or configuration error); " +
        "3 when the id is not a UUID or no such process exists."
    )
  )
