/**
 * Documented magic subject codes (all valid CPFs), like test card numbers in a payments sandbox. Any
 * other valid CPF is live. The table in this package's README is this map.
 *
 * @since 0.1.0
 */
import type { Name } from "./Scenario.js"

export const byCpf: ReadonlyMap<string, Name> = new Map<string, Name>([
  ["00000000191", "not-live"],
  ["00000000272", "processing-error"],
  ["00000000353", "rate-limited-once"],
  ["00000000434", "unavailable-once"],
  ["00000000515", "image-too-large"],
  ["00000000604", "access-denied"],
  ["00000000787", "authentication-failed"],
  ["00000000868", "unavailable"],
  ["00000000949", "slow"]
])

/** The seed's example subject: live. */
export const LIVE_CPF = "12345678909"

/** The magic CPF of a scenario (the inverse of `byCpf`); `live` gives the seed's CPF. */
export const cpfOf = (name: Name): string => {
  for (const [cpf, scenario] of byCpf) if (scenario === name) return cpf
  return LIVE_CPF
}
