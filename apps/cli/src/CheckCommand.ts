/**
 * `liveness check <file>`: one liveness check of the capture in a file.
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { Liveness } from "@liveness/core"
import { LivenessRuntime } from "@liveness/runtime"
import * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as CaptureFile from "./CaptureFile.js"
import * as ExitCode from "./ExitCode.js"
import * as MainLayer from "./MainLayer.js"
import * as Output from "./Output.js"

const file = Args.file({ name: "file" }).pipe(
  Args.withDescription("The capture: the SDK's encrypted payload (text) or an image (JPEG, PNG or WebP)")
)
const cpf = Options.text("cpf").pipe(Options.optional, Options.withDescription("The subject's CPF, 11 digits"))
const name = Options.text("name").pipe(Options.optional, Options.withDescription("The subject's full name"))
const email = Options.text("email").pipe(Options.optional, Options.withDescription("The subject's e-mail"))
const phone = Options.text("phone").pipe(
  Options.optional,
  Options.withDescription("The subject's phone, digits only (e.g. 5511974749090)")
)
const subsidiary = Options.text("subsidiary").pipe(
  Options.optional,
  Options.withDescription("The branch (subsidiaryId, a UUID) when the account has several")
)
export const json = Options.boolean("json").pipe(Options.withDescription("Print one JSON object instead of text"))

const defined = <A>(option: Option.Option<A>) => Option.getOrUndefined(option)

export const command = Command.make(
  "check",
  { file, cpf, name, email, phone, subsidiary, json },
  (flags) =>
    Effect.gen(function*() {
      const imageBase64 = yield* CaptureFile.read(flags.file)
      const wantsSubject = Option.isSome(flags.cpf) || Option.isSome(flags.name) || Option.isSome(flags.email) ||
        Option.isSome(flags.phone)
      const subject = wantsSubject
        ? Object.fromEntries(
          Object.entries({
            code: defined(flags.cpf),
            name: defined(flags.name),
            email: defined(flags.email),
            phone: defined(flags.phone)
          }).filter(([, value]) => value !== undefined)
        )
        : undefined
      const input = {
        imageBase64,
        ...(subject === undefined ? {} : { subject }),
        ...(Option.isSome(flags.subsidiary) ? { subsidiaryId: flags.subsidiary.value } : {})
      }
      const { info, result } = yield* Effect.all({
        info: LivenessRuntime.ProviderInfo,
        result: Liveness.check(input)
      }).pipe(Effect.provide(MainLayer.layer))
      yield* Output.result(result, flags.json, info.description)
      yield* ExitCode.set(ExitCode.ofVerdict(result.verdict))
    }).pipe(
      Effect.catchAll((error) => {
        if (
          ConfigError.isConfigError(error) || error._tag === "ProviderConfigError" || error._tag === "UnicoConfigError"
        ) {
          const text = ConfigError.isConfigError(error) ? String(error) : error.message
          return Output.problem(`Configuration error: ${text}`, "configuration", flags.json).pipe(
            Effect.zipRight(ExitCode.set(ExitCode.PROVIDER_ERROR))
          )
        }
        if (error._tag === "CaptureFileError") {
          return Output.problem(error.message, "capture_file", flags.json).pipe(
            Effect.zipRight(ExitCode.set(ExitCode.INVALID_INPUT))
          )
        }
        return Output.error(error, flags.json).pipe(Effect.zipRight(ExitCode.set(ExitCode.ofError(error))))
      })
    )
).pipe(
  Command.withDescription(
    "Run one liveness check. Prints the verdict and the process id.\n" +
      "Example: liveness check selfie.jwt --cpf 12345678909 --name \"Luke Skywalker\"\n" +
      "Exit codes: 0 live, 1 not live, 2 recapture needed, 3 invalid input, 4 provider or configuration error."
  )
)
