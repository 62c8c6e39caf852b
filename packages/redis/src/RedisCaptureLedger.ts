/**
 * The core's capture ledger shared by replicas through Redis: a capture one replica claims is in flight for every
 * replica, and its outcome, once settled, is every replica's answer. One key per capture,
 * `<prefix>capture:<capture key>`, and one per idempotency key, `<prefix>idem:<binding>`. A value is JSON holding the
 * request digest and either the claim (its holder's token and lease deadline) or the outcome, encoded with
 * `CaptureLedger.Outcome`'s Schema: never a payload, a subject or a credential (the keys are digests too).
 *
 * Claims, settlements and bindings are Lua scripts (RedisScripts), atomic in Redis, on Redis's clock: replicas whose
 * clocks disagree share one lease. A claim past its lease is rewritten as `abandoned` (OutcomeUnknown: its holder
 * may have submitted the capture) by the first read after it. Waiters poll, from 25 ms to 200 ms apart.
 *
 * While Redis is unavailable, each replica keeps a local ledger (CaptureLedgerMemory, bounded by the policy) and says
 * so through RedisHealth, as the quota does. A capture claimed on Redis and settled while Redis is down is settled
 * locally; its claim on Redis turns into `abandoned` when its lease ends.
 *
 * @since 0.2.0
 */
import { CaptureLedger, CaptureLedgerMemory, CheckPolicy } from "@liveness/core"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { randomUUID } from "node:crypto"
import { RedisClient } from "./RedisClient.js"
import { RedisHealth } from "./RedisHealth.js"
import * as RedisScripts from "./RedisScripts.js"

/** The Redis key of a capture. */
export const captureKeyOf = (prefix: string, key: string) => `${prefix}capture:${key}`

/** The Redis key of an idempotency key's binding. */
export const bindingKeyOf = (prefix: string, key: string) => `${prefix}idem:${key}`

/** How long a waiter waits between two reads of an in-flight capture: the first wait, doubled up to the last. */
export const POLL_FIRST_MILLIS = 25
export const POLL_MAX_MILLIS = 200

const Claim = Schema.Struct({ token: Schema.String, digest: Schema.String, leaseUntil: Schema.Number })
const Kept = Schema.Struct({ digest: Schema.String, keepUntil: Schema.Number, outcome: CaptureLedger.Outcome })
const decodeClaim = Schema.decodeUnknownOption(Schema.parseJson(Claim))
const decodeKept = Schema.decodeUnknownEither(Schema.parseJson(Kept))
const digestOf = Schema.decodeUnknownOption(Schema.parseJson(Schema.Struct({ digest: Schema.String })))
const encodeOutcome = (outcome: CaptureLedger.Outcome) =>
  Effect.orDie(Schema.encode(Schema.parseJson(CaptureLedger.Outcome))(outcome))

/** A claim's value starts with its token: a release deletes the key only if it still starts so. */
const claimPrefix = (token: string) => `{"token":${JSON.stringify(token)},`

/** What a lookup found under a capture's key. */
type Found =
  | { readonly _tag: "Absent" }
  | { readonly _tag: "Claimed" }
  | { readonly _tag: "InFlight"; readonly digest: string; readonly leaseLeftMillis: number }
  /** `digest` undefined: the value could not be read at all (it is then `abandoned`). */
  | { readonly _tag: "Settled"; readonly digest: string | undefined; readonly outcome: CaptureLedger.Outcome }

const settledFrom = (entry: string): Found => {
  const kept = decodeKept(entry)
  if (Either.isRight(kept)) return { _tag: "Settled", digest: kept.right.digest, outcome: kept.right.outcome }
  // Written by another version, or by something else: whoever asks must capture again, and nothing is sent.
  return {
    _tag: "Settled",
    digest: Option.getOrUndefined(Option.map(digestOf(entry), (value) => value.digest)),
    outcome: CaptureLedger.abandoned
  }
}

const foundFrom = ([state, entry, now]: RedisScripts.CaptureLookup): Found => {
  switch (state) {
    case "absent":
      return { _tag: "Absent" }
    case "claimed":
      return { _tag: "Claimed" }
    case "inflight":
      return Option.match(decodeClaim(entry), {
        onNone: () => settledFrom(entry),
        onSome: (claim) => ({ _tag: "InFlight", digest: claim.digest, leaseLeftMillis: claim.leaseUntil - Number(now) })
      })
    case "settled":
      return settledFrom(entry)
  }
}

/** A claim this replica holds on Redis. */
interface Held {
  readonly token: string
  readonly digest: string
  readonly lease: Duration.Duration
  /** When its lease ends, by this replica's Clock. */
  readonly leaseEndsAt: number
  /** Completed when its holder settles or releases it: what wakes this replica's waiters while Redis is down. */
  readonly done: Deferred.Deferred<CaptureLedger.Wait>
}

/** Tokens of claims taken from the local ledger while Redis was unavailable. */
const LOCAL = "local:"

