/**
 * The payment configuration as the process reads it: production refuses the `test` provider, and
 * `stripe` refuses to start without its secrets, each named.
 */
import { configProblems, loadConfig } from '@cartwatch/service-kit';
import { describe, expect, it } from 'vitest';
import { envSchema } from '../src/config.js';

const base = {
  SERVICE_KEY: 'k'.repeat(32),
  DATABASE_URL: 'postgres://orders@127.0.0.1:5432/cartwatch',
  NATS_URL: 'nats://127.0.0.1:4222',
};
const stripe = {
  PAYMENT_PROVIDER: 'stripe',
  STRIPE_SECRET_KEY: 'sk_live_abc123',
  STRIPE_WEBHOOK_SECRET: 'whsec_abc123',
  STRIPE_PUBLISHABLE_KEY: 'pk_live_abc123',
};

const problemsOf = (env: Record<string, string>) =>
  configProblems(envSchema, env).map((p) => `${p.variable}: ${p.problem}`);

describe('payment configuration', () => {
  it('runs the test provider outside production by default', () => {
    expect(loadConfig(envSchema, base).PAYMENT_PROVIDER).toBe('test');
    expect(problemsOf({ ...base, NODE_ENV: 'development' })).toEqual([]);
  });

  it('refuses to start in production with the test provider, named or by default', () => {
    expect(problemsOf({ ...base, NODE_ENV: 'production', PAYMENT_PROVIDER: 'test' })).toEqual([
      'PAYMENT_PROVIDER: production takes real payments: set PAYMENT_PROVIDER=stripe',
    ]);
    expect(problemsOf({ ...base, NODE_ENV: 'production' })).toEqual([
      'PAYMENT_PROVIDER: production takes real payments: set PAYMENT_PROVIDER=stripe',
    ]);
  });

  it('refuses the old manual provider', () => {
    expect(problemsOf({ ...base, PAYMENT_PROVIDER: 'manual' })).toEqual([
      expect.stringMatching(/^PAYMENT_PROVIDER: /),
    ]);
  });

  it('refuses stripe without its keys, naming each missing one', () => {
    expect(problemsOf({ ...base, NODE_ENV: 'production', PAYMENT_PROVIDER: 'stripe' })).toEqual([
      'STRIPE_SECRET_KEY: is required with PAYMENT_PROVIDER=stripe',
      'STRIPE_WEBHOOK_SECRET: is required with PAYMENT_PROVIDER=stripe',
      'STRIPE_PUBLISHABLE_KEY: is required with PAYMENT_PROVIDER=stripe',
    ]);
    const { STRIPE_WEBHOOK_SECRET: _dropped, ...withoutWebhookSecret } = stripe;
    expect(problemsOf({ ...base, NODE_ENV: 'production', ...withoutWebhookSecret })).toEqual([
      'STRIPE_WEBHOOK_SECRET: is required with PAYMENT_PROVIDER=stripe',
    ]);
  });

  it('refuses values that are not Stripe keys, without echoing them', () => {
    const problems = problemsOf({
      ...base,
      ...stripe,
      STRIPE_SECRET_KEY: 'pk_live_oops',
      STRIPE_WEBHOOK_SECRET: 'secret',
    });
    expect(problems.map((p) => p.split(':')[0])).toEqual(['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET']);
    expect(problems.join(' ')).not.toContain('pk_live_oops');
  });

  it('starts in production with stripe and its keys', () => {
    const config = loadConfig(envSchema, { ...base, NODE_ENV: 'production', ...stripe });
    expect(config).toMatchObject({ PAYMENT_PROVIDER: 'stripe', STRIPE_SECRET_KEY: 'sk_live_abc123' });
  });
});
