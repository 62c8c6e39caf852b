/**
 * `liveness get <processId>`: reads a process back (`GET /processes/v1/{id}`) and prints it like `check`.
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import { Liveness } from "@liveness/core"
import { LivenessRuntime } from "@liveness/runtime"
import * as Effect from "effect/Effect"
import { json } from "./CheckCommand.js"
import * as ConfigProblem from "./ConfigProblem.js"
import * as ExitCode from "./ExitCode.js"
import * as MainLayer from "./MainLayer.js"
import * as Output from "./Output.js"

const processId = Args.text({ name: "processId" }).pipe(
  Args.withDescription("The process id (a UUID) that check printed")
)

export const command = Command.make("get", { processId, json }, (flags) =>
  Effect.gen(function*() {
    const { info, result } = yield* Effect.all({
      info: LivenessRuntime.ProviderInfo,
      result: Liveness.getProcess(flags.processId.trim())
    }).pipe(Effect.provide(MainLayer.layer))
    yield* Output.result(result, flags.json, info.description)
    yield* ExitCode.set(ExitCode.ofVerdict(result.verdict))
  }).pipe(
    Effect.catchAll((error) =>
      ConfigProblem.is(error)
        ? Output.problem(ConfigProblem.message(error), "configuration", flags.json).pipe(
          Effect.zipRight(ExitCode.set(ExitCode.PROVIDER_ERROR))
        )
        : Output.error(error, flags.json).pipe(
          Effect.zipRight(ExitCode.set(
            error._tag === "ProcessNotFound" ? ExitCode.INVALID_INPUT : ExitCode.ofError(error)
          ))
        )
    )
  )).pipe(
    Command.withDescription(
      "Read a liveness process back by id and print its verdict, status and liveness.\n" +
        "Example: liveness get 3fa85f64-5717-4562-b3fc-2c963f66afa6 --json\n" +
        "Exit codes: as check (0 live, 1 not live, 2 recapture needed, 4 provider or configuration error); " +
        "3 when the id is not a UUID or no such process exists."
    )
  )
