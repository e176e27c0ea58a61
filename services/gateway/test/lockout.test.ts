/**
 * The lockout policy (docs/security.md): failures lock out the client that made them, not the account;
 * failures from many clients slow every attempt on the account down instead of refusing its owner.
 */
import { RateLimiterRes } from 'rate-limiter-flexible';
import { describe, expect, it } from 'vitest';
import { AccountLockout, createLimiters } from '../src/rate-limit/limiters.js';

const config = {
  RATE_LIMIT_KEY_PREFIX: 'unit',
  RATE_LIMIT_IP_PER_MINUTE: 100,
  RATE_LIMIT_USER_PER_MINUTE: 100,
  RATE_LIMIT_DEVICE_PER_MINUTE: 100,
  RATE_LIMIT_DEVICE_IP_PER_MINUTE: 100,
  AUTH_IP_PER_15_MINUTES: 100,
  AUTH_REGISTER_PER_HOUR: 100,
  AUTH_REFRESH_PER_MINUTE: 100,
  AUTH_ACCOUNT_MAX_FAILURES: 3,
  AUTH_LOCKOUT_SECONDS: 60,
  AUTH_SLOWDOWN_AFTER_FAILURES: 4,
};

function lockout() {
  const waits: number[] = [];
  const subject = new AccountLockout(createLimiters(config, undefined), config, async (ms) => {
    waits.push(ms);
  });
  return { subject, waits };
}

async function refusal(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return error;
  }
}

describe('account lockout', () => {
  it('locks out the failing client only', async () => {
    const { subject } = lockout();
    for (let i = 0; i < 3; i++) await subject.recordFailure('ada@example.test', '192.0.2.1');
    const error = await refusal(subject.assertNotLocked('ada@example.test', '192.0.2.1'));
    expect(error).not.toBeInstanceOf(RateLimiterRes);
    expect(error).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSeconds: 60 } });
    expect(await refusal(subject.assertNotLocked('ada@example.test', '198.51.100.9'))).toBeUndefined();
  });

  it('slows every attempt down past the threshold of failures from all clients, refusing no one', async () => {
    const { subject, waits } = lockout();
    for (let i = 0; i < 4; i++) await subject.recordFailure('bob@example.test', `192.0.2.${i}`);
    await subject.assertNotLocked('bob@example.test', '198.51.100.9');
    expect(waits).toEqual([]);
    await subject.recordFailure('bob@example.test', '192.0.2.50');
    await subject.assertNotLocked('bob@example.test', '198.51.100.9');
    await subject.recordFailure('bob@example.test', '192.0.2.51');
    await subject.assertNotLocked('bob@example.test', '198.51.100.9');
    expect(waits).toEqual([100, 200]);
    for (let i = 0; i < 20; i++) await subject.recordFailure('bob@example.test', `203.0.113.${i}`);
    expect(await subject.slowdownMs('bob@example.test')).toBe(3000);
    // Other accounts are not slowed down.
    expect(await subject.slowdownMs('carol@example.test')).toBe(0);
  });
});
