/**
 * `liveness check <file>`: one liveness check of the capture in a file.
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { Liveness } from "@liveness/core"
import { LivenessRuntime } from "@liveness/runtime"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as CaptureFile from "./CaptureFile.js"
import * as ConfigProblem from "./ConfigProblem.js"
import * as ExitCode from "./ExitCode.js"
import * as Output from "./Output.js"
import * as Provider from "./Provider.js"

const file = Args.file({ name: "file" }).pipe(
  Args.withDescription("The capture: the SDK's encrypted payload (text) or an image (JPEG, PNG or WebP)")
)
export const cpf = Options.text("cpf").pipe(Options.optional, Options.withDescription("The subject's CPF, 11 digits"))
export const name = Options.text("name").pipe(Options.optional, Options.withDescription("The subject's full name"))
export const email = Options.text("email").pipe(Options.optional, Options.withDescription("The subject's e-mail"))
export const phone = Options.text("phone").pipe(
  Options.optional,
  Options.withDescription("The subject's phone, digits only (e.g. 5511974749090)")
)
export const subsidiary = Options.text("subsidiary").pipe(
  Options.optional,
  Options.withDescription("The branch (subsidiaryId, a UUID) when the account has several")
)
export const json = Options.boolean("json").pipe(Options.withDescription("Print one JSON object instead of text"))

/** The subject flags as given (`--cpf`, `--name`, `--email`, `--phone`, `--subsidiary`), unset ones undefined. */
export const subjectFields = (
  flags: {
    readonly [K in keyof SubjectFields]-?: Option.Option<string>
  }
): SubjectFields => ({
  cpf: Option.getOrUndefined(flags.cpf),
  name: Option.getOrUndefined(flags.name),
  email: Option.getOrUndefined(flags.email),
  phone: Option.getOrUndefined(flags.phone),
  subsidiary: Option.getOrUndefined(flags.subsidiary)
})

/** The subject and branch of a check, from flags (or a batch manifest line); all optional. */
export interface SubjectFields {
  readonly cpf?: string | undefined
  readonly name?: string | undefined
  readonly email?: string | undefined
  readonly phone?: string | undefined
  readonly subsidiary?: string | undefined
}

/** Unico's request body for a capture and the subject fields given. */
export const buildInput = (imageBase64: string, fields: SubjectFields) => {
  const subject = Object.fromEntries(
    Object.entries({ code: fields.cpf, name: fields.name, email: fields.email, phone: fields.phone }).filter((
      [, value]
    ) => value !== undefined)
  )
  return {
    imageBase64,
    ...(Object.keys(subject).length === 0 ? {} : { subject }),
    ...(fields.subsidiary === undefined ? {} : { subsidiaryId: fields.subsidiary })
  }
}

export const command = Command.make(
  "check",
  { file, cpf, name, email, phone, subsidiary, json },
  (flags) =>
    Effect.gen(function*() {
      const imageBase64 = yield* CaptureFile.read(flags.file)
      const input = buildInput(imageBase64, subjectFields(flags))
      const { provider, result } = yield* Effect.all({
        provider: Provider.current,
        result: Liveness.check(input)
      }).pipe(Effect.provide(LivenessRuntime.layer))
      yield* Output.result(result, flags.json, provider)
      yield* ExitCode.set(ExitCode.ofVerdict(result.verdict))
    }).pipe(
      Effect.catchAll((error) => {
        if (ConfigProblem.is(error)) {
          return ConfigProblem.report(error, (message) => Output.problem(message, "configuration", flags.json))
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