/**
 * A ledger on Redis under `prefix` (the coordination prefix), bounded by the CheckPolicy's `ledger` options. `clock`:
 * whose time counts leases and retention (Redis's, or the caller's Clock for tests under TestClock).
 */
export const make = (prefix: string, clock: RedisScripts.ScriptClock = "redis") =>
  Effect.gen(function*() {
    const client = yield* RedisClient
    const health = yield* RedisHealth
    const options = (yield* CheckPolicy.CheckPolicy).ledger
    const local = yield* CaptureLedgerMemory.make(options)
    const retentionMillis = Duration.toMillis(options.retention)
    const abandonedJson = yield* encodeOutcome(CaptureLedger.abandoned)
    // Both bounded by the checks in flight (held) and by maxEntries (claimedLocally).
    const held = new Map<string, Held>()
    /** Captures whose last claim the local ledger answered (Redis down): their waiters wait there. */
    const claimedLocally = new Set<string>()

    const lookup = (mode: "claim" | "read", key: string, digest = "", token = "", leaseMillis = 0) =>
      Effect.flatMap(RedisScripts.timeArgument(clock), (now) =>
        client.use((redis) =>
          redis.livenessCaptureLookup(
            captureKeyOf(prefix, key),
            mode,
            digest,
            token,
            leaseMillis,
            retentionMillis,
            abandonedJson,
            ...now
          )
        )).pipe(Effect.map(foundFrom))

    /** `effect` on the local ledger, counted as served without Redis. */
    const viaLocal = <A>(effect: Effect.Effect<A>) => Effect.zipRight(health.countFallback, effect)

    /** The held claim of `key` if `token` is its token, forgotten: it is being settled or released. */
    const takeHeld = (key: string, token: string) => {
      const mine = held.get(key)
      if (mine === undefined || mine.token !== token) return undefined
      held.delete(key)
      return mine
    }

    /** Notes that the local ledger holds `key`: its later claims and waits go there first. */
    const keptLocally = (key: string) => {
      claimedLocally.delete(key)
      claimedLocally.add(key)
      if (claimedLocally.size > options.maxEntries) claimedLocally.delete(claimedLocally.values().next().value!)
    }

    const localToken = (claim: CaptureLedger.Claim): CaptureLedger.Claim =>
      claim._tag === "Claimed" ? { _tag: "Claimed", token: `${LOCAL}${claim.token}` } : claim

    const claimOnRedis = (key: string, digest: string, lease: Duration.Duration) => {
      const token = randomUUID()
      return lookup("claim", key, digest, token, Duration.toMillis(lease)).pipe(
        Effect.flatMap((found): Effect.Effect<CaptureLedger.Claim> => {
          switch (found._tag) {
            case "Absent":
            case "Claimed":
              return Effect.gen(function*() {
                const now = yield* Clock.currentTimeMillis
                const done = yield* Deferred.make<CaptureLedger.Wait>()
                held.set(key, { token, digest, lease, leaseEndsAt: now + Duration.toMillis(lease), done })
                return { _tag: "Claimed", token } satisfies CaptureLedger.Claim
              })
            case "InFlight":
              return Effect.succeed({ _tag: "InFlight", digest: found.digest })
            case "Settled":
              // An unreadable entry is abandoned for whoever asks.
              return Effect.succeed({ _tag: "Settled", digest: found.digest ?? digest, outcome: found.outcome })
          }
        })
      )
    }

    const claim = (key: string, digest: string, lease: Duration.Duration): Effect.Effect<CaptureLedger.Claim> => {
      if (!claimedLocally.has(key)) {
        return claimOnRedis(key, digest, lease).pipe(
          Effect.catchAll(() => viaLocal(Effect.map(local.claim(key, digest, lease), localToken))),
          Effect.tap((claim) => {
            if (claim._tag === "Claimed" && claim.token.startsWith(LOCAL)) keptLocally(key)
          })
        )
      }
      // A capture this replica checked on its local ledger (Redis was down) is answered there while it is kept, so
      // that Redis coming back does not send it again.
      return Effect.flatMap(local.claim(key, digest, lease), (found) => {
        if (found._tag !== "Claimed") return Effect.succeed(found)
        return claimOnRedis(key, digest, lease).pipe(
          Effect.tap(() => {
            claimedLocally.delete(key)
            return local.release(key, found.token)
          }),
          Effect.catchAll(() => viaLocal(Effect.succeed(localToken(found))))
        )
      })
    }

    const settle = (key: string, token: string, outcome: CaptureLedger.Outcome) => {
      if (token.startsWith(LOCAL)) return local.settle(key, token.slice(LOCAL.length), outcome)
      return Effect.gen(function*() {
        const mine = takeHeld(key, token)
        const json = yield* encodeOutcome(outcome)
        const now = yield* RedisScripts.timeArgument(clock)
        const written = yield* Effect.either(
          client.use((redis) =>
            redis.livenessCaptureSettle(captureKeyOf(prefix, key), token, json, retentionMillis, ...now)
          )
        )
        if (mine === undefined) return
        if (Either.isLeft(written)) {
          // Redis is down: the outcome is kept here, and the claim on Redis turns into `abandoned` at its lease's end.
          keptLocally(key)
          yield* viaLocal(Effect.flatMap(
            local.claim(key, mine.digest, mine.lease),
            (claim) => claim._tag === "Claimed" ? local.settle(key, claim.token, outcome) : Effect.void
          ))
        }
        yield* Deferred.succeed(mine.done, { _tag: "Settled", digest: mine.digest, outcome })
      })
    }

    const release = (key: string, token: string) => {
      if (token.startsWith(LOCAL)) return local.release(key, token.slice(LOCAL.length))
      return Effect.suspend(() => {
        const mine = takeHeld(key, token)
        // A release Redis misses leaves the claim to turn into `abandoned` at its lease's end: nothing is sent twice,
        // at the cost of a new capture.
        return client.use((redis) => redis.livenessDeleteIfPrefix(captureKeyOf(prefix, key), claimPrefix(token))).pipe(
          Effect.ignore,
          Effect.zipRight(mine === undefined ? Effect.void : Deferred.succeed(mine.done, { _tag: "Released" }))
        )
      })
    }

    type Seen = { readonly digest: string; readonly leaseEndsAt: number } | undefined

    /** What a waiter does when Redis does not answer, knowing (`seen`) or not the claim it waits for. */
    const waitWithoutRedis = (key: string, delayMillis: number, seen: Seen): Effect.Effect<CaptureLedger.Wait> => {
      const mine = held.get(key)
      // Its holder is in this process: it settles or releases (locally if need be), or its lease ends.
      if (mine !== undefined) {
        return Effect.flatMap(Clock.currentTimeMillis, (now) =>
          Deferred.await(mine.done).pipe(
            Effect.timeoutOption(Duration.millis(Math.max(0, mine.leaseEndsAt - now))),
            Effect.map(Option.getOrElse((): CaptureLedger.Wait => ({
              _tag: "Settled",
              digest: mine.digest,
              outcome: CaptureLedger.abandoned
            })))
          ))
      }
      if (seen === undefined) return viaLocal(local.await(key))
      return Effect.flatMap(Clock.currentTimeMillis, (now) =>
        now >= seen.leaseEndsAt
          ? Effect.succeed({ _tag: "Settled", digest: seen.digest, outcome: CaptureLedger.abandoned })
          : Effect.zipRight(Effect.sleep(Duration.millis(delayMillis)), poll(key, delayMillis, seen)))
    }

    /** Reads the capture until it is settled or released, waiting `delayMillis` (doubled each time) between reads. */
    const poll = (key: string, delayMillis: number, seen: Seen): Effect.Effect<CaptureLedger.Wait> => {
      const next = Math.min(POLL_MAX_MILLIS, delayMillis * 2)
      return Effect.flatMap(Effect.either(lookup("read", key)), (result): Effect.Effect<CaptureLedger.Wait> => {
        if (Either.isLeft(result)) return waitWithoutRedis(key, next, seen)
        const found = result.right
        switch (found._tag) {
          case "Absent":
          case "Claimed": // (a read never claims)
            return Effect.succeed({ _tag: "Released" })
          case "Settled":
            return Effect.succeed({
              _tag: "Settled",
              digest: found.digest ?? seen?.digest ?? "",
              outcome: found.outcome
            })
          case "InFlight":
            return Effect.flatMap(Clock.currentTimeMillis, (now) =>
              // Woken at the lease's end at the latest: the read after it settles the claim as abandoned.
              Effect.zipRight(
                Effect.sleep(Duration.millis(Math.max(1, Math.min(delayMillis, found.leaseLeftMillis)))),
                poll(key, next, { digest: found.digest, leaseEndsAt: now + found.leaseLeftMillis })
              ))
        }
      })
    }

    const await_ = (key: string): Effect.Effect<CaptureLedger.Wait> =>
      Effect.suspend(() => claimedLocally.has(key) ? local.await(key) : poll(key, POLL_FIRST_MILLIS, undefined))

    const bind = (key: string, digest: string) =>
      Effect.flatMap(
        RedisScripts.timeArgument(clock),
        (now) => client.use((redis) => redis.livenessBind(bindingKeyOf(prefix, key), digest, retentionMillis, ...now))
      ).pipe(
        Effect.catchAll(() => viaLocal(local.bind(key, digest)))
      )

    return { claim, settle, release, await: await_, bind } satisfies CaptureLedger.CaptureLedger.Service
  })

/** The ledger on Redis, bounded by the CheckPolicy in context (or its defaults). */
export const layer = (
  prefix: string,
  clock: RedisScripts.ScriptClock = "redis"
): Layer.Layer<CaptureLedger.CaptureLedger, never, RedisClient | RedisHealth> =>
  Layer.effect(CaptureLedger.CaptureLedger, make(prefix, clock))
