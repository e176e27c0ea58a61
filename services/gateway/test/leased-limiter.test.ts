/**
 * Leased rate limits on the real Redis: replicas sharing one limit never admit more than it, ask Redis
 * once per lease rather than once per request, and never spend a lease past the window it came from.
 */
import { testEnv, uniqueSuffix } from '@cartwatch/testing';
import { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeasedLimiter, leaseSizeFor } from '../src/rate-limit/leased-limiter.js';

let redis: Redis;

beforeAll(() => {
  redis = new Redis(testEnv().redisUrl, { maxRetriesPerRequest: 1 });
});

afterAll(async () => {
  await redis.quit();
});

/** A shared limiter whose Redis consumes are counted. */
function sharedLimiter(points: number) {
  const limiter = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: `test:leased:${uniqueSuffix()}`,
    points,
    duration: 60,
  });
  const calls = { count: 0 };
  const consume = limiter.consume.bind(limiter);
  limiter.consume = (key, pointsToConsume, options) => {
    calls.count += 1;
    return consume(key, pointsToConsume, options);
  };
  return { limiter, calls };
}

async function outcome(attempt: Promise<void>): Promise<'admitted' | RateLimiterRes> {
  try {
    await attempt;
    return 'admitted';
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) return rejection;
    throw rejection;
  }
}

describe('LeasedLimiter', () => {
  it('sizes leases at 1 % of the limit, between 1 and 20 points', () => {
    expect(leaseSizeFor(2)).toBe(1);
    expect(leaseSizeFor(1200)).toBe(12);
    expect(leaseSizeFor(100_000_000)).toBe(20);
  });

  it('never admits more than the limit across replicas, however requests interleave', async () => {
    const { limiter } = sharedLimiter(50);
    const replicas = [
      new LeasedLimiter(limiter, 8),
      new LeasedLimiter(limiter, 8),
      new LeasedLimiter(limiter, 8),
    ];
    const attempts = Array.from({ length: 150 }, (_, i) =>
      outcome((replicas[i % replicas.length] as LeasedLimiter).consume('alice')),
    );
    const outcomes = await Promise.all(attempts);
    expect(outcomes.filter((each) => each === 'admitted')).toHaveLength(50);
    const refusals = outcomes.filter((each): each is RateLimiterRes => each !== 'admitted');
    expect(refusals).toHaveLength(100);
    for (const refusal of refusals) expect(refusal.msBeforeNext).toBeGreaterThan(0);
    // Another key has its own points.
    expect(await outcome((replicas[0] as LeasedLimiter).consume('bob'))).toBe('admitted');
  });

  it('asks Redis once per lease, and answers a used-up window locally', async () => {
    const { limiter, calls } = sharedLimiter(40);
    const replica = new LeasedLimiter(limiter, 8);
    for (let i = 0; i < 40; i++) await replica.consume('carol');
    expect(calls.count).toBe(5);
    expect(await outcome(replica.consume('carol'))).toBeInstanceOf(RateLimiterRes);
    expect(await outcome(replica.consume('carol'))).toBeInstanceOf(RateLimiterRes);
    expect(calls.count).toBe(6);
  });

  it('does not spend leased points after the window they came from has ended', async () => {
    const { limiter, calls } = sharedLimiter(100);
    let now = Date.now();
    const replica = new LeasedLimiter(limiter, 10, () => now);
    await replica.consume('dave');
    expect(calls.count).toBe(1);
    await replica.consume('dave');
    expect(calls.count).toBe(1);
    now += 61_000; // the shared window (60 s) of that lease is over
    await replica.consume('dave');
    expect(calls.count).toBe(2);
  });
});
