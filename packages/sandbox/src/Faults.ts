/**
 * Fault injection for the processes endpoints, deterministic under a seed: by rate (each request draws
 * from a seeded generator) or by script (the next requests get these faults, in order).
 *
 * | fault | what the client sees | was a process created? |
 * |---|---|---|
 * | `latency` | the answer after `millis` | as usual |
 * | `status` (500, 502, 503, 504) | that status, Unico's error body | no |
 * | `rate-limited` | 429 with `Retry-After` | no |
 * | `reset-before` | the connection is reset before processing | no |
 * | `reset-after` | the connection is reset after the process was created: the answer is lost | yes |
 * | `malformed-json` | 200 with a truncated JSON body | yes |
 * | `slow-body` | headers at once, the body after `millis` | yes |
 *
 * @since 0.1.0
 */
export type Fault =
  | { readonly _tag: "latency"; readonly millis: number }
  | { readonly _tag: "status"; readonly status: 500 | 502 | 503 | 504 }
  | { readonly _tag: "rate-limited"; readonly retryAfterSeconds: number }
  | { readonly _tag: "reset-before" }
  | { readonly _tag: "reset-after" }
  | { readonly _tag: "malformed-json" }
  | { readonly _tag: "slow-body"; readonly millis: number }

export type FaultKind = Fault["_tag"]

export interface FaultRates {
  /** Probability (0..1) per request of each fault; drawn in this order, at most one fault per request. */
  readonly latency?: number
  readonly status500?: number
  readonly status502?: number
  readonly status503?: number
  readonly status504?: number
  readonly rateLimited?: number
  readonly resetBefore?: number
  readonly resetAfter?: number
  readonly malformedJson?: number
  readonly slowBody?: number
}

export interface FaultOptions {
  readonly rates?: FaultRates
  /** Seed of the generator (default 1): the same seed gives the same faults for the same request order. */
  readonly seed?: number
  /** Delay of a `latency` fault drawn by rate (default 2000 ms). */
  readonly latencyMillis?: number
  /** Delay of a `slow-body` fault drawn by rate (default 2000 ms). */
  readonly slowBodyMillis?: number
  /** `Retry-After` of a `rate-limited` fault drawn by rate (default 1 s). */
  readonly retryAfterSeconds?: number
}

/** mulberry32: a small, fast, seedable generator; enough for fault draws. */
const generator = (seed: number) => {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export interface FaultPlan {
  /** The fault for the next request, if any (the script first, then the rates). */
  readonly next: () => Fault | undefined
  /** Queues faults for the next requests. */
  readonly enqueue: (...faults: ReadonlyArray<Fault>) => void
  /** Replaces the rates (and reseeds). */
  readonly configure: (options: FaultOptions) => void
  /** Empties the script. */
  readonly clear: () => void
}

export const plan = (initial: FaultOptions = {}): FaultPlan => {
  let options = initial
  let random = generator(options.seed ?? 1)
  let script: Array<Fault> = []

  const byRate = (): Fault | undefined => {
    const rates = options.rates
    if (rates === undefined) return undefined
    const draw = random()
    const candidates: ReadonlyArray<readonly [number | undefined, () => Fault]> = [
      [rates.latency, () => ({ _tag: "latency", millis: options.latencyMillis ?? 2000 })],
      [rates.status500, () => ({ _tag: "status", status: 500 })],
      [rates.status502, () => ({ _tag: "status", status: 502 })],
      [rates.status503, () => ({ _tag: "status", status: 503 })],
      [rates.status504, () => ({ _tag: "status", status: 504 })],
      [rates.rateLimited, () => ({ _tag: "rate-limited", retryAfterSeconds: options.retryAfterSeconds ?? 1 })],
      [rates.resetBefore, () => ({ _tag: "reset-before" })],
      [rates.resetAfter, () => ({ _tag: "reset-after" })],
      [rates.malformedJson, () => ({ _tag: "malformed-json" })],
      [rates.slowBody, () => ({ _tag: "slow-body", millis: options.slowBodyMillis ?? 2000 })]
    ]
    let threshold = 0
    for (const [rate, make] of candidates) {
      threshold += rate ?? 0
      if (draw < threshold) return make()
    }
    return undefined
  }

  return {
    next: () => script.shift() ?? byRate(),
    enqueue: (...faults) => void script.push(...faults),
    configure: (next) => {
      options = next
      random = generator(next.seed ?? 1)
    },
    clear: () => {
      script = []
    }
  }
}
