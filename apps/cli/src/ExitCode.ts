/**
 * The documented exit codes of `liveness`, and the cell a command writes its code into (Command.run
 * discards handler results, so the code travels through this service to the entry point).
 *
 * | code | meaning                                                                 |
 * |------|-------------------------------------------------------------------------|
 * | 0    | live                                                                    |
 * | 1    | not live                                                                |
 * | 2    | recapture needed (processing error, expired/reused payload, outcome unknown) |
 * | 3    | invalid input (arguments, file, payload refused for format/size)        |
 * | 4    | provider or configuration error                                         |
 * | 130  | interrupted (Ctrl-C)                                                    |
 *
 * `batch` uses 0 when every capture got a line in the results file, 3 for bad manifest lines, 4 when a
 * provider or configuration failure stopped it, 130 when interrupted.
 */
import type { LivenessError, Verdict } from "@liveness/core"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"

export const LIVE = 0
export const NOT_LIVE = 1
export const RECAPTURE = 2
export const INVALID_INPUT = 3
export const PROVIDER_ERROR = 4
export const INTERRUPTED = 130

export const ofVerdict = (verdict: Verdict.Verdict): number => {
  switch (verdict) {
    case "live":
      return LIVE
    case "not-live":
      return NOT_LIVE
    case "retry-capture":
      return RECAPTURE
    case "pending":
    case "unexpected":
      return PROVIDER_ERROR
  }
}

export const ofError = (error: LivenessError): number => {
  switch (error._tag) {
    case "InvalidRequest":
      return INVALID_INPUT
    case "PayloadRejected":
      return error.reason === "expired" || error.reason === "reused" || error.reason === "security-bundle"
        ? RECAPTURE
        : INVALID_INPUT
    case "OutcomeUnknown":
      return RECAPTURE
    default:
      return PROVIDER_ERROR
  }
}

export class ExitCode extends Context.Tag("@liveness/cli/ExitCode")<ExitCode, Ref.Ref<number>>() {}

export const set = (code: number) => Effect.flatMap(ExitCode, (ref) => Ref.set(ref, code))

export const layer = Layer.effect(ExitCode, Ref.make(LIVE))
