/**
 * Submissions per payload: the answer to every `createProcess` request that carried a payload, in arrival order,
 * whatever the answer. Processes created (`processesByPayload`) show what was billed; submissions show what the
 * client sent, which is what Unico's single-submission rule for SDK payloads is about ("submitted only once").
 *
 * An answer is the HTTP status as a string (`"200"`, `"400"`, `"429"`, `"503"`, …), `"reset"` for a connection the
 * sandbox reset on purpose, or `"pending"` while the sandbox has not answered yet (the fake answers at once).
 *
 * Reading them: a 429 and a 503 prove the request was not processed, so sending the payload again after one is
 * legitimate; any other answer (and a reset, and no answer yet) may have been processed. "Exactly one submission
 * per capture" is `countMayHaveBeenProcessed(answers) === 1`.
 *
 * The scenario engine records them for the fake; the sandbox records them around the engine, so that faults and
 * refusals answered before the engine count too.
 *
 * @since 0.1.0
 */

/** The answer of a connection reset on purpose (the client saw no status). */
export const RESET = "reset"

/** A request received and not answered yet. */
export const PENDING = "pending"

/** The answer recorded for an HTTP status. */
export const ofStatus = (status: number): string => String(status)

/** 429 (refused by the quota) and 503 (the server did not handle it): nothing was processed. */
const NOT_PROCESSED: ReadonlySet<string> = new Set(["429", "503"])

/** Whether a request with this answer may have been processed: every answer but 429 and 503. */
export const mayHaveBeenProcessed = (answer: string): boolean => !NOT_PROCESSED.has(answer)

/** The submissions that may have been processed: more than one for an SDK payload breaks Unico's rule. */
export const countMayHaveBeenProcessed = (answers: ReadonlyArray<string>): number =>
  answers.reduce((count, answer) => (mayHaveBeenProcessed(answer) ? count + 1 : count), 0)

/** The record itself: answers per payload fingerprint. */
export interface Log {
  /** Records a request that carried the payload with this fingerprint and got `answer`. */
  readonly record: (fingerprint: string, answer: string) => void
  /**
   * Records a request on arrival, `"pending"` until the returned function settles it (the first answer counts), so
   * a slow request keeps its place in arrival order and is counted while in flight.
   */
  readonly arrive: (fingerprint: string) => (answer: string) => void
  readonly byPayload: () => ReadonlyMap<string, ReadonlyArray<string>>
  /** Requests recorded in all. */
  readonly total: () => number
  readonly clear: () => void
}

export const make = (): Log => {
  let answers = new Map<string, Array<string>>()
  let total = 0
  const arrive = (fingerprint: string) => {
    // Captured here: a `clear` while the request is in flight leaves its late answer in the forgotten table.
    const forPayload = answers.get(fingerprint) ?? []
    answers.set(fingerprint, forPayload)
    const slot = forPayload.push(PENDING) - 1
    total++
    let settled = false
    return (answer: string) => {
      if (settled) return
      settled = true
      forPayload[slot] = answer
    }
  }
  return {
    record: (fingerprint, answer) => arrive(fingerprint)(answer),
    arrive,
    byPayload: () => new Map(Array.from(answers, ([fingerprint, list]) => [fingerprint, list.slice()])),
    total: () => total,
    clear: () => {
      answers = new Map()
      total = 0
    }
  }
}
