import { isNatsReachable, isPostgresReachable, isRedisReachable } from '@cartwatch/local-stack';
import { describe, expect, it } from 'vitest';
import { testEnv } from '../src/index.js';

describe('global setup', () => {
  it('hands every worker reachable Postgres, NATS (JetStream) and Redis URLs through process.env', async () => {
    const env = testEnv();
    expect(env).toEqual({
      databaseUrl: process.env.DATABASE_URL,
      natsUrl: process.env.NATS_URL,
      redisUrl: process.env.REDIS_URL,
    });
    expect(await isPostgresReachable(env.databaseUrl)).toBe(true);
    expect(await isNatsReachable(env.natsUrl, { jetstream: true })).toBe(true);
    expect(await isRedisReachable(env.redisUrl)).toBe(true);
  });

  it('points only at loopback servers', () => {
    for (const url of Object.values(testEnv())) expect(new URL(url).hostname).toBe('127.0.0.1');
  });
});
