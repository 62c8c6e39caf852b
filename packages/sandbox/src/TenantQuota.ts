/**
 * The sandbox's per-tenant rate limit: a token bucket of `limit` requests that refills continuously at
 * `limit` per `intervalMillis`, like Unico's documented quota (10 requests per second by default). A request
 * that finds no token is answered 429 with the seconds until one is available as `Retry-After`.
 *
 * @since 0.1.0
 */
export interface QuotaOptions {
  readonly limit: number
  readonly intervalMillis: number
}

export interface TenantQuota {
  /** Takes a token at `now`; `undefined` when allowed, else the milliseconds until the next token. */
  readonly take: (now: number) => number | undefined
}

export const make = ({ intervalMillis, limit }: QuotaOptions): TenantQuota => {
  const ratePerMilli = limit / intervalMillis
  let tokens = limit
  let updatedAt: number | undefined
  return {
    take: (now) => {
      if (updatedAt !== undefined) tokens = Math.min(limit, tokens + (now - updatedAt) * ratePerMilli)
      updatedAt = now
      if (tokens >= 1) {
        tokens -= 1
        return undefined
      }
      return Math.ceil((1 - tokens) / ratePerMilli)
    }
  }
}
