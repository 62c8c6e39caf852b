/**
 * The capture ledger in memory: one process's captures (the default of `Liveness.layer`). Bounded twice: an outcome
 * is kept for `retention`, and at most `maxEntries` outcomes are kept (the oldest go first). In-flight claims are not
 * counted: the checks in flight bound them. Time comes from `Clock` (TestClock in tests).
 *
 * @since 0.2.0
 */
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { abandoned, CaptureLedger, type Claim, type Outcome, type Wait } from "./CaptureLedger.js"
import { CheckPolicy, type LedgerOptions } from "./CheckPolicy.js"
import { LivenessError } from "./LivenessError.js"

interface InFlight {
  readonly digest: string
  readonly token: string
  readonly leaseUntil: number
  /** Made by the first request that waits for this claim: most claims are never waited for. */
  done: Deferred.Deferred<Wait> | undefined
}

interface Kept {
  readonly digest: string
  readonly expiresAt: number
  /**
   * An answer as it is (immutable data); an error encoded (plain data), since an error instance keeps its stack and
   * the spans it was raised in, ten times the size of the outcome itself. Decoded again when it is read.
   */
  readonly outcome:
    | Extract<Outcome, { readonly _tag: "Answered" }>
    | { readonly _tag: "Failed"; readonly error: typeof LivenessError.Encoded }
}

const encodeError = Schema.encodeSync(LivenessError)
const decodeError = Schema.decodeSync(LivenessError)
// Answers are kept as they are: encoding one on every check is the ledger's largest cost on the hot path.
const encode = (outcome: Outcome): Kept["outcome"] =>
  outcome._tag === "Answered" ? outcome : { _tag: "Failed", error: encodeError(outcome.error) }
const decode = (kept: Kept["outcome"]): Outcome =>
  kept._tag === "Answered" ? kept : { _tag: "Failed", error: decodeError(kept.error) }

/** Drops expired entries, then the oldest beyond `max`. Maps iterate in insertion order: the oldest first. */
const prune = <V extends { readonly expiresAt: number }>(entries: Map<string, V>, now: number, max: number) => {
  for (const [key, entry] of entries) {
    if (entry.expiresAt > now && entries.size <= max) break
    entries.delete(key)
  }
}

/** A ledger in memory with the given bounds. */
export const make = (options: LedgerOptions): Effect.Effect<CaptureLedger.Service> =>
  Effect.sync(() => {
    const retentionMillis = Duration.toMillis(options.retention)
    const inFlight = new Map<string, InFlight>()
    const settled = new Map<string, Kept>()
    const bound = new Map<string, { readonly digest: string; readonly expiresAt: number }>()
    let tokens = 0

    const keep = (key: string, digest: string, outcome: Outcome, now: number) => {
      settled.set(key, { digest, outcome: encode(outcome), expiresAt: now + retentionMillis })
      prune(settled, now, options.maxEntries)
    }

    /** Ends an in-flight claim (settled, released or abandoned) and wakes its waiters, if any. */
    const finish = (key: string, held: InFlight, wait: Wait) => {
      inFlight.delete(key)
      if (held.done !== undefined) Deferred.unsafeDone(held.done, Effect.succeed(wait))
    }

    /** The current state of `key`; an in-flight claim past its lease settles as abandoned here. */
    const lookup = (key: string, now: number): InFlight | Kept | undefined => {
      const held = inFlight.get(key)
      if (held !== undefined && now >= held.leaseUntil) {
        keep(key, held.digest, abandoned, now)
        finish(key, held, { _tag: "Settled", digest: held.digest, outcome: abandoned })
      } else if (held !== undefined) {
        return held
      }
      const kept = settled.get(key)
      if (kept !== undefined && kept.expiresAt <= now) {
        settled.delete(key)
        return undefined
      }
      return kept
    }

    // Each operation is one synchronous step (its time read from the fiber's Clock): the ledger is on every check.
    const claim = (key: string, digest: string, lease: Duration.Duration) =>
      Effect.clockWith((clock) =>
        Effect.sync((): Claim => {
          const now = clock.unsafeCurrentTimeMillis()
          const found = lookup(key, now)
          if (found !== undefined && "token" in found) return { _tag: "InFlight", digest: found.digest }
          if (found !== undefined) return { _tag: "Settled", digest: found.digest, outcome: decode(found.outcome) }
          const token = String(++tokens)
          inFlight.set(key, { digest, token, leaseUntil: now + Duration.toMillis(lease), done: undefined })
          return { _tag: "Claimed", token }
        })
      )

    const settle = (key: string, token: string, outcome: Outcome) =>
      Effect.clockWith((clock) =>
        Effect.sync(() => {
          const held = inFlight.get(key)
          if (held === undefined || held.token !== token) return
          keep(key, held.digest, outcome, clock.unsafeCurrentTimeMillis())
          finish(key, held, { _tag: "Settled", digest: held.digest, outcome })
        })
      )

    const release = (key: string, token: string) =>
      Effect.sync(() => {
        const held = inFlight.get(key)
        if (held !== undefined && held.token === token) finish(key, held, { _tag: "Released" })
      })

    const await_ = (key: string): Effect.Effect<Wait> =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const found = lookup(key, now)
        if (found === undefined) return { _tag: "Released" } satisfies Wait
        if (!("token" in found)) {
          return { _tag: "Settled", digest: found.digest, outcome: decode(found.outcome) } satisfies Wait
        }
        found.done ??= yield* Deferred.make<Wait>()
        // Wake at the lease's end at the latest, to settle an abandoned claim.
        const woken = yield* Deferred.await(found.done).pipe(
          Effect.timeoutOption(Duration.millis(found.leaseUntil - now))
        )
        return woken._tag === "Some" ? woken.value : yield* await_(key)
      })

    const bind = (key: string, digest: string) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const existing = bound.get(key)
        if (existing !== undefined && existing.expiresAt > now) return existing.digest
        bound.delete(key)
        bound.set(key, { digest, expiresAt: now + retentionMillis })
        prune(bound, now, options.maxEntries)
        return digest
      })

    return { claim, settle, release, await: await_, bind } satisfies CaptureLedger.Service
  })

/** A ledger in memory bounded by the policy's `ledger` options (CheckPolicy in context, or its defaults). */
export const layer: Layer.Layer<CaptureLedger> = Layer.effect(
  CaptureLedger,
  Effect.flatMap(CheckPolicy, (policy) => make(policy.ledger))
)
