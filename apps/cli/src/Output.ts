/**
 * How results and errors are printed: lines for people, one JSON object with `--json`. Neither ever
 * contains the payload or a credential; errors carry their stable code and message.
 */
import type { Liveness, LivenessError } from "@liveness/core"
import * as Console from "effect/Console"
import type { Provider } from "./Provider.js"

const FLAG_OF_FIELD: Record<string, string> = {
  "subject.code": "--cpf",
  "subject.name": "--name",
  "subject.email": "--email",
  "subject.phone": "--phone",
  subsidiaryId: "--subsidiary",
  imageBase64: "the capture file"
}

/** A verdict: `--json` names the provider by its id (scripts compare it), the text by its description. */
export const result = (check: Liveness.CheckResult, json: boolean, provider: Provider) =>
  json
    ? Console.log(JSON.stringify({
      verdict: check.verdict,
      process: check.process,
      attempts: check.attempts,
      provider: provider.id
    }))
    : Console.log(
      [
        `verdict:  ${check.verdict}`,
        `process:  ${check.process.id}`,
        `status:   ${check.process.status}${
          check.process.liveness === undefined ? "" : `, liveness ${check.process.liveness}`
        }`,
        `attempts: ${check.attempts}`,
        `provider: ${provider.description}`
      ].join("\n")
    )

const describe = (error: LivenessError): string => {
  if (error._tag !== "InvalidRequest") return error.message
  const lines = error.errors.map((issue) => `  ${FLAG_OF_FIELD[issue.field] ?? issue.field}: ${issue.message}`)
  return ["Invalid input:", ...lines].join("\n")
}

/** An error, and what to do about it when the command knows more than the error (`hint`). */
export const error = (failure: LivenessError, json: boolean, hint?: string) =>
  json
    ? Console.log(JSON.stringify({
      error: {
        tag: failure._tag,
        code: failure.code,
        message: failure.message,
        ...("providerCode" in failure && failure.providerCode !== undefined
          ? { providerCode: failure.providerCode }
          : {}),
        ...(failure._tag === "InvalidRequest" ? { errors: failure.errors } : {}),
        ...(hint === undefined ? {} : { hint })
      }
    }))
    : Console.error(hint === undefined ? describe(failure) : `${describe(failure)}\n${hint}`)

export const problem = (message: string, code: string, json: boolean) =>
  json ? Console.log(JSON.stringify({ error: { tag: "UsageError", code, message } })) : Console.error(message)
