/**
 * The decision a caller acts on, derived from a process (only status 3 carries a liveness decision).
 *
 * | verdict         | process                 | what to do                                   |
 * |-----------------|-------------------------|----------------------------------------------|
 * | `live`          | status 3, liveness 1    | accept                                       |
 * | `not-live`      | status 3, liveness 2    | refuse (do not retry automatically)          |
 * | `retry-capture` | status 4 or 5           | ask the user for a new capture               |
 * | `pending`       | status 1 or 2           | not expected for a Liveness-only API key     |
 * | `unexpected`    | anything else           | log and treat as not decided                 |
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { isKnownLiveness, isKnownStatus, type LivenessProcess, LivenessResult, Status } from "./LivenessProcess.js"

export const Verdict = Schema.Literal("live", "not-live", "retry-capture", "pending", "unexpected").annotations({
  // Under `jsonSchema`: a `description` would stand for the literals in decoding messages.
  jsonSchema: {
    description: "`live` (3/1), `not-live` (3/2), `retry-capture` (4 or 5: ask for a new capture), `pending` " +
      "(1 or 2), `unexpected` (a status or liveness Unico does not document)."
  }
})
export type Verdict = typeof Verdict.Type

export const fromProcess = (process: Pick<LivenessProcess, "status" | "liveness">): Verdict => {
  switch (process.status) {
    case Status.finished:
      return process.liveness === LivenessResult.live
        ? "live"
        : process.liveness === LivenessResult.notLive
        ? "not-live"
        : "unexpected"
    case Status.canceled:
    case Status.processingError:
      return "retry-capture"
    case Status.processing:
    case Status.divergence:
      return "pending"
    default:
      return "unexpected"
  }
}

/** Why a process is `unexpected`, for the warning log; `undefined` when every value is documented. */
export const unknownValues = (process: Pick<LivenessProcess, "status" | "liveness">): string | undefined => {
  if (!isKnownStatus(process.status)) return `unknown status ${process.status}`
  if (process.liveness !== undefined && !isKnownLiveness(process.liveness)) {
    return `unknown liveness ${process.liveness}`
  }
  if (process.status === Status.finished && process.liveness === undefined) return "status 3 without liveness"
  return undefined
}
