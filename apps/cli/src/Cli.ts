/**
 * The `liveness` command tree. No platform imports here: bin.ts picks the Node layers, tests run `cli` as a
 * function.
 */
import * as Command from "@effect/cli/Command"
import * as Effect from "effect/Effect"
import * as BatchCommand from "./BatchCommand.js"
import * as CheckCommand from "./CheckCommand.js"
import * as DoctorCommand from "./DoctorCommand.js"
import * as FixturesCommand from "./FixturesCommand.js"
import * as GetCommand from "./GetCommand.js"
import * as Logging from "./Logging.js"
import * as SandboxCommand from "./SandboxCommand.js"

export const VERSION = "0.1.0"

export const root = Command.make("liveness").pipe(
  Command.withDescription(
    "Run Unico IDCloud liveness checks from a terminal or a script.\n" +
      "Example: liveness fixtures live --out selfie.jwt && liveness check selfie.jwt"
  ),
  Command.withSubcommands([
    CheckCommand.command,
    GetCommand.command,
    BatchCommand.command,
    DoctorCommand.command,
    SandboxCommand.command,
    FixturesCommand.command
  ])
)

const run = Command.run(root, { name: "liveness", version: VERSION })

/** `liveness` as a function of its arguments (`process.argv` shape: node, script, ...args). */
export const cli = (args: ReadonlyArray<string>) => run(args).pipe(Effect.provide(Logging.layer))
