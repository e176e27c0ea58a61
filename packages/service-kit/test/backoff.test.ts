import { describe, expect, it } from 'vitest';
import { exponentialBackoffMs } from '../src/backoff.js';

describe('exponentialBackoffMs', () => {
  it('doubles per attempt, with the upper half of each delay random', () => {
    expect([1, 2, 3, 4].map((attempt) => exponentialBackoffMs(attempt, 1_000, 30_000, () => 1))).toEqual([
      1_000, 2_000, 4_000, 8_000,
    ]);
    expect([1, 2, 3, 4].map((attempt) => exponentialBackoffMs(attempt, 1_000, 30_000, () => 0))).toEqual([
      500, 1_000, 2_000, 4_000,
    ]);
    expect(exponentialBackoffMs(2, 1_000, 30_000, () => 0.5)).toBe(1_500);
  });

  it('is capped by the maximum delay, however many attempts', () => {
    expect(exponentialBackoffMs(6, 1_000, 30_000, () => 1)).toBe(30_000);
    expect(exponentialBackoffMs(40, 1_000, 30_000, () => 1)).toBe(30_000);
    expect(exponentialBackoffMs(40, 1_000, 30_000, () => 0)).toBe(15_000);
    expect(exponentialBackoffMs(10_000, 1_000, 30_000, () => 1)).toBe(30_000);
  });
});
