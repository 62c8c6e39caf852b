/**
 * The `liveness` command tree. No platform imports here: bin.ts picks the Node layers, tests run `cli` as a
 * function.
 */
import * as CliConfig from "@effect/cli/CliConfig"
import * as Command from "@effect/cli/Command"
import { Tracing } from "@liveness/core"
import { Telemetry } from "@liveness/runtime"
import * as ConfigError from "effect/ConfigError"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as BatchCommand from "./BatchCommand.js"
import * as CheckCommand from "./CheckCommand.js"
import * as ConfigProblem from "./ConfigProblem.js"
import * as DoctorCommand from "./DoctorCommand.js"
import * as FixturesCommand from "./FixturesCommand.js"
import * as GetCommand from "./GetCommand.js"
import * as HelpText from "./HelpText.js"
import * as Logging from "./Logging.js"
import * as SandboxCommand from "./SandboxCommand.js"

export const VERSION = "0.1.0"
export const NAME = "liveness"

export const root = Command.make(NAME).pipe(
  Command.withDescription(
    "Run Unico IDCloud liveness checks from a terminal or a script.\n" +
      "Example: liveness fixtures live --out selfie.jwt && liveness check selfie.jwt\n" +
      "Every command takes --help. liveness --version prints the version; " +
      "liveness --completions bash (or zsh, fish, sh) prints a completion script."
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

const run = Command.run(root, { name: NAME, version: VERSION })

/**
 * How @effect/cli renders help: without its built-in options (--help, --version, --completions, --log-level,
 * --wizard) listed again on every command; the root help names the ones that matter. See HelpText for the rest.
 */
const config = CliConfig.layer({ showBuiltIns: false })

const COMMANDS = ["check", "get", "batch", "doctor", "sandbox", "fixtures"]

/**
 * OTEL_*: the command's trace (a root span `liveness <command>`, the check's spans below it) and the metrics, over
 * OTLP; nothing when unset. Sent when the command ends.
 */
const telemetry = Telemetry.layer({ serviceName: "liveness-cli", serviceVersion: VERSION })

/** `liveness` as a function of its arguments (`process.argv` shape: node, script, ...args). */
export const cli = (args: ReadonlyArray<string>) => {
  const command = COMMANDS.includes(args[2] ?? "") ? args[2] : undefined
  return HelpText.fitted(
    run(args).pipe(Tracing.withSpan(command === undefined ? NAME : `${NAME} ${command}`)),
    NAME
  ).pipe(
    Effect.provide(telemetry),
    // A bad OTEL_* value: reported as the commands report theirs (they catch their own before this).
    Effect.catchIf(ConfigError.isConfigError, (error) => ConfigProblem.report(error, Console.error)),
    Effect.provide(Layer.merge(Logging.layer, config))
  )
}
