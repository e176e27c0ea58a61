/**
 * Production refuses to start without what receipt-ingest's shipped features need (store credentials and receipts by e-mail), naming
 * each missing variable beside any other problem; outside production they stay optional.
 */
import { configProblems } from '@cartwatch/service-kit';
import { describe, expect, it } from 'vitest';
import { envSchema } from '../src/config.js';

const base = {
  SERVICE_KEY: 'k'.repeat(32),
  DATABASE_URL: 'postgres://receipt-ingest@127.0.0.1:5432/cartwatch',
  NATS_URL: 'nats://127.0.0.1:4222',
};
const secrets = {
  CREDENTIAL_KEYS: `k1:${'A'.repeat(43)}=`,
  INBOUND_EMAIL_SECRET: 's'.repeat(32),
};

const problemsOf = (env: Record<string, string>) => configProblems(envSchema, env).map((p) => p.variable);

describe('receipt-ingest in production', () => {
  it('names every missing secret, with the other problems of the same start', () => {
    expect(problemsOf({ ...base, NODE_ENV: 'production' }).sort()).toEqual([
      'CREDENTIAL_KEYS',
      'INBOUND_EMAIL_SECRET',
    ]);
    const { SERVICE_KEY: _key, ...withoutKey } = base;
    expect(problemsOf({ ...withoutKey, NODE_ENV: 'production' }).sort()).toEqual(
      ['CREDENTIAL_KEYS', 'INBOUND_EMAIL_SECRET', 'SERVICE_KEY'].sort(),
    );
  });

  it('starts with them, and without them outside production', () => {
    expect(problemsOf({ ...base, ...secrets, NODE_ENV: 'production' })).toEqual([]);
    expect(problemsOf({ ...base, NODE_ENV: 'development' })).toEqual([]);
  });
});
