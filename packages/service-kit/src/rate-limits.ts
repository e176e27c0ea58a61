/**
 * `@cartwatch/service-kit/rate-limits`, apart from the package's index because ioredis and
 * rate-limiter-flexible cost about 30 MiB of memory in every process that loads them, and only the
 * gateway and cart-device need them (bench/README.md#memory).
 *
 * Rate limits (rate-limiter-flexible): shared by every replica through Redis when a client is given,
 * in memory otherwise (correct for one instance only). A Redis outage falls back to an in-memory
 * insurance limiter rather than failing requests. A refusal is 429 RATE_LIMITED with Retry-After.
 *
 * The Redis client (`connectRedis`): commands fail fast instead of queueing while Redis is away (every
 * caller has a fallback: an in-memory limiter, the upstream service), and concurrent commands go out
 * pipelined. The client is the app's to close: register it with `context.resources`
 * (docs/architecture.md#service-shape).
 */
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import { AppError } from './app-error.js';

export interface RateLimitOptions {
  /** Names the counters in Redis; two limits never share one. */
  keyPrefix: string;
  points: number;
  durationSeconds: number;
  redis?: Redis | undefined;
}

export function createRateLimiter(options: RateLimitOptions): RateLimiterAbstract {
  const memory = { keyPrefix: options.keyPrefix, points: options.points, duration: options.durationSeconds };
  if (!options.redis) return new RateLimiterMemory(memory);
  return new RateLimiterRedis({
    ...memory,
    storeClient: options.redis,
    insuranceLimiter: new RateLimiterMemory(memory),
  });
}

/** Whole seconds until a refused key has a point again (at least 1): the Retry-After of a 429. */
export function retryAfterSeconds(refusal: RateLimiterRes): number {
  return Math.max(1, Math.ceil(refusal.msBeforeNext / 1000));
}

/** Takes one point of `key`, or throws 429 RATE_LIMITED with the time until the next one. */
export async function consumeOrReject(
  limiter: { consume(key: string): Promise<unknown> },
  key: string,
): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) throw AppError.rateLimited(retryAfterSeconds(rejection));
    throw rejection;
  }
}

export function connectRedis(url: string, options: { logger: Logger; fallback: string }): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    lazyConnect: false,
    enableAutoPipelining: true,
  });
  // ioredis reconnects by itself; until then the callers' fallback answers, and the log says so.
  redis.on('error', (error) => options.logger.warn({ err: error }, `redis error (${options.fallback})`));
  return redis;
}
