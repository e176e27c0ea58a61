/**
 * A short cache for the public list: Redis when REDIS_URL is set (shared by every replica), in memory
 * otherwise. A cache failure never fails a request; the answer is then computed fresh. A review empties
 * the cache so a rejection disappears at once rather than after the TTL.
 */
import { Redis } from 'ioredis';
import type { Logger } from 'pino';

export interface PublicCache {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  clear(): Promise<void>;
  close(): Promise<void>;
}

interface Entry {
  storedAt: number;
  value: string;
}

const MEMORY_MAX_ENTRIES = 500;

export function createMemoryCache(ttlSeconds: number, now: () => number = Date.now): PublicCache {
  const entries = new Map<string, Entry>();
  return {
    async get(key) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (now() - entry.storedAt >= ttlSeconds * 1000) {
        entries.delete(key);
        return undefined;
      }
      return entry.value;
    },
    async set(key, value) {
      if (ttlSeconds === 0) return;
      if (entries.size >= MEMORY_MAX_ENTRIES) {
        const oldest = entries.keys().next();
        if (!oldest.done) entries.delete(oldest.value);
      }
      entries.set(key, { storedAt: now(), value });
    },
    async clear() {
      entries.clear();
    },
    async close() {
      entries.clear();
    },
  };
}

/** One Redis hash holds every cached query: one round trip to read, one DEL to empty. */
export function createRedisCache(options: {
  url: string;
  ttlSeconds: number;
  logger: Logger;
  hashKey?: string;
}): PublicCache {
  const hashKey = options.hashKey ?? 'shrinkflation:public';
  const ttlMs = options.ttlSeconds * 1000;
  const redis = new Redis(options.url, {
    lazyConnect: true,
    enableOfflineQueue: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
  });
  redis.on('error', (error: Error) => options.logger.warn({ err: error }, 'public cache: redis error'));
  const guarded = async <T>(what: string, action: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return await action();
    } catch (error) {
      options.logger.warn({ err: error }, `public cache: ${what} failed; answering without the cache`);
      return fallback;
    }
  };
  return {
    get: (key) =>
      guarded(
        'read',
        async () => {
          const raw = await redis.hget(hashKey, key);
          if (raw === null) return undefined;
          const entry = JSON.parse(raw) as Entry;
          return Date.now() - entry.storedAt < ttlMs ? entry.value : undefined;
        },
        undefined,
      ),
    set: (key, value) =>
      guarded(
        'write',
        async () => {
          if (ttlMs === 0) return;
          await redis
            .multi()
            .hset(hashKey, key, JSON.stringify({ storedAt: Date.now(), value }))
            .pexpire(hashKey, ttlMs)
            .exec();
        },
        undefined,
      ),
    clear: () =>
      guarded(
        'clear',
        async () => {
          await redis.del(hashKey);
        },
        undefined,
      ),
    async close() {
      redis.disconnect();
    },
  };
}
