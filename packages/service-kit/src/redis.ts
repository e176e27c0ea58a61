/**
 * The Redis client of a service (rate limits, the gateway's public cache and session revocations):
 * commands fail fast instead of queueing while Redis is away (every caller has a fallback: an
 * in-memory limiter, the upstream service), and concurrent commands go out pipelined. The client is
 * the app's to close: register it with `context.resources` (docs/architecture.md#service-shape).
 */
import { Redis } from 'ioredis';
import type { Logger } from 'pino';

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
