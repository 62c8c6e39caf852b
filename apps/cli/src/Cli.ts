/**
 * The `liveness` command tree. No platform imports here: bin.ts picks the Node layers, tests run `cli` as a
 * function.
 */
import * as CliConfig from "@effect/cli/CliConfig"
import * as Command from "@effect/cli/Command"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as BatchCommand from "./BatchCommand.js"
import * as CheckCommand from "./CheckCommand.js"
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

/** `liveness` as a function of its arguments (`process.argv` shape: node, script, ...args). */
export const cli = (args: ReadonlyArray<string>) =>
  HelpText.fitted(run(args), NAME).pipe(Effect.provide(Layer.merge(Logging.layer, config)))
