import { describe, expect, it } from 'vitest';
import { isRetryable } from './sync-error.js';

describe('isRetryable', () => {
  it('retries what may pass by itself, never refused credentials or a changed site', () => {
    expect(isRetryable('NETWORK')).toBe(true);
    expect(isRetryable('BLOCKED')).toBe(true);
    expect(isRetryable('INTERNAL')).toBe(true);
    expect(isRetryable('LOGIN_FAILED')).toBe(false);
    expect(isRetryable('PARSE_FAILED')).toBe(false);
  });
});
