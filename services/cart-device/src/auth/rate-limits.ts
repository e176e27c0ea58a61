/**
 * Per-device and per-user limits: Redis-backed when REDIS_URL is set (shared by every replica), in
 * memory otherwise (correct for one instance). If Redis fails, an in-memory limiter stands in.
 */
import { AppError } from '@cartwatch/service-kit';
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

export interface RateLimiter {
  /** Throws RATE_LIMITED (with Retry-After) when `key` is over its budget. */
  consume(key: string): Promise<void>;
}

export interface RateLimiterFactory {
  create(name: string, points: number, durationSeconds: number): RateLimiter;
}

export function createRateLimiterFactory(redisUrl: string | undefined): RateLimiterFactory {
  const redis =
    redisUrl === undefined
      ? undefined
      : new Redis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false });
  redis?.on('error', () => {
    // Reported through the insurance limiter taking over; ioredis reconnects by itself.
  });
  return {
    create(name, points, durationSeconds) {
      const memory = new RateLimiterMemory({
        keyPrefix: `cart-device:${name}`,
        points,
        duration: durationSeconds,
      });
      const limiter =
        redis === undefined
          ? memory
          : new RateLimiterRedis({
              storeClient: redis,
              keyPrefix: `cart-device:${name}`,
              points,
              duration: durationSeconds,
              insuranceLimiter: memory,
            });
      return {
        async consume(key) {
          try {
            await limiter.consume(key);
          } catch (error) {
            if (error instanceof RateLimiterRes) {
              throw AppError.rateLimited(Math.max(1, Math.ceil(error.msBeforeNext / 1000)));
            }
            throw error;
          }
        },
      };
    },
  };
}
