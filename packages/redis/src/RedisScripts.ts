/**
 * The Lua scripts replicas run atomically in Redis. Time comes from Redis (`TIME`), not from each replica,
 * so replicas on machines whose clocks disagree still share one bucket correctly; the token bucket takes the
 * caller's time instead when given one (tests under TestClock, see RedisRateLimiterStore).
 *
 * @since 0.2.0
 */
import type { Redis } from "ioredis"

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
  /** Deletes `key` only if its value starts with `prefix` (a lock's owner, a token's fingerprint). */
  livenessDeleteIfPrefix(key: string, prefix: string): Promise<number>
}

const tokenBucket = `
local key = KEYS[1]
local tokens = tonumber(ARGV[1])
local refill_ms = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local overflow = ARGV[4] == "1"
local now = tonumber(ARGV[5])
if now == nil then
  local time = redis.call("TIME")
  now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
end
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

/** Registers the scripts on a client (sent by hash, loaded on first use). */
export const define = (redis: Redis): RedisWithScripts => {
  redis.defineCommand("livenessTokenBucket", { lua: tokenBucket, numberOfKeys: 1 })
  redis.defineCommand("livenessFixedWindow", { lua: fixedWindow, numberOfKeys: 1 })
  redis.defineCommand("livenessDeleteIfPrefix", { lua: deleteIfPrefix, numberOfKeys: 1 })
  return redis as RedisWithScripts
}
