/**
 * Documented magic subject codes (all valid CPFs), like test card numbers in a payments sandbox. Any
 * other valid CPF is live. The table in this package's README is `documented` (a test keeps the two in step).
 *
 * @since 0.1.0
 */
import type { Name } from "./Scenario.js"

/** One documented scenario: its magic CPF, what the provider answers, what `Liveness.check` gives. */
export interface Documented {
  readonly scenario: Name
  readonly cpf: string
  /** What the provider answers (the README table's middle column, markdown inline code kept). */
  readonly answers: string
  /** What the caller gets after the core's retry policy and timeouts, with their defaults. */
  readonly gives: string
}

/** The README's table of magic CPFs, in `Scenario.names` order; the gateway's `/try` page serves it too. */
export const documented: ReadonlyArray<Documented> = [
  { scenario: "live", cpf: "12345678909", answers: "status 3, liveness 1", gives: "`live`" },
  { scenario: "not-live", cpf: "00000000191", answers: "status 3, liveness 2", gives: "`not-live`" },
  {
    scenario: "processing-error",
    cpf: "00000000272",
    answers: "status 5 (processing error)",
    gives: "`retry-capture`"
  },
  {
    scenario: "rate-limited-once",
    cpf: "00000000353",
    answers: "429 with `Retry-After: 1` on the first attempt, then live",
    gives: "`live` after 1 s, 2 attempts"
  },
  {
    scenario: "unavailable-once",
    cpf: "00000000434",
    answers: "503 on the first attempt, then live",
    gives: "`live` after 2 attempts, SDK payload or plain image (a 503 handled nothing, so it is sent again)"
  },
  {
    scenario: "image-too-large",
    cpf: "00000000515",
    answers: "400, 20506 (image too large)",
    gives: "`PayloadRejected` (`size`)"
  },
  { scenario: "access-denied", cpf: "00000000604", answers: "403, 30017 (access denied)", gives: "`AccessDenied`" },
  {
    scenario: "authentication-failed",
    cpf: "00000000787",
    answers: "401, `Falha na autenticação 1.2.5`",
    gives: "`AuthenticationFailed` (`stage: \"token\"`), not retried"
  },
  {
    scenario: "unavailable",
    cpf: "00000000868",
    answers: "503 on every attempt, no process created",
    gives: "`ProviderUnavailable` after 5 attempts, `mayHaveBeenProcessed: false`, SDK payload or plain image. " +
      "The fake created nothing (nothing billed)"
  },
  {
    scenario: "slow",
    cpf: "00000000949",
    answers: "creates the process at once, answers live only after 40 s",
    gives: "the attempt times out at 15 s (before the 30 s deadline). Nothing is sent again (it may have reached " +
      "Unico): SDK payload `OutcomeUnknown` after 1 attempt; plain image `ProviderUnavailable` with " +
      "`mayHaveBeenProcessed: true`. The fake processed and billed it once. `DeadlineExceeded` only under a " +
      "deadline shorter than the timeout"
  }
]

export const byCpf: ReadonlyMap<string, Name> = new Map(
  documented.filter((row) => row.scenario !== "live").map((row) => [row.cpf, row.scenario])
)

/** The seed's example subject: live. */
export const LIVE_CPF = "12345678909"

/** The magic CPF of a scenario (the inverse of `byCpf`); `live` gives the seed's CPF. */
export const cpfOf = (name: Name): string => {
  for (const [cpf, scenario] of byCpf) if (scenario === name) return cpf
  return LIVE_CPF
}
