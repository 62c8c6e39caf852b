/**
 * The Lua scripts replicas run atomically in Redis. Time comes from Redis (`TIME`), not from each replica,
 * so replicas on machines whose clocks disagree still share one bucket and one lease correctly; a script that
 * counts time takes the caller's instead when given one as its last argument (tests under TestClock, see
 * `ScriptClock`).
 *
 * @since 0.2.0
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type { Redis } from "ioredis"

/** Whose time a script counts: Redis's (`TIME`, the default) or the caller's Effect `Clock` (TestClock in tests). */
export type ScriptClock = "redis" | "effect"

/** The optional last argument of the scripts that count time: none (Redis's `TIME`), or the caller's Clock. */
export const timeArgument = (clock: ScriptClock): Effect.Effect<[] | [number]> =>
  clock === "redis" ? Effect.succeed([]) : Effect.map(Clock.currentTimeMillis, (now) => [now])

/** What the capture ledger's lookup found: `[state, the entry's JSON (empty when absent), the script's now]`. */
export type CaptureLookup = [state: "claimed" | "inflight" | "settled" | "absent", entry: string, now: string]

export interface RedisWithScripts extends Redis {
  /**
   * Token bucket refilled continuously; returns the tokens left after taking `tokens` (negative: owed). Time
   * is Redis's unless `nowMillis` is given.
   */
  livenessTokenBucket(
    key: string,
    tokens: number,
    refillMillis: number,
    limit: number,
    overflow: 0 | 1,
    nowMillis?: number
  ): Promise<string>
  /** The fixed-window counter of @effect/experimental's RateLimiterStore contract: [count, ttl ms]. */
  livenessFixedWindow(key: string, tokens: number, refillMillis: number, limit: number): Promise<[number, number]>
  /** Deletes `key` only if its value starts with `prefix` (a lock's owner, a token's fingerprint, a claim's token). */
  livenessDeleteIfPrefix(key: string, prefix: string): Promise<number>
  /**
   * The capture ledger's entry under `key`, after settling a claim past its lease as `abandoned` (the encoded
   * outcome JSON). With `mode` "claim", an absent or expired entry becomes a claim by `token` for `leaseMillis`.
   */
  livenessCaptureLookup(
    key: string,
    mode: "claim" | "read",
    digest: string,
    token: string,
    leaseMillis: number,
    retentionMillis: number,
    abandoned: string,
    nowMillis?: number
  ): Promise<CaptureLookup>
  /** Replaces the claim held by `token` with its outcome (JSON), kept `retentionMillis`; 0 if `token` holds nothing. */
  livenessCaptureSettle(
    key: string,
    token: string,
    outcome: string,
    retentionMillis: number,
    nowMillis?: number
  ): Promise<number>
  /** Binds `key` to `digest` for `retentionMillis` unless it is bound; returns the digest it is bound to. */
  livenessBind(key: string, digest: string, retentionMillis: number, nowMillis?: number): Promise<string>
}

/** Sets `now` (milliseconds) from the script's `ARGV[index]`, or Redis's clock when the caller gave none. */
const nowFrom = (index: number) => `
local now = tonumber(ARGV[${index}])
if now == nil then
  local time = redis.call("TIME")
  now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
end
`

const tokenBucket = `
local key = KEYS[1]
local tokens = tonumber(ARGV[1])
local refill_ms = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local overflow = ARGV[4] == "1"
${nowFrom(5)}
local state = redis.call("HMGET", key, "tokens", "at")
local current = tonumber(state[1])
local at = tonumber(state[2])
if current == nil or at == nil then
  current = limit
  at = now
end
current = math.min(limit, current + (now - at) / refill_ms)
local after = current - tokens
if after >= 0 or overflow then
  current = after
end
redis.call("HSET", key, "tokens", tostring(current), "at", tostring(now))
redis.call("PEXPIRE", key, math.ceil((limit - current) * refill_ms) + 1000)
return tostring(after)
`

const fixedWindow = `
local key = KEYS[1]
local tokens = tonumber(ARGV[1])
local refill_ms = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local current = tonumber(redis.call("GET", key))
if not current then
  local ttl = refill_ms * tokens
  redis.call("SET", key, tokens, "PX", ttl)
  return { tokens, ttl }
end
local ttl = tonumber(redis.call("PTTL", key))
if ttl < 0 then ttl = 0 end
local after = current + tokens
if limit > 0 and after > limit then
  return { after, ttl }
end
ttl = ttl + refill_ms * tokens
redis.call("SET", key, after, "PX", ttl)
return { after, ttl }
`

