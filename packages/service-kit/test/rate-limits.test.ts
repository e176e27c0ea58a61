import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../src/index.js';
import { consumeOrReject, createRateLimiter } from '../src/rate-limits.js';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true });
afterAll(() => redis.quit());

describe('createRateLimiter', () => {
  it('takes points until none is left, then refuses with 429 and the seconds until the next one', async () => {
    const limiter = createRateLimiter({ keyPrefix: `test:${Date.now()}`, points: 2, durationSeconds: 30 });
    await consumeOrReject(limiter, 'k');
    await consumeOrReject(limiter, 'k');
    const refusal = await consumeOrReject(limiter, 'k').catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(AppError);
    expect(refusal).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSeconds: 30 } });
    // Another key has its own points.
    await consumeOrReject(limiter, 'other');
  });

  it('shares the count through Redis between two limiters of one prefix (two replicas)', async () => {
    await redis.connect();
    const keyPrefix = `test-shared:${Date.now()}`;
    const replicaA = createRateLimiter({ keyPrefix, points: 3, durationSeconds: 30, redis });
    const replicaB = createRateLimiter({ keyPrefix, points: 3, durationSeconds: 30, redis });
    await consumeOrReject(replicaA, 'k');
    await consumeOrReject(replicaB, 'k');
    await consumeOrReject(replicaA, 'k');
    await expect(consumeOrReject(replicaB, 'k')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    await redis.del(`${keyPrefix}:k`);
  });
});
