/**
 * @liveness/redis: many replicas, one tenant. The tenant's quota, the capture ledger and the access token shared
 * through Redis, degrading to local limits, a local ledger and local tokens while Redis is unavailable.
 *
 * @since 0.2.0
 */
export * as RedisCaptureLedger from "./RedisCaptureLedger.js"
export * as RedisClient from "./RedisClient.js"
export * from "./RedisConfigError.js"
export * as RedisCoordination from "./RedisCoordination.js"
export * as RedisHealth from "./RedisHealth.js"
export * as RedisRateLimiterStore from "./RedisRateLimiterStore.js"
export * as RedisSettings from "./RedisSettings.js"
export * as RedisTenantRateLimiter from "./RedisTenantRateLimiter.js"
export * as RedisTokenStore from "./RedisTokenStore.js"
export * as TokenSeal from "./TokenSeal.js"
