import type { SettingError } from "@liveness/core"

/**
 * One line of `liveness doctor`: a check's name, its outcome, what was found, and the fix when it did not pass.
 */
export type Status = "ok" | "warn" | "FAIL" | "skipped"

export interface Check {
  readonly name: string
  readonly status: Status
  readonly detail: string
  readonly fix?: string
}

export const ok = (name: string, detail: string): Check => ({ name, status: "ok", detail })
export const warn = (name: string, detail: string, fix: string): Check => ({ name, status: "warn", detail, fix })
export const fail = (name: string, detail: string, fix?: string): Check =>
  fix === undefined ? { name, status: "FAIL", detail } : { name, status: "FAIL", detail, fix }
export const skipped = (name: string): Check => ({ name, status: "skipped", detail: "fix the failures above first" })

/** A setting refused by a package's own check (UnicoConfigError, RedisConfigError): its words, its fix. */
export const ofSettingError = (name: string, error: SettingError.Fields): Check =>
  fail(name, `${error.setting} ${error.problem}`, error.fix)
