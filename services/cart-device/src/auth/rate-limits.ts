/**
 * Per-device and per-user limits (service-kit createRateLimiter): Redis-backed when REDIS_URL is set
 * (shared by every replica), in memory otherwise (correct for one instance). If Redis fails, an
 * in-memory limiter stands in.
 */
import { consumeOrReject, createRateLimiter } from '@cartwatch/service-kit/rate-limits';
import type { Redis } from 'ioredis';

export interface RateLimiter {
  /** Throws RATE_LIMITED (with Retry-After) when `key` is over its budget. */
  consume(key: string): Promise<void>;
}

export function createRateLimit(
  redis: Redis | undefined,
  name: string,
  points: number,
  durationSeconds: number,
): RateLimiter {
  const limiter = createRateLimiter({ keyPrefix: `cart-device:${name}`, points, durationSeconds, redis });
  return { consume: (key) => consumeOrReject(limiter, key) };
}
