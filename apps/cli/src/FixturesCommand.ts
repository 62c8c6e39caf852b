/**
 * `liveness fixtures <scenario>`: writes a fake SDK payload that the fake (and the sandbox) answer with
 * that scenario, or a sample JPEG, for testers.
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Options from "@effect/cli/Options"
import * as FileSystem from "@effect/platform/FileSystem"
import { Fixtures, MagicValues, Scenario } from "@liveness/fake"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { dirname } from "node:path"
import * as ExitCode from "./ExitCode.js"

const SCENARIOS: ReadonlyArray<Scenario.Name | "image"> = [...Scenario.names, "image"]

const isScenario = (value: string): value is Scenario.Name | "image" =>
  (SCENARIOS as ReadonlyArray<string>).includes(value)

// Text checked here rather than Args.choice, whose usage line lists every scenario in every usage.
const scenario = Args.text({ name: "scenario" }).pipe(
  Args.mapEffect((value) =>
    isScenario(value)
      ? Effect.succeed(value)
      : Effect.fail(HelpDoc.p(`Unknown scenario "${value}": use one of ${SCENARIOS.join(", ")}`))
  ),
  Args.withDescription(
    `A scenario of the fake provider: ${Scenario.names.join(", ")}; or image for a sample JPEG`
  )
)

const out = Options.file("out").pipe(
  Options.optional,
  Options.withDescription(
    "Write to this file (for image, the JPEG itself) instead of standard output (for image, the JPEG as base64 " +
      "text, the form imageBase64 takes)"
  )
)

export const command = Command.make("fixtures", { scenario, out }, ({ out, scenario }) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    if (Option.isSome(out)) yield* fs.makeDirectory(dirname(out.value), { recursive: true })
    if (scenario === "image") {
      const bytes = Buffer.from(Fixtures.image(), "base64")
      if (Option.isNone(out)) {
        yield* Console.log(bytes.toString("base64"))
        return yield* Console.error(
          "printed an 800x600 JPEG as base64 text (the form imageBase64 takes); --out selfie.jpg writes the JPEG itself"
        )
      }
      yield* fs.writeFile(out.value, bytes)
      return yield* Console.error(`wrote an 800x600 JPEG to ${out.value}`)
    }
    const payload = Fixtures.sdkPayload({ scenario })
    if (Option.isNone(out)) return yield* Console.log(payload)
    yield* fs.writeFileString(out.value, payload + "\n")
    yield* Console.error(
      `wrote a fake SDK payload (scenario ${scenario}, valid for 10 minutes, single use) to ${out.value}; ` +
        `the subject code ${MagicValues.cpfOf(scenario)} selects the same scenario`
    )
  }).pipe(
    Effect.catchTag("SystemError", (error) =>
      Console.error(`Cannot write ${
        Option.getOrElse(out, () => "the fixture")
      }: ${error.message}`).pipe(
        Effect.zipRight(ExitCode.set(ExitCode.INVALID_INPUT))
      ))
  )).pipe(
    Command.withDescription(
      "Write a fake SDK payload for a scenario of the fake provider, or a sample image.\n" +
        "Example: liveness fixtures not-live --out selfie.jwt"
    )
  )