const deleteIfPrefix = `
local value = redis.call("GET", KEYS[1])
if value and string.sub(value, 1, string.len(ARGV[1])) == ARGV[1] then
  return redis.call("DEL", KEYS[1])
end
return 0
`

// The capture ledger's entries are JSON, built here by concatenation so that an outcome's JSON is stored exactly as
// the replica encoded it (cjson would re-encode its numbers). A claim starts with its token, so that a release is a
// delete-if-prefix; a settled entry starts with its digest. Deadlines are stored in the entries and compared with
// `now` (Redis's or the caller's); the key's PX expiry only collects what nobody reads again.
const ledgerEntries = `
local function ms(n) return string.format("%.0f", math.floor(n)) end
local function settled(digest, keep_until, outcome)
  return '{"digest":' .. cjson.encode(digest) .. ',"keepUntil":' .. ms(keep_until) .. ',"outcome":' .. outcome .. '}'
end
local function decoded(raw)
  local ok, entry = pcall(cjson.decode, raw)
  if ok and type(entry) == "table" then return entry end
  return nil
end
`

const captureLookup = `
${ledgerEntries}
local key = KEYS[1]
local claiming = ARGV[1] == "claim"
local digest = ARGV[2]
local token = ARGV[3]
local lease_ms = tonumber(ARGV[4])
local retention_ms = tonumber(ARGV[5])
local abandoned = ARGV[6]
${nowFrom(7)}
local raw = redis.call("GET", key)
if raw then
  local entry = decoded(raw)
  -- Unreadable: the replica decodes it as abandoned.
  if entry == nil then return { "settled", raw, ms(now) } end
  if entry.token ~= nil then
    local lease_until = tonumber(entry.leaseUntil)
    if lease_until ~= nil and now < lease_until then return { "inflight", raw, ms(now) } end
    -- The holder stopped within its lease: it may have submitted the capture.
    local holder = type(entry.digest) == "string" and entry.digest or ""
    local value = settled(holder, now + retention_ms, abandoned)
    redis.call("SET", key, value, "PX", retention_ms)
    return { "settled", value, ms(now) }
  end
  local keep_until = tonumber(entry.keepUntil)
  if keep_until == nil or now < keep_until then return { "settled", raw, ms(now) } end
end
if not claiming then return { "absent", "", ms(now) } end
local claim = '{"token":' .. cjson.encode(token) .. ',"digest":' .. cjson.encode(digest) .. ',"leaseUntil":' ..
  ms(now + lease_ms) .. '}'
-- Kept past the lease for the retention: a claim whose holder died is read as abandoned meanwhile.
redis.call("SET", key, claim, "PX", lease_ms + retention_ms)
return { "claimed", claim, ms(now) }
`

const captureSettle = `
${ledgerEntries}
local raw = redis.call("GET", KEYS[1])
if not raw then return 0 end
local entry = decoded(raw)
if entry == nil or entry.token ~= ARGV[1] or type(entry.digest) ~= "string" then return 0 end
local retention_ms = tonumber(ARGV[3])
${nowFrom(4)}
redis.call("SET", KEYS[1], settled(entry.digest, now + retention_ms, ARGV[2]), "PX", retention_ms)
return 1
`

const bind = `
${ledgerEntries}
local retention_ms = tonumber(ARGV[2])
${nowFrom(3)}
local raw = redis.call("GET", KEYS[1])
if raw then
  local entry = decoded(raw)
  local keep_until = entry ~= nil and tonumber(entry.keepUntil) or nil
  if keep_until ~= nil and now < keep_until and type(entry.digest) == "string" then return entry.digest end
end
redis.call("SET", KEYS[1], '{"digest":' .. cjson.encode(ARGV[1]) .. ',"keepUntil":' .. ms(now + retention_ms) .. '}',
  "PX", retention_ms)
return ARGV[1]
`

/** Registers the scripts on a client (sent by hash, loaded on first use). */
export const define = (redis: Redis): RedisWithScripts => {
  redis.defineCommand("livenessTokenBucket", { lua: tokenBucket, numberOfKeys: 1 })
  redis.defineCommand("livenessFixedWindow", { lua: fixedWindow, numberOfKeys: 1 })
  redis.defineCommand("livenessDeleteIfPrefix", { lua: deleteIfPrefix, numberOfKeys: 1 })
  redis.defineCommand("livenessCaptureLookup", { lua: captureLookup, numberOfKeys: 1 })
  redis.defineCommand("livenessCaptureSettle", { lua: captureSettle, numberOfKeys: 1 })
  redis.defineCommand("livenessBind", { lua: bind, numberOfKeys: 1 })
  return redis as RedisWithScripts
}
