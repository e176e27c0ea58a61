import { describe, expect, it } from 'vitest';
import { isRetryable } from './sync-error.js';
import { retryDelayMs } from './sync-scheduler.js';

const policy = { baseMs: 1_000, maxMs: 30_000 };

describe('retryDelayMs', () => {
  it('doubles per attempt, with the upper half of each delay random', () => {
    expect([1, 2, 3, 4].map((attempt) => retryDelayMs(attempt, policy, () => 1))).toEqual([
      1_000, 2_000, 4_000, 8_000,
    ]);
    expect([1, 2, 3, 4].map((attempt) => retryDelayMs(attempt, policy, () => 0))).toEqual([
      500, 1_000, 2_000, 4_000,
    ]);
    expect(retryDelayMs(2, policy, () => 0.5)).toBe(1_500);
  });

  it('is capped by the maximum delay', () => {
    expect(retryDelayMs(6, policy, () => 1)).toBe(30_000);
    expect(retryDelayMs(40, policy, () => 1)).toBe(30_000);
    expect(retryDelayMs(40, policy, () => 0)).toBe(15_000);
  });
});

describe('isRetryable', () => {
  it('retries what may pass by itself, never refused credentials or a changed site', () => {
    expect(isRetryable('NETWORK')).toBe(true);
    expect(isRetryable('BLOCKED')).toBe(true);
    expect(isRetryable('INTERNAL')).toBe(true);
    expect(isRetryable('LOGIN_FAILED')).toBe(false);
    expect(isRetryable('PARSE_FAILED')).toBe(false);
  });
});
