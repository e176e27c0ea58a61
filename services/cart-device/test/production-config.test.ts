/**
 * Production refuses to start without what cart-device's shipped features need (the device-key pepper), naming
 * each missing variable beside any other problem; outside production they stay optional.
 */
import { configProblems } from '@cartwatch/service-kit';
import { describe, expect, it } from 'vitest';
import { envSchema } from '../src/config.js';

const base = {
  SERVICE_KEY: 'k'.repeat(32),
  DATABASE_URL: 'postgres://cart-device@127.0.0.1:5432/cartwatch',
  NATS_URL: 'nats://127.0.0.1:4222',
};
const secrets = {
  DEVICE_KEY_PEPPER: 'p'.repeat(32),
};

const problemsOf = (env: Record<string, string>) => configProblems(envSchema, env).map((p) => p.variable);

describe('cart-device in production', () => {
  it('names every missing secret, with the other problems of the same start', () => {
    expect(problemsOf({ ...base, NODE_ENV: 'production' }).sort()).toEqual(['DEVICE_KEY_PEPPER']);
    const { SERVICE_KEY: _key, ...withoutKey } = base;
    expect(problemsOf({ ...withoutKey, NODE_ENV: 'production' }).sort()).toEqual(
      ['DEVICE_KEY_PEPPER', 'SERVICE_KEY'].sort(),
    );
  });

  it('starts with them, and without them outside production', () => {
    expect(problemsOf({ ...base, ...secrets, NODE_ENV: 'production' })).toEqual([]);
    expect(problemsOf({ ...base, NODE_ENV: 'development' })).toEqual([]);
  });
});
