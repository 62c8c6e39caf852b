/**
 * @liveness/redis/testing: helpers for tests and benchmarks, not for apps. `RedisServer` spawns Debian's
 * `redis-server` on a free loopback port (and kills it), so a test can take Redis away mid-run.
 *
 * @since 0.3.0
 */
export * as RedisServer from "./RedisServer.js"
